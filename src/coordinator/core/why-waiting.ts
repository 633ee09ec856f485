/**
 * Why a queued submission waits, in words, where people look (the `state` query, `getSubmissionStatus`, the CLI's
 * `status` and `why`, the coordinator's current details in Web UI): its place in the queue and what it waits for —
 * its debounce, a slot (held by which runs), or its start in the next workflow task — and when its schedule timeout
 * drops it. Pure, from the state and the time.
 */
import type { OpenSubmission } from './wire';
import { holdsSlot, isLive, isOpen, type CoordinatorState } from './state';
import { eligibleAt, formatDuration, scheduleDeadline } from './queue-time';
import { byNewestFirst, byQueueOrder } from './strategies/queue-order';

/** How many slot holders the reason names; the `state` query's `running` lists them all. */
const NAMED_HOLDERS = 3;

/** What the view adds to a queued submission. */
export interface Waiting {
  /** 1 for the submission that starts next (queue order: priority, then arrival; newest first under CANCEL_IN_PROGRESS). */
  position: number;
  waitingFor: string;
}

function clock(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 19)} UTC`;
}

function slotHolders(state: CoordinatorState): string {
  const holders = state.runs.filter((run) => holdsSlot(run, state.config));
  const named = holders
    .slice(0, NAMED_HOLDERS)
    .map((run) => (run.cancelRequestedAt ? `${run.id} (cancelling)` : run.id));
  const more = holders.length > NAMED_HOLDERS ? ` and ${holders.length - NAMED_HOLDERS} more` : '';
  return `a free slot (maxRuns ${state.config.maxRuns}, held by ${named.join(', ')}${more})`;
}

/**
 * Each live queued submission's place and reason, by id, at workflow time `nowMs`; with `only`, the reasons of those
 * alone (the places still count everyone): the coordinator's details show a few, and a long queue is worded once.
 */
export function whyWaiting(state: CoordinatorState, nowMs: number, only?: ReadonlySet<string>): Map<string, Waiting> {
  const queued = state.runs.filter((run) => isLive(run) && !isOpen(run));
  const order = [...queued].sort(state.config.limitStrategy === 'CANCEL_IN_PROGRESS' ? byNewestFirst : byQueueOrder);
  const holders = state.runs.filter((run) => holdsSlot(run, state.config)).length;
  const full = holders >= state.config.maxRuns;
  const result = new Map<string, Waiting>();
  order.forEach((run: OpenSubmission, index) => {
    if (only !== undefined && !only.has(run.id)) return;
    const eligible = eligibleAt(run, state.config);
    const deadline = scheduleDeadline(run, state.config);
    const what =
      eligible !== undefined && eligible > nowMs
        ? `its debounce: eligible at ${clock(eligible)} unless a newer submission arrives (debounceMs ${formatDuration(state.config.debounceMs ?? 0)})`
        : full
          ? slotHolders(state)
          : 'its start, in the coordinator’s next workflow task';
    const timeout = deadline === undefined ? '' : `; dropped at ${clock(deadline)} unless started (scheduleTimeoutMs)`;
    result.set(run.id, { position: index + 1, waitingFor: `waits for ${what}${timeout}` });
  });
  return result;
}
