import type { Plan, Strategy } from './plan';
import { freeSlots, waitingInOrder } from './queue-order';

/**
 * GROUP_ROUND_ROBIN, a FIFO queue per key (with a constant key, a semaphore for a workflow type): running children
 * are never cancelled, waiting submissions start in queue order (priority, then arrival) as slots free, and nothing
 * is ever dropped by the strategy. A `maxRuns` lowered below the running count cancels nothing either: the extra
 * children finish, and no new one starts until the key is under its limit.
 */
export const groupRoundRobin: Strategy = (runs, config): Plan => ({
  cancel: [],
  drop: [],
  start: waitingInOrder(runs)
    .slice(0, freeSlots(runs, config))
    .map((run) => run.id),
});
