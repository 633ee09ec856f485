/**
 * The coordinator workflow ID scheme (docs/wire-contract.md), in one place both sides use: the client computes the ID
 * it signals, and a coordinator checks that it runs under the canonical ID of the (policy, key) in its input — a
 * submitter that encodes the key differently (another language's URL encoding, say) must not get a second
 * coordinator, and so a second limit, for the same key.
 */
import { sha256Hex } from './sha256';

/** Longest readable coordinator workflow ID; longer ones replace the key by its hash. */
export const MAX_COORDINATOR_ID_LENGTH = 200;

/**
 * The coordinator's workflow ID for a (policy, key): `concurrency/<policy>/<encodeURIComponent(key)>`, with a leading
 * `~` of the encoded key written `%7E`, or, when that exceeds 200 characters,
 * `concurrency/<policy>/~<first 32 hex of sha256(key)>`. Only hashed IDs start their key part with `~`, so no key can
 * spell another key's hashed ID.
 */
export function coordinatorWorkflowId(policy: string, key: string): string {
  const encoded = encodeURIComponent(key).replace(/^~/, '%7E');
  const readable = `concurrency/${policy}/${encoded}`;
  if (readable.length <= MAX_COORDINATOR_ID_LENGTH) return readable;
  return `concurrency/${policy}/~${sha256Hex(key).slice(0, 32)}`;
}
