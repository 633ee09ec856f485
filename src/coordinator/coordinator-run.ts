/**
 * One run of a coordinator, as the workflow shell drives it: the pure state, the events queued for the next decision,
 * the children and the sweep. `decide()` chooses; this object carries its commands out and knows when the run must
 * hand over (continue as new) or may end.
 */
import { CancellationScope, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import { now } from './clock';
import { applyConfig } from './core/config-change';
import { Children } from './children';
import { COORDINATOR_CANCELLED_REASON, decide } from './core/decide';
import { describeCoordinator, shownIds } from './core/details';
import { whyWaiting } from './core/why-waiting';
import { recordMetrics } from './metric-emitter';
import type { RunStart } from './run-preparation';
import type { Behaviours } from './behaviours';
import { createSweeper, type Sweeper } from './sweeper';
import {
  initialState,
  droppedBeforeStart,
  isConfirmed,
  isOpen,
  withNotice,
  type CoordinatorEvent,
  type CoordinatorState,
} from './core/state';
import { confirmUnreportedCloses } from './core/unreported-close';
import type { CoordinatorConfig } from './core/validation';
import type { CarriedState } from './core/wire';

/**
 * Continue-as-new once history holds this many bytes, whatever the server suggests (its suggestion can be turned
 * off): a run's history is capped at 50 MB, and a take-over reads all of it.
 */
const HISTORY_BYTES_LIMIT = 8 * 1024 * 1024;

/**
 * boundResultHistory: the bytes a run's history may reach counting, for every child it started and has not seen close, the
 * largest result or failure the server lets a workflow return (its blob limit, 2 MiB by default): Temporal copies a
 * child's result into its parent's history, and terminates a run whose history passes 50 MiB. Children carried into a
 * later run send it only `runClosed`, so a run that reaches its budget continues as new instead of starting more.
 */
const RESULT_HISTORY_BUDGET = 48 * 1024 * 1024;
const MAX_CHILD_RESULT_BYTES = 2 * 1024 * 1024;

/**
 * Continue-as-new after this many `submit` Updates: Temporal accepts at most 2,000 per run (`limit.maxTotalUpdates`),
 * and Updates go on arriving while the run settles for its rollover (they are retried on the new run after it).
 */
const UPDATES_BEFORE_ROLLOVER = 1000;

export class CoordinatorRun {
  readonly children: Children;
  readonly sweeper: Sweeper;
  // Starts that did not fit in the last workflow task: their args stay in state until issued, so no rollover before.
  private deferredStarts = 0;
  // Starts the history budget held back: only a new run may issue them.
  private startsWithheld = 0;
  // The coordinator's own cancellation, read synchronously: it is decided first in its workflow task, so the
  // submissions handled with it are never cancelled by it (they continue in a new run), as the take-over fold assumes.
  private readonly root = CancellationScope.current();
  private cancelNoted = false;

  constructor(
    public state: CoordinatorState,
    readonly inbox: CoordinatorEvent[],
    readonly behaviours: Behaviours,
    private readonly signalsThisRun: () => number,
    private readonly updatesThisRun: () => number = () => 0,
  ) {
    this.children = new Children({ state: () => this.state, inbox, behaviours, sweeper: () => this.sweeper });
    this.sweeper = createSweeper(() => this.state, inbox, {
      startedHere: (workflowId) => this.children.wasStartedHere(workflowId),
      heardClose: (workflowId) => this.children.heardClose(workflowId),
      askedToReportAt: (workflowId) => this.children.askedToReportAt(workflowId),
      behaviours,
    });
  }

  cancelPending(): boolean {
    return this.root.consideredCancelled && !this.cancelNoted;
  }

  /** Anything for the loop to do now: events, its own cancellation, a sweep. */
  hasWork(): boolean {
    return this.inbox.length > 0 || this.cancelPending() || this.sweeper.isDue();
  }

  /** Takes in what the run's preparation found: the pinned policy, or the work of a run it takes over. */
  prepared(prepared: RunStart): void {
    const { taskQueue } = workflowInfo();
    const { coordinatorWorkflowId, vocabulary } = this.state;
    // A state rebuilt here keeps what belongs to the run, not to the key: its task queue, and the vocabulary a run
    // from before the strategySet behaviour parses submissions with (dropping it would change a replayed run).
    const restart = (config: CoordinatorConfig, carried?: CarriedState): CoordinatorState => ({
      ...initialState(config, coordinatorWorkflowId, carried),
      taskQueue,
      ...(vocabulary !== undefined && { vocabulary }),
    });
    if (prepared.carriedDistrusted) {
      this.state = withNotice(restart(this.state.config), now(), prepared.carriedDistrusted);
    }
    if (prepared.takenOver) {
      const { config, carried } = prepared.takenOver;
      this.state = restart(config, carried);
      this.sweeper.requestSoon(); // its children may have closed while no run was listening
    }
    if (prepared.pinned) {
      this.state = applyConfig({ ...this.state, pinned: prepared.pinned }, {}, "the worker's pinned policy", now());
    }
    if (prepared.problem) this.state = withNotice(this.state, now(), prepared.problem);
  }

  /** Decides the queued events at once and carries out the commands. */
  async apply(): Promise<void> {
    const events = this.inbox.splice(0);
    if (this.cancelPending()) {
      this.cancelNoted = true;
      events.unshift({ type: 'coordinatorCancelled', at: now() });
    }
    const before = this.state;
    const options = this.behaviours.has('boundResultHistory') ? { startBudget: this.startBudget() } : {};
    const decision = decide(this.state, events, now(), options);
    this.state = decision.state;
    if (this.behaviours.has('correctDroppedThatRan') && events.some((event) => event.type === 'coordinatorCancelled')) {
      this.checkWhatCancellationDropped(before);
    }
    recordMetrics({ before, after: this.state, events, commands: decision.commands });
    this.deferredStarts = decision.deferredStarts ?? 0;
    this.startsWithheld = decision.startsWithheld ?? 0;
    const cancels = decision.commands.filter((command) => command.type === 'cancel');
    const starts = decision.commands.filter((command) => command.type === 'start');
    cancels.forEach((command) => this.children.execute(command));
    // Let the cancellations go first, so in the history every cancel request precedes the start it makes room for.
    if (cancels.length > 0 && starts.length > 0) await Promise.resolve();
    starts.forEach((command) => this.children.execute(command));
    this.children.askToReportClose();
    this.describe();
  }

  /**
   * correctDroppedThatRan: what the coordinator's cancellation dropped as never started may have been started by a run
   * this history does not show (the run before a reset of the coordinator). The wind-down sweeps once before the run
   * ends: each dropped child found closed takes its outcome, and one found running is adopted and cancelled.
   */
  private checkWhatCancellationDropped(before: CoordinatorState): void {
    const known = new Set(before.recent);
    for (const run of this.state.recent) {
      const { workflowId } = run;
      if (workflowId === undefined || known.has(run) || !droppedBeforeStart(run)) continue;
      if (run.reason === COORDINATOR_CANCELLED_REASON) this.sweeper.checkDropped(workflowId, run.id);
    }
  }

  /** The coordinator's current details in Web UI (timedQueue: with why each queued submission waits). */
  describe(): void {
    const waiting = this.behaviours.has('timedQueue')
      ? whyWaiting(this.state, Date.now(), shownIds(this.state))
      : undefined;
    setCurrentDetails(describeCoordinator(this.state, waiting));
  }

  /** Says which task queues' workers lack the interceptor, once the unreported closes waited their margin. */
  judgeUnreportedCloses(): void {
    const judged = confirmUnreportedCloses(this.state, now());
    if (judged === this.state) return;
    this.state = judged;
    this.describe();
  }

  /** Whether the run should hand over to a new one (history size, signal count, the server's suggestion…). */
  rolloverDue(): boolean {
    if (this.state.cancelledAt !== undefined || this.deferredStarts > 0) return false;
    const { continueAsNewSuggested, historyLength, historySize } = workflowInfo();
    const { continueAsNewAfterEvents, continueAsNewAfterSignals } = this.state.config;
    return (
      continueAsNewSuggested ||
      (continueAsNewAfterEvents !== undefined && historyLength >= continueAsNewAfterEvents) ||
      // Messages, whether signals or `submit` Updates (a run before any Update counts signals alone, as it did).
      this.signalsThisRun() + this.updatesThisRun() >= continueAsNewAfterSignals ||
      this.updatesThisRun() >= UPDATES_BEFORE_ROLLOVER ||
      historySize >= HISTORY_BYTES_LIMIT ||
      this.startsWithheld > 0
    );
  }

  /**
   * Hand over only settled state: every start confirmed (so the next run can cancel it by ID), no sweep midway, and
   * (deliverRequestsBeforeRollover) every cancellation request and signal delivered.
   */
  settled(): boolean {
    return !this.children.startsPending() && !this.sweeper.inFlight() && this.children.requestsDelivered();
  }

  /** A cancelled coordinator closes once every start and cancellation request it issued is confirmed. */
  woundDown(): boolean {
    const checked =
      !this.behaviours.has('correctDroppedThatRan') || (this.inbox.length === 0 && !this.sweeper.checksPending());
    return (
      checked &&
      !this.children.startsPending() &&
      !this.children.cancelsPending() &&
      !this.state.runs.some((run) => isOpen(run) && isConfirmed(run) && run.cancelRequestedAt === undefined)
    );
  }

  /** How many more children this run's history can take the results of (boundResultHistory). */
  private startBudget(): number {
    // maxResultBytes: what the policy says its children return at most (a run before timedQueue never has it).
    const perChild = this.state.config.maxResultBytes ?? MAX_CHILD_RESULT_BYTES;
    const room = Math.floor((RESULT_HISTORY_BUDGET - workflowInfo().historySize) / perChild);
    return Math.max(0, room - this.children.ownOpen);
  }
}
