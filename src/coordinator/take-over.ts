/**
 * Taking over the open work of a coordinator run that ended without handing it over (terminated, failed, timed out):
 * a pure fold of the facts in that run's history, so it needs no replay of the old run's code (which may be the
 * reason it failed) and is tested without a server. `src/activities/recover.ts` reads the facts.
 */
import type { CarriedState, CloseOutcome, Run } from './messages';
import { applyEvent } from './decide';
import { initialState, type CoordinatorState } from './state';

/** Run ID recorded for a child this coordinator did not start itself but follows by workflow ID. */
export const ADOPTED_RUN_ID = 'adopted';

/** What the abandoned run's history says happened, in history order; `at` is the event time (ISO-8601). */
export type AbandonedFact =
  | { type: 'submit'; payload: unknown; at: string }
  | { type: 'startInitiated'; workflowId: string; at: string }
  | { type: 'started'; workflowId: string; runId: string; at: string }
  | { type: 'startFailed'; workflowId: string; alreadyRunning: boolean; reason: string; at: string }
  | { type: 'closed'; workflowId: string; outcome: CloseOutcome; at: string }
  | { type: 'superseded'; workflowId: string; supersededBy: string }
  | { type: 'cancelRequested'; workflowId: string; at: string };

/** The abandoned run: the state it was started with (after a rollover) and the facts of its own history. */
export interface AbandonedRun {
  carried?: CarriedState;
  facts: AbandonedFact[];
}

function updateRun(state: CoordinatorState, workflowId: string, update: (run: Run) => Run): CoordinatorState {
  return { ...state, runs: state.runs.map((run) => (run.workflowId === workflowId ? update(run) : run)) };
}

function applyFact(state: CoordinatorState, fact: AbandonedFact): CoordinatorState {
  switch (fact.type) {
    case 'submit':
      return applyEvent(state, fact);
    case 'startInitiated': {
      const counters = { ...state.counters, started: state.counters.started + 1 };
      return updateRun({ ...state, counters }, fact.workflowId, ({ args: _args, ...run }) => ({
        ...run,
        startedAt: fact.at,
      }));
    }
    case 'started':
      return applyEvent(state, { type: 'childStarted', workflowId: fact.workflowId, runId: fact.runId, at: fact.at });
    case 'startFailed':
      // Already running: the old run adopted it (a reset before), and so does the new one.
      return fact.alreadyRunning
        ? updateRun(state, fact.workflowId, (run) => ({ ...run, runId: ADOPTED_RUN_ID }))
        : applyEvent(state, {
            type: 'childStartFailed',
            workflowId: fact.workflowId,
            reason: fact.reason,
            at: fact.at,
          });
    case 'closed':
      return applyEvent(state, {
        type: 'childClosed',
        workflowId: fact.workflowId,
        outcome: fact.outcome,
        at: fact.at,
      });
    case 'superseded':
      return updateRun(state, fact.workflowId, (run) => ({ ...run, supersededBy: fact.supersededBy }));
    case 'cancelRequested': {
      const counters = { ...state.counters, cancelRequested: state.counters.cancelRequested + 1 };
      return updateRun({ ...state, counters }, fact.workflowId, (run) => ({ ...run, cancelRequestedAt: fact.at }));
    }
  }
}

/**
 * A child whose start the abandoned run issued exists on the server (or its start failed there) even if that run
 * never heard back: it is followed by workflow ID like any carried child, and the sweep learns its fate.
 */
function adoptUnconfirmed(run: Run): Run {
  return run.startedAt !== undefined && run.runId === undefined ? { ...run, runId: ADOPTED_RUN_ID } : run;
}

/**
 * The state of a fresh run that takes over `abandoned`: what that run was started with, then every submission,
 * child start, close and cancellation its history records, in order. What the old run decided but had not yet carried
 * out (drops, cancellations) is decided again by the fresh run, with the same strategy and the same submissions; the
 * closes the old run learned only from `runClosed` or its sweep are learned again by the fresh run's sweep.
 */
export function takeOverAbandoned(fresh: CoordinatorState, abandoned: AbandonedRun): CoordinatorState {
  const start = initialState(fresh.config, fresh.coordinatorWorkflowId, abandoned.carried);
  const folded = abandoned.facts.reduce(applyFact, start);
  return { ...folded, runs: folded.runs.map(adoptUnconfirmed) };
}
