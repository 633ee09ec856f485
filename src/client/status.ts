import { isGrpcCancelledError, isGrpcDeadlineError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { awaitingWorkerReason, mayAwaitWorker, type FirstTaskFacts } from '../coordinator/core/child-waiting';
import {
  stateQuery,
  type ClosedSubmission,
  type CoordinatorStateView,
  type FinalOutcome,
  type OpenSubmission,
} from '../coordinator/messages';
import { firstTaskFactsOf, pollerCount } from './child-facts';
import { ConcurrencyUnavailableError } from './errors';
import type { SubmitResult } from './submit';

/** Where a submission stands, as its coordinator sees it. */
export type SubmissionStatus =
  /** `waiting`: started, but no worker has picked up its first workflow task; `run.waiting` says why. */
  | { status: 'queued' | 'running' | 'waiting' | 'cancelling'; run: OpenSubmission }
  | { status: FinalOutcome; run: ClosedSubmission }
  /**
   * Not in the coordinator's state: older than its `recent` window, the coordinator has not handled it yet, or no
   * coordinator exists for the key (never submitted to, or its closed runs are past the namespace's retention).
   */
  | { status: 'unknown' };

export interface SubmissionStatusOptions {
  /**
   * How long a worker may take to answer the `state` query once one polls the coordinator's task queue. It bounds
   * the case the poller check cannot see: a worker that stopped in the last few minutes still shows as a poller.
   * @default 10000
   */
  queryTimeoutMs?: number | undefined;
}

export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;

/**
 * Looks a submission up in its coordinator's `state` query.
 *
 * `cancelling` means its cancellation was requested (see `run.supersededBy`) and the child has not closed yet.
 *
 * @throws {@link ConcurrencyUnavailableError} within `queryTimeoutMs` at most (at once when nothing polls the
 * coordinator's task queue) if no worker answers for the coordinator
 */
export async function getSubmissionStatus(
  client: Client,
  submitted: SubmitResult,
  options: SubmissionStatusOptions = {},
): Promise<SubmissionStatus> {
  const { coordinatorWorkflowId } = submitted;
  const taskQueue = await coordinatorTaskQueue(client, coordinatorWorkflowId);
  if (taskQueue === undefined) return { status: 'unknown' };
  await requireWorker(client, coordinatorWorkflowId, taskQueue);
  const state = await queryState(
    client,
    coordinatorWorkflowId,
    taskQueue,
    options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS,
  );
  return withFirstTaskCheck(client, statusIn(state, submitted.submissionId));
}

/**
 * The coordinator learns that a child waits for a worker only at its next sweep (`sweepIntervalMs`, 60 s by
 * default), and says `running` until then. So a `running` child is described (one call; a second, for its task
 * queue's pollers, only when its first workflow task has waited unpicked for `WAITING_AFTER_MS`, 2 s), and reported
 * `waiting`, with the reason, as the sweep will. Anything the check cannot read leaves the coordinator's answer as is.
 */
async function withFirstTaskCheck(client: Client, status: SubmissionStatus): Promise<SubmissionStatus> {
  if (status.status !== 'running') return status;
  try {
    const description = await client.workflow.getHandle(status.run.workflowId).describe();
    if (description.status.name !== 'RUNNING') return status;
    const reason = await awaitingWorker(client, firstTaskFactsOf(description), Date.now());
    return reason === undefined ? status : { status: 'waiting', run: { ...status.run, waiting: reason } };
  } catch {
    return status;
  }
}

/** Why the child waits for a worker, if it does: the pure judgement, with the pollers asked only when it matters. */
async function awaitingWorker(client: Client, child: FirstTaskFacts, nowMs: number): Promise<string | undefined> {
  if (!mayAwaitWorker(child, nowMs)) return undefined;
  return awaitingWorkerReason(child, await pollerCount(client, child.taskQueue));
}

/**
 * The task queue the coordinator runs on, from describing it (which needs no worker), or undefined if no coordinator
 * with this ID exists: a query would throw WorkflowNotFoundError, yet "never seen" is an answer, not a failure.
 */
async function coordinatorTaskQueue(client: Client, coordinatorWorkflowId: string): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(coordinatorWorkflowId).describe()).taskQueue;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Fails fast when no worker polls the coordinator's task queue. A query needs a worker to replay the coordinator, and
 * without one the server holds it for about 30 s before failing it with a generic "Failed to query Workflow".
 */
export async function requireWorker(client: Client, coordinatorWorkflowId: string, taskQueue: string): Promise<void> {
  if ((await pollerCount(client, taskQueue)) === 0) {
    throw new ConcurrencyUnavailableError(coordinatorWorkflowId, taskQueue, 'no worker polls its task queue');
  }
}

/**
 * The coordinator's `state`, under a deadline: the server lists a worker as a poller for minutes after it stopped,
 * so a query can still find nobody to answer it. That case, and the server's own "no poller seen for task queue
 * recently", become the same {@link ConcurrencyUnavailableError} as an empty task queue.
 */
export async function queryState(
  client: Client,
  coordinatorWorkflowId: string,
  taskQueue: string,
  timeoutMs: number,
): Promise<CoordinatorStateView> {
  const deadline = Date.now() + timeoutMs;
  try {
    return await client.withDeadline(deadline, () =>
      client.workflow.getHandle(coordinatorWorkflowId).query(stateQuery),
    );
  } catch (err) {
    // A deadline that passes while the client waits to retry surfaces as CANCELLED ("Call cancelled"), not
    // DEADLINE_EXCEEDED: both mean nobody answered in time.
    if (isGrpcDeadlineError(err) || (isGrpcCancelledError(err) && Date.now() >= deadline)) {
      const reason = `no worker on its task queue answered its state query within ${timeoutMs} ms`;
      throw new ConcurrencyUnavailableError(coordinatorWorkflowId, taskQueue, reason, { cause: err });
    }
    if (isNoPollerError(err)) {
      const reason = 'no worker has polled its task queue recently';
      throw new ConcurrencyUnavailableError(coordinatorWorkflowId, taskQueue, reason, { cause: err });
    }
    throw err;
  }
}

/** How the server fails a query once it has seen no worker poll the task queue for a while (FAILED_PRECONDITION). */
const NO_POLLER_MESSAGE = 'no poller seen for task queue recently';

/** Whether `err` (or its cause: the client wraps it in "Failed to query Workflow") is the server's "no poller". */
function isNoPollerError(err: unknown): boolean {
  for (let cause = err; cause instanceof Error; cause = cause.cause) {
    if (cause.message.includes(NO_POLLER_MESSAGE)) return true;
  }
  return false;
}

/** Where an open submission (in `state.running` or `state.queued`) stands. */
export function openStatusOf(run: OpenSubmission): 'queued' | 'running' | 'waiting' | 'cancelling' {
  if (run.startedAt === undefined) return 'queued';
  if (run.cancelRequestedAt) return 'cancelling';
  return run.waiting !== undefined ? 'waiting' : 'running';
}

/** The submission's entry in the coordinator's state: open runs first, then the newest closed record. */
export function statusIn(state: CoordinatorStateView, submissionId: string): SubmissionStatus {
  const open = [...state.running, ...state.queued].find((run) => run.id === submissionId);
  if (open) return { status: openStatusOf(open), run: open };
  const closed = [...state.recent].reverse().find((run) => run.id === submissionId);
  return closed ? { status: closed.outcome, run: closed } : { status: 'unknown' };
}
