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
import { stateQuery, type ClosedRun, type CoordinatorInput } from '../../src/coordinator/messages';
import { timestampMs } from '../helpers/histories';
import { decode, type Execution } from './executions';
import { messageOf } from './ledger';

export interface ConfigFact {
  atMs: number;
  maxRuns?: number;
  slotRelease?: string;
}

/** A coordinator-written record of a final outcome, with the chain of runs it came from. */
export interface RecordFact {
  record: Partial<ClosedRun>;
  chain: string;
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

function recentOf(view: unknown): Partial<ClosedRun>[] {
  const recent = (view as { recent?: unknown } | undefined)?.recent;
  return Array.isArray(recent) ? (recent as Partial<ClosedRun>[]) : [];
}

export async function readCoordinatorFacts(
  client: Client,
  coordinatorId: string,
  runs: Execution[],
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
    taskFailures: [],
    notes: [],
  };
  for (const run of runs) {
    const input = run.input as Partial<CoordinatorInput> | undefined;
    // A run started without slotRelease releases on cancel request (the documented default).
    const started = configOf({ slotRelease: 'on-cancel-request', ...input }, run.startMs);
    if (started) facts.configs.push(started);
    for (const record of input?.carried?.recent ?? []) facts.records.push({ record, chain: run.firstRunId });
    for (const event of run.events) {
      const atMs = timestampMs(event.eventTime);
      const signaled = event.workflowExecutionSignaledEventAttributes;
      if (signaled?.signalName === 'submit') {
        const payload = decode(client, signaled.input?.payloads?.[0]);
        facts.signals.push({ atMs, runId: run.runId, payload });
        const config = configOf((payload as { config?: unknown } | undefined)?.config, atMs);
        if (config) facts.configs.push(config);
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
      for (const record of recentOf(result)) facts.records.push({ record, chain: run.firstRunId });
    }
  }
  const open = runs.find((run) => run.closeType === undefined);
  if (open) {
    try {
      const view = await client.workflow.getHandle(coordinatorId, open.runId).query(stateQuery);
      for (const record of recentOf(view)) facts.records.push({ record, chain: open.firstRunId });
    } catch (err) {
      facts.notes.push(`state query of open run ${open.runId} failed: ${messageOf(err)}`);
    }
  }
  facts.configs.sort((a, b) => a.atMs - b.atMs);
  return facts;
}
