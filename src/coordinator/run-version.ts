/**
 * Which behaviour a coordinator run follows, decided once in its first workflow task. Each behaviour change to the
 * coordinator adds a patch to the top of this ladder; a fresh run records only the newest patch's marker, and a run
 * replayed from an older history finds the marker it recorded (or none) and behaves as it did.
 */
import { patched } from '@temporalio/workflow';

/**
 * Behaviour 2 (issue 9, coordination cost):
 * - children are started with memo `reportClose: 'when-asked'`, and the run asks only the open children it did not
 *   start (carried over, taken over) to report their close, with the `concurrencyReportClose` signal;
 * - before continuing as new, the run waits until the cancellation requests and signals it sent are delivered: the
 *   server drops those initiated in the workflow task that continues as new;
 * - the run checks for work to take over locally first, as runs with the `check-coordinator-run-locally` patch do
 *   (run-preparation.ts), without recording that patch too.
 */
export const RUN_BEHAVIOUR_2_PATCH = 'coordinator-run-behaviour-2';

/** 1: before the ladder (the local check depends on its own patch); 2: {@link RUN_BEHAVIOUR_2_PATCH}. */
export type RunVersion = 1 | 2;

/** Call once, from the run's first workflow task, before any other command. */
export function decideRunVersion(): RunVersion {
  return patched(RUN_BEHAVIOUR_2_PATCH) ? 2 : 1;
}
