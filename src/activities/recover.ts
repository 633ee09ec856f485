/**
 * Recovery of a coordinator run that ended without handing over its state (terminated from the UI or CLI, failed,
 * timed out, cancelled): the next run of the same coordinator workflow ID finds it and takes over its running and
 * queued submissions, so no submission the client was told was accepted is lost.
 */
import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import type { LoadedDataConverter } from '@temporalio/common';
import { decodeArrayFromPayloads, decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { temporal } from '@temporalio/proto';
import {
  CHILD_MEMO_KEY,
  COORDINATOR_WORKFLOW_TYPE,
  type ChildMemo,
  type CarriedState,
  type CoordinatorInput,
  type CoordinatorResult,
  type PinnedPolicy,
  type Superseded,
} from '../coordinator/messages';
import { TakeOverFold, type AbandonedFact, type TakenOver } from '../coordinator/core/take-over';
import { REFUSAL_FAILURE_TYPES } from '../coordinator/core/start-input';
import { parseCoordinatorInput, undecodable, type CoordinatorConfig } from '../coordinator/core/validation';

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

/**
 * Decodes one payload of a history the way the coordinator does: a payload that does not decode (another SDK's
 * converter, a hand-written call) becomes an `Undecodable` value the fold rejects, never a failed activity that retries
 * for as long as the payload stays in the history.
 */
function decoderOf(converter: LoadedDataConverter): Decode {
  return async (payloads) => {
    try {
      return await decodeFromPayloadsAtIndex<unknown>(converter, 0, payloads?.payloads);
    } catch (err) {
      const bytes = payloads?.payloads?.[0]?.metadata?.encoding;
      const encoding = bytes && bytes.length > 0 ? Buffer.from(bytes).toString('latin1').slice(0, 64) : '(none)';
      return undecodable(encoding, err instanceof Error ? err.message : String(err));
    }
  };
}

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
        // Only kept to redo a start that never took place: arguments that do not decode are simply not kept.
        args: await decodeArrayFromPayloads(converter, initiated.input?.payloads).catch(() => undefined),
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
  const decode = decoderOf(converter);
  // A run that refused its start input (invalid, or not the key's canonical ID) rejected what came with it.
  const refusal = await refusalOf(client, input.workflowId, input.runId);
  if (refusal) return readRefusedRun(client, input, refusal, decode);
  let fold: TakeOverFold | undefined;
  const preparing = new Set<string>();
  // Whether the run's own take-over of its predecessor is in its history (its preparation completed).
  let prepared = false;
  let lastAt = new Date(0).toISOString();
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
      const started = event.workflowExecutionStartedEventAttributes;
      if (started) {
        const startInput = (await decode(started.input)) as CoordinatorInput | undefined;
        const parsed = parseCoordinatorInput(startInput);
        // Only a continue-as-new a workflow made hands a run its state: a client's start (or a retry or cron run of
        // one) may carry anything, so such a run is read as fresh and its predecessors are read too.
        const continued = continuedByWorkflow(started);
        const carried: CarriedState | undefined = continued ? startInput?.carried : undefined;
        chain = {
          originalExecutionRunId: started.originalExecutionRunId ?? input.runId,
          chainStartTime: lastAt,
          continued,
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
        const result = (await decode(completed.result)) as { takenOver?: TakenOver } | undefined;
        if (result?.takenOver) fold.rebase(result.takenOver);
        preparing.delete(String(completed.scheduledEventId));
        prepared = true;
        continue;
      }
      // A reset run's history is its base run's up to the reset point: what the base run did after it (the children it
      // started, their closes) happened all the same, so those facts count here, where the base run's history ended.
      const resetFrom = baseRunOfReset(event);
      if (resetFrom) {
        for (const fact of await baseRunTail(client, input.workflowId, resetFrom, decode, converter)) {
          fold.addFromBaseRun(fact);
        }
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
  // A fresh run whose own take-over is not in its history — its preparation never completed, or it never completed a
  // workflow task at all (terminated while no worker ran it) — never took over its predecessor: that work is still
  // there, however many such runs came in between. A run whose check found nothing to take over had no predecessor
  // then, and finds none now.
  const depth = input.depth ?? 0;
  if (fold && !prepared && chain && !chain.continued && depth < MAX_TAKE_OVER_DEPTH) {
    const earlier = await readPredecessor(client, input, chain, depth);
    // The predecessor's state never saw what a reset's base run did after the reset point: applied again on top.
    if (earlier) fold.rebase(earlier, true);
  }
  // Signals no workflow task handled (the run ended first) are decided by the next run.
  if (fold) flushBatch(fold);
  return (fold ?? new TakeOverFold(input.config, input.workflowId, input.pinned)).result(lastAt);
}

/** The base run and the first event it has that the reset run does not, if `event` is where a reset cut a history. */
function baseRunOfReset(event: HistoryEvent): { runId: string; fromEventId: number } | undefined {
  const failed = event.workflowTaskFailedEventAttributes;
  const reset = temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW;
  if (!failed || failed.cause !== reset || !failed.baseRunId) return undefined;
  return { runId: failed.baseRunId, fromEventId: Number(event.eventId) };
}

/**
 * What the base run of a reset did after the reset point, as facts about children: starts, closes, cancellations.
 * Its signals are left out: a reset reapplies them to the reset run, whose history has them. A base run that is gone
 * (retention) has nothing more to say.
 */
async function baseRunTail(
  client: Client,
  workflowId: string,
  base: { runId: string; fromEventId: number },
  decode: Decode,
  converter: LoadedDataConverter,
): Promise<AbandonedFact[]> {
  const facts: AbandonedFact[] = [];
  try {
    for await (const events of historyPages(client, workflowId, base.runId)) {
      for (const event of events) {
        if (Number(event.eventId) < base.fromEventId) continue;
        for (const fact of await factsOf(event, decode, converter)) if (fact.type !== 'submit') facts.push(fact);
      }
    }
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError) && (err as { code?: number }).code !== 5) throw err;
  }
  return facts;
}

/** What the run before a chain left: its open work (abandoned), its bookkeeping (completed idle), or nothing. */
async function readPredecessor(
  client: Client,
  input: { workflowId: string; runId: string; config: CoordinatorConfig; pinned?: PinnedPolicy },
  chain: { originalExecutionRunId: string; chainStartTime: string },
  depth: number,
): Promise<TakenOver | undefined> {
  const predecessor = await findAbandonedPredecessor(client, { ...input, ...chain });
  if (!predecessor) return undefined;
  if (predecessor.status === 'COMPLETED') return readIdleRun(client, { ...input, runId: predecessor.runId });
  return readAbandonedRun(client, { ...input, runId: predecessor.runId, depth: depth + 1 });
}

/**
 * How many runs that never took over their predecessor a take-over reads back through (each terminated before a
 * worker ran it, say): each is a short history, and a key with this many in a row has a stuck operator, not a bug.
 */
const MAX_TAKE_OVER_DEPTH = 20;

/** Whether a run's start event says a workflow continued as new into it (not a client, a retry or a cron schedule). */
function continuedByWorkflow(started: temporal.api.history.v1.IWorkflowExecutionStartedEventAttributes): boolean {
  return (
    Boolean(started.continuedExecutionRunId) &&
    started.initiator === temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW
  );
}

/** The failure message of a run that refused its start (behaviour 3), from its last event. */
async function refusalOf(client: Client, workflowId: string, runId: string): Promise<string | undefined> {
  const { history } = await client.workflowService.getWorkflowExecutionHistoryReverse({
    namespace: client.options.namespace,
    execution: { workflowId, runId },
    maximumPageSize: 1,
  });
  const failure = history?.events?.[0]?.workflowExecutionFailedEventAttributes?.failure;
  const type = failure?.applicationFailureInfo?.type;
  return type && REFUSAL_FAILURE_TYPES.includes(type) ? (failure?.message ?? type) : undefined;
}

/**
 * A run that refused its start handled nothing: its submissions were rejected with the refusal's reason, as its state
 * query says. The next run keeps those records (and the ids, so a retry is a duplicate), never "unknown". Its own
 * predecessor is read as usual: the refusing run took nothing over.
 */
async function readRefusedRun(
  client: Client,
  input: { workflowId: string; runId: string; config: CoordinatorConfig; pinned?: PinnedPolicy; depth?: number },
  reason: string,
  decode: Decode,
): Promise<TakenOver> {
  const payloads: unknown[] = [];
  let at = new Date(0).toISOString();
  let chain: { originalExecutionRunId: string; chainStartTime: string } | undefined;
  for await (const events of historyPages(client, input.workflowId, input.runId)) {
    for (const event of events) {
      at = timeOf(event);
      const started = event.workflowExecutionStartedEventAttributes;
      if (started)
        chain = { originalExecutionRunId: started.originalExecutionRunId ?? input.runId, chainStartTime: at };
      const signal = event.workflowExecutionSignaledEventAttributes;
      if (signal?.signalName === 'submit') payloads.push(await decode(signal.input));
    }
  }
  const depth = input.depth ?? 0;
  const earlier = chain && depth < MAX_TAKE_OVER_DEPTH ? await readPredecessor(client, input, chain, depth) : undefined;
  const fold = new TakeOverFold(input.config, input.workflowId, input.pinned, earlier);
  fold.reject(payloads, reason, at);
  return fold.result(at);
}

/**
 * Behaviour 3: why a run's carried state is not believed, if it is not. The server records that the run continued as
 * new from another run, but not which workflow type did it: another type (run by anyone's worker) could continue as
 * new into a coordinator with any state. A predecessor that is gone (deleted) leaves the server's record as the proof.
 */
export async function distrustedContinuation(
  client: Client,
  input: { workflowId: string; continuedFromRunId?: string },
): Promise<string | undefined> {
  if (input.continuedFromRunId === undefined) return undefined;
  try {
    const { type } = await client.workflow.getHandle(input.workflowId, input.continuedFromRunId).describe();
    if (type === COORDINATOR_WORKFLOW_TYPE) return undefined;
    return `ignored the carried state: the run it continued from (${input.continuedFromRunId}) is a ${type}, not a coordinator`;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
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
