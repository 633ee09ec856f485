/**
 * A key's coordinator as the CLI reads it: Temporal's description of its latest run, and its `state` — from the
 * `state` query while a worker can answer, or from the result an idle coordinator completed with (its final state),
 * which needs no worker.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionStatusName } from '@temporalio/client';
import { ConcurrencyUnavailableError } from '../client/errors';
import { DEFAULT_QUERY_TIMEOUT_MS, queryState, requireWorker } from '../client/status';
import type { CoordinatorResult, CoordinatorStateView } from '../coordinator/messages';

/** Where a coordinator's state came from. */
export type StateSource = 'state query' | 'final result';

export interface CoordinatorReading {
  coordinatorWorkflowId: string;
  /** Temporal's status of the coordinator's latest run. */
  runStatus: WorkflowExecutionStatusName;
  runId: string;
  taskQueue: string;
  closeTime?: Date;
  state: CoordinatorStateView;
  source: StateSource;
}

/** The coordinator's latest run, or undefined if no workflow has this ID (never submitted to, or past retention). */
export async function describeCoordinator(client: Client, coordinatorWorkflowId: string) {
  try {
    return await client.workflow.getHandle(coordinatorWorkflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

/**
 * Reads the coordinator's state, or returns undefined if there is no such coordinator.
 *
 * A completed run answers with its result. Any other run — open, or terminated, failed or cancelled, whose state
 * the next run takes over — is queried, which needs a worker on its task queue.
 *
 * @throws {@link ConcurrencyUnavailableError} if no worker answers the query
 */
export async function readCoordinator(
  client: Client,
  coordinatorWorkflowId: string,
  queryTimeoutMs = DEFAULT_QUERY_TIMEOUT_MS,
): Promise<CoordinatorReading | undefined> {
  const description = await describeCoordinator(client, coordinatorWorkflowId);
  if (!description) return undefined;
  const about = {
    coordinatorWorkflowId,
    runStatus: description.status.name,
    runId: description.runId,
    taskQueue: description.taskQueue,
    ...(description.closeTime && { closeTime: description.closeTime }),
  };
  if (description.status.name === 'COMPLETED') {
    const handle = client.workflow.getHandle(coordinatorWorkflowId, description.runId);
    // The bookkeeping the key's next run continues with is not part of the state view.
    const { seenIds: _seenIds, nextSeq: _nextSeq, ...state } = (await handle.result()) as CoordinatorResult;
    return { ...about, state, source: 'final result' };
  }
  await requireWorker(client, coordinatorWorkflowId, description.taskQueue);
  try {
    const state = await queryState(client, coordinatorWorkflowId, description.taskQueue, queryTimeoutMs);
    return { ...about, state, source: 'state query' };
  } catch (err) {
    if (err instanceof ConcurrencyUnavailableError || description.status.name === 'RUNNING') throw err;
    // A closed run is replayed to answer; one that failed at its start (an invalid input) may have no state at all.
    const status = description.status.name.toLowerCase();
    throw new Error(
      `coordinator ${coordinatorWorkflowId} ${status}, and its state cannot be read: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
}
