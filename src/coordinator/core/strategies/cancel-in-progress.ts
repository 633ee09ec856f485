import type { OpenSubmission } from '../wire';
import { holdsSlot, isConfirmed, isLive, isOpen } from '../state';
import type { Plan, Strategy } from './plan';
import { byNewestFirst } from './queue-order';

/**
 * CANCEL_IN_PROGRESS, "newest wins" (docs/guarantees.md).
 *
 * Among live submissions the `maxRuns` newest are kept; every older one is displaced: cancelled if its child was
 * started, dropped if it never was. The displaced run at position `maxRuns + i` (newest first) is recorded as
 * superseded by the kept run at position `i % maxRuns`: always a submission that goes on to run, and for a single
 * new arrival that arrival.
 *
 * "Newest" ranks a submission's priority first (1 highest), then `seq`, as Hatchet does: a priority-1 submission is
 * kept over a newer priority-3 one. With one priority throughout (the default) it is arrival order alone.
 *
 * Kept submissions that wait are started newest first: under `slotRelease: 'on-close'` a slot may free up
 * for only one of them, and an older one would likely be displaced again soon after starting.
 */
export const cancelInProgress: Strategy = (runs, config) => {
  const newestFirst = runs.filter(isLive).sort(byNewestFirst);
  const plan: Plan = { cancel: [], drop: [], start: [] };
  newestFirst.slice(config.maxRuns).forEach((displaced, i) => {
    const supersededBy = (newestFirst[i % config.maxRuns] as OpenSubmission).id;
    (isOpen(displaced) ? plan.cancel : plan.drop).push({ id: displaced.id, supersededBy });
  });

  // Count slots as they will be once this plan's cancellations are requested (only confirmed starts can be).
  const cancelling = new Set(plan.cancel.map((c) => c.id));
  const afterCancel = (run: OpenSubmission): OpenSubmission =>
    cancelling.has(run.id) && isConfirmed(run) ? { ...run, cancelRequestedAt: 'now' } : run;
  const slotsInUse = runs.filter((run) => holdsSlot(afterCancel(run), config)).length;
  const waiting = newestFirst.slice(0, config.maxRuns).filter((run) => !isOpen(run));
  plan.start = waiting.slice(0, Math.max(0, config.maxRuns - slotsInUse)).map((run) => run.id);
  return plan;
};
