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

export interface Chain {
  workflowId: string;
  firstRunId: string;
  workflowType: string;
  runs: Execution[];
  startMs: number;
  /** Close of its last run, unless that run continued as new (then the chain is still open). */
  closeMs?: number;
  closeType?: Exclude<CloseType, 'continuedAsNew'>;
  /** Earliest WorkflowExecutionCancelRequested in any of its runs. */
  cancelRequestedMs?: number;
  memo?: MemoOfChild;
  parentWorkflowId?: string;
  parentRunId?: string;
}

export function chainsOf(executions: Execution[]): Chain[] {
  const groups = new Map<string, Execution[]>();
  for (const execution of executions) {
    const id = `${execution.workflowId}\u0000${execution.firstRunId}`;
    groups.set(id, [...(groups.get(id) ?? []), execution]);
  }
  return [...groups.values()].map((group) => {
    const runs = [...group].sort((a, b) => a.startMs - b.startMs);
    const first = runs[0] as Execution;
    const last = runs[runs.length - 1] as Execution;
    const chain: Chain = {
      workflowId: first.workflowId,
      firstRunId: first.firstRunId,
      workflowType: first.workflowType,
      runs,
      startMs: first.startMs,
    };
    if (last.closeType && last.closeType !== 'continuedAsNew') {
      chain.closeType = last.closeType;
      chain.closeMs = last.closeMs;
    }
    const cancelTimes = runs.flatMap((run) =>
      run.events.filter((e) => e.workflowExecutionCancelRequestedEventAttributes).map((e) => timestampMs(e.eventTime)),
    );
    if (cancelTimes.length > 0) chain.cancelRequestedMs = Math.min(...cancelTimes);
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
