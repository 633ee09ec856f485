/**
 * The coordinator's decisions: a pure, deterministic function of (state, events). No Temporal APIs, no clock, no
 * randomness: the workflow shell passes time in, and unit and property tests drive it without a server.
 */
import type { ClosedRun, CoordinatorCounters, FinalOutcome, LimitStrategy, Run } from './messages';
import { isConfirmed, type Command, type CoordinatorEvent, type CoordinatorState, type Decision } from './state';
import { cancelInProgress } from './strategies/cancel-in-progress';
import type { Strategy } from './strategies/plan';
import { idOfInvalidSubmission, parseSubmission } from './validation';

const STRATEGIES: Record<LimitStrategy, Strategy> = {
  CANCEL_IN_PROGRESS: cancelInProgress,
};

/** Default child workflow ID: `<coordinator workflow ID>/<submission id>`. */
export function defaultChildWorkflowId(coordinatorWorkflowId: string, submissionId: string): string {
  return `${coordinatorWorkflowId}/${submissionId}`;
}

const COUNTER_OF: Record<FinalOutcome, keyof CoordinatorCounters> = {
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
  terminated: 'terminated',
  timedOut: 'timedOut',
  dropped: 'dropped',
  rejected: 'rejected',
};

/** Appends final outcomes to `recent` (bounded) and the counters. */
function record(state: CoordinatorState, closed: ClosedRun[]): CoordinatorState {
  if (closed.length === 0) return state;
  const counters = { ...state.counters };
  for (const entry of closed) counters[COUNTER_OF[entry.outcome]] += 1;
  const recent = [...state.recent, ...closed].slice(-state.config.recentLimit);
  return { ...state, recent, counters };
}

function closeRun(run: Run, outcome: FinalOutcome, at: string, reason?: string): ClosedRun {
  const { args: _args, taskQueue: _taskQueue, ...kept } = run;
  return { ...kept, outcome, closedAt: at, ...(reason !== undefined && { reason }) };
}

function applySubmit(state: CoordinatorState, payload: unknown, at: string): CoordinatorState {
  const seq = state.nextSeq;
  const parsed = parseSubmission(payload);
  if (!parsed.ok) {
    const rejected: ClosedRun = {
      id: idOfInvalidSubmission(payload),
      seq,
      outcome: 'rejected',
      closedAt: at,
      submittedAt: at,
      reason: parsed.problem.message,
    };
    return record({ ...state, nextSeq: seq + 1 }, [rejected]);
  }
  const submission = parsed.value;
  if (state.seenIds.includes(submission.id) || state.runs.some((run) => run.id === submission.id)) {
    // Idempotent: a retried signalWithStart must not start a second child.
    return { ...state, counters: { ...state.counters, duplicates: state.counters.duplicates + 1 } };
  }
  const workflowId = submission.workflowId ?? defaultChildWorkflowId(state.coordinatorWorkflowId, submission.id);
  const clash = state.runs.find((run) => run.workflowId === workflowId);
  if (clash) {
    const rejected: ClosedRun = {
      id: submission.id,
      seq,
      outcome: 'rejected',
      closedAt: at,
      submittedAt: at,
      workflowId,
      reason: `workflowId ${workflowId} is already used by submission ${clash.id}`,
    };
    return record({ ...state, nextSeq: seq + 1 }, [rejected]);
  }
  const run: Run = {
    id: submission.id,
    seq,
    workflowId,
    workflowType: submission.workflowType,
    args: submission.args ?? [],
    submittedAt: at,
    ...(submission.taskQueue !== undefined && { taskQueue: submission.taskQueue }),
  };
  return {
    ...state,
    nextSeq: seq + 1,
    runs: [...state.runs, run],
    seenIds: [...state.seenIds, submission.id].slice(-state.config.dedupeWindow),
    counters: { ...state.counters, submitted: state.counters.submitted + 1 },
  };
}

/** Removes an open child from `runs` and records its outcome; unknown or repeated closes change nothing. */
function applyClose(
  state: CoordinatorState,
  workflowId: string,
  outcome: FinalOutcome,
  at: string,
  reason?: string,
): CoordinatorState {
  const run = state.runs.find((r) => r.workflowId === workflowId && r.startedAt !== undefined);
  if (!run) return state;
  const runs = state.runs.filter((r) => r !== run);
  return record({ ...state, runs }, [closeRun(run, outcome, at, reason)]);
}

/** Folds one event into the state, without deciding anything. */
export function applyEvent(state: CoordinatorState, event: CoordinatorEvent): CoordinatorState {
  switch (event.type) {
    case 'submit':
      return applySubmit(state, event.payload, event.at);
    case 'childStarted':
      return {
        ...state,
        runs: state.runs.map((run) => (run.workflowId === event.workflowId ? { ...run, runId: event.runId } : run)),
      };
    case 'childStartFailed':
      return applyClose(state, event.workflowId, 'failed', event.at, event.reason);
    case 'childClosed':
      return applyClose(state, event.workflowId, event.outcome, event.at, event.reason);
  }
}

function cancelCommand(run: Run): Command {
  return { type: 'cancel', workflowId: run.workflowId, submissionId: run.id, supersededBy: run.supersededBy as string };
}

/** Requests the cancellations that were waiting for their child's start to be confirmed. */
function flushPendingCancels(state: CoordinatorState, at: string): Decision {
  const pending = (run: Run) =>
    run.supersededBy !== undefined && run.cancelRequestedAt === undefined && isConfirmed(run);
  if (!state.runs.some(pending)) return { state, commands: [] };
  const commands: Command[] = [];
  const runs = state.runs.map((run) => {
    if (!pending(run)) return run;
    commands.push(cancelCommand(run));
    return { ...run, cancelRequestedAt: at };
  });
  const counters = { ...state.counters, cancelRequested: state.counters.cancelRequested + commands.length };
  return { state: { ...state, runs, counters }, commands };
}

/** Asks the strategy what to do now, applies its plan to the state and returns the commands for the shell. */
export function reconcile(current: CoordinatorState, at: string): Decision {
  const flushed = flushPendingCancels(current, at);
  const state = flushed.state;
  const plan = STRATEGIES[state.config.limitStrategy](state.runs, state.config);
  const cancels = new Map(plan.cancel.map((c) => [c.id, c.supersededBy]));
  const drops = new Map(plan.drop.map((d) => [d.id, d.supersededBy]));
  const starts = new Set(plan.start);
  const cancelCommands: Command[] = [...flushed.commands];
  const dropped: ClosedRun[] = [];
  const runs: Run[] = [];
  for (const run of state.runs) {
    const cancelledBy = cancels.get(run.id);
    const droppedBy = drops.get(run.id);
    if (cancelledBy !== undefined) {
      const superseded = { ...run, supersededBy: cancelledBy };
      if (isConfirmed(run)) {
        runs.push({ ...superseded, cancelRequestedAt: at });
        cancelCommands.push(cancelCommand(superseded));
      } else {
        runs.push(superseded); // cancelled by flushPendingCancels once its start is confirmed
      }
    } else if (droppedBy !== undefined) {
      const reason = `superseded by ${droppedBy} before it started`;
      dropped.push({ ...closeRun(run, 'dropped', at, reason), supersededBy: droppedBy });
    } else if (starts.has(run.id)) {
      // The child's arguments leave the state once handed to the start command.
      const { args: _args, ...started } = run;
      runs.push({ ...started, startedAt: at });
    } else {
      runs.push(run);
    }
  }
  const byId = new Map(state.runs.map((run) => [run.id, run]));
  const startCommands: Command[] = plan.start.map((id) => ({
    type: 'start',
    run: { ...(byId.get(id) as Run), startedAt: at },
  }));
  const counters = {
    ...state.counters,
    started: state.counters.started + plan.start.length,
    cancelRequested: state.counters.cancelRequested + cancelCommands.length - flushed.commands.length,
  };
  // Cancellations go out before starts, so the server never sees the key over its limit.
  return { state: record({ ...state, runs, counters }, dropped), commands: [...cancelCommands, ...startCommands] };
}

/** Applies a batch of events (all signals of one workflow task) and reconciles once. */
export function decide(state: CoordinatorState, events: readonly CoordinatorEvent[], at: string): Decision {
  return reconcile(events.reduce(applyEvent, state), at);
}
