/**
 * Records the coordinator's metrics (`metrics.ts`) through the workflow `metricMeter` of `@temporalio/workflow`
 * (present in 1.13.2, the floor of the peer range, as in 1.24.0). The worker's Runtime exports them; without a
 * metrics exporter configured they go nowhere.
 *
 * No `patched()` is needed around this, and recorded histories replay unchanged: a metric is not a command. The
 * workflow `metricMeter` hands values to the worker through a sink (`__temporal_metrics`), which the activation
 * collects beside, not among, its commands, so no history event is written; and it checks
 * `workflowInfo().unsafe.isReplaying` itself and skips the sink call during replay (the worker's sink is registered
 * with `callDuringReplay: false` too), so a replayed history is not counted twice. See
 * `@temporalio/workflow/src/metrics.ts` and `@temporalio/worker/src/workflow/metrics.ts`. A workflow task that
 * fails and is retried (say the worker died before completing it) does emit again: the counts are at least once.
 *
 * @module
 */
import { applyEvent } from './core/decide';
import { log, metricMeter } from '@temporalio/workflow';
import {
  LATENCY_UNIT,
  METRIC_DESCRIPTIONS,
  metricUpdates,
  supersedeLatencyUpdate,
  type MetricUpdate,
  type StateChange,
} from './core/metrics';
import type { CoordinatorEvent, CoordinatorState } from './core/state';

function emit(update: MetricUpdate): void {
  // Metric objects in the sandbox are plain descriptions (the worker keeps the real ones): cheap to make per update,
  // and no module state that a reused V8 context could share between workflows.
  const description = METRIC_DESCRIPTIONS[update.name];
  if (update.kind === 'counter') {
    metricMeter.createCounter(update.name, undefined, description).add(update.value, update.labels);
  } else {
    metricMeter.createHistogram(update.name, 'int', LATENCY_UNIT, description).record(update.value, update.labels);
  }
}

/**
 * Records what one change of the coordinator's state means for its metrics. Never throws: a metric is not worth a
 * failed workflow task, which would retry forever and wedge the key.
 */
export function recordMetrics(change: StateChange): void {
  try {
    for (const update of metricUpdates(change)) emit(update);
  } catch (err) {
    log.warn('coordinator metrics not recorded', { error: err instanceof Error ? err.message : String(err) });
  }
}

/** Folds events into the state without deciding anything (as `applyEvent` does), and records their metrics. */
export function foldEvents(state: CoordinatorState, events: readonly CoordinatorEvent[]): CoordinatorState {
  const after = events.reduce(applyEvent, state);
  recordMetrics({ before: state, after, events, commands: [] });
  return after;
}

/**
 * Records the supersede latency of a cancellation request the server has just confirmed (its promise resolved), from
 * the arrival of the displacing submission (`displacingArrival`, read when the request was issued). Never throws, and
 * issues no command: called on a branch of its own off the request's promise, it changes nothing the workflow does.
 */
export function recordSupersedeDelivered(policy: string, arrivedAt: string | undefined, deliveredAt: string): void {
  try {
    const update = supersedeLatencyUpdate(policy, arrivedAt, deliveredAt);
    if (update) emit(update);
  } catch (err) {
    log.warn('supersede latency not recorded', { error: err instanceof Error ? err.message : String(err) });
  }
}
