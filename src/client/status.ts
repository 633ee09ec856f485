import type { Client } from '@temporalio/client';
import { stateQuery, type ClosedRun, type FinalOutcome, type Run } from '../coordinator/messages';
import type { SubmitResult } from './submit';

/** Where a submission stands, as its coordinator sees it. */
export type SubmissionStatus =
  /** `waiting`: started, but no worker has picked up its first workflow task; `run.waiting` says why. */
  | { status: 'queued' | 'running' | 'waiting' | 'cancelling'; run: Run }
  | { status: FinalOutcome; run: ClosedRun }
  /** Not in the coordinator's state: older than its `recent` window, or the coordinator has not handled it yet. */
  | { status: 'unknown' };

/**
 * Looks a submission up in its coordinator's `state` query.
 *
 * `cancelling` means its cancellation was requested (see `run.supersededBy`) and the child has not closed yet.
 */
export async function getSubmissionStatus(client: Client, submitted: SubmitResult): Promise<SubmissionStatus> {
  const state = await client.workflow.getHandle(submitted.coordinatorWorkflowId).query(stateQuery);
  const open = [...state.running, ...state.queued].find((run) => run.id === submitted.submissionId);
  if (open) {
    const status =
      open.startedAt === undefined
        ? 'queued'
        : open.cancelRequestedAt
          ? 'cancelling'
          : open.waiting !== undefined
            ? 'waiting'
            : 'running';
    return { status, run: open };
  }
  const closed = [...state.recent].reverse().find((run) => run.id === submitted.submissionId);
  return closed ? { status: closed.outcome, run: closed } : { status: 'unknown' };
}
