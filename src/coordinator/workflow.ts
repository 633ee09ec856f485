/**
 * The `concurrencyCoordinator` workflow: one per (policy, key). A thin shell around the pure core in `decide.ts`:
 * signal handlers only queue events, the main loop feeds every queued event of a workflow task to `decide()` at
 * once and carries out the commands it returns.
 *
 * Everything runs in a non-cancellable scope: a cancellation of the coordinator (Web UI "Request Cancellation",
 * `handle.cancel()`) is an event like any other, so no timer, condition or activity rejects underneath the loop.
 */
import {
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { prepareRun } from './run-preparation';
import { cancelChildren } from './child-cancel';
import { createAlarm } from './alarm';
import { summaryText } from './limits';
import { classifyChildFailure, messageOf } from './child-outcome';
import { applyConfig } from './config-change';
import { applyEvent, decide, defaultChildWorkflowId } from './decide';
import { describeCoordinator } from './details';
import { foldEvents, recordMetrics } from './metric-emitter';
import {
  CHILD_MEMO_KEY,
  reportCloseSignal,
  runClosedSignal,
  stateQuery,
  submitSignal,
  supersededSignal,
  type ChildMemo,
  type CoordinatorInput,
  type CoordinatorResult,
  type Run,
} from './messages';
import { decideRunVersion, type RunVersion } from './run-version';
import { childSearchAttributes } from './search-attributes';
import { createSweeper } from './sweeper';
import {
  initialState,
  isConfirmed,
  isOpen,
  toCarried,
  toView,
  withNotice,
  type Command,
  type CoordinatorEvent,
  type CoordinatorState,
} from './state';
import { UNREPORTED_CLOSE_PATCH, confirmUnreportedCloses, unreportedDueAt } from './unreported-close';
import { continuedAsNew, refusedState, runStartConfig, type RunStartConfig } from './start-input';
import { parseCoordinatorInput, parseRunClosed, toCoordinatorInput } from './validation';

/** Longest wait for starts to be confirmed before continue-as-new is retried. */
const BUSY_WAIT_MS = 60_000;

/** Longest a cancelled coordinator waits for its starts and cancellation requests to be confirmed before it closes. */
const WIND_DOWN_MS = 10_000;

/**
 * Continue-as-new once history holds this many bytes, whatever the server suggests (its suggestion can be turned
 * off): a run's history is capped at 50 MB, and a take-over reads all of it.
 */
const HISTORY_BYTES_LIMIT = 8 * 1024 * 1024;

/**
 * Behaviour 3: the bytes a run's history may reach counting, for every child it started and has not seen close, the
 * largest result or failure the server lets a workflow return (its blob limit, 2 MiB by default): Temporal copies a
 * child's result into its parent's history, and terminates a run whose history passes 50 MiB. Children carried into a
 * later run send it only `runClosed`, so a run that reaches its budget continues as new instead of starting more.
 */
const RESULT_HISTORY_BUDGET = 48 * 1024 * 1024;
const MAX_CHILD_RESULT_BYTES = 2 * 1024 * 1024;

/** A timer's summary in Web UI: why the coordinator wakes, and when (UTC). */
function alarmSummary(why: string, deadlineMs: number): string {
  return Number.isFinite(deadlineMs) ? `${why} · at ${new Date(deadlineMs).toISOString().slice(11, 19)} UTC` : why;
}

/** Behaviours 1 and 2: an invalid start input fails the run, and its submissions are only named in the failure. */
function legacyStartConfig(input: CoordinatorInput): RunStartConfig {
  const parsed = parseCoordinatorInput(input);
  if (parsed.ok) return { ok: true, config: parsed.value };
  return {
    ok: false,
    failureType: 'InvalidCoordinatorInput',
    field: parsed.problem.field,
    message: `invalid coordinator input: ${parsed.problem.message}`,
  };
}

function now(): string {
  // Date is deterministic in the workflow sandbox: the time of the current workflow task.
  return new Date(Date.now()).toISOString();
}

/**
 * Keeps at most `maxRuns` children of one key running, cancelling the oldest when newer submissions arrive.
 *
 * @param input the key's configuration; see {@link CoordinatorInput}
 * @returns the final `state` view and the bookkeeping the key's next run continues, once the key has been idle for
 *   `idleTimeoutMs`
 */
export async function concurrencyCoordinator(input: CoordinatorInput): Promise<CoordinatorResult> {
  const inbox: CoordinatorEvent[] = [];
  let signalsThisRun = 0;
  setHandler(submitSignal, (payload: unknown) => {
    signalsThisRun++;
    inbox.push({ type: 'submit', payload, at: now() });
  });

  /** Decided in the run's first workflow task; see run-version.ts. */
  const version: RunVersion = decideRunVersion();
  const info = workflowInfo();
  const submits = () => inbox.flatMap((event) => (event.type === 'submit' ? [event.payload] : []));
  const start = version >= 3 ? runStartConfig(input, submits(), info.workflowId) : legacyStartConfig(input);
  if (!start.ok) {
    // Refuse visibly rather than hold a key with a limit nobody meant, or a second limit for one key. The
    // submissions that came with it are rejected with the reason, which the state query tells their submitters.
    const refused = refusedState(input, info.workflowId, submits(), start.message, now());
    if (version >= 3) setHandler(stateQuery, () => toView(refused));
    throw ApplicationFailure.create({
      type: start.failureType,
      message: start.message,
      nonRetryable: true,
      details: [
        {
          ...(start.field !== undefined && { field: start.field }),
          ...(start.canonicalWorkflowId !== undefined && { canonicalWorkflowId: start.canonicalWorkflowId }),
          rejectedSubmissions: refused.recent.map((run) => run.id),
        },
      ],
    });
  }
  // Behaviour 3: only a continue-as-new (which the server records, and no client can make) hands a run its state.
  const continued = version >= 3 ? continuedAsNew(info) : input.carried !== undefined;
  const carried = continued ? input.carried : undefined;
  let state: CoordinatorState = {
    ...initialState(start.config, info.workflowId, carried),
    taskQueue: info.taskQueue,
  };
  if (input.carried !== undefined && !continued) {
    state = withNotice(
      state,
      now(),
      'ignored the carried state of a start input: only a continue-as-new carries state',
    );
  }
  if (version >= 3 && start.repairedBy) {
    const { submissionId, problem } = start.repairedBy;
    state = withNotice(
      state,
      now(),
      `invalid start input (${problem.message}): configured by submission ${submissionId}`,
    );
  }
  /** Children started by this run: their handle once the server confirmed the start, `null` while in flight. */
  const children = new Map<string, { result(): Promise<unknown> } | null>();
  /** Workflow IDs of the children this run started (kept after they close). */
  const startedHere = new Set<string>();
  /** Children a runClosed signal came for, in this run or (handed over) the previous one. */
  const heardClose = new Set<string>();
  const sweeper = createSweeper(() => state, inbox, {
    startedHere: (workflowId) => startedHere.has(workflowId),
    heardClose: (workflowId) => heardClose.has(workflowId),
    version: () => version,
  });
  // Children of this run that said they are closing: if the run continues as new before their handle resolves,
  // the next run must go and confirm those closes, since it will hear of them from no one.
  const announcedClose = new Set<string>();
  for (const workflowId of carried?.closing ?? []) {
    heardClose.add(workflowId);
    sweeper.requestSoon(workflowId);
  }
  let cancelsInFlight = 0;
  // Signals to children not yet delivered (behaviour 2 waits for them, like cancellations, before continuing as new).
  let signalsInFlight = 0;
  /** Children this run asked to report their close (behaviour 2). */
  const askedToReport = new Set<string>();
  // Starts that did not fit in the last workflow task: their args stay in state until issued, so no rollover before.
  let deferredStarts = 0;
  // Starts the history budget held back: only a new run may issue them.
  let startsWithheld = 0;

  // Submissions received but not decided yet (the run is still preparing, or their task is being handled) show as
  // queued: a submitter asking right after submit() must not be told its submission is unknown.
  setHandler(stateQuery, () => toView(inbox.reduce(applyEvent, state)));
  setHandler(runClosedSignal, (payload: unknown) => {
    signalsThisRun++;
    const parsed = parseRunClosed(payload);
    if (!parsed.ok) {
      log.warn('ignoring malformed runClosed signal', { problem: parsed.problem.message });
      return;
    }
    // Children this run started are followed through their handle, whose close event is authoritative. For one
    // carried over from an earlier run the signal is the news, but it is sent just before the child closes: the
    // sweep confirms the close with the server before the slot is reused.
    const { workflowId } = parsed.value;
    heardClose.add(workflowId);
    if (!children.has(workflowId)) sweeper.requestSoon(workflowId);
    else announcedClose.add(workflowId);
    // A close the sweep found unreported is reported after all (late): its workers have the interceptor.
    const unreported = (event: CoordinatorEvent) =>
      event.type === 'childCloseUnreported' && event.workflowId === workflowId;
    if (state.unreportedCloses?.some((close) => close.workflowId === workflowId) || inbox.some(unreported)) {
      inbox.push({ type: 'runClosedHeard', workflowId, at: now() });
    }
  });
  // The coordinator's own cancellation, read synchronously: it is decided first in its workflow task, so the
  // submissions handled with it are never cancelled by it (they continue in a new run), as the take-over fold assumes.
  const root = CancellationScope.current();
  let cancelNoted = false;
  const cancelPending = () => root.consideredCancelled && !cancelNoted;

  async function runChild(run: Run): Promise<void> {
    const memo: ChildMemo = {
      coordinatorWorkflowId: state.coordinatorWorkflowId,
      policy: state.config.policy,
      key: state.config.key,
      submissionId: run.id,
      seq: run.seq,
      // This run follows the child through its handle; only a later run needs the child's runClosed, and asks.
      ...(version >= 2 && { reportClose: 'when-asked' as const }),
    };
    let handle;
    try {
      handle = await startChild(run.workflowType, {
        workflowId: run.workflowId,
        args: run.args ?? [],
        taskQueue: run.taskQueue ?? state.config.childTaskQueue,
        // ABANDON: the server applies the parent-close policy on continue-as-new too.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // The coordinator cancels children by workflow ID (so a child that continued as new is cancelled in its
        // current run), never through this scope, which cannot be cancelled anyway.
        cancellationType: ChildWorkflowCancellationType.ABANDON,
        // A default child ID names one submission: it runs once. Starting it again (after a reset of the
        // coordinator, or a resubmission after the coordinator went idle) fails as already started, and the sweep
        // checks by memo that it is this submission's child. IDs the submitter chose keep the server's default.
        ...(run.workflowId === defaultChildWorkflowId(state.coordinatorWorkflowId, run.id) && {
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        }),
        memo: { [CHILD_MEMO_KEY]: memo },
        ...(version >= 2 && { typedSearchAttributes: childSearchAttributes(workflowInfo().typedSearchAttributes) }),
        staticSummary: summaryText(`${state.config.policy}/${state.config.key} · submission ${run.id} (#${run.seq})`),
      });
    } catch (err) {
      children.delete(run.workflowId);
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        inbox.push({ type: 'childStartConflict', workflowId: run.workflowId, at: now() });
        sweeper.requestSoon();
        return;
      }
      inbox.push({ type: 'childStartFailed', workflowId: run.workflowId, reason: messageOf(err), at: now() });
      return;
    }
    children.set(run.workflowId, handle);
    inbox.push({ type: 'childStarted', workflowId: run.workflowId, runId: handle.firstExecutionRunId, at: now() });
    let closed: ReturnType<typeof classifyChildFailure> = { outcome: 'completed' };
    try {
      await handle.result();
    } catch (err) {
      closed = sweeper.endedBy(run.workflowId) ?? classifyChildFailure(err);
    }
    children.delete(run.workflowId);
    inbox.push({ type: 'childClosed', workflowId: run.workflowId, ...closed, at: now() });
  }

  function cancelChild(command: Extract<Command, { type: 'cancel' }>): void {
    log.info('cancelling child', { ...command });
    const superseded =
      command.supersededBy === undefined
        ? undefined
        : {
            submissionId: command.submissionId,
            supersededBy: command.supersededBy,
            coordinatorWorkflowId: state.coordinatorWorkflowId,
          };
    // Default child IDs are reserved to this coordinator: by workflow ID without a run ID, the request reaches the
    // child's current run, even after it continued as new. An ID the submitter chose may since hold a workflow this
    // coordinator never started, so the request names the child's run; if that run has continued as new (the request
    // fails), the client cancels the chain by its first run ID. Either way the request is a command of this task,
    // ordered before the start it makes room for.
    const ownsId = command.workflowId === defaultChildWorkflowId(state.coordinatorWorkflowId, command.submissionId);
    const runId = ownsId ? undefined : command.runId;
    const child = getExternalWorkflowHandle(command.workflowId, runId);
    if (superseded) {
      // Sent first, so the child's memo names its successor by the time it handles the cancellation.
      signalsInFlight++;
      child
        .signal(supersededSignal, superseded)
        .catch((err: unknown) => {
          // Usually the child closed before the signal reached it, which is fine: only its memo stays unnamed.
          log.debug('child did not hear who superseded it', { workflowId: command.workflowId, error: messageOf(err) });
        })
        .finally(() => signalsInFlight--)
        .catch(() => undefined);
    }
    cancelsInFlight++;
    child
      .cancel()
      .catch(async (err: unknown) => {
        log.debug('cancel request failed', { workflowId: command.workflowId, error: messageOf(err) });
        if (runId === undefined) return; // closed already: its handle, the runClosed signal or the sweep tells us
        const chain = { workflowId: command.workflowId, runId, ...(superseded && { superseded }) };
        await cancelChildren(version)({ children: [chain] });
      })
      .catch((err: unknown) => log.warn('cancel failed', { workflowId: command.workflowId, error: messageOf(err) }))
      .finally(() => cancelsInFlight--)
      .catch(() => undefined);
  }

  /**
   * Behaviour 2: asks each open child this run did not start (carried over, taken over) to send runClosed when it
   * closes. Default child IDs are this coordinator's own, so by workflow ID; an ID the submitter chose by its run, so
   * the request never reaches a workflow that took the ID since. A child that cannot be signalled has usually closed
   * already: a sweep finds out.
   */
  function askToReportClose(): void {
    if (version < 2) return;
    for (const run of state.runs) {
      const { workflowId, runId } = run;
      if (!isOpen(run) || runId === undefined || startedHere.has(workflowId) || askedToReport.has(workflowId)) continue;
      askedToReport.add(workflowId);
      if (heardClose.has(workflowId)) continue; // it said it is closing; the sweep confirms
      const ownsId = workflowId === defaultChildWorkflowId(state.coordinatorWorkflowId, run.id);
      signalsInFlight++;
      getExternalWorkflowHandle(workflowId, ownsId ? undefined : runId)
        .signal(reportCloseSignal, { coordinatorWorkflowId: state.coordinatorWorkflowId })
        .catch((err: unknown) => {
          log.debug('carried child could not be asked to report its close', { workflowId, error: messageOf(err) });
          sweeper.requestSoon();
        })
        .finally(() => signalsInFlight--)
        .catch(() => undefined);
    }
  }

  function execute(command: Command): void {
    if (command.type === 'cancel') return cancelChild(command);
    children.set(command.run.workflowId, null);
    startedHere.add(command.run.workflowId);
    runChild(command.run).catch((err: unknown) => {
      // runChild catches what Temporal throws; anything else is a bug, recorded rather than left to wedge the key.
      children.delete(command.run.workflowId);
      inbox.push({ type: 'childStartFailed', workflowId: command.run.workflowId, reason: messageOf(err), at: now() });
    });
  }

  async function apply(events: CoordinatorEvent[]): Promise<void> {
    if (cancelPending()) {
      cancelNoted = true;
      events.unshift({ type: 'coordinatorCancelled', at: now() });
    }
    const before = state;
    const decision = decide(state, events, now(), version >= 3 ? { startBudget: startBudget() } : {});
    state = decision.state;
    recordMetrics({ before, after: state, events, commands: decision.commands });
    deferredStarts = decision.deferredStarts ?? 0;
    startsWithheld = decision.startsWithheld ?? 0;
    const cancels = decision.commands.filter((command) => command.type === 'cancel');
    const starts = decision.commands.filter((command) => command.type === 'start');
    cancels.forEach(execute);
    // Let the cancellations go first, so in the history every cancel request precedes the start it makes room for.
    if (cancels.length > 0 && starts.length > 0) await Promise.resolve();
    starts.forEach(execute);
    askToReportClose();
    setCurrentDetails(describeCoordinator(state));
  }

  /** Says which task queues' workers lack the interceptor, once the unreported closes waited their margin. */
  function judgeUnreportedCloses(): void {
    const judged = confirmUnreportedCloses(state, now());
    if (judged === state) return;
    state = judged;
    setCurrentDetails(describeCoordinator(state));
  }

  /** How many more children this run's history can take the results of (behaviour 3). */
  function startBudget(): number {
    const room = Math.floor((RESULT_HISTORY_BUDGET - workflowInfo().historySize) / MAX_CHILD_RESULT_BYTES);
    return Math.max(0, room - children.size);
  }

  function shouldContinueAsNew(): boolean {
    if (state.cancelledAt !== undefined || deferredStarts > 0) return false;
    const { continueAsNewSuggested, historyLength, historySize } = workflowInfo();
    const { continueAsNewAfterEvents, continueAsNewAfterSignals } = state.config;
    return (
      continueAsNewSuggested ||
      (continueAsNewAfterEvents !== undefined && historyLength >= continueAsNewAfterEvents) ||
      signalsThisRun >= continueAsNewAfterSignals ||
      historySize >= HISTORY_BYTES_LIMIT ||
      startsWithheld > 0
    );
  }

  const startsPending = () => [...children.values()].some((handle) => handle === null);
  /** A cancelled coordinator closes once every start and cancellation request it issued is confirmed. */
  const woundDown = () =>
    !startsPending() &&
    cancelsInFlight === 0 &&
    !state.runs.some((run) => isOpen(run) && isConfirmed(run) && run.cancelRequestedAt === undefined);

  return CancellationScope.nonCancellable(async () => {
    const firstBatch = inbox.length;
    const prepared = await prepareRun(state.config, continued, firstBatch, version);
    if (prepared.carriedDistrusted) {
      state = withNotice(
        { ...initialState(state.config, state.coordinatorWorkflowId), taskQueue: info.taskQueue },
        now(),
        prepared.carriedDistrusted,
      );
    }
    if (prepared.takenOver) {
      const { config: takenConfig, carried } = prepared.takenOver;
      state = { ...initialState(takenConfig, state.coordinatorWorkflowId, carried), taskQueue: info.taskQueue };
      sweeper.requestSoon(); // its children may have closed while no run was listening
    }
    if (prepared.pinned)
      state = applyConfig({ ...state, pinned: prepared.pinned }, {}, "the worker's pinned policy", now());
    if (prepared.problem) state = withNotice(state, now(), prepared.problem);
    // Carried or taken-over state may hold decisions the previous run could not finish (e.g. a close it learned
    // last); they are decided together with the signals that arrived meanwhile, as the take-over fold assumes.
    await apply(inbox.splice(0));

    const alarm = createAlarm();
    let lastActiveAt = Date.now();
    let windDownUntil: number | undefined;
    for (;;) {
      if (state.unreportedCloses !== undefined) judgeUnreportedCloses(); // e.g. carried ones whose margin is up
      if (state.cancelledAt !== undefined) {
        windDownUntil ??= Date.now() + WIND_DOWN_MS;
        if (woundDown() || Date.now() >= windDownUntil) break;
      }
      const idle = state.runs.length === 0 && state.cancelledAt === undefined;
      const wakeUp = () =>
        inbox.length > 0 || cancelPending() || sweeper.isDue() || (windDownUntil !== undefined && woundDown());
      // Unreported closes are judged once their margin is up; an idle run waits for that before it completes.
      const unreportedDue = unreportedDueAt(state);
      const idleUntil = Math.max(lastActiveAt + state.config.idleTimeoutMs, unreportedDue ?? -Infinity);
      const wakeUps: [number, () => string][] = [
        [
          idle ? idleUntil : sweeper.dueAt(),
          idle ? () => 'idle timeout: completes unless work arrives' : () => sweeper.dueFor(),
        ],
        [unreportedDue ?? Infinity, () => 'judge children that closed without runClosed'],
        [windDownUntil ?? Infinity, () => 'wind down: the coordinator was cancelled'],
      ];
      const [deadline, why] = wakeUps.reduce((first, next) => (next[0] < first[0] ? next : first));
      alarm.setFor(deadline, version >= 2 ? () => alarmSummary(why(), deadline) : undefined);
      await condition(() => wakeUp() || alarm.rang());
      alarm.reset();
      if (unreportedDue !== undefined) judgeUnreportedCloses();
      if (idle && !wakeUp() && Date.now() >= idleUntil) break;
      if (sweeper.isDue() || inbox.length > 0 || cancelPending()) lastActiveAt = Date.now();
      // Events first, so a sweep starting now sees every child they announced.
      if (inbox.length > 0 || cancelPending()) await apply(inbox.splice(0));
      if (sweeper.isDue()) sweeper.start();
      if (shouldContinueAsNew()) {
        // Hand over only settled state: every start confirmed (so the next run can cancel it by ID), no sweep or
        // handler midway. Events that arrive meanwhile are folded in and carried.
        // Behaviour 2 also waits for its cancellation requests and signals: the server drops those initiated in the
        // workflow task that continues as new, and the next run would count a child as cancelled that never was.
        const requestsDelivered = () => version < 2 || (cancelsInFlight === 0 && signalsInFlight === 0);
        const settled = () => !startsPending() && !sweeper.inFlight() && requestsDelivered();
        await condition(() => settled() && allHandlersFinished(), BUSY_WAIT_MS);
        // A cancellation that arrived meanwhile is decided in the loop, never lost to the rollover.
        if (!settled() || state.cancelledAt !== undefined || cancelPending()) continue;
        state = foldEvents(state, inbox.splice(0));
        if (state.cancelledAt !== undefined || cancelPending()) continue;
        const carried = toCarried(state);
        carried.counters = { ...carried.counters, continuedAsNew: carried.counters.continuedAsNew + 1 };
        const stillOpen = new Set(state.runs.filter(isOpen).map((run) => run.workflowId));
        carried.closing = [...announcedClose].filter((workflowId) => stillOpen.has(workflowId));
        // Carried children that said they are closing, before a sweep confirmed it: the next run confirms them too,
        // and knows they have the interceptor.
        const heardCarried = [...heardClose].filter((id) => stillOpen.has(id) && !announcedClose.has(id));
        if (heardCarried.length > 0 && patched(UNREPORTED_CLOSE_PATCH)) carried.closing.push(...heardCarried);
        return continueAsNew<typeof concurrencyCoordinator>({ ...toCoordinatorInput(state.config), carried });
      }
    }
    await condition(allHandlersFinished);
    state = foldEvents(state, inbox.splice(0));
    if (state.cancelledAt !== undefined) {
      setCurrentDetails(describeCoordinator(state));
      if (state.runs.some((run) => !isOpen(run))) {
        // Submissions that arrived after the cancellation are new work: they continue in a fresh run, with the
        // children still closing, instead of being dropped for an operator action that preceded them.
        // A start the wind-down gave up waiting for may exist: the next run checks it by memo before counting it.
        const runs = state.runs.map((run) =>
          isOpen(run) && run.runId === undefined ? { ...run, conflict: true } : run,
        );
        const carried = toCarried(
          withNotice({ ...state, runs }, now(), 'submissions that arrived after the cancellation continue in this run'),
        );
        return continueAsNew<typeof concurrencyCoordinator>({ ...toCoordinatorInput(state.config), carried });
      }
      // Ends as Canceled, as the operator asked. Children still closing are followed by the key's next run, which
      // takes this run's work over from its history.
      throw new CancelledFailure(`${state.config.policy}/${state.config.key}: coordinator cancelled`);
    }
    // The key's next run continues the idempotency window and the recent outcomes from this result.
    const { recent, seenIds } = toCarried(state); // bounded like carried state: a result is one payload too
    const result: CoordinatorResult = { ...toView(state), recent, seenIds, nextSeq: state.nextSeq };
    return result;
  });
}
