/**
 * Recovery of a coordinator run that ended without handing over its state (terminated from the UI or CLI, failed,
 * timed out, cancelled): the next run of the same coordinator workflow ID finds it and takes over its running and
 * queued submissions, so no submission the client was told was accepted is lost.
 */
import { Context } from '@temporalio/activity';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import { decodeArrayFromPayloads, decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import type { temporal } from '@temporalio/proto';
import {
  CHILD_MEMO_KEY,
  type ChildMemo,
  type CarriedState,
  type CoordinatorInput,
  type CoordinatorResult,
  type PinnedPolicy,
  type Superseded,
} from '../coordinator/messages';
import { TakeOverFold, type AbandonedFact, type TakenOver } from '../coordinator/take-over';
import { parseCoordinatorInput, type CoordinatorConfig } from '../coordinator/validation';

/** Close statuses after which a run's open work was not handed to a successor. */
const ABANDONING_STATUSES = new Set(['TERMINATED', 'FAILED', 'TIMED_OUT', 'CANCELLED']);
/** A run that completed idle: nothing open, but its bookkeeping (ids seen, recent outcomes) continues. */
const IDLE_STATUS = 'COMPLETED';

/** Name of the activity whose result, in a run's history, holds the state that run took over (`takenOver`). */
export const PREPARE_RUN_ACTIVITY = 'prepareCoordinatorRun';

/** History events per page: the fold keeps only state, never the whole history. */
const PAGE_SIZE = 500;

export interface AbandonedPredecessor {
  runId: string;
  status: string;
}

/**
 * The run of `workflowId` that closed last before this chain started, if it ended without handing over its state, or
 * completed idle (whose bookkeeping the new run continues). One that continued as new needs nothing: its successor
 * carries the state.
 * Runs closed after `chainStartTime` are not predecessors: a reset ends the run it replaces after the new run's chain
 * began, and the new run already replays that run's signals.
 */
export async function findAbandonedPredecessor(
  client: Client,
  input: { workflowId: string; runId: string; originalExecutionRunId: string; chainStartTime: string },
): Promise<AbandonedPredecessor | undefined> {
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
  if (!latest || !(ABANDONING_STATUSES.has(latest.status) || latest.status === IDLE_STATUS)) return undefined;
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

type Decode = (payloads: temporal.api.common.v1.IPayloads | null | undefined) => Promise<unknown>;

/** The facts one history event states, if any. */
async function factsOf(event: HistoryEvent, decode: Decode, converter: LoadedDataConverter): Promise<AbandonedFact[]> {
  const at = timeOf(event);
  const signal = event.workflowExecutionSignaledEventAttributes;
  if (signal?.signalName === 'submit') return [{ type: 'submit', payload: await decode(signal.input), at }];
  const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes;
  if (initiated?.workflowId) {
    const memoPayload = initiated.memo?.fields?.[CHILD_MEMO_KEY];
    const memo = memoPayload
      ? ((await decode({ payloads: [memoPayload] })) as Partial<ChildMemo> | undefined)
      : undefined;
    return [
      {
        type: 'startInitiated',
        workflowId: initiated.workflowId,
        at,
        ...(typeof memo?.submissionId === 'string' && { submissionId: memo.submissionId }),
        ...(typeof memo?.seq === 'number' && { seq: memo.seq }),
        ...(initiated.workflowType?.name && { workflowType: initiated.workflowType.name }),
        args: await decodeArrayFromPayloads(converter, initiated.input?.payloads),
      },
    ];
  }
  const childStarted = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
  if (childStarted?.workflowId && childStarted.runId) {
    return [{ type: 'started', workflowId: childStarted.workflowId, runId: childStarted.runId, at }];
  }
  const startFailed = event.startChildWorkflowExecutionFailedEventAttributes;
  if (startFailed?.workflowId) {
    const cause = String(startFailed.cause ?? '');
    const alreadyRunning = cause === '1' || cause.endsWith('WORKFLOW_ALREADY_EXISTS');
    return [{ type: 'startFailed', workflowId: startFailed.workflowId, alreadyRunning, reason: cause, at }];
  }
  for (const [attributes, outcome] of CLOSE_OUTCOMES) {
    const workflowId = event[attributes]?.workflowExecution?.workflowId;
    if (workflowId) return [{ type: 'closed', workflowId, outcome, at }];
  }
  const told = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
  if (told?.signalName === 'superseded' && told.workflowExecution?.workflowId) {
    const superseded = (await decode(told.input)) as Partial<Superseded> | undefined;
    if (typeof superseded?.supersededBy === 'string') {
      return [
        { type: 'superseded', workflowId: told.workflowExecution.workflowId, supersededBy: superseded.supersededBy },
      ];
    }
  }
  const cancel = event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes;
  if (cancel?.workflowExecution?.workflowId) {
    return [{ type: 'cancelRequested', workflowId: cancel.workflowExecution.workflowId, at }];
  }
  return [];
}

/**
 * Reads the abandoned run's history page by page as facts — what it was started with (or took over itself), every
 * `submit` signal (handled or not), the children it started, their closes and the cancellations it requested — and
 * folds them as it goes. No replay of the run's code is needed, so this works even for a run that failed because of a
 * bug in that code; and only the folded state, bounded by the coordinator's budgets, is returned.
 */
export async function readAbandonedRun(
  client: Client,
  input: { workflowId: string; runId: string; config: CoordinatorConfig; pinned?: PinnedPolicy; depth?: number },
): Promise<TakenOver> {
  const converter = client.options.loadedDataConverter;
  let chain: { originalExecutionRunId: string; chainStartTime: string; continued: boolean } | undefined;
  const decode: Decode = (payloads) => decodeFromPayloadsAtIndex<unknown>(converter, 0, payloads?.payloads);
  let fold: TakeOverFold | undefined;
  const preparing = new Set<string>();
  let lastAt = new Date(0).toISOString();
  // A run started with an invalid configuration failed at once and rejected what came with it: nothing to take over.
  let invalidStart = false;
  let cancelPending = false;
  let batch: AbandonedFact[] = [];
  const flushBatch = (target: TakeOverFold) => {
    if (cancelPending) target.add({ type: 'coordinatorCancelRequested', at: lastAt });
    for (const fact of batch) target.add(fact);
    cancelPending = false;
    batch = [];
  };
  for await (const events of historyPages(client, input.workflowId, input.runId)) {
    for (const event of events) {
      lastAt = timeOf(event);
      if (invalidStart) break;
      const started = event.workflowExecutionStartedEventAttributes;
      if (started) {
        const startInput = (await decode(started.input)) as CoordinatorInput | undefined;
        const parsed = parseCoordinatorInput(startInput);
        invalidStart = !parsed.ok;
        const carried: CarriedState | undefined = startInput?.carried;
        chain = {
          originalExecutionRunId: started.originalExecutionRunId ?? input.runId,
          chainStartTime: lastAt,
          continued: Boolean(started.continuedExecutionRunId),
        };
        fold = new TakeOverFold(input.config, input.workflowId, input.pinned, {
          ...(parsed.ok && { config: parsed.value }),
          ...(carried && { carried }),
        });
        continue;
      }
      fold ??= new TakeOverFold(input.config, input.workflowId, input.pinned);
      // The abandoned run may itself have taken over a predecessor: that result is its real starting state.
      const scheduled = event.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === PREPARE_RUN_ACTIVITY) preparing.add(String(event.eventId));
      const completed = event.activityTaskCompletedEventAttributes;
      if (completed && preparing.has(String(completed.scheduledEventId))) {
        const prepared = (await decode(completed.result)) as { takenOver?: TakenOver } | undefined;
        if (prepared?.takenOver) fold.rebase(prepared.takenOver);
        preparing.delete(String(completed.scheduledEventId));
        continue;
      }
      // What the run's next workflow task sees is one batch: its own cancellation (decided first, as the coordinator
      // does) and the signals since its last task.
      if (event.workflowExecutionCancelRequestedEventAttributes) cancelPending = true;
      if (event.workflowTaskStartedEventAttributes) {
        flushBatch(fold);
        continue;
      }
      // The run decided after each workflow task, once it had prepared: settling there keeps its drops (and their
      // reasons) as it made them.
      if (event.workflowTaskCompletedEventAttributes && preparing.size === 0) fold.settle(lastAt);
      for (const fact of await factsOf(event, decode, converter)) {
        if (fact.type === 'submit') batch.push(fact);
        else fold.add(fact);
      }
    }
    if (batch.length === 0 && preparing.size === 0) fold?.settle(lastAt);
    Context.current().heartbeat(lastAt);
  }
  // A run that ended before its own preparation finished never took over its predecessor: that work is still there.
  const depth = input.depth ?? 0;
  if (fold && preparing.size > 0 && chain && !chain.continued && depth < 3) {
    const predecessor = await findAbandonedPredecessor(client, { ...input, ...chain });
    const earlier =
      predecessor?.status === 'COMPLETED'
        ? await readIdleRun(client, { ...input, runId: predecessor.runId })
        : predecessor && (await readAbandonedRun(client, { ...input, runId: predecessor.runId, depth: depth + 1 }));
    if (earlier) fold.rebase(earlier);
  }
  // Signals no workflow task handled (the run ended first) are decided by the next run.
  if (fold) flushBatch(fold);
  return (fold ?? new TakeOverFold(input.config, input.workflowId, input.pinned)).result(lastAt);
}

/** The bookkeeping of a run that completed idle, for the key's next run: ids seen, recent outcomes, counters. */
export async function readIdleRun(
  client: Client,
  input: { workflowId: string; runId: string; config: CoordinatorConfig },
): Promise<TakenOver | undefined> {
  let result: Partial<CoordinatorResult> | undefined;
  try {
    result = (await client.workflow.getHandle(input.workflowId, input.runId).result()) as Partial<CoordinatorResult>;
  } catch {
    return undefined; // not a coordinator's result (a hand-started run): nothing to continue
  }
  if (!Array.isArray(result?.seenIds) || !Array.isArray(result.recent) || typeof result.nextSeq !== 'number') {
    return undefined;
  }
  const carried: CarriedState = {
    nextSeq: result.nextSeq,
    runs: [],
    recent: result.recent,
    seenIds: result.seenIds,
    counters: result.counters ?? ({} as CarriedState['counters']),
    notices: result.notices ?? [],
  };
  return { config: input.config, carried };
}

/**
 * The run a reset replaced: the RESET_WORKFLOW task failure at the reset point names it. A reset of a reset run keeps
 * the original run ID in its start event, so that is only the fallback.
 */
export async function resetBaseRunId(client: Client, workflowId: string, runId: string): Promise<string | undefined> {
  for await (const events of historyPages(client, workflowId, runId)) {
    for (const event of events) {
      const failed = event.workflowTaskFailedEventAttributes;
      if (failed?.baseRunId && failed.newRunId === runId) return failed.baseRunId;
    }
  }
  return undefined;
}

/** A run's history, one page of events at a time: readers keep only what they need, never the whole history. */
async function* historyPages(client: Client, workflowId: string, runId: string): AsyncGenerator<HistoryEvent[]> {
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: PAGE_SIZE,
      ...(nextPageToken && { nextPageToken }),
    });
    yield page.history?.events ?? [];
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
}
