/**
 * Recovery of a coordinator run that ended without handing over its state (terminated from the UI or CLI, failed,
 * timed out, cancelled): the next run of the same coordinator workflow ID finds it and takes over its running and
 * queued submissions, so no submission the client was told was accepted is lost.
 */
import { Context } from '@temporalio/activity';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import type { CarriedState, CoordinatorInput, Superseded } from '../coordinator/messages';
import { ADOPTED_RUN_ID, type AbandonedFact, type AbandonedRun } from '../coordinator/take-over';

/** Close statuses after which a run's open work was not handed to a successor. */
const ABANDONING_STATUSES = new Set(['TERMINATED', 'FAILED', 'TIMED_OUT', 'CANCELLED']);

export interface AbandonedPredecessor {
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
}): Promise<AbandonedPredecessor | undefined> {
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

const CLOSE_OUTCOMES = [
  ['childWorkflowExecutionCompletedEventAttributes', 'completed'],
  ['childWorkflowExecutionFailedEventAttributes', 'failed'],
  ['childWorkflowExecutionCanceledEventAttributes', 'cancelled'],
  ['childWorkflowExecutionTerminatedEventAttributes', 'terminated'],
  ['childWorkflowExecutionTimedOutEventAttributes', 'timedOut'],
] as const;

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function timeOf(event: HistoryEvent): string {
  const seconds = Number(event.eventTime?.seconds ?? 0);
  return new Date(seconds * 1000 + Math.floor((event.eventTime?.nanos ?? 0) / 1e6)).toISOString();
}

/**
 * The abandoned run as facts read from its history: what it was started with, every `submit` signal (handled or
 * not), the children it started, their closes and the cancellations it requested. No replay of the run's code is
 * needed, so this works even for a run that failed because of a bug in that code.
 */
export async function readAbandonedRun(input: { workflowId: string; runId: string }): Promise<AbandonedRun> {
  const { client } = Context.current();
  const converter = client.options.loadedDataConverter;
  const decode = (payloads: temporal.api.common.v1.IPayloads | null | undefined) =>
    decodeFromPayloadsAtIndex<unknown>(converter, 0, payloads?.payloads);
  const { events } = await client.workflow.getHandle(input.workflowId, input.runId).fetchHistory();
  const facts: AbandonedFact[] = [];
  let carried: CarriedState | undefined;
  for (const event of events ?? []) {
    const at = timeOf(event);
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) carried = ((await decode(started.input)) as CoordinatorInput | undefined)?.carried;
    const signal = event.workflowExecutionSignaledEventAttributes;
    if (signal?.signalName === 'submit') facts.push({ type: 'submit', payload: await decode(signal.input), at });
    const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes;
    if (initiated?.workflowId) facts.push({ type: 'startInitiated', workflowId: initiated.workflowId, at });
    const childStarted = event.childWorkflowExecutionStartedEventAttributes;
    if (childStarted?.workflowExecution?.workflowId) {
      const { workflowId, runId } = childStarted.workflowExecution;
      facts.push({ type: 'started', workflowId, runId: runId ?? ADOPTED_RUN_ID, at });
    }
    const startFailed = event.startChildWorkflowExecutionFailedEventAttributes;
    if (startFailed?.workflowId) {
      const cause = String(startFailed.cause ?? '');
      const alreadyRunning = cause === '1' || cause.endsWith('WORKFLOW_ALREADY_EXISTS');
      facts.push({ type: 'startFailed', workflowId: startFailed.workflowId, alreadyRunning, reason: cause, at });
    }
    for (const [attributes, outcome] of CLOSE_OUTCOMES) {
      const workflowId = event[attributes]?.workflowExecution?.workflowId;
      if (workflowId) facts.push({ type: 'closed', workflowId, outcome, at });
    }
    const told = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
    if (told?.signalName === 'superseded' && told.workflowExecution?.workflowId) {
      const superseded = (await decode(told.input)) as Partial<Superseded> | undefined;
      if (typeof superseded?.supersededBy === 'string') {
        facts.push({
          type: 'superseded',
          workflowId: told.workflowExecution.workflowId,
          supersededBy: superseded.supersededBy,
        });
      }
    }
    const cancel = event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes;
    if (cancel?.workflowExecution?.workflowId) {
      facts.push({ type: 'cancelRequested', workflowId: cancel.workflowExecution.workflowId, at });
    }
  }
  return { ...(carried && { carried }), facts };
}
