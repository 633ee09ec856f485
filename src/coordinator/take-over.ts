/**
 * Taking over the open work of a coordinator run that ended without handing it over (terminated, failed, timed out):
 * a pure function, so the rules are tested without a server. See `src/activities/recover.ts` for how the abandoned
 * state is read.
 */
import type { Run } from './messages';
import { applyEvent } from './decide';
import { initialState, type CoordinatorState } from './state';
import { idOfInvalidSubmission } from './validation';
import type { AbandonedState } from '../activities';

/** Run ID recorded for a child this coordinator did not start itself but follows by workflow ID. */
export const ADOPTED_RUN_ID = 'adopted';

/**
 * A child whose start command the abandoned run issued exists (or its start failed) on the server, even if that run
 * never heard back: it is followed by workflow ID like any carried child, and the sweep learns its fate.
 */
function adoptUnconfirmed(run: Run): Run {
  return run.startedAt !== undefined && run.runId === undefined ? { ...run, runId: ADOPTED_RUN_ID } : run;
}

/**
 * The state of a fresh run that takes over `abandoned`: its runs, history of outcomes, idempotency window, counters
 * and sequence numbers, then the submissions no workflow task of the abandoned run handled, in arrival order.
 * Submissions already known (handled after all) are skipped without counting as duplicates.
 */
export function takeOverAbandoned(fresh: CoordinatorState, abandoned: AbandonedState): CoordinatorState {
  const { carried } = abandoned;
  const taken = initialState(fresh.config, fresh.coordinatorWorkflowId, {
    ...carried,
    runs: carried.runs.map(adoptUnconfirmed),
  });
  const known = new Set([...carried.seenIds, ...carried.runs.map((run) => run.id)]);
  return abandoned.unhandledSubmits
    .filter(({ payload }) => !known.has(idOfInvalidSubmission(payload)))
    .reduce((state, { payload, at }) => applyEvent(state, { type: 'submit', payload, at }), taken);
}
