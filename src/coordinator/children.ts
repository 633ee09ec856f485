/**
 * The children of one coordinator run, as the shell tracks them beside the pure state: the handles of those it
 * started, who said they are closing, which carried ones were asked to report their close, and the requests still in
 * flight. Every Temporal command the coordinator issues to a child is a method here: start, cancel, ask to report.
 */
import {
  ChildWorkflowCancellationType,
  ParentClosePolicy,
  getExternalWorkflowHandle,
  log,
  patched,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import { classifyChildFailure, messageOf } from './child-outcome';
import { now } from './clock';
import { labelledActivity } from './labelled-activity';
import { recordSupersedeDelivered } from './metric-emitter';
import { displacingArrival } from './core/metrics';
import { defaultChildWorkflowId } from './core/decide';
import { summaryText } from './core/limits';
import { childPriorityOf } from './core/child-priority';
import { CHILD_MEMO_KEY, reportCloseSignal, supersededSignal, type ChildMemo, type OpenSubmission } from './messages';
import type { Behaviours } from './behaviours';
import { childSearchAttributes } from './child-search-attributes';
import type { Sweeper } from './sweeper';
import { droppedBeforeStart, isOpen, type Command, type CoordinatorEvent, type CoordinatorState } from './core/state';
import { UNREPORTED_CLOSE_PATCH } from './core/unreported-close';

type CancelCommand = Extract<Command, { type: 'cancel' }>;

/** The `cancelChildren` activity: cancels a submitter-chosen-ID child's chain through the client, by first run ID. */
const cancelChainByFirstRun = labelledActivity(
  'cancelChildren',
  { startToCloseTimeout: '30 seconds', retry: { maximumInterval: '10 seconds', maximumAttempts: 10 } },
  'cancel a child that continued as new, by its first run ID',
);

/** What the children need of the run they belong to. */
export interface ChildrenContext {
  state(): CoordinatorState;
  inbox: CoordinatorEvent[];
  behaviours: Behaviours;
  sweeper(): Sweeper;
}

export class Children {
  /** Children started by this run: their handle once the server confirmed the start, `null` while in flight. */
  private readonly handles = new Map<string, { result(): Promise<unknown> } | null>();
  /** Workflow IDs of the children this run started (kept after they close). */
  private readonly startedHere = new Set<string>();
  /** Children a runClosed signal came for, in this run or (handed over) the previous one. */
  private readonly heard = new Set<string>();
  // Children of this run that said they are closing: if the run continues as new before their handle resolves,
  // the next run must go and confirm those closes, since it will hear of them from no one.
  private readonly announced = new Set<string>();
  /** Children this run asked to report their close (reportCloseWhenAsked). */
  private readonly asked = new Set<string>();
  /** When each request to report reached its child (workflow time of the task that saw it delivered). */
  private readonly askedAt = new Map<string, number>();
  private cancelsInFlight = 0;
  // Signals to children not yet delivered (deliverRequestsBeforeRollover waits for them, like cancellations, before continuing as new).
  private signalsInFlight = 0;

  constructor(private readonly run: ChildrenContext) {}

  /** Children this run started that have not closed (or whose start is in flight). */
  get ownOpen(): number {
    return this.handles.size;
  }

  wasStartedHere(workflowId: string): boolean {
    return this.startedHere.has(workflowId);
  }

  heardClose(workflowId: string): boolean {
    return this.heard.has(workflowId);
  }

  askedToReportAt(workflowId: string): number | undefined {
    return this.askedAt.get(workflowId);
  }

  /** Children the previous run heard announce their close: this run confirms them. */
  inheritClosing(workflowIds: readonly string[]): void {
    for (const workflowId of workflowIds) {
      this.heard.add(workflowId);
      this.run.sweeper().requestSoon(workflowId);
    }
  }

  /**
   * A `runClosed` signal. Children this run started are followed through their handle, whose close event is
   * authoritative. For one carried over from an earlier run the signal is the news, but it is sent just before the
   * child closes: the sweep confirms the close with the server before the slot is reused.
   */
  heardRunClosed(workflowId: string): void {
    this.heard.add(workflowId);
    if (!this.handles.has(workflowId)) this.run.sweeper().requestSoon(workflowId);
    else this.announced.add(workflowId);
    // correctDroppedThatRan: the child of a submission recorded dropped, which no run of this history started.
    const state = this.run.state();
    if (!this.run.behaviours.has('correctDroppedThatRan') || state.runs.some((r) => r.workflowId === workflowId))
      return;
    const dropped = state.recent.find((r) => r.workflowId === workflowId && droppedBeforeStart(r));
    if (dropped) this.run.sweeper().checkDropped(workflowId, dropped.id);
  }

  startsPending(): boolean {
    return [...this.handles.values()].some((handle) => handle === null);
  }

  cancelsPending(): boolean {
    return this.cancelsInFlight > 0;
  }

  /** deliverRequestsBeforeRollover waits for these before continuing as new: the server drops requests of the task that does. */
  requestsDelivered(): boolean {
    return (
      !this.run.behaviours.has('deliverRequestsBeforeRollover') ||
      (this.cancelsInFlight === 0 && this.signalsInFlight === 0)
    );
  }

  /** Carries out one of `decide()`'s commands. */
  execute(command: Command): void {
    if (command.type === 'cancel') return this.cancel(command);
    const { run } = command;
    this.handles.set(run.workflowId, null);
    this.startedHere.add(run.workflowId);
    this.start(run).catch((err: unknown) => {
      // start catches what Temporal throws; anything else is a bug, recorded rather than left to wedge the key.
      this.handles.delete(run.workflowId);
      this.run.inbox.push({ type: 'childStartFailed', workflowId: run.workflowId, reason: messageOf(err), at: now() });
    });
  }

  /**
   * reportCloseWhenAsked: asks each open child this run did not start (carried over, taken over) to send runClosed when it
   * closes. Default child IDs are this coordinator's own, so by workflow ID; an ID the submitter chose by its run, so
   * the request never reaches a workflow that took the ID since. A child that cannot be signalled has usually closed
   * already: a sweep finds out.
   */
  askToReportClose(): void {
    if (!this.run.behaviours.has('reportCloseWhenAsked')) return;
    const state = this.run.state();
    for (const run of state.runs) {
      const { workflowId, runId } = run;
      if (!isOpen(run) || runId === undefined || this.startedHere.has(workflowId) || this.asked.has(workflowId))
        continue;
      this.asked.add(workflowId);
      if (this.heard.has(workflowId)) continue; // it said it is closing; the sweep confirms
      const ownsId = workflowId === defaultChildWorkflowId(state.coordinatorWorkflowId, run.id);
      this.signalsInFlight++;
      getExternalWorkflowHandle(workflowId, ownsId ? undefined : runId)
        .signal(reportCloseSignal, { coordinatorWorkflowId: state.coordinatorWorkflowId })
        .then(() => {
          this.askedAt.set(workflowId, Date.now());
        })
        .catch((err: unknown) => {
          log.debug('carried child could not be asked to report its close', { workflowId, error: messageOf(err) });
          this.run.sweeper().requestSoon();
        })
        .finally(() => this.signalsInFlight--)
        .catch(() => undefined);
    }
  }

  /** The children the next run must confirm the close of: they said they are closing, no close was seen yet. */
  closingToHandOver(state: CoordinatorState): string[] {
    const stillOpen = new Set(state.runs.filter(isOpen).map((run) => run.workflowId));
    const closing = [...this.announced].filter((workflowId) => stillOpen.has(workflowId));
    // Carried children that said they are closing, before a sweep confirmed it: the next run confirms them too,
    // and knows they have the interceptor.
    const heardCarried = [...this.heard].filter((id) => stillOpen.has(id) && !this.announced.has(id));
    if (heardCarried.length > 0 && patched(UNREPORTED_CLOSE_PATCH)) closing.push(...heardCarried);
    return closing;
  }

  private async start(run: OpenSubmission): Promise<void> {
    const { inbox, behaviours } = this.run;
    const state = this.run.state();
    const memo: ChildMemo = {
      coordinatorWorkflowId: state.coordinatorWorkflowId,
      policy: state.config.policy,
      key: state.config.key,
      submissionId: run.id,
      seq: run.seq,
      // This run follows the child through its handle; only a later run needs the child's runClosed, and asks.
      ...(behaviours.has('reportCloseWhenAsked') && { reportClose: 'when-asked' as const }),
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
        ...(behaviours.has('childSearchAttributes') && {
          typedSearchAttributes: childSearchAttributes(workflowInfo().typedSearchAttributes),
        }),
        staticSummary: summaryText(`${state.config.policy}/${state.config.key} · submission ${run.id} (#${run.seq})`),
        ...(behaviours.has('childPriority') && { priority: childPriorityOf(run.priority, state.config.key) }),
      });
    } catch (err) {
      this.handles.delete(run.workflowId);
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        inbox.push({ type: 'childStartConflict', workflowId: run.workflowId, at: now() });
        this.run.sweeper().requestSoon();
        return;
      }
      inbox.push({ type: 'childStartFailed', workflowId: run.workflowId, reason: messageOf(err), at: now() });
      return;
    }
    this.handles.set(run.workflowId, handle);
    inbox.push({ type: 'childStarted', workflowId: run.workflowId, runId: handle.firstExecutionRunId, at: now() });
    let closed: ReturnType<typeof classifyChildFailure> = { outcome: 'completed' };
    try {
      await handle.result();
    } catch (err) {
      closed = this.run.sweeper().endedBy(run.workflowId) ?? classifyChildFailure(err);
    }
    this.handles.delete(run.workflowId);
    inbox.push({ type: 'childClosed', workflowId: run.workflowId, ...closed, at: now() });
  }

  private cancel(command: CancelCommand): void {
    log.info('cancelling child', { ...command });
    const { coordinatorWorkflowId } = this.run.state();
    const superseded =
      command.supersededBy === undefined
        ? undefined
        : { submissionId: command.submissionId, supersededBy: command.supersededBy, coordinatorWorkflowId };
    // Default child IDs are reserved to this coordinator: by workflow ID without a run ID, the request reaches the
    // child's current run, even after it continued as new. An ID the submitter chose may since hold a workflow this
    // coordinator never started, so the request names the child's run; if that run has continued as new (the request
    // fails), the client cancels the chain by its first run ID. Either way the request is a command of this task,
    // ordered before the start it makes room for.
    const ownsId = command.workflowId === defaultChildWorkflowId(coordinatorWorkflowId, command.submissionId);
    const runId = ownsId ? undefined : command.runId;
    const child = getExternalWorkflowHandle(command.workflowId, runId);
    if (superseded) {
      // Sent first, so the child's memo names its successor by the time it handles the cancellation.
      this.signalsInFlight++;
      child
        .signal(supersededSignal, superseded)
        .catch((err: unknown) => {
          // Usually the child closed before the signal reached it, which is fine: only its memo stays unnamed.
          log.debug('child did not hear who superseded it', { workflowId: command.workflowId, error: messageOf(err) });
        })
        .finally(() => this.signalsInFlight--)
        .catch(() => undefined);
    }
    this.cancelsInFlight++;
    // The supersede latency runs to the request's delivery (a later task), from the displacing submission's arrival.
    const { config } = this.run.state();
    const arrivedAt = command.supersededBy && displacingArrival(this.run.state(), command.supersededBy);
    child
      .cancel()
      .then(
        () => recordSupersedeDelivered(config.policy, arrivedAt || undefined, now()),
        async (err: unknown) => {
          log.debug('cancel request failed', { workflowId: command.workflowId, error: messageOf(err) });
          if (runId === undefined) return; // closed already: its handle, the runClosed signal or the sweep tells us
          const chain = { workflowId: command.workflowId, runId, ...(superseded && { superseded }) };
          await cancelChainByFirstRun(this.run.behaviours)({ children: [chain] });
        },
      )
      .catch((err: unknown) => log.warn('cancel failed', { workflowId: command.workflowId, error: messageOf(err) }))
      .finally(() => this.cancelsInFlight--)
      .catch(() => undefined);
  }
}
