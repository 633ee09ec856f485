import type { Plan, Strategy } from './plan';
import { freeSlots, waitingInOrder } from './queue-order';

/**
 * CANCEL_NEWEST: running children are never cancelled; a submission that does not fit in a free slot at once is
 * dropped, saying so. Nothing waits.
 */
export const cancelNewest: Strategy = (runs, config): Plan => {
  const waiting = waitingInOrder(runs);
  const free = freeSlots(runs, config);
  return {
    cancel: [],
    drop: waiting
      .slice(free)
      .map((run) => ({ id: run.id, reason: `queue full: CANCEL_NEWEST (maxRuns ${config.maxRuns})` })),
    start: waiting.slice(0, free).map((run) => run.id),
  };
};
