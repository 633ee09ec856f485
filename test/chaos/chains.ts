/**
 * A chain is one logical workflow execution: its first run and every run that continued it as new. A child's slot
 * spans its whole chain, and its identity (the coordinator's memo, its parent) is what its first run started with.
 */
import { CHILD_MEMO_KEY } from '../../src/coordinator/messages';
import { timestampMs } from '../helpers/histories';
import type { CloseType, Execution } from './executions';

/** The fields of the coordinator's child memo the checker reads (SPEC/README wire contract). */
export interface MemoOfChild {
  coordinatorWorkflowId?: unknown;
  submissionId?: unknown;
}

/**
 * One stretch of a chain's execution: its first run and the runs that continued it as new, up to its close. A reset
 * of a run that had already closed makes it run again: a second life, from the reset on (the reset run's copied
 * events before it belong to the earlier life).
 */
export interface Life {
  startMs: number;
  /** Close of its last run, unless that run continued as new (then the life is still open). */
  closeMs?: number;
  closeType?: Exclude<CloseType, 'continuedAsNew'>;
  /** Earliest WorkflowExecutionCancelRequested of this life. */
  cancelRequestedMs?: number;
  /** Made by a reset of a closed run. */
  revived: boolean;
  runs: Execution[];
}

export interface Chain {
  workflowId: string;
  firstRunId: string;
  workflowType: string;
  runs: Execution[];
  lives: Life[];
  startMs: number;
  /** Close of its last life (open if a reset revived it and it runs). */
  closeMs?: number;
  closeType?: Exclude<CloseType, 'continuedAsNew'>;
  /** How its first life closed: the submission's outcome (a revived life's close adds none). */
  firstCloseType?: Exclude<CloseType, 'continuedAsNew'>;
  /** Earliest WorkflowExecutionCancelRequested in its first life. */
  cancelRequestedMs?: number;
  memo?: MemoOfChild;
  parentWorkflowId?: string;
  parentRunId?: string;
}

/**
 * A reset of a running run ends that run at the reset (the server terminates it): the new run continues its life. A
 * reset of a run that had closed before revives it. The margin tells the server's terminate-for-reset from a close.
 */
const RESET_TERMINATE_MARGIN_MS = 100;

function revives(run: Execution, byRunId: Map<string, Execution>): boolean {
  if (run.resetFromRunId === undefined) return false;
  const base = byRunId.get(run.resetFromRunId);
  if (!base || base.closeMs === undefined) return false;
  if (base.closeType !== 'terminated') return true;
  return base.closeMs < run.startMs - RESET_TERMINATE_MARGIN_MS;
}

/** The events a run itself went through: for a reset run, from its reset event on. */
export function ownEvents(run: Execution) {
  return run.resetEventIndex === undefined ? run.events : run.events.slice(run.resetEventIndex);
}

function livesOf(runs: Execution[]): Life[] {
  const byRunId = new Map(runs.map((run) => [run.runId, run]));
  const groups: Execution[][] = [];
  for (const run of runs) {
    if (groups.length === 0 || revives(run, byRunId)) groups.push([run]);
    else groups[groups.length - 1]?.push(run);
  }
  return groups.map((group, index) => {
    const first = group[0] as Execution;
    const last = group[group.length - 1] as Execution;
    const life: Life = { startMs: first.startMs, revived: index > 0, runs: group };
    if (last.closeType && last.closeType !== 'continuedAsNew') {
      life.closeType = last.closeType;
      life.closeMs = last.closeMs;
    }
    const cancelTimes = group.flatMap((run) =>
      ownEvents(run)
        .filter((e) => e.workflowExecutionCancelRequestedEventAttributes)
        .map((e) => timestampMs(e.eventTime))
        .filter((atMs) => atMs >= life.startMs),
    );
    if (cancelTimes.length > 0) life.cancelRequestedMs = Math.min(...cancelTimes);
    return life;
  });
}

export function chainsOf(executions: Execution[]): Chain[] {
  const groups = new Map<string, Execution[]>();
  for (const execution of executions) {
    const id = `${execution.workflowId}\u0000${execution.firstRunId}`;
    groups.set(id, [...(groups.get(id) ?? []), execution]);
  }
  return [...groups.values()].map((group) => {
    // A reset run starts at its reset: after the run it was reset from.
    const runs = [...group].sort((a, b) => a.startMs - b.startMs);
    const first = runs[0] as Execution;
    const lives = livesOf(runs);
    const firstLife = lives[0] as Life;
    const lastLife = lives[lives.length - 1] as Life;
    const chain: Chain = {
      workflowId: first.workflowId,
      firstRunId: first.firstRunId,
      workflowType: first.workflowType,
      runs,
      lives,
      startMs: first.startMs,
    };
    if (lastLife.closeType) {
      chain.closeType = lastLife.closeType;
      chain.closeMs = lastLife.closeMs;
    }
    if (firstLife.closeType) chain.firstCloseType = firstLife.closeType;
    if (firstLife.cancelRequestedMs !== undefined) chain.cancelRequestedMs = firstLife.cancelRequestedMs;
    const memo = first.memo[CHILD_MEMO_KEY];
    if (typeof memo === 'object' && memo !== null) chain.memo = memo;
    if (first.parentWorkflowId !== undefined) chain.parentWorkflowId = first.parentWorkflowId;
    if (first.parentRunId !== undefined) chain.parentRunId = first.parentRunId;
    return chain;
  });
}

/** The run of a workflow ID that was open at `atMs`, if any: the one a request by workflow ID reached. */
export function executionOpenAt(executions: Execution[], atMs: number): Execution | undefined {
  return executions.filter((run) => run.startMs <= atMs && (run.closeMs === undefined || run.closeMs >= atMs)).at(-1);
}
