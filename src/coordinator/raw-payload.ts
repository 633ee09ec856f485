/**
 * The coordinator decodes its own messages (the start input, `submit`, `runClosed`) itself, so a payload the data
 * converter cannot decode — another SDK's converter, a hand-written gRPC call, the CLI with `--input-meta` — costs
 * only itself: it becomes an {@link Undecodable} value the validation rejects with its encoding and the decoder's
 * message, instead of failing the workflow task on every attempt and wedging the key.
 *
 * How: the SDK's `rawValueTypeInfo` (SDK 1.24 on) hands a handler the raw payload. The messages are JSON by the wire
 * contract, so they are decoded with the default payload converter (payload codecs still apply before, in the
 * worker). Older SDKs of the peer range have no raw values: they decode as before, and an undecodable payload still
 * fails the task there. Decoding in the handler decodes the same values for valid payloads, so no command changes.
 */
import * as common from '@temporalio/common';
import { defaultPayloadConverter, defineSignal, type SignalDefinition } from '@temporalio/workflow';
import { undecodable } from './core/validation';

// Looked up on the namespace: a named import of an export older SDKs lack would not bundle cleanly.
// Typed here, not from the SDK's declarations: apps on older SDKs of the peer range compile this file's types too.
interface RawPayload {
  metadata?: Record<string, Uint8Array> | null;
  data?: Uint8Array | null;
}
const rawValue = common as unknown as {
  rawValueTypeInfo?: object;
  RawValue?: new (...args: never[]) => { readonly payload: RawPayload };
};

/** The workflow side's definition of one of the coordinator's own signals: its argument arrives undecoded. */
export function rawSignal(name: string): SignalDefinition<[unknown]> {
  const typeInfo = rawValue.rawValueTypeInfo;
  const options = typeInfo ? { typeInfo: { inputTypes: [typeInfo] } } : {};
  return defineSignal<[unknown]>(name, options);
}

/** Makes the workflow function receive its first argument undecoded (static options, read before decoding). */
export function withRawInput<F extends (...args: never[]) => Promise<unknown>>(workflow: F): F {
  const typeInfo = rawValue.rawValueTypeInfo;
  if (typeInfo) Object.assign(workflow, { staticOptions: { typeInfo: { inputTypes: [typeInfo] } } });
  return workflow;
}

/**
 * The value to hand the SDK where it encodes the coordinator's own input (continue-as-new): with raw input declared,
 * the SDK expects a raw value there too. Encoded as JSON, as any coordinator input.
 */
export function asRawInput<T>(value: T): T {
  const RawValue = rawValue.RawValue as (new (value: unknown) => unknown) | undefined;
  return rawValue.rawValueTypeInfo && RawValue ? (new RawValue(value) as T) : value;
}

/** The message itself, decoded here; a raw payload that does not decode becomes an `Undecodable` value. */
export function decodeRaw(value: unknown): unknown {
  const RawValue = rawValue.RawValue;
  if (RawValue === undefined || !(value instanceof RawValue)) return value; // older SDK: decoded already
  const { payload } = value;
  try {
    return defaultPayloadConverter.fromPayload(payload);
  } catch (err) {
    return undecodable(encodingOf(payload), err instanceof Error ? err.message : String(err));
  }
}

/** The payload's `encoding` metadata as text (bounded: it is echoed in a reason). */
function encodingOf(payload: RawPayload): string {
  const bytes = payload.metadata?.encoding;
  if (!bytes || bytes.length === 0) return '(none)';
  return String.fromCharCode(...Array.from(bytes.subarray(0, 64)));
}
