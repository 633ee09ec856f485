import type { OpenSubmission } from '../wire';
import { holdsSlot, isLive, isOpen } from '../state';
import type { CoordinatorConfig } from '../validation';

/** A submission's priority, 1 (highest) to 5; 3 when it set none (Temporal's own priority-key convention). */
export const DEFAULT_PRIORITY = 3;

export function priorityOf(run: OpenSubmission): number {
  return run.priority ?? DEFAULT_PRIORITY;
}

/** Queue order: priority first (1 before 5), then arrival (`seq`). */
export function byQueueOrder(a: OpenSubmission, b: OpenSubmission): number {
  return priorityOf(a) - priorityOf(b) || a.seq - b.seq;
}

/** CANCEL_IN_PROGRESS's "newest": priority first (1 before 5), then the latest arrival. */
export function byNewestFirst(a: OpenSubmission, b: OpenSubmission): number {
  return priorityOf(a) - priorityOf(b) || b.seq - a.seq;
}

/** Live submissions that wait for a slot, in queue order. */
export function waitingInOrder(runs: readonly OpenSubmission[]): OpenSubmission[] {
  return runs.filter((run) => isLive(run) && !isOpen(run)).sort(byQueueOrder);
}

/** Slots free now: `maxRuns` less the children holding one (under `on-close` a cancelled child holds its slot). */
export function freeSlots(runs: readonly OpenSubmission[], config: CoordinatorConfig): number {
  return Math.max(0, config.maxRuns - runs.filter((run) => holdsSlot(run, config)).length);
}
