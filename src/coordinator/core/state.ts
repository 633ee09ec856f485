/**
 * The coordinator's whole state as one plain, JSON-serializable object: the pure core reads and returns it, the
 * workflow shell holds it, queries render it and continue-as-new carries it.
 */
import {
  CLOSE_OUTCOMES,
  type AdoptedChild,
  type CarriedState,
  type ClosedSubmission,
  type CloseOutcome,
  type CoordinatorCounters,
  type CoordinatorStateView,
  type Notice,
  type PinnedPolicy,
  type OpenSubmission,
  type QueuedSubmission,
  type UnreportedClose,
} from './wire';
import {
  MAX_INTERCEPTOR_MISSING_QUEUES,
  MAX_TEMPORAL_ID_LENGTH,
  MAX_UNREPORTED_CLOSES,
  jsonBytes,
  utf8Length,
} from './limits';
import type { CoordinatorConfig, Vocabulary } from './validation';
import type { Waiting } from './why-waiting';

/** Why everything open is cancelled and everything queued dropped once the coordinator itself is cancelled. */
export const COORDINATOR_CANCELLED_REASON = 'the coordinator was cancelled';

export interface CoordinatorState {
  config: CoordinatorConfig;
  coordinatorWorkflowId: string;
  /** Sequence number the next handled submission gets (rejected ones included). */
  nextSeq: number;
  /** Queued submissions and submissions whose child is open, ascending by `seq`. */
  runs: OpenSubmission[];
  /** Last `config.recentLimit` submissions that reached a final outcome, oldest first. */
  recent: ClosedSubmission[];
  /** Ids of the last `config.dedupeWindow` accepted submissions, oldest first. */
  seenIds: string[];
  counters: CoordinatorCounters;
  /** Configuration changes and other operator-facing events, newest last (bounded). */
  notices: Notice[];
  /** When the coordinator itself was cancelled; from then on it only winds down. */
  cancelledAt?: string;
  /** The policy this run's worker pins, if any: it overrides what submitters send. */
  pinned?: PinnedPolicy;
  /** The coordinator's own task queue, always allowed for children. */
  taskQueue?: string;
  /** Closes no `runClosed` signal reported, waiting for their margin (see `unreported-close.ts`); absent when none. */
  unreportedCloses?: UnreportedClose[];
  /** Task queues already named in a notice for lacking the library's interceptor (bounded); absent when none. */
  interceptorMissingOn?: string[];
  /**
   * Set by the shell of a run before the strategySet or timedQueue behaviour: it parses submissions as it did then
   * (CANCEL_IN_PROGRESS only and `priority` ignored, or no debounce and schedule timeout). Never carried: each run
   * decides its own.
   */
  vocabulary?: Vocabulary;
}

/** The vocabulary submissions to this state are parsed with. */
export function vocabularyOf(state: CoordinatorState): Vocabulary {
  return state.vocabulary ?? 'full';
}

/** Something that happened to the coordinator; `at` is workflow time (ISO-8601). */
export type CoordinatorEvent =
  | { type: 'submit'; payload: unknown; at: string }
  | { type: 'childStarted'; workflowId: string; runId: string; at: string }
  | { type: 'childStartFailed'; workflowId: string; reason: string; outcome?: 'failed' | 'rejected'; at: string }
  /** A start issued by an earlier run never took place (nothing holds its ID): redo it, or record why not. */
  | {
      type: 'childNeverStarted';
      workflowId: string;
      at: string;
      /**
       * The dropDisplacedNeverStarted behaviour: one displaced meanwhile (superseded, or the coordinator cancelled)
       * is recorded dropped instead of queued again, where nothing would ever start or drop it.
       */
      dropDisplaced?: boolean;
    }
  /** Its workflow ID is already in use: the shell checks whether that workflow is this submission's child. */
  | { type: 'childStartConflict'; workflowId: string; at: string }
  | { type: 'childClosed'; workflowId: string; outcome: CloseOutcome; reason?: string; at: string }
  /**
   * The sweep found a child closed that this run did not start (no handle) and had itself seen open, though no
   * `runClosed` signal came: its workers may lack the library's interceptor. Precedes that child's `childClosed`.
   */
  | { type: 'childCloseUnreported'; workflowId: string; outcome: CloseOutcome; at: string }
  /** A `runClosed` signal came for a child whose close was found unreported: it is reported after all. */
  | { type: 'runClosedHeard'; workflowId: string; at: string }
  /** Running children the sweep found by their memo that the state does not hold (see adoption.ts). */
  | {
      type: 'childrenAdopted';
      children: AdoptedChild[];
      lookedAt: string;
      at: string;
      /** The correctDroppedThatRan behaviour: a child whose submission is recorded dropped reopens it (adoption.ts). */
      reopenDropped?: boolean;
    }
  /**
   * A child whose submission is recorded dropped (never started, by this history) ran and closed: a run this history
   * does not show started it (a reset of the coordinator). Its record takes the outcome the server reports.
   */
  | { type: 'droppedChildRan'; workflowId: string; outcome: CloseOutcome; reason?: string; at: string }
  /** A started child has not got going (`reason`), or has now (`reason` undefined). */
  | { type: 'childWaiting'; workflowId: string; reason?: string; at: string }
  /** The coordinator's own cancellation was requested (Web UI "Request Cancellation", `handle.cancel()`). */
  | { type: 'coordinatorCancelled'; at: string };

/** What the workflow shell must do after a decision. */
export type Command =
  | { type: 'start'; run: OpenSubmission }
  | {
      type: 'cancel';
      workflowId: string;
      submissionId: string;
      /** First run ID of the child's chain (confirmed starts only). */
      runId?: string;
      supersededBy?: string;
      reason?: string;
    };

export interface Decision {
  state: CoordinatorState;
  commands: Command[];
  /** Starts the strategy wanted that did not fit in this workflow task; the next decision issues them. */
  deferredStarts?: number;
  /** Starts the run's history budget held back (see `DecideOptions.startBudget`): the next run issues them. */
  startsWithheld?: number;
}

export function emptyCounters(): CoordinatorCounters {
  return {
    submitted: 0,
    duplicates: 0,
    started: 0,
    cancelRequested: 0,
    completed: 0,
    failed: 0,
    cancelled: 0,
    terminated: 0,
    timedOut: 0,
    dropped: 0,
    rejected: 0,
    escalated: 0,
    continuedAsNew: 0,
  };
}

export function initialState(
  config: CoordinatorConfig,
  coordinatorWorkflowId: string,
  carried?: CarriedState,
): CoordinatorState {
  if (!carried) {
    return {
      config,
      coordinatorWorkflowId,
      nextSeq: 1,
      runs: [],
      recent: [],
      seenIds: [],
      counters: emptyCounters(),
      notices: [],
    };
  }
  const { nextSeq, runs, recent, seenIds, counters, notices } = carried;
  const unreportedCloses = validUnreportedCloses(carried.unreportedCloses);
  const interceptorMissingOn = validTaskQueues(carried.interceptorMissingOn);
  // Counters added in later versions start at zero for state carried from older runs.
  return {
    config,
    coordinatorWorkflowId,
    nextSeq,
    runs,
    recent,
    seenIds,
    counters: { ...emptyCounters(), ...counters },
    notices: notices ?? [],
    ...(unreportedCloses.length > 0 && { unreportedCloses }),
    ...(interceptorMissingOn.length > 0 && { interceptorMissingOn }),
  };
}

/** Carried state is the coordinator's own, but a hand-written start input must not make a run throw or bloat it. */
function validUnreportedCloses(value: unknown): UnreportedClose[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter((entry: unknown): entry is UnreportedClose => {
      const close = entry as Partial<UnreportedClose> | null;
      return (
        typeof close === 'object' &&
        close !== null &&
        isName(close.workflowId) &&
        isName(close.taskQueue) &&
        typeof close.at === 'string' &&
        close.at.length <= 64 &&
        (CLOSE_OUTCOMES as readonly unknown[]).includes(close.outcome)
      );
    })
    .slice(-MAX_UNREPORTED_CLOSES);
}

function validTaskQueues(value: unknown): string[] {
  return Array.isArray(value) ? value.filter(isName).slice(-MAX_INTERCEPTOR_MISSING_QUEUES) : [];
}

/** A workflow ID or task queue as the server takes them. */
function isName(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && utf8Length(value) <= MAX_TEMPORAL_ID_LENGTH;
}

/** What continue-as-new carries: all state but the configuration, which travels in the input itself. */
export function toCarried(state: CoordinatorState): CarriedState {
  const { nextSeq, runs, recent, seenIds, counters, notices, unreportedCloses, interceptorMissingOn } = state;
  return fitCarried({
    nextSeq,
    runs,
    recent,
    seenIds,
    counters,
    notices,
    // Only when there is something to carry, so a run that never met such a child hands over what it always did.
    ...(unreportedCloses !== undefined && unreportedCloses.length > 0 && { unreportedCloses }),
    ...(interceptorMissingOn !== undefined && interceptorMissingOn.length > 0 && { interceptorMissingOn }),
  });
}

/** How many notices `state` keeps. */
export const NOTICE_LIMIT = 20;

/** The state with one more operator-facing notice, keeping the newest {@link NOTICE_LIMIT}. */
export function withNotice(state: CoordinatorState, at: string, message: string): CoordinatorState {
  return { ...state, notices: [...state.notices, { at, message }].slice(-NOTICE_LIMIT) };
}

/** Whether a record says `dropped` for a submission that never started, as far as this history knows. */
export function droppedBeforeStart(run: ClosedSubmission): boolean {
  return run.outcome === 'dropped' && run.startedAt === undefined;
}

/** A started child that has not closed yet (cancellation requested or not). */
export function isOpen(run: OpenSubmission): boolean {
  return run.startedAt !== undefined;
}

/** Live: not displaced (by a newer submission or the coordinator's cancellation); these compete for slots. */
export function isLive(run: OpenSubmission): boolean {
  return run.supersededBy === undefined && run.cancelReason === undefined;
}

/**
 * The server has confirmed the child's start. Only then can its cancellation be requested: until it is, a
 * displaced child keeps its slot, so no history ever shows more than `maxRuns` live started children.
 */
export function isConfirmed(run: OpenSubmission): boolean {
  return run.runId !== undefined && run.conflict !== true;
}

/** Whether a run counts against `maxRuns` under the configured slot release. */
export function holdsSlot(run: OpenSubmission, config: CoordinatorConfig): boolean {
  return isOpen(run) && (config.slotRelease === 'on-close' || run.cancelRequestedAt === undefined);
}

/** The `state` query's answer; `waiting` (why-waiting.ts) adds each queued submission's place and reason. */
export function toView(state: CoordinatorState, waiting?: ReadonlyMap<string, Waiting>): CoordinatorStateView {
  const { policy, key, maxRuns, limitStrategy, slotRelease, cancelGracePeriodMs } = state.config;
  // Queued args stay out of the view: a query answer must stay small whatever the submitters sent.
  const withoutArgs = ({ args: _args, ...run }: OpenSubmission): QueuedSubmission => {
    const why = waiting?.get(run.id);
    return why === undefined ? run : { ...run, ...why };
  };
  return {
    policy,
    key,
    maxRuns,
    limitStrategy,
    slotRelease,
    cancelGracePeriodMs,
    running: state.runs.filter(isOpen),
    queued: state.runs.filter((run) => !isOpen(run)).map(withoutArgs),
    recent: state.recent,
    counters: state.counters,
    notices: state.notices,
    ...(state.cancelledAt !== undefined && { cancelledAt: state.cancelledAt }),
  };
}

/**
 * Most bytes of state one run hands to the next (continue-as-new input, idle result, take-over result): under the
 * server's 2 MB payload limit with room for the configuration. Queued args are already bounded by `maxQueuedBytes`.
 */
export const MAX_CARRIED_BYTES = 1_500_000;

/**
 * `carried` trimmed to fit {@link MAX_CARRIED_BYTES}: the oldest recent outcomes go first (the counters keep the
 * totals), then the oldest remembered ids. Open and queued runs are never trimmed: they are live work.
 */
export function fitCarried(carried: CarriedState, maxBytes = MAX_CARRIED_BYTES): CarriedState {
  let bytes = jsonBytes(carried) ?? 0;
  if (bytes <= maxBytes) return carried;
  const recent = [...carried.recent];
  while (bytes > maxBytes && recent.length > 0) bytes -= (jsonBytes(recent.shift()) ?? 0) + 1;
  const seenIds = [...carried.seenIds];
  while (bytes > maxBytes && seenIds.length > 0) bytes -= (jsonBytes(seenIds.shift()) ?? 0) + 1;
  return { ...carried, recent, seenIds };
}
