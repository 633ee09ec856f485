/**
 * `why`'s answer, from whichever source knew the submission: its coordinator's state (the `state` query, or the
 * final result of an idle coordinator), else its child workflow's own description and memo (the coordinator keeps
 * only its newest outcomes). Pure, so every answer is tested without a server.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { SubmissionStatus } from '../client/status';
import { CHILD_MEMO_KEY, type ChildMemo } from '../coordinator/messages';
import type { StateSource } from './coordinator-state';
import { reasonsOf } from './format/reason';
import type { SubmissionRef } from './submission-ref';

/** Where a submission stands: `SubmissionStatus` as the coordinator or the child sees it. */
export type WhyStatus = Exclude<SubmissionStatus['status'], 'unknown'>;

export interface Explanation {
  submissionId: string;
  coordinatorWorkflowId: string;
  childWorkflowId: string;
  status: WhyStatus;
  /** What happened and why, in one sentence. */
  summary: string;
  /** The newer submission that displaced it. */
  supersededBy?: string;
  /** Why it was dropped, rejected, failed or terminated, why its cancellation was requested, or why it waits. */
  reason?: string;
  seq?: number;
  submittedAt?: string;
  startedAt?: string;
  cancelRequestedAt?: string;
  closedAt?: string;
  childRunId?: string;
  /** Which source answered. */
  source: `coordinator ${StateSource}` | 'child workflow';
  /** Why the coordinator did not answer, when the child did; or a doubt about the child. */
  notes: string[];
}

const SUMMARY_OF: Record<WhyStatus, string> = {
  queued: 'queued: it starts when a slot is free',
  running: 'running',
  waiting: 'started, but no worker has picked its child up yet',
  cancelling: 'its cancellation was requested; its child runs its cleanup until it closes',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  terminated: 'terminated',
  timedOut: 'timed out',
  dropped: 'dropped before it started',
  rejected: 'rejected',
};

/**
 * "cancelled: superseded by the newer submission m-5": the status, then the newer submission that displaced it (in
 * those words), then any other reason.
 */
function summaryOf(status: WhyStatus, supersededBy: string | undefined, reasons: string[]): string {
  const why = [
    ...(supersededBy !== undefined ? [`superseded by the newer submission ${supersededBy}`] : []),
    ...reasons.filter((reason) => supersededBy === undefined || !reason.startsWith(`superseded by ${supersededBy}`)),
  ];
  if (why.length === 0) return SUMMARY_OF[status];
  // A queued submission's reasons say what it waits for (run behaviour 6): more than "when a slot is free".
  return `${status === 'queued' ? 'queued' : SUMMARY_OF[status]}: ${why.join('; ')}`;
}

/** The answer from the coordinator's state, which holds the submission (`status` is not `unknown`). */
export function explainFromCoordinator(
  ref: SubmissionRef,
  found: Exclude<SubmissionStatus, { status: 'unknown' }>,
  source: StateSource,
): Explanation {
  const { run } = found;
  // Everything but the superseder, which has its own field.
  const reasons = reasonsOf({ ...run, supersededBy: undefined });
  const reason = reasons.join('; ');
  return {
    submissionId: run.id,
    coordinatorWorkflowId: ref.coordinatorWorkflowId,
    childWorkflowId: run.workflowId ?? ref.childWorkflowId,
    status: found.status,
    summary: summaryOf(found.status, run.supersededBy, reasons),
    ...(run.supersededBy !== undefined && { supersededBy: run.supersededBy }),
    ...(reason !== '' && { reason }),
    seq: run.seq,
    ...(run.submittedAt !== undefined && { submittedAt: run.submittedAt }),
    ...(run.startedAt !== undefined && { startedAt: run.startedAt }),
    ...(run.cancelRequestedAt !== undefined && { cancelRequestedAt: run.cancelRequestedAt }),
    ...('closedAt' in run && { closedAt: run.closedAt }),
    ...(run.runId !== undefined && { childRunId: run.runId }),
    source: `coordinator ${source}`,
    notes: [],
  };
}

/** What a child's Temporal status says of its submission; a superseded child still open is being cancelled. */
function statusOfChild(description: ChildDescription, memo: Partial<ChildMemo> | undefined): WhyStatus {
  switch (description.status.name) {
    case 'COMPLETED':
      return 'completed';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timedOut';
    default:
      return memo?.supersededBy !== undefined ? 'cancelling' : 'running';
  }
}

/** The parts of a child's description `why` reads. */
export type ChildDescription = Pick<
  WorkflowExecutionDescription,
  'status' | 'runId' | 'startTime' | 'closeTime' | 'memo'
>;

/** The child's memo entry, if it has one (every child the coordinator starts has). */
export function childMemoOf(description: Pick<WorkflowExecutionDescription, 'memo'>): Partial<ChildMemo> | undefined {
  const memo = description.memo?.[CHILD_MEMO_KEY];
  // Its fields are checked where they are used: a memo is whatever the workflow's starter wrote.
  return typeof memo === 'object' && memo !== null ? memo : undefined;
}

/**
 * The answer from the child workflow itself, when the coordinator does not hold the submission any more (or cannot
 * answer). Its memo names its coordinator and submission, and `supersededBy` once the coordinator superseded it.
 *
 * @param notes why the coordinator did not answer
 */
export function explainFromChild(ref: SubmissionRef, description: ChildDescription, notes: string[]): Explanation {
  const memo = childMemoOf(description);
  const status = statusOfChild(description, memo);
  const doubts: string[] = [];
  if (memo?.submissionId !== ref.submissionId || memo.coordinatorWorkflowId !== ref.coordinatorWorkflowId) {
    doubts.push(
      `the child's memo does not name submission ${ref.submissionId} of ${ref.coordinatorWorkflowId}` +
        (memo ? ` (it names ${String(memo.submissionId)} of ${String(memo.coordinatorWorkflowId)})` : '') +
        ": it may not be that submission's child",
    );
  }
  if (status === 'cancelled' && memo?.supersededBy === undefined) {
    doubts.push(
      'its memo names no superseding submission: it was cancelled by an operator, or because its coordinator was',
    );
  }
  return {
    submissionId: ref.submissionId,
    coordinatorWorkflowId: ref.coordinatorWorkflowId,
    childWorkflowId: ref.childWorkflowId,
    status,
    summary: summaryOf(status, memo?.supersededBy, []),
    ...(memo?.supersededBy !== undefined && { supersededBy: memo.supersededBy }),
    ...(memo?.seq !== undefined && { seq: memo.seq }),
    startedAt: description.startTime.toISOString(),
    ...(description.closeTime && { closedAt: description.closeTime.toISOString() }),
    childRunId: description.runId,
    source: 'child workflow',
    notes: [...notes, ...doubts],
  };
}
