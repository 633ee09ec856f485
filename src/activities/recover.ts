/**
 * Recovery of a coordinator run that ended without handing over its state (terminated from the UI or CLI, failed,
 * timed out, cancelled): the next run of the same coordinator workflow ID finds it and takes over its running and
 * queued submissions, so no submission the client was told was accepted is lost.
 */
import { Context } from '@temporalio/activity';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { carriedStateQuery, type CarriedState } from '../coordinator/messages';

/** Close statuses after which a run's open work was not handed to a successor. */
const ABANDONING_STATUSES = new Set(['TERMINATED', 'FAILED', 'TIMED_OUT', 'CANCELLED']);

export interface AbandonedRun {
  runId: string;
  status: string;
}

/**
 * The run of `workflowId` that closed last before this chain started, if it ended without handing over its state.
 * A run that completed (idle: nothing open) or continued as new (its successor carries the state) needs nothing.
 * Runs closed after `chainStartTime` are not predecessors: a reset ends the run it replaces after the new run's chain
 * began, and the new run already replays that run's signals.
 */
export async function findAbandonedPredecessor(input: {
  workflowId: string;
  runId: string;
  /** The run a reset replaced keeps this ID in its successor: it is never a predecessor. */
  originalExecutionRunId: string;
  chainStartTime: string;
}): Promise<AbandonedRun | undefined> {
  const { client } = Context.current();
  const chainStart = Date.parse(input.chainStartTime);
  let latest: { runId: string; status: string; closedAt: number } | undefined;
  for (const info of await runsOf(client, input.workflowId)) {
    if (info.runId === input.runId || info.runId === input.originalExecutionRunId) continue;
    // Visibility lags behind: a run that closed a moment ago may still be listed as running. Describe is current.
    const { status, closeTime } =
      info.status.name === 'RUNNING' ? await client.workflow.getHandle(input.workflowId, info.runId).describe() : info;
    if (!closeTime || status.name === 'RUNNING') continue;
    const closedAt = closeTime.getTime();
    if (closedAt > chainStart) continue;
    if (!latest || closedAt > latest.closedAt) latest = { runId: info.runId, status: status.name, closedAt };
  }
  if (!latest || !ABANDONING_STATUSES.has(latest.status)) return undefined;
  return { runId: latest.runId, status: latest.status };
}

async function runsOf(client: Client, workflowId: string): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  for await (const info of client.workflow.list({ query: `WorkflowId = ${JSON.stringify(workflowId)}` })) {
    runs.push(info);
  }
  return runs;
}

export interface AbandonedState {
  /** The state the run had reached in its last completed workflow task. */
  carried: CarriedState;
  /** `submit` signals the server accepted after that task, which no workflow task handled: oldest first. */
  unhandledSubmits: { payload: unknown; at: string }[];
}

/**
 * The state of an abandoned run: its `carriedState` query (answered by replaying its history, since queries work on
 * closed runs) plus the `submit` signals that arrived after its last completed workflow task.
 */
export async function recoverAbandonedState(input: { workflowId: string; runId: string }): Promise<AbandonedState> {
  const { client } = Context.current();
  const handle = client.workflow.getHandle(input.workflowId, input.runId);
  const carried = await handle.query(carriedStateQuery);
  const { events } = await handle.fetchHistory();
  const all = events ?? [];
  let lastCompletedTask = -1;
  all.forEach((event, index) => {
    if (event.workflowTaskCompletedEventAttributes) lastCompletedTask = index;
  });
  const unhandledSubmits: AbandonedState['unhandledSubmits'] = [];
  for (const event of all.slice(lastCompletedTask + 1)) {
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName !== 'submit') continue;
    const payload = await decodeFromPayloadsAtIndex(client.options.loadedDataConverter, 0, signal.input?.payloads);
    const seconds = Number(event.eventTime?.seconds ?? 0);
    const at = new Date(seconds * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6)).toISOString();
    unhandledSubmits.push({ payload, at });
  }
  return { carried, unhandledSubmits };
}
