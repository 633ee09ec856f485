/**
 * Facts about one key, read from every run of its coordinator (continued-as-new, terminated, cancelled, reset and
 * completed ones): the submit signals it received, the children it started or failed to start, the cancellations it
 * requested, the configurations it was given and its workflow task failures.
 *
 * One fact comes from the coordinator's own bookkeeping, because Temporal has no other record of it: which
 * submissions it dropped or rejected (never started). Those are read from its `recent` list: each completed run's
 * result, each run's carried input, and the `state` query of the run still open.
 */
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import {
  stateQuery,
  type ClosedSubmission,
  type CoordinatorInput,
  type CoordinatorStateView,
} from '../../src/coordinator/messages';
import { timestampMs } from '../helpers/histories';
import { decode, type Execution } from './executions';
import { messageOf, type DeletedRun } from './ledger';

/** The library's default sweep interval, for a key no input or submission gave one. */
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;

function sweepIntervalOf(value: unknown): number | undefined {
  const interval = (value as { sweepIntervalMs?: unknown } | undefined)?.sweepIntervalMs;
  return typeof interval === 'number' && interval > 0 ? interval : undefined;
}

export interface ConfigFact {
  atMs: number;
  maxRuns?: number;
  slotRelease?: string;
}

/** A coordinator-written record of a final outcome, with the chain of runs it came from and where it was read. */
export interface RecordFact {
  record: Partial<ClosedSubmission>;
  chain: string;
  /** One list the coordinator wrote (a run's result, carried input or `state`): `<how> <run ID>`. */
  source: string;
}

/** A run of this coordinator the harness deleted, and what its `state` said just before. */
export interface DeletedFact {
  runId: string;
  deletedAtMs: number;
  state?: CoordinatorStateView;
  stateError?: string;
}

export interface CoordinatorFacts {
  coordinatorId: string;
  runs: Execution[];
  signals: { atMs: number; runId: string; payload: unknown }[];
  startsInitiated: { atMs: number; workflowId: string }[];
  startsFailed: { atMs: number; workflowId: string; cause: string }[];
  cancelsInitiated: { atMs: number; workflowId: string; runId?: string }[];
  configs: ConfigFact[];
  records: RecordFact[];
  deleted: DeletedFact[];
  /** The longest sweep interval any start input or submission gave the key. */
  sweepIntervalMs: number;
  taskFailures: string[];
  /** Why some records could not be read (e.g. the open run did not answer its state query). */
  notes: string[];
}

const BENIGN_TASK_FAILURES = ['UNHANDLED_COMMAND', 'RESET_STICKY_TASK_QUEUE', 'RESET_WORKFLOW'];

function configOf(value: unknown, atMs: number): ConfigFact | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { maxRuns, slotRelease } = value as { maxRuns?: unknown; slotRelease?: unknown };
  const fact: ConfigFact = { atMs };
  if (typeof maxRuns === 'number') fact.maxRuns = maxRuns;
  if (typeof slotRelease === 'string') fact.slotRelease = slotRelease;
  return fact.maxRuns === undefined && fact.slotRelease === undefined ? undefined : fact;
}

function recentOf(view: unknown): Partial<ClosedSubmission>[] {
  const recent = (view as { recent?: unknown } | undefined)?.recent;
  return Array.isArray(recent) ? (recent as Partial<ClosedSubmission>[]) : [];
}

export async function readCoordinatorFacts(
  client: Client,
  coordinatorId: string,
  runs: Execution[],
  deletedRuns: readonly DeletedRun[] = [],
): Promise<CoordinatorFacts> {
  const facts: CoordinatorFacts = {
    coordinatorId,
    runs,
    signals: [],
    startsInitiated: [],
    startsFailed: [],
    cancelsInitiated: [],
    configs: [],
    records: [],
    deleted: [],
    sweepIntervalMs: 0,
    taskFailures: [],
    notes: [],
  };
  const intervals: number[] = [];
  for (const run of runs) {
    const input = run.input as Partial<CoordinatorInput> | undefined;
    // A run started without slotRelease releases on cancel request (the documented default).
    const started = configOf({ slotRelease: 'on-cancel-request', ...input }, run.startMs);
    if (started) facts.configs.push(started);
    const interval = sweepIntervalOf(input);
    if (interval !== undefined) intervals.push(interval);
    // Carried state is the coordinator's own word only on a continue-as-new it made: any client can send a start
    // input with a forged `carried` (the forgedStart step does).
    const carried = run.continuedByWorkflow ? (input?.carried?.recent ?? []) : [];
    for (const record of carried) facts.records.push({ record, chain: run.firstRunId, source: `carried ${run.runId}` });
    for (const event of run.events) {
      const atMs = timestampMs(event.eventTime);
      const signaled = event.workflowExecutionSignaledEventAttributes;
      if (signaled?.signalName === 'submit') {
        const payload = decode(client, signaled.input?.payloads?.[0]);
        facts.signals.push({ atMs, runId: run.runId, payload });
        const submitted = (payload as { config?: unknown } | undefined)?.config;
        const config = configOf(submitted, atMs);
        if (config) facts.configs.push(config);
        const submittedInterval = sweepIntervalOf(submitted);
        if (submittedInterval !== undefined) intervals.push(submittedInterval);
      }
      const initiated = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (initiated) facts.startsInitiated.push({ atMs, workflowId: initiated });
      const failed = event.startChildWorkflowExecutionFailedEventAttributes;
      if (failed?.workflowId) {
        const cause = temporal.api.enums.v1.StartChildWorkflowExecutionFailedCause[failed.cause ?? 0] ?? '';
        facts.startsFailed.push({ atMs, workflowId: failed.workflowId, cause });
      }
      const cancel = event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution;
      if (cancel?.workflowId) {
        facts.cancelsInitiated.push({
          atMs,
          workflowId: cancel.workflowId,
          ...(cancel.runId && { runId: cancel.runId }),
        });
      }
      const taskFailed = event.workflowTaskFailedEventAttributes;
      const cause = temporal.api.enums.v1.WorkflowTaskFailedCause[taskFailed?.cause ?? 0] ?? '';
      // Signals racing a completion, sticky queue resets and resets themselves are Temporal's normal operation.
      if (taskFailed && !BENIGN_TASK_FAILURES.some((benign) => cause.endsWith(benign))) {
        facts.taskFailures.push(`${cause}: ${taskFailed.failure?.message ?? ''}`.slice(0, 300));
      }
    }
    if (run.closeType === 'completed') {
      const completed = run.events.at(-1)?.workflowExecutionCompletedEventAttributes;
      const result = decode(client, completed?.result?.payloads?.[0]);
      for (const record of recentOf(result)) {
        facts.records.push({ record, chain: run.firstRunId, source: `result ${run.runId}` });
      }
    }
  }
  // The open run, and runs that failed (a refusing run's submitters read their rejections there), answer `state`.
  for (const run of runs.filter((r) => !r.deleted && (r.closeType === undefined || r.closeType === 'failed'))) {
    try {
      const view = await client.workflow.getHandle(coordinatorId, run.runId).query(stateQuery);
      for (const record of recentOf(view)) {
        facts.records.push({ record, chain: run.firstRunId, source: `state ${run.runId}` });
      }
    } catch (err) {
      facts.notes.push(`state query of ${run.closeType ?? 'open'} run ${run.runId} failed: ${messageOf(err)}`);
    }
  }
  // One copy per run: the harness never deletes a run twice, and a second copy would double its records.
  const deletedHere = new Map(deletedRuns.filter((d) => d.workflowId === coordinatorId).map((d) => [d.runId, d]));
  for (const deleted of deletedHere.values()) {
    const { runId, deletedAtMs, state, stateError } = deleted;
    facts.deleted.push({ runId, deletedAtMs, ...(state && { state }), ...(stateError && { stateError }) });
    const chain = runs.find((run) => run.runId === runId)?.firstRunId ?? runId;
    for (const record of recentOf(state)) facts.records.push({ record, chain, source: `state before delete ${runId}` });
  }
  facts.sweepIntervalMs = intervals.length > 0 ? Math.max(...intervals) : DEFAULT_SWEEP_INTERVAL_MS;
  facts.configs.sort((a, b) => a.atMs - b.atMs);
  return facts;
}
