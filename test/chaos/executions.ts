/**
 * Reads every run of a workflow ID from Temporal: the visibility list (which includes continued-as-new, terminated,
 * cancelled and reset runs), the current run, and the continue-as-new links between runs, so a run that visibility
 * has not indexed yet is still found. Each run is reduced to the facts the checker needs.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { CLOSE_TYPES, timestampMs, type ChildCloseType } from '../helpers/histories';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Payload = temporal.api.common.v1.IPayload;

export type CloseType = ChildCloseType;

export interface Execution {
  workflowId: string;
  runId: string;
  /** The first run of its chain (continue-as-new and reset keep it). */
  firstRunId: string;
  workflowType: string;
  events: HistoryEvent[];
  /**
   * When this run began. A run made by a reset starts with copies of its base run's events (their times included):
   * it began at its reset event (WorkflowTaskFailed, cause RESET_WORKFLOW, naming it as the new run).
   */
  startMs: number;
  /** Made by a reset of this run; `events` before index `resetEventIndex` are copies of that run's. */
  resetFromRunId?: string;
  resetEventIndex?: number;
  /** Started by a continue-as-new its predecessor itself made (not a client, a retry or a cron schedule). */
  continuedByWorkflow: boolean;
  /** Deleted by the harness: read from the copy it kept just before the delete. */
  deleted?: boolean;
  closeMs?: number;
  closeType?: CloseType;
  /** Decoded memo of the start event. */
  memo: Record<string, unknown>;
  /** Workflow ID and run of the parent that started it, if a workflow did. */
  parentWorkflowId?: string;
  parentRunId?: string;
  /** Decoded args[0] of the start event. */
  input?: unknown;
}

/** Decodes one payload with the client's converter; undefined if there is none or it does not decode. */
export function decode(client: Client, payload: Payload | null | undefined): unknown {
  if (!payload) return undefined;
  try {
    return client.options.loadedDataConverter.payloadConverter.fromPayload(payload);
  } catch {
    return undefined;
  }
}

const RESET_CAUSE = temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW;
const BY_WORKFLOW = temporal.api.enums.v1.ContinueAsNewInitiator.CONTINUE_AS_NEW_INITIATOR_WORKFLOW;

function toExecution(client: Client, workflowId: string, runId: string, events: HistoryEvent[]): Execution {
  const started = events[0]?.workflowExecutionStartedEventAttributes;
  const memo: Record<string, unknown> = {};
  for (const [name, payload] of Object.entries(started?.memo?.fields ?? {})) memo[name] = decode(client, payload);
  let resetEventIndex = -1;
  events.forEach((event, index) => {
    const failed = event.workflowTaskFailedEventAttributes;
    if (failed?.cause === RESET_CAUSE && failed.newRunId === runId) resetEventIndex = index;
  });
  const execution: Execution = {
    workflowId,
    runId,
    firstRunId: started?.firstExecutionRunId || runId,
    workflowType: started?.workflowType?.name ?? '',
    events,
    startMs: timestampMs((resetEventIndex >= 0 ? events[resetEventIndex] : events[0])?.eventTime),
    continuedByWorkflow: Boolean(started?.continuedExecutionRunId) && started?.initiator === BY_WORKFLOW,
    memo,
    input: decode(client, started?.input?.payloads?.[0]),
  };
  if (resetEventIndex >= 0) {
    execution.resetEventIndex = resetEventIndex;
    const base = events[resetEventIndex]?.workflowTaskFailedEventAttributes?.baseRunId;
    if (base) execution.resetFromRunId = base;
  }
  const parent = started?.parentWorkflowExecution;
  if (parent?.workflowId) execution.parentWorkflowId = parent.workflowId;
  if (parent?.runId) execution.parentRunId = parent.runId;
  const last = events.at(-1);
  for (const [attribute, closeType] of CLOSE_TYPES) {
    if (last?.[attribute]) {
      execution.closeType = closeType;
      execution.closeMs = timestampMs(last.eventTime);
    }
  }
  return execution;
}

/** Histories the harness kept of runs it deleted, by run ID. */
export type KeptHistories = ReadonlyMap<string, HistoryEvent[]>;

/**
 * Every run of `workflowId`, oldest first, with the runs the harness deleted read from the copies it kept. Throws
 * only if the server refuses to look the ID up at all (e.g. an ID longer than it allows); an ID that never ran gives
 * an empty list. A run the server lists but no longer has (deleted, no copy kept) goes to `missing`.
 */
export async function readAllRuns(
  client: Client,
  workflowId: string,
  kept: KeptHistories = new Map(),
  missing: string[] = [],
): Promise<Execution[]> {
  const runIds = new Set<string>(kept.keys());
  for await (const info of client.workflow.list({ query: `WorkflowId = ${JSON.stringify(workflowId)}` })) {
    runIds.add(info.runId);
  }
  try {
    runIds.add((await client.workflow.getHandle(workflowId).describe()).runId);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  const runs = new Map<string, Execution>();
  const queue = [...runIds];
  while (queue.length > 0) {
    const runId = queue.shift() as string;
    if (runs.has(runId)) continue;
    let events = kept.get(runId);
    if (!events) {
      try {
        events = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
      } catch (err) {
        if (!isNotFound(err)) throw err;
        missing.push(`${workflowId} run ${runId}: listed, but its history is gone`);
        continue;
      }
    }
    const execution = toExecution(client, workflowId, runId, events);
    if (kept.has(runId)) execution.deleted = true;
    runs.set(runId, execution);
    const previous = execution.events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (previous) queue.push(previous);
  }
  return [...runs.values()].sort((a, b) => a.startMs - b.startMs);
}

function isNotFound(err: unknown): boolean {
  if (err instanceof WorkflowNotFoundError) return true;
  const code = (err as { code?: unknown }).code;
  return code === 5 || /NOT_FOUND|not found/i.test(String((err as Error)?.message ?? err));
}

/** Runs `task` over `items` with at most `limit` at once (the dev server shares two cores with everything else). */
export async function inPool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
