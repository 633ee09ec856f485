/**
 * How a coordinator run ends: it continues as new carrying its state (a rollover), or after a cancellation either
 * continues with the work that arrived since or ends as Canceled, or it completes idle with the bookkeeping the
 * key's next run continues.
 */
import { CancelledFailure, continueAsNew, setCurrentDetails } from '@temporalio/workflow';
import type { Children } from './children';
import { now } from './clock';
import { describeCoordinator } from './core/details';
import { asRawInput } from './raw-payload';
import type { CoordinatorInput, CoordinatorResult } from './messages';
import { isOpen, toCarried, toView, withNotice, type CoordinatorState } from './core/state';
import { toCoordinatorInput } from './core/validation';

type Coordinator = (input: CoordinatorInput) => Promise<CoordinatorResult>;

/** Continues as new with the run's state; the children the next run must confirm the close of go with it. */
export function rollOver(state: CoordinatorState, children: Children): Promise<never> {
  const carried = toCarried(state);
  carried.counters = { ...carried.counters, continuedAsNew: carried.counters.continuedAsNew + 1 };
  carried.closing = children.closingToHandOver(state);
  return continueAsNew<Coordinator>(asRawInput({ ...toCoordinatorInput(state.config), carried }));
}

/** Ends a run whose loop is over: cancelled (wound down) or idle. */
export function endRun(state: CoordinatorState): Promise<CoordinatorResult> {
  if (state.cancelledAt !== undefined) {
    setCurrentDetails(describeCoordinator(state));
    if (state.runs.some((run) => !isOpen(run))) {
      // Submissions that arrived after the cancellation are new work: they continue in a fresh run, with the
      // children still closing, instead of being dropped for an operator action that preceded them.
      // A start the wind-down gave up waiting for may exist: the next run checks it by memo before counting it.
      const runs = state.runs.map((run) => (isOpen(run) && run.runId === undefined ? { ...run, conflict: true } : run));
      const carried = toCarried(
        withNotice({ ...state, runs }, now(), 'submissions that arrived after the cancellation continue in this run'),
      );
      return continueAsNew<Coordinator>(asRawInput({ ...toCoordinatorInput(state.config), carried }));
    }
    // Ends as Canceled, as the operator asked. Children still closing are followed by the key's next run, which
    // takes this run's work over from its history.
    throw new CancelledFailure(`${state.config.policy}/${state.config.key}: coordinator cancelled`);
  }
  // The key's next run continues the idempotency window and the recent outcomes from this result.
  const { recent, seenIds } = toCarried(state); // bounded like carried state: a result is one payload too
  return Promise.resolve({ ...toView(state), recent, seenIds, nextSeq: state.nextSeq });
}
