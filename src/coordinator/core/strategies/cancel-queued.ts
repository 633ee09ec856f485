import type { OpenSubmission } from '../wire';
import type { CoordinatorConfig } from '../validation';
import type { Plan, Strategy } from './plan';
import { byQueueOrder, freeSlots, waitingInOrder } from './queue-order';

/** How many may wait: `maxQueued`, by default `maxRuns`. */
function queueLimit(config: CoordinatorConfig): number {
  return config.maxQueued ?? config.maxRuns;
}

/**
 * The two CANCEL_QUEUED_EXCEPT strategies: running children are never cancelled; of the waiting submissions, the
 * free slots plus `maxQueued` newest (or oldest, by arrival) survive and the others are dropped; survivors start in
 * queue order as slots free.
 */
function cancelQueuedExcept(keep: 'newest' | 'oldest'): Strategy {
  const name = keep === 'newest' ? 'CANCEL_QUEUED_EXCEPT_NEWEST' : 'CANCEL_QUEUED_EXCEPT_OLDEST';
  return (runs, config): Plan => {
    const free = freeSlots(runs, config);
    const byArrival = waitingInOrder(runs).sort((a, b) => a.seq - b.seq);
    const room = free + queueLimit(config);
    const survivors = room === 0 ? [] : keep === 'newest' ? byArrival.slice(-room) : byArrival.slice(0, room);
    const kept = new Set(survivors.map((run) => run.id));
    const newestKept = [...kept].at(-1);
    const reason = `queue full: ${name} keeps the ${keep} ${queueLimit(config)}`;
    const dropped: Plan['drop'] = byArrival
      .filter((run) => !kept.has(run.id))
      .map((run) => ({
        id: run.id,
        reason,
        // Under NEWEST the displacing submission is a newer one that waits: a trailing run with the latest input.
        ...(keep === 'newest' && newestKept !== undefined && { supersededBy: newestKept }),
      }));
    const start = byArrival
      .filter((run) => kept.has(run.id))
      .sort(byQueueOrder)
      .slice(0, free)
      .map((run: OpenSubmission) => run.id);
    return { cancel: [], drop: dropped, start };
  };
}

/** CANCEL_QUEUED_EXCEPT_NEWEST: only the newest `maxQueued` wait — a trailing run with the latest input. */
export const cancelQueuedExceptNewest = cancelQueuedExcept('newest');

/** CANCEL_QUEUED_EXCEPT_OLDEST: only the oldest `maxQueued` wait; newer arrivals are dropped. */
export const cancelQueuedExceptOldest = cancelQueuedExcept('oldest');
