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

/**
 * Behaviour 3 (trust only what histories prove):
 * - a run refuses to coordinate under a workflow ID that is not the canonical one of the (policy, key) in its input,
 *   and rejects the submissions that reached it with the canonical ID in the reason;
 * - an invalid start input costs only itself: the run takes its configuration from the first submission that carries a
 *   valid one, or rejects every submission with the reason, readable through the `state` query;
 * - `carried` state is accepted only on a continue-as-new a coordinator run made (the server records it); any other
 *   start is fresh and takes over from the key's history, whatever `carried` it was handed.
 */
export const RUN_BEHAVIOUR_3_PATCH = 'coordinator-trusts-only-histories';

/**
 * 1: before the ladder (the local check depends on its own patch); 2: {@link RUN_BEHAVIOUR_2_PATCH};
 * 3: {@link RUN_BEHAVIOUR_3_PATCH}.
 */
export type RunVersion = 1 | 2 | 3;

/** Call once, from the run's first workflow task, before any other command. */
export function decideRunVersion(): RunVersion {
  // Newest first: a fresh run records only the newest marker; a replay finds the one it recorded.
  if (patched(RUN_BEHAVIOUR_3_PATCH)) return 3;
  return patched(RUN_BEHAVIOUR_2_PATCH) ? 2 : 1;
}
