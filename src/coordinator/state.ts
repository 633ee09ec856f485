/**
 * The coordinator's whole state as one plain, JSON-serializable object: the pure core reads and returns it, the
 * workflow shell holds it, queries render it and continue-as-new carries it.
 */
import type { CarriedState, ClosedRun, CloseOutcome, CoordinatorCounters, CoordinatorStateView, Run } from './messages';
import type { CoordinatorConfig } from './validation';

export interface CoordinatorState {
  config: CoordinatorConfig;
  coordinatorWorkflowId: string;
  /** Sequence number the next handled submission gets (rejected ones included). */
  nextSeq: number;
  /** Queued submissions and submissions whose child is open, ascending by `seq`. */
  runs: Run[];
  /** Last `config.recentLimit` submissions that reached a final outcome, oldest first. */
  recent: ClosedRun[];
  /** Ids of the last `config.dedupeWindow` accepted submissions, oldest first. */
  seenIds: string[];
  counters: CoordinatorCounters;
}

/** Something that happened to the coordinator; `at` is workflow time (ISO-8601). */
export type CoordinatorEvent =
  | { type: 'submit'; payload: unknown; at: string }
  | { type: 'childStarted'; workflowId: string; runId: string; at: string }
  | { type: 'childStartFailed'; workflowId: string; reason: string; at: string }
  | { type: 'childClosed'; workflowId: string; outcome: CloseOutcome; reason?: string; at: string };

/** What the workflow shell must do after a decision. */
export type Command =
  { type: 'start'; run: Run } | { type: 'cancel'; workflowId: string; submissionId: string; supersededBy: string };

export interface Decision {
  state: CoordinatorState;
  commands: Command[];
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
    continuedAsNew: 0,
  };
}

export function initialState(
  config: CoordinatorConfig,
  coordinatorWorkflowId: string,
  carried?: CarriedState,
): CoordinatorState {
  if (!carried)
    return { config, coordinatorWorkflowId, nextSeq: 1, runs: [], recent: [], seenIds: [], counters: emptyCounters() };
  const { nextSeq, runs, recent, seenIds, counters } = carried;
  // Counters added in later versions start at zero for state carried from older runs.
  return {
    config,
    coordinatorWorkflowId,
    nextSeq,
    runs,
    recent,
    seenIds,
    counters: { ...emptyCounters(), ...counters },
  };
}

/** What continue-as-new carries: all state but the configuration, which travels in the input itself. */
export function toCarried(state: CoordinatorState): CarriedState {
  const { nextSeq, runs, recent, seenIds, counters } = state;
  return { nextSeq, runs, recent, seenIds, counters };
}

/** A started child that has not closed yet (cancellation requested or not). */
export function isOpen(run: Run): boolean {
  return run.startedAt !== undefined;
}

/** Live: not displaced by a newer submission; these compete for the key's slots. */
export function isLive(run: Run): boolean {
  return run.supersededBy === undefined;
}

/**
 * The server has confirmed the child's start. Only then can its cancellation be requested: until it is, a
 * displaced child keeps its slot, so no history ever shows more than `maxRuns` live started children.
 */
export function isConfirmed(run: Run): boolean {
  return run.runId !== undefined;
}

/** Whether a run counts against `maxRuns` under the configured slot release. */
export function holdsSlot(run: Run, config: CoordinatorConfig): boolean {
  return isOpen(run) && (config.slotRelease === 'on-close' || run.cancelRequestedAt === undefined);
}

/** The `state` query's answer. */
export function toView(state: CoordinatorState): CoordinatorStateView {
  const { policy, key, maxRuns, limitStrategy, slotRelease } = state.config;
  return {
    policy,
    key,
    maxRuns,
    limitStrategy,
    slotRelease,
    running: state.runs.filter(isOpen),
    queued: state.runs.filter((run) => !isOpen(run)),
    recent: state.recent,
    counters: state.counters,
  };
}
