/**
 * The coordinator's decisions: a pure, deterministic function of (state, events). No Temporal APIs, no clock, no
 * randomness: the workflow shell passes time in, and unit and property tests drive it without a server.
 */
import { admit, defaultChildWorkflowId } from './admission';
import { adoptChildren } from './adoption';
import { applyConfig } from './config-change';
import {
  MAX_OPEN_CHILDREN,
  MAX_QUEUED_SUBMISSIONS,
  MAX_REASON_BYTES,
  MAX_START_BYTES_PER_TASK,
  MAX_STARTS_PER_TASK,
  truncateUtf8,
} from './limits';
import type { ClosedSubmission, CoordinatorCounters, FinalOutcome, LimitStrategy, OpenSubmission } from './wire';
import {
  isConfirmed,
  isLive,
  isOpen,
  type Command,
  type CoordinatorEvent,
  type CoordinatorState,
  type Decision,
  COORDINATOR_CANCELLED_REASON,
  droppedBeforeStart,
  vocabularyOf,
  withNotice,
} from './state';
import { cancelInProgress } from './strategies/cancel-in-progress';
import { cancelNewest } from './strategies/cancel-newest';
import { cancelQueuedExceptNewest, cancelQueuedExceptOldest } from './strategies/cancel-queued';
import { groupRoundRobin } from './strategies/group-round-robin';
import { queueTime } from './queue-time';
import { applyCloseUnreported, applyRunClosedHeard } from './unreported-close';
import type { Plan, Strategy } from './strategies/plan';
import { idOfInvalidSubmission, parseSubmission, understands } from './validation';

export { defaultChildWorkflowId };

const STRATEGIES: Record<LimitStrategy, Strategy> = {
  CANCEL_IN_PROGRESS: cancelInProgress,
  GROUP_ROUND_ROBIN: groupRoundRobin,
  CANCEL_NEWEST: cancelNewest,
  CANCEL_QUEUED_EXCEPT_NEWEST: cancelQueuedExceptNewest,
  CANCEL_QUEUED_EXCEPT_OLDEST: cancelQueuedExceptOldest,
};

export { COORDINATOR_CANCELLED_REASON };

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
function record(state: CoordinatorState, closed: ClosedSubmission[]): CoordinatorState {
  if (closed.length === 0) return state;
  const counters = { ...state.counters };
  for (const entry of closed) counters[COUNTER_OF[entry.outcome]] += 1;
  const recent = [...state.recent, ...closed].slice(-state.config.recentLimit);
  return { ...state, recent, counters };
}

function closeRun(run: OpenSubmission, outcome: FinalOutcome, at: string, reason?: string): ClosedSubmission {
  const {
    args: _args,
    taskQueue: _taskQueue,
    argsBytes: _argsBytes,
    waiting: _waiting,
    conflict: _conflict,
    terminateAfter: _terminateAfter,
    ...kept
  } = run;
  // A reason can be a child's whole error message: bounded, since it travels in every handover and query answer.
  return {
    ...kept,
    outcome,
    closedAt: at,
    ...(reason !== undefined && { reason: truncateUtf8(reason, MAX_REASON_BYTES) }),
  };
}

function rejectSubmission(state: CoordinatorState, id: string, at: string, reason: string, workflowId?: string) {
  const seq = state.nextSeq;
  const rejected: ClosedSubmission = {
    id,
    seq,
    outcome: 'rejected',
    closedAt: at,
    submittedAt: at,
    ...(workflowId !== undefined && { workflowId }),
    reason,
  };
  return record({ ...state, nextSeq: seq + 1 }, [rejected]);
}

/**
 * Every submission among `payloads` recorded as rejected with `reason` (a run that refuses its start input), each under
 * its own id when it has a valid one; duplicates once.
 */
export function rejectSubmissions(
  state: CoordinatorState,
  payloads: readonly unknown[],
  reason: string,
  at: string,
): CoordinatorState {
  let next = state;
  for (const payload of payloads) {
    const parsed = parseSubmission(payload, vocabularyOf(next));
    const id = parsed.ok ? parsed.value.id : idOfInvalidSubmission(payload);
    if (parsed.ok && next.seenIds.includes(id)) continue;
    next = rejectSubmission(next, id, at, reason);
    if (parsed.ok) next = { ...next, seenIds: rememberId(next, id) };
  }
  return next;
}

function rememberId(state: CoordinatorState, id: string): string[] {
  return [...state.seenIds, id].slice(-state.config.dedupeWindow);
}

function applySubmit(state: CoordinatorState, payload: unknown, at: string): CoordinatorState {
  const parsed = parseSubmission(payload, vocabularyOf(state));
  if (!parsed.ok) return rejectSubmission(state, idOfInvalidSubmission(payload), at, parsed.problem.message);
  const submission = parsed.value;
  if (state.seenIds.includes(submission.id) || state.runs.some((run) => run.id === submission.id)) {
    // Idempotent: a retried signalWithStart must not start a second child.
    return { ...state, counters: { ...state.counters, duplicates: state.counters.duplicates + 1 } };
  }
  // The submitter's configuration applies before its own submission is admitted (its maxArgsBytes, say).
  const configured = submission.config
    ? applyConfig(state, submission.config, `submission ${submission.id}`, at)
    : state;
  const seq = configured.nextSeq;
  const admission = admit(submission, {
    coordinatorWorkflowId: configured.coordinatorWorkflowId,
    maxArgsBytes: configured.config.maxArgsBytes,
    ...(configured.config.childTaskQueue !== undefined && { defaultTaskQueue: configured.config.childTaskQueue }),
    ...(configured.taskQueue !== undefined && { coordinatorTaskQueue: configured.taskQueue }),
    ...(configured.pinned !== undefined && { pinned: configured.pinned }),
  });
  if (!admission.ok) {
    const rejected = rejectSubmission(configured, submission.id, at, admission.problem.message);
    return { ...rejected, seenIds: rememberId(rejected, submission.id) };
  }
  const { workflowId, argsBytes } = admission;
  const clash = configured.runs.find((run) => run.workflowId === workflowId);
  if (clash) {
    const reason = `workflowId ${workflowId} is already used by submission ${clash.id}`;
    const rejected = rejectSubmission(configured, submission.id, at, reason, workflowId);
    return { ...rejected, seenIds: rememberId(rejected, submission.id) };
  }
  const run: OpenSubmission = {
    id: submission.id,
    seq,
    workflowId,
    workflowType: submission.workflowType,
    args: submission.args ?? [],
    argsBytes,
    submittedAt: at,
    ...(submission.taskQueue !== undefined && { taskQueue: submission.taskQueue }),
    ...(submission.priority !== undefined && { priority: submission.priority }),
  };
  return {
    ...configured,
    nextSeq: seq + 1,
    runs: [...configured.runs, run],
    seenIds: rememberId(configured, submission.id),
    counters: { ...configured.counters, submitted: configured.counters.submitted + 1 },
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
  if (run.revived) return withNotice({ ...state, runs }, at, `revived child of ${run.id} closed: ${outcome}`);
  const closed = record({ ...state, runs }, [closeRun(run, outcome, at, reason)]);
  const escalated = outcome === 'terminated' && run.terminateAfter !== undefined && at >= run.terminateAfter;
  return escalated ? { ...closed, counters: { ...closed.counters, escalated: closed.counters.escalated + 1 } } : closed;
}

function updateRun(
  state: CoordinatorState,
  workflowId: string,
  update: (run: OpenSubmission) => OpenSubmission,
): CoordinatorState {
  return {
    ...state,
    runs: state.runs.map((run) => (run.workflowId === workflowId && isOpen(run) ? update(run) : run)),
  };
}

/**
 * A start that never took place goes back to the queue when its args were kept, so it is decided again. With
 * `dropDisplaced`, one displaced meanwhile is recorded dropped: queued again it would be neither live (so never
 * started) nor planned (so never dropped), and its submission would have no outcome.
 */
function applyNeverStarted(
  state: CoordinatorState,
  workflowId: string,
  at: string,
  dropDisplaced = false,
): CoordinatorState {
  const run = state.runs.find((r) => r.workflowId === workflowId && isOpen(r));
  if (!run) return state;
  const { startedAt: _startedAt, conflict: _conflict, runId: _runId, ...queued } = run;
  const counters = { ...state.counters, started: state.counters.started - 1 };
  if (dropDisplaced && !isLive(run)) {
    const reason = run.cancelReason ?? `superseded by ${run.supersededBy} before it started`;
    const runs = state.runs.filter((r) => r !== run);
    return record({ ...state, counters, runs }, [closeRun(queued, 'dropped', at, reason)]);
  }
  if (run.args === undefined) {
    return applyClose(state, workflowId, 'failed', at, 'its start never took place, and its arguments were not kept');
  }
  return { ...state, counters, runs: state.runs.map((r) => (r === run ? queued : r)) };
}

/**
 * A child whose submission this history recorded dropped before it started, found closed: a run the history does not
 * show (the coordinator's run before a reset) started it. The record takes the child's real outcome, once.
 */
function applyDroppedChildRan(
  state: CoordinatorState,
  event: Extract<CoordinatorEvent, { type: 'droppedChildRan' }>,
): CoordinatorState {
  const index = state.recent.findIndex((r) => r.workflowId === event.workflowId && droppedBeforeStart(r));
  const dropped = state.recent[index];
  if (!dropped) return state;
  const { reason: droppedFor, supersededBy: _supersededBy, ...kept } = dropped;
  const corrected: ClosedSubmission = {
    ...kept,
    outcome: event.outcome,
    closedAt: event.at,
    ...(event.reason !== undefined && { reason: truncateUtf8(event.reason, MAX_REASON_BYTES) }),
  };
  const recent = state.recent.map((r, i) => (i === index ? corrected : r));
  const counters = { ...state.counters, dropped: state.counters.dropped - 1 };
  counters[COUNTER_OF[event.outcome]] += 1;
  const message =
    `submission ${dropped.id} was recorded dropped (${droppedFor ?? 'no reason'}), yet its child ` +
    `${event.workflowId} ran and closed (${event.outcome}): a run this history does not show started it (was the ` +
    `coordinator reset?); its record now says ${event.outcome}`;
  return withNotice({ ...state, recent, counters }, event.at, truncateUtf8(message, MAX_REASON_BYTES));
}

/** The coordinator was cancelled: drop what waits, mark every open child for cancellation, accept nothing new. */
function applyCoordinatorCancelled(state: CoordinatorState, at: string): CoordinatorState {
  if (state.cancelledAt !== undefined) return state;
  const dropped: ClosedSubmission[] = [];
  const runs: OpenSubmission[] = [];
  for (const run of state.runs) {
    if (!isOpen(run)) dropped.push(closeRun(run, 'dropped', at, COORDINATOR_CANCELLED_REASON));
    else runs.push(isLive(run) ? { ...run, cancelReason: COORDINATOR_CANCELLED_REASON } : run);
  }
  const message = `${COORDINATOR_CANCELLED_REASON}: open children cancelled, queued ones dropped`;
  return record(withNotice({ ...state, runs, cancelledAt: at }, at, message), dropped);
}

/** Folds one event into the state, without deciding anything. */
export function applyEvent(state: CoordinatorState, event: CoordinatorEvent): CoordinatorState {
  switch (event.type) {
    case 'submit':
      return applySubmit(state, event.payload, event.at);
    case 'childStarted':
      return updateRun(state, event.workflowId, ({ conflict: _conflict, ...run }) => ({ ...run, runId: event.runId }));
    case 'childStartConflict':
      return updateRun(state, event.workflowId, ({ runId: _runId, ...run }) => ({ ...run, conflict: true }));
    case 'childNeverStarted':
      return applyNeverStarted(state, event.workflowId, event.at, event.dropDisplaced);
    case 'droppedChildRan':
      return applyDroppedChildRan(state, event);
    case 'childStartFailed':
      return applyClose(state, event.workflowId, event.outcome ?? 'failed', event.at, event.reason);
    case 'childClosed':
      return applyClose(state, event.workflowId, event.outcome, event.at, event.reason);
    case 'childCloseUnreported':
      return applyCloseUnreported(state, event);
    case 'runClosedHeard':
      return applyRunClosedHeard(state, event.workflowId);
    case 'childWaiting':
      return updateRun(state, event.workflowId, ({ waiting: _waiting, ...run }) =>
        event.reason === undefined ? run : { ...run, waiting: event.reason },
      );
    case 'childrenAdopted':
      return adoptChildren(state, event.children, event.at, event.lookedAt, event.reopenDropped);
    case 'coordinatorCancelled':
      return applyCoordinatorCancelled(state, event.at);
  }
}

function addMs(at: string, ms: number): string {
  return new Date(Date.parse(at) + ms).toISOString();
}

function cancelCommand(run: OpenSubmission): Command {
  return {
    type: 'cancel',
    workflowId: run.workflowId,
    submissionId: run.id,
    ...(run.runId !== undefined && { runId: run.runId }),
    ...(run.supersededBy !== undefined && { supersededBy: run.supersededBy }),
    ...(run.cancelReason !== undefined && { reason: run.cancelReason }),
  };
}

/** The run once its cancellation is requested: from then on it has `cancelGracePeriodMs` to close. */
function cancelRequested(run: OpenSubmission, state: CoordinatorState, at: string): OpenSubmission {
  return { ...run, cancelRequestedAt: at, terminateAfter: addMs(at, state.config.cancelGracePeriodMs) };
}

/** Requests the cancellations that were waiting for their child's start to be confirmed. */
function flushPendingCancels(state: CoordinatorState, at: string): Decision {
  const pending = (run: OpenSubmission) => !isLive(run) && run.cancelRequestedAt === undefined && isConfirmed(run);
  if (!state.runs.some(pending)) return { state, commands: [] };
  const commands: Command[] = [];
  const runs = state.runs.map((run) => {
    if (!pending(run)) return run;
    commands.push(cancelCommand(run));
    return cancelRequested(run, state, at);
  });
  const counters = { ...state.counters, cancelRequested: state.counters.cancelRequested + commands.length };
  return { state: { ...state, runs, counters }, commands };
}

/**
 * Starts in one decision are capped by count and by argument bytes (at least one always goes), so no workflow task
 * completion nears the gRPC message limit; the rest start in the next decision.
 */
function startsThatFit(
  plannedIds: string[],
  byId: Map<string, OpenSubmission>,
  open: number,
  budget = Infinity,
): string[] {
  const fitting: string[] = [];
  let bytes = 0;
  // The server refuses more than 2,000 pending children per run; cancelled children that linger count too.
  const room = Math.max(0, Math.min(MAX_STARTS_PER_TASK, MAX_OPEN_CHILDREN - open, budget));
  for (const id of plannedIds.slice(0, room)) {
    const runBytes = byId.get(id)?.argsBytes ?? 0;
    if (fitting.length > 0 && bytes + runBytes > MAX_START_BYTES_PER_TASK) break;
    fitting.push(id);
    bytes += runBytes;
  }
  return fitting;
}

/**
 * Queued submissions hold their args until they start; when they hold more than `maxQueuedBytes` together the
 * oldest are dropped, so the state (carried across continue-as-new in one payload) stays bounded. Newest win here too.
 */
function dropOverBudget(state: CoordinatorState, at: string, deferred: ReadonlySet<string>): CoordinatorState {
  // Starts deferred to the next task hold a slot already; the shell does not continue as new while any wait.
  const queued = state.runs.filter((run) => !isOpen(run) && isLive(run) && !deferred.has(run.id));
  let bytes = queued.reduce((sum, run) => sum + (run.argsBytes ?? 0), 0);
  if (bytes <= state.config.maxQueuedBytes) return state;
  const dropIds = new Set<string>();
  for (const run of queued) {
    if (bytes <= state.config.maxQueuedBytes) break;
    dropIds.add(run.id);
    bytes -= run.argsBytes ?? 0;
  }
  const reason = `queued arguments exceeded maxQueuedBytes (${state.config.maxQueuedBytes} bytes)`;
  const dropped = state.runs.filter((run) => dropIds.has(run.id)).map((run) => closeRun(run, 'dropped', at, reason));
  return record({ ...state, runs: state.runs.filter((run) => !dropIds.has(run.id)) }, dropped);
}

/**
 * (timedQueue) At most {@link MAX_QUEUED_SUBMISSIONS} wait: the newest beyond it are dropped, as a queue that is full
 * turns new arrivals away — what waited first keeps its place. A run before that behaviour keeps any number.
 */
function dropOverLength(state: CoordinatorState, at: string): CoordinatorState {
  if (!understands(vocabularyOf(state), 'full')) return state;
  const waiting = state.runs.filter((run) => !isOpen(run) && isLive(run));
  if (waiting.length <= MAX_QUEUED_SUBMISSIONS) return state;
  const dropIds = new Set(
    [...waiting]
      .sort((a, b) => b.seq - a.seq)
      .slice(0, waiting.length - MAX_QUEUED_SUBMISSIONS)
      .map((run) => run.id),
  );
  const reason = `queue full: ${MAX_QUEUED_SUBMISSIONS} submissions wait, the most one coordinator carries`;
  const dropped = state.runs.filter((run) => dropIds.has(run.id)).map((run) => closeRun(run, 'dropped', at, reason));
  return record({ ...state, runs: state.runs.filter((run) => !dropIds.has(run.id)) }, dropped);
}

/**
 * Applies a strategy's plan. With `issue` false nothing is carried out (used when taking over an abandoned run):
 * drops are recorded, displaced children are only marked, to be cancelled once the next run confirmed them.
 */
function applyPlan(state: CoordinatorState, plan: Plan, at: string, issue: boolean, startBudget?: number): Decision {
  const cancels = new Map(plan.cancel.map((c) => [c.id, c.supersededBy]));
  const drops = new Map(plan.drop.map((d) => [d.id, d]));
  const byId = new Map(state.runs.map((run) => [run.id, run]));
  const open = state.runs.filter(isOpen).length;
  const startIds = issue ? startsThatFit(plan.start, byId, open, startBudget) : [];
  // Starts the run's history budget holds back: they wait for the next run, not the next task.
  const withheld = issue ? startsThatFit(plan.start, byId, open).length - startIds.length : 0;
  const starts = new Set(startIds);
  const cancelCommands: Command[] = [];
  const dropped: ClosedSubmission[] = [];
  const runs: OpenSubmission[] = [];
  for (const run of state.runs) {
    const cancelledBy = cancels.get(run.id);
    const droppedBy = drops.get(run.id);
    if (cancelledBy !== undefined) {
      const superseded = { ...run, supersededBy: cancelledBy };
      if (issue && isConfirmed(run)) {
        runs.push(cancelRequested(superseded, state, at));
        cancelCommands.push(cancelCommand(superseded));
      } else {
        runs.push(superseded); // cancelled by flushPendingCancels once its start is confirmed
      }
    } else if (droppedBy !== undefined) {
      const { supersededBy, reason = `superseded by ${supersededBy} before it started` } = droppedBy;
      dropped.push({ ...closeRun(run, 'dropped', at, reason), ...(supersededBy !== undefined && { supersededBy }) });
    } else if (starts.has(run.id)) {
      // The child's arguments leave the state once handed to the start command.
      const { args: _args, argsBytes: _argsBytes, ...started } = run;
      runs.push({ ...started, startedAt: at });
    } else {
      runs.push(run);
    }
  }
  const startCommands: Command[] = startIds.map((id) => ({
    type: 'start',
    run: { ...(byId.get(id) as OpenSubmission), startedAt: at },
  }));
  const counters = {
    ...state.counters,
    started: state.counters.started + startIds.length,
    cancelRequested: state.counters.cancelRequested + cancelCommands.length,
  };
  // Planned starts not issued now hold their slot: deferred to the next task, or (taking over) already issued by the
  // abandoned run in a task whose start events the fold has not read yet. A cancelled coordinator starts nothing.
  const holding = state.cancelledAt === undefined ? plan.start.filter((id) => !starts.has(id)) : [];
  const next = dropOverLength(dropOverBudget(record({ ...state, runs, counters }, dropped), at, new Set(holding)), at);
  return {
    state: next,
    commands: [...cancelCommands, ...startCommands],
    deferredStarts: issue ? Math.max(0, holding.length - withheld) : 0,
    ...(withheld > 0 && { startsWithheld: withheld }),
  };
}

/**
 * Time's part of the decision (queue-time.ts): drops what waited past `scheduleTimeoutMs` or was debounced by a newer
 * submission, and says which waiting submission the strategy must not see yet. Without those options, nothing.
 */
function applyQueueTime(state: CoordinatorState, at: string): { state: CoordinatorState; visible: OpenSubmission[] } {
  const time = queueTime(state.runs, state.config, at);
  const visible = state.runs.filter((run) => !time.notYetEligible.has(run.id));
  if (time.drop.length === 0) return { state, visible };
  const drops = new Map(time.drop.map((drop) => [drop.id, drop]));
  const dropped: ClosedSubmission[] = [];
  const runs: OpenSubmission[] = [];
  for (const run of state.runs) {
    const drop = drops.get(run.id);
    if (drop === undefined) {
      runs.push(run.id === time.burst?.id ? { ...run, burstStartedAt: time.burst.startedAt } : run);
      continue;
    }
    const { supersededBy } = drop;
    dropped.push({ ...closeRun(run, 'dropped', at, drop.reason), ...(supersededBy !== undefined && { supersededBy }) });
  }
  const next = record({ ...state, runs }, dropped);
  return { state: next, visible: next.runs.filter((run) => !time.notYetEligible.has(run.id)) };
}

/** The strategy's plan for the runs time lets it see. */
function planFor(state: CoordinatorState, at: string): { state: CoordinatorState; plan: Plan } {
  const timed = applyQueueTime(state, at);
  return { state: timed.state, plan: STRATEGIES[timed.state.config.limitStrategy](timed.visible, timed.state.config) };
}

/** Asks the strategy what to do now, applies its plan to the state and returns the commands for the shell. */
export function reconcile(current: CoordinatorState, at: string, options: DecideOptions = {}): Decision {
  const flushed = flushPendingCancels(current, at);
  // Winding down: nothing new starts, but the queue (submissions for the next run) stays within its budget.
  if (flushed.state.cancelledAt !== undefined) return { ...flushed, state: settleWithoutCommands(flushed.state, at) };
  const { state, plan } = planFor(flushed.state, at);
  const applied = applyPlan(state, plan, at, true, options.startBudget);
  // Cancellations go out before starts, so the server never sees the key over its limit.
  return { ...applied, commands: [...flushed.commands, ...applied.commands] };
}

/**
 * The state without carrying anything out: what a run taking over abandoned work starts from, so that submissions the
 * strategy would drop anyway do not travel (with their args) into the next run.
 */
export function settleWithoutCommands(current: CoordinatorState, at: string): CoordinatorState {
  const { state, plan } = planFor(current, at);
  return applyPlan(state, plan, at, false).state;
}

/** What the shell knows that the state does not. */
export interface DecideOptions {
  /**
   * How many more children this run may start (the boundResultHistory behaviour): each child's result or failure is copied into the
   * history of the run that started it, so a run starts only as many as its history can take. Planned starts beyond
   * it stay queued and the decision says so (`startsWithheld`): the shell continues as new, and the next run, whose
   * history their results never reach, starts them. @default unlimited
   */
  startBudget?: number;
}

/** Applies a batch of events (all signals of one workflow task) and reconciles once. */
export function decide(
  state: CoordinatorState,
  events: readonly CoordinatorEvent[],
  at: string,
  options: DecideOptions = {},
): Decision {
  return reconcile(events.reduce(applyEvent, state), at, options);
}
