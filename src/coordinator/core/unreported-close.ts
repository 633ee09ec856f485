/**
 * Children whose workers lack the library's interceptor. Such a child still runs, but it never sends `runClosed`
 * and cannot show who superseded it. The coordinator follows the children it started itself through their handles,
 * so the gap shows only for a child carried over from an earlier run (continue-as-new, take-over): its close reaches
 * the coordinator by the `runClosed` signal or, without the interceptor, only through the periodic sweep.
 *
 * The workflow shell reports a close as unreported (`childCloseUnreported`) only when the sweep found the child
 * closed with an outcome the interceptor reports (completed, failed, cancelled — a terminated or timed-out workflow
 * cannot signal), this run did not start it, a sweep of this run had seen it open (so it closed while this run was
 * listening, not while no run was), and no `runClosed` for it came to this run or was handed over by the previous one.
 * The interceptor sends its signal, and waits for the server to deliver it, before the child closes; a child that
 * signals some other way may do so just after. So the verdict waits {@link UNREPORTED_CLOSE_MARGIN_MS}: a `runClosed`
 * arriving meanwhile (`runClosedHeard`) withdraws it. Then the coordinator says so once per task queue, in a notice,
 * remembered across continue-as-new (bounded).
 *
 * Pure: no Temporal APIs, no clock; the shell passes time in.
 */
import { MAX_INTERCEPTOR_MISSING_QUEUES, MAX_UNREPORTED_CLOSES } from './limits';
import type { CloseOutcome, OpenSubmission, UnreportedClose } from './wire';
import { withNotice, type CoordinatorState } from './state';

/** The `patched()` ID of this behaviour: the workflow shell calls it only on the path where such a child is found. */
export const UNREPORTED_CLOSE_PATCH = 'notice-children-without-run-closed-interceptor';

/** How long after the sweep found a close unreported a `runClosed` may still withdraw the verdict. */
export const UNREPORTED_CLOSE_MARGIN_MS = 10_000;

export { MAX_INTERCEPTOR_MISSING_QUEUES, MAX_UNREPORTED_CLOSES };

const REPORTED_BY_INTERCEPTOR: readonly CloseOutcome[] = ['completed', 'failed', 'cancelled'];

/** Whether the interceptor sends `runClosed` for a child that ends this way (a terminated or timed-out one cannot). */
export function interceptorReports(outcome: CloseOutcome): boolean {
  return REPORTED_BY_INTERCEPTOR.includes(outcome);
}

/** The task queue a child was started on: its submission's, else the configured default, else the coordinator's. */
export function childTaskQueueOf(state: CoordinatorState, run: OpenSubmission): string | undefined {
  return run.taskQueue ?? state.config.childTaskQueue ?? state.taskQueue;
}

/** The operator-facing notice for a task queue whose workers lack the interceptor. */
export function missingInterceptorMessage(close: UnreportedClose): string {
  return (
    `child ${close.workflowId} on task queue ${close.taskQueue} closed (${close.outcome}) without sending the ` +
    `runClosed signal: it was started by an earlier run of this coordinator, so only the periodic sweep saw its ` +
    `close (late by up to sweepIntervalMs), and a child superseded on that queue cannot show who superseded it. ` +
    `The workers of task queue ${close.taskQueue} need withConcurrency(...) from 'temporal-concurrency/worker' ` +
    `(it installs the library's interceptor).`
  );
}

/** Records an unreported close for judgement after the margin, unless there is nothing to say. */
export function applyCloseUnreported(
  state: CoordinatorState,
  event: { workflowId: string; outcome: CloseOutcome; at: string },
): CoordinatorState {
  if (!interceptorReports(event.outcome)) return state;
  const run = state.runs.find((r) => r.workflowId === event.workflowId && r.startedAt !== undefined);
  if (!run) return state;
  const taskQueue = childTaskQueueOf(state, run);
  if (taskQueue === undefined || (state.interceptorMissingOn ?? []).includes(taskQueue)) return state;
  const pending = state.unreportedCloses ?? [];
  if (pending.some((close) => close.workflowId === event.workflowId)) return state;
  const close: UnreportedClose = { workflowId: event.workflowId, taskQueue, outcome: event.outcome, at: event.at };
  return { ...state, unreportedCloses: [...pending, close].slice(-MAX_UNREPORTED_CLOSES) };
}

/** A `runClosed` came after all: the child's workers have the interceptor, and its close is no verdict. */
export function applyRunClosedHeard(state: CoordinatorState, workflowId: string): CoordinatorState {
  const pending = state.unreportedCloses;
  if (!pending?.some((close) => close.workflowId === workflowId)) return state;
  return withUnreported(
    state,
    pending.filter((close) => close.workflowId !== workflowId),
  );
}

function withUnreported(state: CoordinatorState, pending: UnreportedClose[]): CoordinatorState {
  if (pending.length > 0) return { ...state, unreportedCloses: pending };
  const { unreportedCloses: _unreported, ...rest } = state;
  return rest;
}

/** Whether an unreported close has waited its margin at `nowMs`; one with an unreadable time is judged at once. */
function isDue(close: UnreportedClose, nowMs: number): boolean {
  const foundMs = Date.parse(close.at);
  return !Number.isFinite(foundMs) || foundMs + UNREPORTED_CLOSE_MARGIN_MS <= nowMs;
}

/** When the earliest unreported close will have waited its margin (workflow time, ms), if any waits. */
export function unreportedDueAt(state: CoordinatorState): number | undefined {
  const due = (state.unreportedCloses ?? [])
    .map((close) => Date.parse(close.at) + UNREPORTED_CLOSE_MARGIN_MS)
    .filter((ms) => Number.isFinite(ms));
  return due.length > 0 ? Math.min(...due) : undefined;
}

/**
 * Judges the unreported closes that waited their margin at `at`: the first of each task queue not yet named becomes
 * a notice, and the queue is remembered so that no later child on it repeats the notice. Returns `state` itself when
 * nothing was due.
 */
export function confirmUnreportedCloses(state: CoordinatorState, at: string): CoordinatorState {
  const pending = state.unreportedCloses;
  const nowMs = Date.parse(at);
  if (!pending || pending.length === 0 || Number.isNaN(nowMs)) return state;
  const due = pending.filter((close) => isDue(close, nowMs));
  if (due.length === 0) return state;
  let next = withUnreported(
    state,
    pending.filter((close) => !due.includes(close)),
  );
  for (const close of due) {
    const named = next.interceptorMissingOn ?? [];
    if (named.includes(close.taskQueue)) continue;
    next = withNotice(
      { ...next, interceptorMissingOn: [...named, close.taskQueue].slice(-MAX_INTERCEPTOR_MISSING_QUEUES) },
      at,
      missingInterceptorMessage(close),
    );
  }
  return next;
}
