/**
 * The `concurrencyCoordinator` workflow: one per (policy, key). A thin shell around the pure core in `decide.ts`:
 * signal handlers only queue events, the main loop feeds every queued event of a workflow task to `decide()` at
 * once (`CoordinatorRun.apply`) and carries out the commands it returns (`Children`).
 *
 * Everything runs in a non-cancellable scope: a cancellation of the coordinator (Web UI "Request Cancellation",
 * `handle.cancel()`) is an event like any other, so no timer, condition or activity rejects underneath the loop.
 */
import { CancellationScope, allHandlersFinished, condition, log, setHandler, workflowInfo } from '@temporalio/workflow';
import { createAlarm } from './alarm';
import { now } from './clock';
import { CoordinatorRun } from './coordinator-run';
import { applyEvent } from './core/decide';
import { foldEvents } from './metric-emitter';
import {
  RUN_CLOSED_SIGNAL,
  SUBMIT_SIGNAL,
  SUBMIT_UPDATE,
  MAX_SUBMISSIONS_PER_UPDATE,
  stateQuery,
  type SubmitAck,
  type CoordinatorInput,
  type CoordinatorResult,
} from './messages';
import { decodeRaw, rawSignal, rawUpdate, withRawInput } from './raw-payload';
import { prepareRun } from './run-preparation';
import { endRun, rollOver } from './run-end';
import { beginRun } from './run-start';
import { decideBehaviours } from './behaviours';
import { toView, type CoordinatorEvent } from './core/state';
import { parseRunClosed } from './core/validation';
import { alarmSummary, nextWakeUp } from './wake-up';
import { whyWaiting } from './core/why-waiting';

const submitRawSignal = rawSignal(SUBMIT_SIGNAL);
const submitRawUpdate = rawUpdate<SubmitAck>(SUBMIT_UPDATE);
const runClosedRawSignal = rawSignal(RUN_CLOSED_SIGNAL);

/** Longest wait for starts to be confirmed before continue-as-new is retried. */
const BUSY_WAIT_MS = 60_000;

/** Longest a cancelled coordinator waits for its starts and cancellation requests to be confirmed before it closes. */
const WIND_DOWN_MS = 10_000;

/**
 * Keeps at most `maxRuns` children of one key running, cancelling the oldest when newer submissions arrive.
 *
 * @param input the key's configuration; see {@link CoordinatorInput}
 * @returns the final `state` view and the bookkeeping the key's next run continues, once the key has been idle for
 *   `idleTimeoutMs`
 */
export const concurrencyCoordinator = withRawInput(async function concurrencyCoordinator(
  rawInput: CoordinatorInput,
): Promise<CoordinatorResult> {
  // Undecodable messages (raw-payload.ts) reach the validation as values it rejects, never as a failed task.
  const input = decodeRaw(rawInput) as CoordinatorInput;
  const inbox: CoordinatorEvent[] = [];
  let signalsThisRun = 0;
  let updatesThisRun = 0;
  setHandler(submitRawSignal, (payload: unknown) => {
    signalsThisRun++;
    inbox.push({ type: 'submit', payload: decodeRaw(payload), at: now() });
  });
  // Submissions as an Update (one, or an array): queued like the signal's and acknowledged at once, so the handler
  // is finished within its workflow task and never holds a rollover back. Old histories hold no Updates.
  setHandler(
    submitRawUpdate,
    (payload: unknown): SubmitAck => {
      updatesThisRun++;
      const decoded = decodeRaw(payload);
      const submissions = Array.isArray(decoded) ? decoded : [decoded];
      const at = now();
      for (const submission of submissions) inbox.push({ type: 'submit', payload: submission, at });
      const submissionIds = submissions.map((submission: unknown) => {
        const id = (submission as { id?: unknown } | null)?.id;
        return typeof id === 'string' ? id : '';
      });
      return { submissionIds, coordinatorRunId: workflowInfo().runId };
    },
    {
      // Refused before it is taken (no history event, an error for the caller): an array the run could not bound.
      validator: (payload: unknown) => {
        const decoded = decodeRaw(payload);
        if (Array.isArray(decoded) && (decoded.length === 0 || decoded.length > MAX_SUBMISSIONS_PER_UPDATE)) {
          throw new Error(
            `a submit Update carries 1 to ${MAX_SUBMISSIONS_PER_UPDATE} submissions, got ${decoded.length}`,
          );
        }
      },
    },
  );
  const behaviours = decideBehaviours();
  const { state, continued, carried } = beginRun(input, inbox, behaviours);
  const run = new CoordinatorRun(
    state,
    inbox,
    behaviours,
    () => signalsThisRun,
    () => updatesThisRun,
  );
  run.children.inheritClosing(carried?.closing ?? []);
  // Submissions received but not decided yet (the run is still preparing, or their task is being handled) show as
  // queued: a submitter asking right after submit() must not be told its submission is unknown.
  setHandler(stateQuery, () => {
    const state = inbox.reduce(applyEvent, run.state);
    // timedQueue: each queued submission says where it stands (its place, what it waits for) — a query answer only.
    return toView(state, behaviours.has('timedQueue') ? whyWaiting(state, Date.now()) : undefined);
  });
  setHandler(runClosedRawSignal, (payload: unknown) => {
    signalsThisRun++;
    const parsed = parseRunClosed(decodeRaw(payload));
    if (!parsed.ok) return log.warn('ignoring malformed runClosed signal', { problem: parsed.problem.message });
    const { workflowId } = parsed.value;
    run.children.heardRunClosed(workflowId);
    // A close the sweep found unreported is reported after all (late): its workers have the interceptor.
    const unreported = (event: CoordinatorEvent) =>
      event.type === 'childCloseUnreported' && event.workflowId === workflowId;
    if (run.state.unreportedCloses?.some((close) => close.workflowId === workflowId) || inbox.some(unreported)) {
      inbox.push({ type: 'runClosedHeard', workflowId, at: now() });
    }
  });

  return CancellationScope.nonCancellable(async () => {
    run.prepared(await prepareRun(run.state.config, continued, inbox.length, behaviours));
    // Carried or taken-over state may hold decisions the previous run could not finish (e.g. a close it learned
    // last); they are decided together with the signals that arrived meanwhile, as the take-over fold assumes.
    await run.apply();

    const alarm = createAlarm();
    let lastActiveAt = Date.now();
    let windDownUntil: number | undefined;
    for (;;) {
      if (run.state.unreportedCloses !== undefined) run.judgeUnreportedCloses(); // e.g. carried ones whose margin is up
      if (run.state.cancelledAt !== undefined) {
        windDownUntil ??= Date.now() + WIND_DOWN_MS;
        if (run.woundDown() || Date.now() >= windDownUntil) break;
      }
      const next = nextWakeUp(run.state, run.sweeper, lastActiveAt, windDownUntil, Date.now());
      const wakeUp = () => run.hasWork() || (windDownUntil !== undefined && run.woundDown());
      alarm.setFor(next.at, behaviours.has('describeInWebUi') ? () => alarmSummary(next.why(), next.at) : undefined);
      await condition(() => wakeUp() || alarm.rang());
      alarm.reset();
      if (next.unreportedDue !== undefined) run.judgeUnreportedCloses();
      if (next.idle && !wakeUp() && Date.now() >= next.idleUntil) break;
      if (run.hasWork()) lastActiveAt = Date.now();
      // Events first, so a sweep starting now sees every child they announced. A queue deadline is decided too.
      const queueDue = next.queueDue !== undefined && Date.now() >= next.queueDue;
      if (inbox.length > 0 || run.cancelPending() || queueDue) await run.apply();
      if (run.sweeper.isDue()) run.sweeper.start();
      if (run.rolloverDue()) {
        // Events that arrive while the run settles are folded in and carried.
        await condition(() => run.settled() && allHandlersFinished(), BUSY_WAIT_MS);
        // A cancellation that arrived meanwhile is decided in the loop, never lost to the rollover.
        if (!run.settled() || run.state.cancelledAt !== undefined || run.cancelPending()) continue;
        run.state = foldEvents(run.state, inbox.splice(0));
        if (run.state.cancelledAt !== undefined || run.cancelPending()) continue;
        return rollOver(run.state, run.children);
      }
    }
    await condition(allHandlersFinished);
    return endRun(foldEvents(run.state, inbox.splice(0)));
  });
});
