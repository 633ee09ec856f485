import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ConcurrencyUnavailableError } from '../../client/errors';
import { statusIn } from '../../client/status';
import { looksLikeCoordinatorId } from '../../coordinator/core/limits';
import { withClient } from '../connect';
import { readCoordinator } from '../coordinator-state';
import { NotFoundError, UsageError } from '../exit-codes';
import {
  childMemoOf,
  explainFromChild,
  explainFromCoordinator,
  type ChildDescription,
  type Explanation,
} from '../explain';
import { formatWhy } from '../format/why';
import type { CliIo } from '../io';
import type { GlobalOptions, WhyRequest } from '../program';
import { parseDefaultChildWorkflowId, refOfKey, type SubmissionRef } from '../submission-ref';

async function describeWorkflow(client: Client, workflowId: string): Promise<ChildDescription | undefined> {
  try {
    return await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * The submission the argument names without asking the server: by id within `--policy`/`--key`, or by its default
 * child workflow ID. Undefined for any other workflow ID, which only its memo can place.
 */
function resolveLocally(request: WhyRequest): SubmissionRef | undefined {
  if (request.policy !== undefined && request.key !== undefined) {
    return refOfKey(request.policy, request.key, request.ref);
  }
  const parsed = parseDefaultChildWorkflowId(request.ref);
  if (parsed) return parsed;
  if (looksLikeCoordinatorId(request.ref)) {
    throw new UsageError(
      `${request.ref} is a coordinator's workflow ID: \`status <policy> <key>\` shows its submissions, ` +
        '`why` takes one of them (its id with --policy and --key, or its child workflow ID)',
    );
  }
  return undefined;
}

/** A child named by a workflow ID of the submitter's choosing: its memo names its coordinator and submission. */
async function resolveByMemo(client: Client, workflowId: string): Promise<SubmissionRef> {
  const description = await describeWorkflow(client, workflowId);
  const memo = description && childMemoOf(description);
  if (!memo?.coordinatorWorkflowId || memo.submissionId === undefined) {
    throw new NotFoundError(
      description
        ? `workflow ${workflowId} is not a coordinator's child (its memo has no "concurrency" entry)`
        : `no workflow ${workflowId}: pass a submission id with --policy and --key, or its child workflow ID`,
    );
  }
  return {
    coordinatorWorkflowId: memo.coordinatorWorkflowId,
    submissionId: memo.submissionId,
    childWorkflowId: workflowId,
  };
}

/** Asks the coordinator first; if it no longer holds the submission, or cannot answer, asks the child. */
async function explain(client: Client, ref: SubmissionRef): Promise<Explanation> {
  const notes: string[] = [];
  let unavailable: ConcurrencyUnavailableError | undefined;
  try {
    const reading = await readCoordinator(client, ref.coordinatorWorkflowId);
    if (!reading) {
      notes.push(
        `no coordinator ${ref.coordinatorWorkflowId} exists (never submitted to, or past the namespace's retention)`,
      );
    } else {
      const found = statusIn(reading.state, ref.submissionId);
      if (found.status !== 'unknown') return explainFromCoordinator(ref, found, reading.source);
      notes.push(
        `the coordinator's ${reading.source} does not hold submission ${ref.submissionId} (never submitted to ` +
          `this key, or older than the ${reading.state.recent.length} outcomes it keeps)`,
      );
    }
  } catch (err) {
    if (!(err instanceof ConcurrencyUnavailableError)) throw err;
    unavailable = err;
    notes.push(err.message);
  }
  const child = await describeWorkflow(client, ref.childWorkflowId);
  if (child) return explainFromChild(ref, child, notes);
  // The coordinator might have known: that it could not answer is the more useful error.
  if (unavailable) throw unavailable;
  throw new NotFoundError(
    `${notes.join('; ')}; and no child workflow ${ref.childWorkflowId} exists (a dropped or rejected submission ` +
      'never had one; a submission sent with its own --workflow-id is found by that ID)',
  );
}

/** `why <submission>`: what happened to a submission and why, and which source said so. */
export async function why(request: WhyRequest, globals: GlobalOptions, io: CliIo): Promise<void> {
  const local = resolveLocally(request);
  const answer = await withClient(io.env, globals, async (client) =>
    explain(client, local ?? (await resolveByMemo(client, request.ref))),
  );
  io.out(request.json ? JSON.stringify(answer, null, 2) : formatWhy(answer));
}
