/**
 * The `concurrencyCoordinator` workflow: one per (policy, key). A thin shell around the pure core in `decide.ts`:
 * signal handlers only queue events, the main loop feeds every queued event of a workflow task to `decide()` at
 * once and carries out the commands it returns.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  setCurrentDetails,
  type ChildWorkflowHandle,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy, type Workflow } from '@temporalio/common';
import { classifyChildFailure, messageOf } from './child-outcome';
import { createAlarm } from './alarm';
import { findAbandonedWork, PATCH_TAKE_OVER_ABANDONED_RUNS } from './abandoned';
import { applyEvent, decide, defaultChildWorkflowId } from './decide';
import { createSweeper } from './sweeper';
import {
  CHILD_MEMO_KEY,
  runClosedSignal,
  stateQuery,
  submitSignal,
  supersededSignal,
  type ChildMemo,
  type CoordinatorInput,
  type CoordinatorStateView,
  type Run,
} from './messages';
import { describeCoordinator } from './details';
import { ADOPTED_RUN_ID, takeOverAbandoned } from './take-over';
import { initialState, toCarried, toView, type Command, type CoordinatorEvent, type CoordinatorState } from './state';
import { idOfInvalidSubmission, parseCoordinatorInput, parseRunClosed } from './validation';

/** Longest wait for starts to be confirmed before continue-as-new is retried. */
const BUSY_WAIT_MS = 60_000;

/** A child started by this run of the coordinator, cancelled through its own scope. */
interface ChildSlot {
  scope: CancellationScope;
  /** The server confirmed the start. */
  started: boolean;
  handle?: ChildWorkflowHandle<Workflow>;
}

/** Patch ID of the change that replaced the per-wait condition timeout with {@link createAlarm}. */
export const PATCH_ALARM_INSTEAD_OF_CONDITION_TIMEOUT = 'alarm-instead-of-condition-timeout';

/** Patch ID of the change that tells a child who superseded it before cancelling it. */
export const PATCH_TELL_SUPERSEDED_CHILDREN = 'tell-superseded-children';

function now(): string {
  // Date is deterministic in the workflow sandbox: the time of the current workflow task.
  return new Date(Date.now()).toISOString();
}

/**
 * Keeps at most `maxRuns` children of one key running, cancelling the oldest when newer submissions arrive.
 *
 * @param input the key's configuration; see {@link CoordinatorInput}
 * @returns the final `state` view, once the key has been idle for `idleTimeoutMs`
 */
export async function concurrencyCoordinator(input: CoordinatorInput): Promise<CoordinatorStateView> {
  const inbox: CoordinatorEvent[] = [];
  setHandler(submitSignal, (payload: unknown) => {
    inbox.push({ type: 'submit', payload, at: now() });
  });

  const config = parseCoordinatorInput(input);
  if (!config.ok) {
    // Fail visibly rather than hold a key with a limit nobody meant; the submissions that came with it are named.
    const rejected = inbox.map((event) => (event.type === 'submit' ? idOfInvalidSubmission(event.payload) : ''));
    throw ApplicationFailure.create({
      type: 'InvalidCoordinatorInput',
      message: `invalid coordinator input: ${config.problem.message}`,
      nonRetryable: true,
      details: [{ field: config.problem.field, rejectedSubmissions: rejected }],
    });
  }

  let state: CoordinatorState = initialState(config.value, workflowInfo().workflowId, input.carried);
  const children = new Map<string, ChildSlot>();
  const sweeper = createSweeper(() => state, inbox);
  // Children of this run that said they are closing: if the run continues as new before their handle resolves,
  // the next run must go and confirm those closes, since it will hear of them from no one.
  const announcedClose = new Set<string>();
  for (const workflowId of input.carried?.closing ?? []) sweeper.requestSoon(workflowId);

  setHandler(stateQuery, () => toView(state));
  setHandler(runClosedSignal, (payload: unknown) => {
    const parsed = parseRunClosed(payload);
    if (!parsed.ok) {
      log.warn('ignoring malformed runClosed signal', { problem: parsed.problem.message });
      return;
    }
    // Children this run started are followed through their handle, whose close event is authoritative. For one
    // carried over from an earlier run the signal is the news, but it is sent just before the child closes: the
    // sweep confirms the close with the server before the slot is reused.
    if (!children.has(parsed.value.workflowId)) sweeper.requestSoon(parsed.value.workflowId);
    else announcedClose.add(parsed.value.workflowId);
  });

  async function runChild(run: Run, slot: ChildSlot): Promise<void> {
    const memo: ChildMemo = {
      coordinatorWorkflowId: state.coordinatorWorkflowId,
      policy: state.config.policy,
      key: state.config.key,
      submissionId: run.id,
      seq: run.seq,
    };
    let handle;
    try {
      handle = await startChild(run.workflowType, {
        workflowId: run.workflowId,
        args: run.args ?? [],
        taskQueue: run.taskQueue ?? state.config.childTaskQueue,
        // ABANDON: the server applies the parent-close policy on continue-as-new too.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        cancellationType: ChildWorkflowCancellationType.WAIT_CANCELLATION_COMPLETED,
        // A default child ID names one submission: it runs once. Starting it again (after a reset of the
        // coordinator) fails as already started, and the child is adopted with its real outcome. IDs the submitter
        // chose keep the server's default, so they can be reused by later submissions.
        ...(run.workflowId === defaultChildWorkflowId(state.coordinatorWorkflowId, run.id) && {
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        }),
        memo: { [CHILD_MEMO_KEY]: memo },
        staticSummary: `${state.config.policy}/${state.config.key} · submission ${run.id} (#${run.seq})`,
      });
    } catch (err) {
      children.delete(run.workflowId);
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // Its child is already running: started by this coordinator before a reset, or by a run that was
        // terminated. Adopt it like a carried child (cancel by ID, close via runClosed or the sweep).
        inbox.push({ type: 'childStarted', workflowId: run.workflowId, runId: ADOPTED_RUN_ID, at: now() });
        sweeper.requestSoon();
        return;
      }
      inbox.push({ type: 'childStartFailed', workflowId: run.workflowId, reason: messageOf(err), at: now() });
      return;
    }
    slot.started = true;
    slot.handle = handle;
    inbox.push({ type: 'childStarted', workflowId: run.workflowId, runId: handle.firstExecutionRunId, at: now() });
    let closed: ReturnType<typeof classifyChildFailure> = { outcome: 'completed' };
    try {
      await handle.result();
    } catch (err) {
      closed = sweeper.stuckReason(run.workflowId) ?? classifyChildFailure(err);
    }
    children.delete(run.workflowId);
    inbox.push({ type: 'childClosed', workflowId: run.workflowId, ...closed, at: now() });
  }

  function execute(command: Command): void {
    if (command.type === 'start') {
      const slot: ChildSlot = { scope: new CancellationScope(), started: false };
      children.set(command.run.workflowId, slot);
      void slot.scope.run(() => runChild(command.run, slot));
      return;
    }
    log.info('cancelling superseded run', {
      workflowId: command.workflowId,
      submissionId: command.submissionId,
      supersededBy: command.supersededBy,
    });
    // The core only cancels children whose start the server confirmed, so the scope's child has started.
    const slot = children.get(command.workflowId);
    if (patched(PATCH_TELL_SUPERSEDED_CHILDREN)) {
      // Sent first, so the child's memo names its successor by the time it handles the cancellation.
      const superseded = {
        submissionId: command.submissionId,
        supersededBy: command.supersededBy,
        coordinatorWorkflowId: state.coordinatorWorkflowId,
      };
      const target = slot?.handle ?? getExternalWorkflowHandle(command.workflowId);
      target.signal(supersededSignal, superseded).catch((err: unknown) => {
        // Usually the child closed before the signal reached it, which is fine: only its memo stays unnamed.
        const fields = { workflowId: command.workflowId, error: messageOf(err) };
        if (messageOf(err).includes('not found')) log.debug('child closed before it heard who superseded it', fields);
        else log.warn('could not tell child it was superseded', fields);
      });
    }
    if (slot) slot.scope.cancel();
    else {
      // Started by an earlier run: no scope here, so cancel by workflow ID. If it already closed, the runClosed
      // signal or the sweep tells us.
      getExternalWorkflowHandle(command.workflowId)
        .cancel()
        .catch((err: unknown) =>
          log.warn('external cancel failed', { workflowId: command.workflowId, error: messageOf(err) }),
        );
    }
  }

  async function apply(events: CoordinatorEvent[]): Promise<void> {
    const decision = decide(state, events, now());
    state = decision.state;
    const cancels = decision.commands.filter((command) => command.type === 'cancel');
    const starts = decision.commands.filter((command) => command.type === 'start');
    cancels.forEach(execute);
    // A scope's cancellation reaches its child a microtask later, while startChild emits its command at once; let
    // the cancellations go first, so in the history every cancel request precedes the start it makes room for.
    if (cancels.length > 0 && starts.length > 0) await Promise.resolve();
    starts.forEach(execute);
    setCurrentDetails(describeCoordinator(state));
  }

  function shouldContinueAsNew(): boolean {
    const { continueAsNewSuggested, historyLength } = workflowInfo();
    const threshold = state.config.continueAsNewAfterEvents;
    return continueAsNewSuggested || (threshold !== undefined && historyLength >= threshold);
  }

  // A carried state may hold decisions the previous run could not finish (e.g. a close it learned last).
  if (input.carried) await apply([]);
  else if (patched(PATCH_TAKE_OVER_ABANDONED_RUNS)) {
    // A fresh run: if the previous run of this key was terminated (or failed) with work open, take that work over,
    // so submissions it accepted are not lost. Submissions that came with this run's start follow them.
    const abandoned = await findAbandonedWork();
    if (abandoned) {
      state = takeOverAbandoned(state, abandoned);
      sweeper.requestSoon(); // its children may have closed while no run was listening
      await apply([]);
    }
  }
  const alarm = createAlarm();
  let lastActiveAt = Date.now();
  for (;;) {
    const idle = state.runs.length === 0;
    const wakeUp = () => inbox.length > 0 || sweeper.isDue();
    if (patched(PATCH_ALARM_INSTEAD_OF_CONDITION_TIMEOUT)) {
      alarm.setFor(idle ? lastActiveAt + state.config.idleTimeoutMs : sweeper.dueAt());
      await condition(() => wakeUp() || alarm.rang());
      alarm.reset();
      if (idle && !wakeUp() && Date.now() >= lastActiveAt + state.config.idleTimeoutMs) break;
    } else {
      const wait = idle ? state.config.idleTimeoutMs : sweeper.msUntilDue();
      const woke = await condition(wakeUp, wait);
      if (!woke && idle) break;
    }
    if (sweeper.isDue() || inbox.length > 0) lastActiveAt = Date.now();
    if (sweeper.isDue()) sweeper.start();
    if (inbox.length > 0) await apply(inbox.splice(0));
    if (shouldContinueAsNew()) {
      // Hand over only settled state: every start confirmed (so the next run can cancel it by ID), no sweep or
      // handler midway. Events that arrive meanwhile are folded in and carried.
      const startsPending = () => [...children.values()].some((slot) => !slot.started);
      await condition(() => !startsPending() && !sweeper.inFlight() && allHandlersFinished(), BUSY_WAIT_MS);
      if (startsPending() || sweeper.inFlight()) continue;
      state = inbox.splice(0).reduce(applyEvent, state);
      const carried = toCarried(state);
      carried.counters = { ...carried.counters, continuedAsNew: carried.counters.continuedAsNew + 1 };
      const stillOpen = new Set(state.runs.filter((run) => run.startedAt !== undefined).map((run) => run.workflowId));
      carried.closing = [...announcedClose].filter((workflowId) => stillOpen.has(workflowId));
      return continueAsNew<typeof concurrencyCoordinator>({ ...input, carried });
    }
  }
  await condition(allHandlersFinished);
  return toView(state);
}
