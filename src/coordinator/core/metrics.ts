/**
 * The coordinator's own metrics: their names, and what changed between two states as a list of metric updates.
 *
 * Pure, like `decide.ts`: no Temporal APIs, no clock. The workflow shell hands each change of its state (a decision,
 * or events folded without one) to `metric-emitter.ts`, which records these updates through the workflow
 * `metricMeter`; the worker's Runtime exports them (Prometheus, OpenTelemetry) next to the SDK's own metrics.
 *
 * Labels stay bounded: `policy` (never the key, whose values are unbounded), and for some metrics `reason` or
 * `outcome` from the small fixed sets below, never free text. The worker adds `namespace`, `taskQueue` and
 * `workflowType` to every metric a workflow emits.
 *
 * @module
 */
import { COORDINATOR_CANCELLED_REASON } from './decide';
import type { CloseOutcome, ClosedSubmission, CoordinatorCounters, FinalOutcome } from './wire';
import { CLOSE_OUTCOMES } from './wire';
import type { Command, CoordinatorEvent, CoordinatorState } from './state';

/** Every metric name starts with this. */
export const METRIC_PREFIX = 'temporal_concurrency_';

/** Unit of both latency histograms: milliseconds (the Prometheus exporter appends `_ms` with its `unitSuffix` option). */
export const LATENCY_UNIT = 'ms';

/**
 * The coordinator's counters, as the Prometheus exporter names them with the SDK's defaults (with its
 * `countersTotalSuffix` option each gets `_total`). Labels: `policy`, plus the ones named here.
 */
export const COUNTERS = {
  /** Submissions accepted (queued); rejected and duplicate ones are counted by their own counters. */
  submissions: 'temporal_concurrency_submissions',
  /** Submissions whose id was already handled (resubmissions): they start nothing. */
  duplicates: 'temporal_concurrency_duplicate_submissions',
  /** Child start commands issued (a start that never took place and is redone counts again). */
  childrenStarted: 'temporal_concurrency_children_started',
  /** Cancellation requests issued to children; label `reason`: {@link CANCELLATION_REASONS}. */
  cancellations: 'temporal_concurrency_cancellations_requested',
  /** Submissions dropped before their child started; label `reason`: {@link DROP_REASONS}. */
  dropped: 'temporal_concurrency_dropped',
  /** Submissions rejected; label `reason`: {@link REJECTION_REASONS}. */
  rejected: 'temporal_concurrency_rejected',
  /** Submissions whose child closed (or whose start failed); label `outcome`: one of `CLOSE_OUTCOMES`. */
  childOutcomes: 'temporal_concurrency_child_outcomes',
} as const;

/** The coordinator's histograms, in milliseconds of workflow time. Label: `policy`. */
export const HISTOGRAMS = {
  /** From a submission's arrival at the coordinator to the server's confirmation of its child's start. */
  admissionLatency: 'temporal_concurrency_admission_latency',
  /**
   * From the arrival of the submission that displaced a running child to the server's confirmation that the child's
   * cancellation request was delivered. Recorded when the request resolves (a later workflow task than the one that
   * handled the submission), not when it is decided: workflow time stands still within a task, so a request decided
   * in the task that handled its displacing submission always read 0 ms.
   */
  supersedeLatency: 'temporal_concurrency_supersede_latency',
} as const;

/** Human-readable descriptions, exported as the metrics' help text. */
export const METRIC_DESCRIPTIONS: Record<MetricName, string> = {
  [COUNTERS.submissions]: 'Submissions the coordinator accepted (queued)',
  [COUNTERS.duplicates]: 'Submissions whose id was already handled; they started nothing',
  [COUNTERS.childrenStarted]: 'Child workflow starts the coordinator issued',
  [COUNTERS.cancellations]: 'Cancellation requests the coordinator issued to its children, by reason',
  [COUNTERS.dropped]: 'Submissions dropped before their child started, by reason',
  [COUNTERS.rejected]: 'Submissions the coordinator rejected, by reason',
  [COUNTERS.childOutcomes]: 'Submissions whose child closed (or whose start failed), by outcome',
  [HISTOGRAMS.admissionLatency]: "Time from a submission's arrival to its child's start being confirmed",
  [HISTOGRAMS.supersedeLatency]:
    "Time from the arrival of a displacing submission to the delivery of the displaced child's cancellation request",
};

/** Why a child's cancellation was requested. */
export const CANCELLATION_REASONS = ['superseded', 'coordinator_cancelled', 'other'] as const;
/** Why a submission was dropped before its child started. */
export const DROP_REASONS = ['superseded', 'queue_full', 'coordinator_cancelled', 'other'] as const;
/**
 * Why a submission was rejected:
 * - `invalid`: malformed (not an object, a missing or bad id/workflowType/args/workflowId/taskQueue/config), or its
 *   args are not JSON-serializable;
 * - `workflow_id_too_long`: its id makes the default child workflow ID longer than the server takes;
 * - `args_too_large`: its args exceed `maxArgsBytes`;
 * - `not_allowed`: its workflow type or task queue is not on the worker's pinned allow-lists;
 * - `workflow_id_in_use`: its child workflow ID is another submission's, or held by a workflow this coordinator did not
 *   start for it;
 * - `other`: none of these (a reason a newer version added, or a record trimmed from `recent`).
 */
export const REJECTION_REASONS = [
  'invalid',
  'workflow_id_too_long',
  'args_too_large',
  'not_allowed',
  'workflow_id_in_use',
  'other',
] as const;

export type CancellationReason = (typeof CANCELLATION_REASONS)[number];
export type DropReason = (typeof DROP_REASONS)[number];
export type RejectionReason = (typeof REJECTION_REASONS)[number];
export type CounterName = (typeof COUNTERS)[keyof typeof COUNTERS];
export type HistogramName = (typeof HISTOGRAMS)[keyof typeof HISTOGRAMS];
export type MetricName = CounterName | HistogramName;

/** Labels of one update; the worker adds its own (namespace, task queue, workflow type). */
export type MetricLabels = { policy: string } & Partial<Record<'reason' | 'outcome', string>>;

/** One thing to record: add `value` to a counter, or record `value` in a histogram. */
export type MetricUpdate =
  | { kind: 'counter'; name: CounterName; value: number; labels: MetricLabels }
  | { kind: 'histogram'; name: HistogramName; value: number; labels: MetricLabels };

/** One change of the coordinator's state: a decision (with its commands), or events folded without one. */
export interface StateChange {
  before: CoordinatorState;
  after: CoordinatorState;
  /** The events that led from `before` to `after`. */
  events: readonly CoordinatorEvent[];
  /** The commands the decision returned; none when events were only folded. */
  commands: readonly Command[];
}

/** The category of a rejection, from the reasons `validation.ts`, `admission.ts`, `decide.ts` and the sweep write. */
export function rejectionReason(closed: ClosedSubmission): RejectionReason {
  const reason = closed.reason ?? '';
  // Rejected after it started: the sweep found its ID held by a workflow that is not this submission's child.
  if (closed.startedAt !== undefined || /^workflowId .* is (already )?used by /.test(reason))
    return 'workflow_id_in_use';
  if (reason.startsWith('id makes the default child workflow ID')) return 'workflow_id_too_long';
  if (reason.startsWith('args must be at most') && reason.includes('maxArgsBytes')) return 'args_too_large';
  if (reason.includes("is not allowed by the worker's pinned policy")) return 'not_allowed';
  // Every other rejection at submission is a field that failed validation ("<field> must …").
  return /^[A-Za-z.]+ must /.test(reason) ? 'invalid' : 'other';
}

/** The category of a drop. */
export function dropReason(closed: ClosedSubmission): DropReason {
  if (closed.supersededBy !== undefined) return 'superseded';
  if (closed.reason === COORDINATOR_CANCELLED_REASON) return 'coordinator_cancelled';
  if (closed.reason?.startsWith('queued arguments exceeded maxQueuedBytes')) return 'queue_full';
  return 'other';
}

/** The category of a cancellation request. */
export function cancellationReason(command: Extract<Command, { type: 'cancel' }>): CancellationReason {
  if (command.supersededBy !== undefined) return 'superseded';
  return command.reason === COORDINATOR_CANCELLED_REASON ? 'coordinator_cancelled' : 'other';
}

/** Milliseconds from `from` to `to` (ISO-8601), or undefined when either is missing or unreadable; never negative. */
function elapsedMs(from: string | undefined, to: string | undefined): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  const ms = Date.parse(to) - Date.parse(from);
  return Number.isFinite(ms) ? Math.max(0, Math.round(ms)) : undefined;
}

function increase(before: CoordinatorCounters, after: CoordinatorCounters, field: keyof CoordinatorCounters): number {
  return Math.max(0, after[field] - before[field]);
}

/** Counts `values` into `updates`: one update per distinct value (as the `label`), in first-seen order. */
function countBy(
  updates: MetricUpdate[],
  name: CounterName,
  policy: string,
  label: 'reason' | 'outcome',
  values: readonly string[],
): void {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  for (const [value, count] of counts)
    updates.push({ kind: 'counter', name, value: count, labels: { policy, [label]: value } });
}

/**
 * The final outcomes recorded between `before` and `after`, newest last. The counters say how many of each; `recent`
 * holds their records (the newest `recentLimit` of them), appended in the same step as the counters.
 */
function newlyClosed(change: StateChange): { counts: Map<FinalOutcome, number>; records: ClosedSubmission[] } {
  const counts = new Map<FinalOutcome, number>();
  const outcomes: FinalOutcome[] = [...CLOSE_OUTCOMES, 'dropped', 'rejected'];
  for (const outcome of outcomes) {
    const count = increase(change.before.counters, change.after.counters, outcome);
    if (count > 0) counts.set(outcome, count);
  }
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const records = total === 0 ? [] : change.after.recent.slice(-Math.min(total, change.after.recent.length));
  return { counts, records };
}

/** Categories for `count` outcomes of one kind: those of their records, and `other` for the ones `recent` lost. */
function categories<T extends string>(
  records: ClosedSubmission[],
  count: number,
  categorize: (closed: ClosedSubmission) => T,
) {
  const known = records.slice(-count).map(categorize);
  return [...known, ...Array<T | 'other'>(Math.max(0, count - known.length)).fill('other')];
}

/**
 * What one change of state means for the coordinator's metrics. Deterministic, and emitting the result changes
 * nothing the workflow does, so it may run on every change (see `metric-emitter.ts` for replay).
 */
export function metricUpdates(change: StateChange): MetricUpdate[] {
  const { before, after, events, commands } = change;
  const policy = after.config.policy;
  const updates: MetricUpdate[] = [];
  const counter = (name: CounterName, value: number) => {
    if (value > 0) updates.push({ kind: 'counter', name, value, labels: { policy } });
  };

  counter(COUNTERS.submissions, increase(before.counters, after.counters, 'submitted'));
  counter(COUNTERS.duplicates, increase(before.counters, after.counters, 'duplicates'));
  const starts = commands.filter((command) => command.type === 'start');
  counter(COUNTERS.childrenStarted, starts.length);
  const cancels = commands.flatMap((command) => (command.type === 'cancel' ? [command] : []));
  countBy(updates, COUNTERS.cancellations, policy, 'reason', cancels.map(cancellationReason));

  const { counts, records } = newlyClosed(change);
  const ofOutcome = (outcome: FinalOutcome) => records.filter((closed) => closed.outcome === outcome);
  const dropped = counts.get('dropped') ?? 0;
  countBy(updates, COUNTERS.dropped, policy, 'reason', categories(ofOutcome('dropped'), dropped, dropReason));
  const rejected = counts.get('rejected') ?? 0;
  countBy(updates, COUNTERS.rejected, policy, 'reason', categories(ofOutcome('rejected'), rejected, rejectionReason));
  const closes = CLOSE_OUTCOMES.flatMap((outcome: CloseOutcome) =>
    Array<string>(counts.get(outcome) ?? 0).fill(outcome),
  );
  countBy(updates, COUNTERS.childOutcomes, policy, 'outcome', closes);

  // Admission: the first confirmation of a start, measured from the submission's arrival at the coordinator.
  for (const event of events) {
    if (event.type !== 'childStarted') continue;
    const run = before.runs.find((r) => r.workflowId === event.workflowId && r.runId === undefined);
    const ms = elapsedMs(run?.submittedAt, event.at);
    if (ms !== undefined)
      updates.push({ kind: 'histogram', name: HISTOGRAMS.admissionLatency, value: ms, labels: { policy } });
  }
  // Supersede latency is not decided here but measured when the request is delivered: see supersedeLatencyUpdate.
  return updates;
}

/**
 * When the submission `supersededBy` reached the coordinator (the workflow time of the task that handled it), read as
 * a cancellation it caused is issued: by the time the request is delivered, the submission may have closed and left
 * `recent`.
 */
export function displacingArrival(state: CoordinatorState, supersededBy: string): string | undefined {
  const byId = (run: { id: string }) => run.id === supersededBy;
  return (state.runs.find(byId) ?? state.recent.find(byId))?.submittedAt;
}

/**
 * The supersede latency of one cancellation request, once the server confirmed its delivery at `deliveredAt` (the
 * workflow time of the task in which the request resolved): from `arrivedAt`, {@link displacingArrival}.
 */
export function supersedeLatencyUpdate(
  policy: string,
  arrivedAt: string | undefined,
  deliveredAt: string,
): MetricUpdate | undefined {
  const ms = elapsedMs(arrivedAt, deliveredAt);
  return ms === undefined
    ? undefined
    : { kind: 'histogram', name: HISTOGRAMS.supersedeLatency, value: ms, labels: { policy } };
}
