/**
 * The coordinator's wire contract as plain data: the payload types its signals and query carry, their names and
 * the constants of the contract (docs/wire-contract.md). Pure: the decision core and the shell both use it; the
 * SDK's signal and query definitions are made from it in `../messages.ts`.
 *
 * @module
 */

/** How the coordinator picks which submissions run when a key is over its limit. */
export const LIMIT_STRATEGIES = [
  'CANCEL_IN_PROGRESS',
  'GROUP_ROUND_ROBIN',
  'CANCEL_NEWEST',
  'CANCEL_QUEUED_EXCEPT_NEWEST',
  'CANCEL_QUEUED_EXCEPT_OLDEST',
] as const;
export type LimitStrategy = (typeof LIMIT_STRATEGIES)[number];

/**
 * When a cancelled child stops counting against `maxRuns`.
 * - `on-cancel-request` (Hatchet's behaviour): as soon as cancellation is requested, so the newest starts at once.
 * - `on-close`: only once the child has closed, so at no instant do more than `maxRuns` children execute.
 */
export const SLOT_RELEASES = ['on-cancel-request', 'on-close'] as const;
export type SlotRelease = (typeof SLOT_RELEASES)[number];

/** How a started child ended, as Temporal reports it. */
export const CLOSE_OUTCOMES = ['completed', 'failed', 'cancelled', 'terminated', 'timedOut'] as const;
export type CloseOutcome = (typeof CLOSE_OUTCOMES)[number];

/** Every submission ends in exactly one of these. */
export type FinalOutcome = CloseOutcome | 'dropped' | 'rejected';

/**
 * The configuration a submitter sends with every submission (the policy as its code says now), and what a worker may
 * pin. Every field is optional; a running coordinator applies the fields that changed at once (docs/wire-contract.md).
 */
export interface SubmitterConfig {
  maxRuns?: number | undefined;
  limitStrategy?: LimitStrategy | undefined;
  /** @default 'on-cancel-request' */
  slotRelease?: SlotRelease | undefined;
  /** Task queue for children that do not name their own; defaults to the coordinator's task queue. */
  childTaskQueue?: string | undefined;
  /** Complete after this long with nothing running or queued. @default 300_000 (5 minutes) */
  idleTimeoutMs?: number | undefined;
  /** How many closed submissions the `state` query keeps. @default 100 */
  recentLimit?: number | undefined;
  /** How many past submission ids are remembered to make resubmission idempotent. @default 2000 */
  dedupeWindow?: number | undefined;
  /**
   * How often open children are described to catch closes nobody reported (terminated, timed out, never started).
   * @default 60_000
   */
  sweepIntervalMs?: number | undefined;
  /**
   * Continue-as-new once history has this many events, besides whenever the server suggests it. Tests lower it.
   * @default undefined (only when the server suggests)
   */
  continueAsNewAfterEvents?: number | undefined;
  /** Continue-as-new after this many signals in one run, well before Temporal's 10,000 per run. @default 2000 */
  continueAsNewAfterSignals?: number | undefined;
  /**
   * A child that has not closed this long after its cancellation request is terminated, and recorded as
   * `terminated` with the reason. @default 300_000 (5 minutes)
   */
  cancelGracePeriodMs?: number | undefined;
  /** Largest JSON size of one submission's `args`; larger ones are rejected. @default 262_144 (256 KiB) */
  maxArgsBytes?: number | undefined;
  /** Largest JSON size of the args all queued submissions hold; the oldest are dropped beyond it. @default 1 MiB */
  maxQueuedBytes?: number | undefined;
  /** How many submissions may wait under CANCEL_QUEUED_EXCEPT_NEWEST / _OLDEST; the rest are dropped. @default maxRuns */
  maxQueued?: number | undefined;
  /**
   * Debounce: a waiting submission becomes eligible once the key has had no newer submission for this long; the
   * older waiting ones are dropped ("debounced by <id>"). @default undefined (no debounce)
   */
  debounceMs?: number | undefined;
  /** With `debounceMs`: a burst's newest submission is eligible at most this long after the burst's first. */
  debounceMaxWaitMs?: number | undefined;
  /** A submission not started within this long of its arrival is dropped ("not started within …"). */
  scheduleTimeoutMs?: number | undefined;
  /**
   * The most bytes a child's result or failure takes; a run starts as many children as its history can hold the
   * results of (48 MiB / this), then continues as new. @default 2 MiB (the server's blob limit)
   */
  maxResultBytes?: number | undefined;
  /**
   * A started child whose first workflow task no worker has picked up (no poller on its task queue) is shown as
   * waiting; after this long it is terminated and recorded as `failed` with the reason. @default undefined (wait)
   */
  waitingChildTimeoutMs?: number | undefined;
}

/** Start input of `concurrencyCoordinator` (args[0] of signalWithStart). */
export interface CoordinatorInput extends SubmitterConfig {
  policy: string;
  key: string;
  maxRuns: number;
  limitStrategy: LimitStrategy;
  /** State carried across continue-as-new; set by the coordinator itself, never by clients. */
  carried?: CarriedState;
}

/**
 * A policy a worker pins: its fields override what submitters send, and the allow-lists reject submissions for other
 * workflow types or task queues (the coordinator's own task queue is always allowed).
 */
export interface PinnedPolicy extends SubmitterConfig {
  allowedWorkflowTypes?: string[] | undefined;
  allowedTaskQueues?: string[] | undefined;
}

/** A change of a coordinator's configuration, or anything else an operator should see, in the `state` query. */
export interface Notice {
  at: string;
  message: string;
}

/** Everything a coordinator run hands to the next one on continue-as-new. */
export interface CarriedState {
  nextSeq: number;
  runs: OpenSubmission[];
  recent: ClosedSubmission[];
  seenIds: string[];
  counters: CoordinatorCounters;
  /** Children that announced their close (runClosed) to the previous run before it learned the outcome. */
  closing?: string[];
  notices?: Notice[];
  /** Closes the sweep found that no `runClosed` signal reported, not yet judged (see `unreported-close.ts`). */
  unreportedCloses?: UnreportedClose[];
  /** Task queues whose workers were found without the library's interceptor, already named in a notice. */
  interceptorMissingOn?: string[];
}

/**
 * A child carried over from an earlier run that the sweep found closed with an outcome the library's interceptor
 * reports (`runClosed`), though no such signal came. Judged after a margin, since a late signal clears it.
 */
export interface UnreportedClose {
  workflowId: string;
  /** The task queue the child was started on. */
  taskQueue: string;
  outcome: CloseOutcome;
  /** When the sweep found it closed (workflow time, ISO-8601). */
  at: string;
}

/** Argument of the `submit` signal: one unit of work for the key. */
export interface Submission {
  /** Idempotency key: a repeated id starts nothing new. */
  id: string;
  workflowType: string;
  args?: unknown[];
  /** Child workflow ID; defaults to `<coordinator workflow ID>/<id>`. */
  workflowId?: string;
  taskQueue?: string;
  /** 1 (highest) to 5, default 3: queue order is priority, then arrival; CANCEL_IN_PROGRESS keeps by it first. */
  priority?: number;
  /** The submitter's current policy configuration; a running coordinator applies it unless its worker pins it. */
  config?: SubmitterConfig;
}

/** Argument of the `runClosed` signal, sent by a child (through the library's interceptor) as it closes. */
export interface RunClosed {
  workflowId: string;
  outcome: CloseOutcome;
}

/** A submission that is queued or whose child is open. Timestamps are ISO-8601, workflow time. */
export interface OpenSubmission {
  id: string;
  seq: number;
  workflowId: string;
  workflowType: string;
  taskQueue?: string;
  /** Only kept until the child starts, so queries and carried state stay small. */
  args?: unknown[];
  submittedAt: string;
  startedAt?: string;
  /** Run ID of the child, once the server confirmed its start. */
  runId?: string;
  cancelRequestedAt?: string;
  /** Submission id of the newer submission that displaced this one. */
  supersededBy?: string;
  /** Why its cancellation was requested when no newer submission displaced it (the coordinator was cancelled). */
  cancelReason?: string;
  /** When a child that has not closed since its cancellation request is terminated (cancelGracePeriodMs). */
  terminateAfter?: string;
  /** Why a started child has not got going yet (e.g. no worker polls its task queue); cleared once it has. */
  waiting?: string;
  /**
   * Starting it found its workflow ID already in use: until the coordinator has checked that the running workflow
   * is the child it started for this submission (memo), it is neither cancelled nor counted as someone else's.
   */
  conflict?: boolean;
  /** JSON size of `args`, while queued (counted against `maxQueuedBytes`). */
  argsBytes?: number;
  /** 1 (highest) to 5; absent means 3. Queue order is priority, then `seq`. */
  priority?: number;
  /** A child found running again after its submission had closed (reset): its close records no second outcome. */
  revived?: boolean;
  /** Under `debounceMs`: when the first submission of the burst this one debounced arrived (`debounceMaxWaitMs`). */
  burstStartedAt?: string;
}

/** A queued submission as the `state` query shows it: with where it stands, from run behaviour 6 on. */
export interface QueuedSubmission extends OpenSubmission {
  /** 1 for the submission that starts next: queue order (priority, then arrival; newest first under CANCEL_IN_PROGRESS). */
  position?: number;
  /**
   * What it waits for, in words: its debounce (and until when), a free slot (and the runs holding them), or its start
   * in the next workflow task; and when its schedule timeout drops it.
   */
  waitingFor?: string;
}

/** A submission that reached its final outcome. */
export interface ClosedSubmission {
  id: string;
  seq: number;
  outcome: FinalOutcome;
  closedAt: string;
  workflowId?: string;
  workflowType?: string;
  runId?: string;
  submittedAt?: string;
  startedAt?: string;
  cancelRequestedAt?: string;
  supersededBy?: string;
  cancelReason?: string;
  /** Why it was dropped, rejected, failed or terminated. */
  reason?: string;
}

/**
 * The `state` query's names for these before they said what they are (the wire contract calls its entries `Run`).
 * @deprecated use {@link OpenSubmission}
 */
export type Run = OpenSubmission;
/** @deprecated use {@link ClosedSubmission} */
export type ClosedRun = ClosedSubmission;

/** Totals since the coordinator's first run; they survive `recent` being trimmed. */
export interface CoordinatorCounters {
  submitted: number;
  duplicates: number;
  started: number;
  cancelRequested: number;
  completed: number;
  failed: number;
  cancelled: number;
  terminated: number;
  timedOut: number;
  dropped: number;
  rejected: number;
  /** Children terminated because they ignored their cancellation request for cancelGracePeriodMs. */
  escalated: number;
  /** How many times the coordinator continued as new. */
  continuedAsNew: number;
}

/** Result of the `state` query. */
export interface CoordinatorStateView {
  policy: string;
  key: string;
  maxRuns: number;
  limitStrategy: LimitStrategy;
  slotRelease: SlotRelease;
  running: OpenSubmission[];
  queued: QueuedSubmission[];
  recent: ClosedSubmission[];
  counters: CoordinatorCounters;
  cancelGracePeriodMs: number;
  /** Configuration changes and other events an operator should see, newest last (bounded). */
  notices: Notice[];
  /** Set once the coordinator itself was cancelled: it drops what is queued, cancels what runs, and closes. */
  cancelledAt?: string;
}

/**
 * What a coordinator returns when it completes idle: its final `state`, plus the bookkeeping the key's next run
 * continues with, so a resubmitted id still starts nothing new and its outcome can still be looked up.
 */
export interface CoordinatorResult extends CoordinatorStateView {
  seenIds: string[];
  nextSeq: number;
}

export const SUBMIT_SIGNAL = 'submit';
/**
 * Submissions as an Update (`submit` too): its argument is one submission, the signal's payload, or an array of them
 * (at most 1,000). A policy with `admission: 'update'` sends it with Update-with-Start. Temporal lets a run continue as
 * new while Updates arrive (they are retried on the new run), where a flood of signals can keep a run from closing
 * until Temporal's 10,000-signal cap refuses submitters.
 */
export const SUBMIT_UPDATE = 'submit';

/** Most submissions one `submit` Update may carry; the rest of a longer array is rejected with the reason. */
export const MAX_SUBMISSIONS_PER_UPDATE = 1000;

/**
 * What the `submit` Update returns: the run took these submissions, and decides each like a `submit` signal (its
 * outcome, a rejection included, is in the `state` query).
 */
export interface SubmitAck {
  submissionIds: string[];
  /** The coordinator run that took them (a later run if one continued as new first: they are retried there). */
  coordinatorRunId: string;
}
export const RUN_CLOSED_SIGNAL = 'runClosed';
export const STATE_QUERY = 'state';
export const SUPERSEDED_SIGNAL = 'superseded';
export const REPORT_CLOSE_SIGNAL = 'concurrencyReportClose';

/**
 * Argument of the `superseded` signal the coordinator sends a child just before requesting its cancellation, so the
 * child itself shows why it was cancelled (its memo and current details, set by the library's interceptor).
 */
export interface Superseded {
  submissionId: string;
  supersededBy: string;
  coordinatorWorkflowId: string;
}

/**
 * Argument of the `concurrencyReportClose` signal (prefixed: it is handled inside user workflows, whose own signal
 * names it must not take): a coordinator run that did not start a child (it was carried over from an
 * earlier run, or taken over after a reset or terminate) asks it to send `runClosed` when it closes, since no handle of
 * this run will tell. Children the run started itself are followed through their handle and are not asked.
 */
export interface ReportClose {
  coordinatorWorkflowId: string;
}

/** Workflow type name of the coordinator, for clients that start it by name. */
export const COORDINATOR_WORKFLOW_TYPE = 'concurrencyCoordinator';

/** Memo key the coordinator sets on every child, so the interceptor (and a human in the UI) can find its coordinator. */
export const CHILD_MEMO_KEY = 'concurrency';

/** Shape of the memo stored under {@link CHILD_MEMO_KEY} on every child. */
export interface ChildMemo {
  coordinatorWorkflowId: string;
  policy: string;
  key: string;
  submissionId: string;
  seq: number;
  /** Set by the child's interceptor when the coordinator tells it it was superseded. */
  supersededBy?: string;
  /**
   * `'when-asked'`: the child sends `runClosed` only after a `reportClose` signal (set by coordinators since run
   * the reportCloseWhenAsked behaviour, see behaviours.ts). Absent: it always sends it, as children of earlier coordinators expect.
   */
  reportClose?: 'when-asked';
}

/** A running child whose memo names this coordinator and its submission (found by the take-over or a sweep). */
export interface AdoptedChild {
  workflowId: string;
  /** First run ID of its chain. */
  runId: string;
  workflowType: string;
  submissionId: string;
  seq: number;
  startedAt: string;
}
