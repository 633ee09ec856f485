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
  getExternalWorkflowHandle,
  log,
  setCurrentDetails,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { classifyChildFailure, messageOf } from './child-outcome';
import { decide } from './decide';
import {
  CHILD_MEMO_KEY,
  runClosedSignal,
  stateQuery,
  submitSignal,
  type ChildMemo,
  type CoordinatorInput,
  type CoordinatorStateView,
  type Run,
} from './messages';
import { describeCoordinator } from './details';
import { initialState, toView, type Command, type CoordinatorEvent, type CoordinatorState } from './state';
import { idOfInvalidSubmission, parseCoordinatorInput, parseRunClosed } from './validation';

/** How long the coordinator waits with children open before looking again, so no wait is unbounded. */
const BUSY_WAIT_MS = 60_000;

/** A child started by this run of the coordinator, cancelled through its own scope. */
interface ChildSlot {
  scope: CancellationScope;
}

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

  let state: CoordinatorState = initialState(config.value, workflowInfo().workflowId);
  const children = new Map<string, ChildSlot>();

  setHandler(stateQuery, () => toView(state));
  setHandler(runClosedSignal, (payload: unknown) => {
    const parsed = parseRunClosed(payload);
    if (!parsed.ok) {
      log.warn('ignoring malformed runClosed signal', { problem: parsed.problem.message });
      return;
    }
    // Children this run started are followed through their handle, whose close event is authoritative; the
    // signal matters for children carried over from an earlier run.
    if (children.has(parsed.value.workflowId)) return;
    inbox.push({ type: 'childClosed', ...parsed.value, at: now() });
  });

  async function runChild(run: Run): Promise<void> {
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
        memo: { [CHILD_MEMO_KEY]: memo },
        staticSummary: `${state.config.policy}/${state.config.key} · submission ${run.id} (#${run.seq})`,
      });
    } catch (err) {
      children.delete(run.workflowId);
      inbox.push({ type: 'childStartFailed', workflowId: run.workflowId, reason: messageOf(err), at: now() });
      return;
    }
    inbox.push({ type: 'childStarted', workflowId: run.workflowId, runId: handle.firstExecutionRunId, at: now() });
    let closed: ReturnType<typeof classifyChildFailure> = { outcome: 'completed' };
    try {
      await handle.result();
    } catch (err) {
      closed = classifyChildFailure(err);
    }
    children.delete(run.workflowId);
    inbox.push({ type: 'childClosed', workflowId: run.workflowId, ...closed, at: now() });
  }

  function execute(command: Command): void {
    if (command.type === 'start') {
      const slot: ChildSlot = { scope: new CancellationScope() };
      children.set(command.run.workflowId, slot);
      void slot.scope.run(() => runChild(command.run));
      return;
    }
    log.info('cancelling superseded run', {
      workflowId: command.workflowId,
      submissionId: command.submissionId,
      supersededBy: command.supersededBy,
    });
    // The core only cancels children whose start the server confirmed, so the scope's child has started.
    const slot = children.get(command.workflowId);
    if (slot) slot.scope.cancel();
    else {
      // Started by an earlier run: no scope here, so cancel by workflow ID. If it already closed, the runClosed
      // signal has told us, or will.
      getExternalWorkflowHandle(command.workflowId)
        .cancel()
        .catch((err: unknown) =>
          log.warn('external cancel failed', { workflowId: command.workflowId, error: messageOf(err) }),
        );
    }
  }

  for (;;) {
    const idle = state.runs.length === 0;
    const woke = await condition(() => inbox.length > 0, idle ? state.config.idleTimeoutMs : BUSY_WAIT_MS);
    if (!woke) {
      if (idle) break;
      continue;
    }
    const decision = decide(state, inbox.splice(0), now());
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
  await condition(allHandlersFinished);
  return toView(state);
}
