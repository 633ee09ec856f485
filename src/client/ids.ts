import { createHash } from 'node:crypto';
import { defaultChildWorkflowId } from '../coordinator/admission';

/** Longest coordinator workflow ID before the key is replaced by its hash (SPEC section 2). */
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
  return `concurrency/${policy}/~${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;
}

/** The child workflow ID of a submission: its own `workflowId`, or `<coordinator workflow ID>/<submission id>`. */
export function childWorkflowId(coordinatorId: string, submissionId: string, workflowId?: string): string {
  return workflowId ?? defaultChildWorkflowId(coordinatorId, submissionId);
}
