/**
 * The coordinator decodes its own messages (the start input, `submit`, `runClosed`) itself, so a payload the data
 * converter cannot decode — another SDK's converter, a hand-written gRPC call, the CLI with `--input-meta` — costs
 * only itself: it becomes an {@link Undecodable} value the validation rejects with its encoding and the decoder's
 * message, instead of failing the workflow task on every attempt and wedging the key.
 *
 * How: the SDK's `rawValueTypeInfo` (SDK 1.24 on) hands a handler the raw payload, which is decoded here with the
 * payload converter the SDK itself would have used: the worker's (an app's own converter, e.g. one with an encoding of
 * its own, decodes the submissions its clients send through `submit()`), with the same serialization context. Payload
 * codecs still apply before, in the worker. So valid payloads decode to the same values and no command changes. Older
 * SDKs of the peer range have no raw values: they decode as before, and an undecodable payload still fails the task
 * there.
 */
import * as common from '@temporalio/common';
import {
  defaultPayloadConverter,
  defineSignal,
  defineUpdate,
  workflowInfo,
  type PayloadConverter,
  type SignalDefinition,
} from '@temporalio/workflow';
import type { UpdateDefinition } from '@temporalio/common';
import { undecodable } from './core/validation';
import { COORDINATOR_WORKFLOW_TYPE } from './core/wire';

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

/**
 * The worker's payload converter, as the SDK uses it for this workflow's every other value, and the serialization
 * context it passes. No public API hands it to workflow code: the SDK keeps it on its activator, published as a global
 * of the sandbox (`__TEMPORAL_ACTIVATOR__`, kept under that name for older bundles). Without it, the default.
 */
function workflowConverter(): {
  converter: PayloadConverter;
  context: { type: 'workflow'; namespace: string; workflowId: string };
} {
  const activator = (globalThis as { __TEMPORAL_ACTIVATOR__?: { payloadConverter?: PayloadConverter } })
    .__TEMPORAL_ACTIVATOR__;
  const { namespace, workflowId } = workflowInfo();
  return {
    converter: activator?.payloadConverter ?? defaultPayloadConverter,
    context: { type: 'workflow', namespace, workflowId },
  };
}

/** The workflow side's definition of one of the coordinator's own signals: its argument arrives undecoded. */
export function rawSignal(name: string): SignalDefinition<[unknown]> {
  const typeInfo = rawValue.rawValueTypeInfo;
  const options = typeInfo ? { typeInfo: { inputTypes: [typeInfo] } } : {};
  return defineSignal<[unknown]>(name, options);
}

/** The workflow side's definition of one of the coordinator's own Updates: its argument arrives undecoded. */
export function rawUpdate<Ret>(name: string): UpdateDefinition<Ret, [unknown]> {
  const typeInfo = rawValue.rawValueTypeInfo;
  const options = typeInfo ? { typeInfo: { inputTypes: [typeInfo] } } : {};
  return defineUpdate<Ret, [unknown]>(name, options);
}

/**
 * Makes the workflow function receive its first argument undecoded (static options, read before decoding). The SDK
 * reads the same options wherever the function is used as a reference — a client's `start(concurrencyCoordinator, …)`,
 * another workflow's `executeChild` — and there raw input would demand a `RawValue` argument (`ValueError: RawValue
 * TypeInfo requires a RawValue value`): so they declare raw input only inside the coordinator's own run.
 */
export function withRawInput<F extends (...args: never[]) => Promise<unknown>>(workflow: F): F {
  const typeInfo = rawValue.rawValueTypeInfo;
  if (!typeInfo) return workflow;
  Object.defineProperty(workflow, 'staticOptions', {
    enumerable: true,
    get: () => (decodesOwnInput() ? { typeInfo: { inputTypes: [typeInfo] } } : {}),
  });
  return workflow;
}

/**
 * Whether this code runs as the coordinator's own workflow, whose input the SDK then hands over raw (and expects raw at
 * continue-as-new): one answer for `withRawInput` and `asRawInput`, so they never disagree.
 */
function decodesOwnInput(): boolean {
  try {
    return workflowInfo().workflowType === COORDINATOR_WORKFLOW_TYPE;
  } catch {
    return false; // not in a workflow: a client
  }
}

/**
 * The value to hand the SDK where it encodes the coordinator's own input (continue-as-new): with raw input declared,
 * the SDK expects a raw value there too. Encoded by the worker's converter, as without raw input.
 */
export function asRawInput<T>(value: T): T {
  const RawValue = rawValue.RawValue as
    (new (value: unknown, converter: PayloadConverter, context: object) => unknown) | undefined;
  if (!rawValue.rawValueTypeInfo || !RawValue || !decodesOwnInput()) return value;
  const { converter, context } = workflowConverter();
  return new RawValue(value, converter, context) as T;
}

/** The message itself, decoded here; a raw payload that does not decode becomes an `Undecodable` value. */
export function decodeRaw(value: unknown): unknown {
  const RawValue = rawValue.RawValue;
  if (RawValue === undefined || !(value instanceof RawValue)) return value; // older SDK: decoded already
  const { payload } = value;
  try {
    const { converter, context } = workflowConverter();
    return converter.fromPayload(payload, context);
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
