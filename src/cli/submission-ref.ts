/**
 * Which submission `why` is asked about. A submission id is unique only within its key, so it comes with its policy
 * and key, or as the child workflow ID it was given: `<coordinator workflow ID>/<submission id>` by default (IDs under
 * `concurrency/` are reserved to coordinators and their children), any other ID through the child's memo.
 */
import { coordinatorWorkflowId } from '../client/ids';
import { defaultChildWorkflowId } from '../coordinator/core/admission';

export interface SubmissionRef {
  coordinatorWorkflowId: string;
  submissionId: string;
  /** Its child workflow ID, when known (from the argument, the coordinator's state or the child's memo). */
  childWorkflowId: string;
}

/** The parts of a default child workflow ID, `concurrency/<policy>/<encoded key or ~hash>/<submission id>`. */
export interface DefaultChildIdParts extends SubmissionRef {
  policy: string;
  /** The key, decoded; undefined for the hashed form (`~<hash>`), which cannot be reversed. */
  key?: string;
}

/**
 * Splits a default child workflow ID. Neither the policy (no `/` allowed) nor the encoded key (`/` is encoded as
 * `%2F`) holds a `/`, so everything after the third `/` is the submission id, which may hold `/` itself.
 *
 * @returns undefined if `workflowId` does not have that shape
 */
export function parseDefaultChildWorkflowId(workflowId: string): DefaultChildIdParts | undefined {
  const match = /^concurrency\/([^/]+)\/([^/]+)\/(.+)$/s.exec(workflowId);
  if (!match) return undefined;
  const [, policy = '', encodedKey = '', submissionId = ''] = match;
  const coordinatorId = `concurrency/${policy}/${encodedKey}`;
  return {
    coordinatorWorkflowId: coordinatorId,
    submissionId,
    childWorkflowId: workflowId,
    policy,
    ...(!encodedKey.startsWith('~') && { key: decodeKey(encodedKey) }),
  };
}

function decodeKey(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** The submission `submissionId` of the key's coordinator, with its default child workflow ID. */
export function refOfKey(policy: string, key: string, submissionId: string): SubmissionRef {
  const coordinatorId = coordinatorWorkflowId(policy, key);
  return {
    coordinatorWorkflowId: coordinatorId,
    submissionId,
    childWorkflowId: defaultChildWorkflowId(coordinatorId, submissionId),
  };
}
