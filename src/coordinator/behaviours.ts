/**
 * Which behaviours a coordinator run follows, decided once in its first workflow task. Each behaviour change to the
 * coordinator adds a patch to the top of this ladder; a fresh run records only the newest patch's marker, and a run
 * replayed from an older history finds the marker it recorded (or none) and behaves as it did.
 */
import { patched } from '@temporalio/workflow';

/**
 * Behaviour 2 (coordination for the price of a plain start, bench/RESULTS.md):
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
 * Behaviour 4 (one outcome, the true one):
 * - a start found never to have taken place, of a submission displaced meanwhile, is recorded dropped (it was queued
 *   again, where nothing would ever start or drop it);
 * - a submission recorded dropped whose child is found running (adopted) or reports its close is given its child's real
 *   outcome: a run the history does not show started it (the coordinator's run before a reset).
 */
export const RUN_BEHAVIOUR_4_PATCH = 'coordinator-one-true-outcome';

/**
 * Behaviour 5 (the strategy set):
 * - `limitStrategy` takes GROUP_ROUND_ROBIN, CANCEL_NEWEST, CANCEL_QUEUED_EXCEPT_NEWEST and _OLDEST besides
 *   CANCEL_IN_PROGRESS (docs/strategies.md), and a submission's `priority` (1–5) orders the queue and, under
 *   CANCEL_IN_PROGRESS, which submissions are kept. Runs before it refuse those strategies and ignore `priority`.
 */
export const RUN_BEHAVIOUR_5_PATCH = 'coordinator-strategy-set';

/**
 * Behaviour 6 (time in the queue):
 * - `debounceMs` / `debounceMaxWaitMs` and `scheduleTimeoutMs` (docs/strategies.md): the run wakes at a queued
 *   submission's deadline, and drops what waited too long or was debounced by a newer one;
 * - children are started with Temporal's `priority`: the submission's priority as its `priorityKey`, the key as its
 *   `fairnessKey`. Runs before it ignore those options and start children without a priority.
 */
export const RUN_BEHAVIOUR_6_PATCH = 'coordinator-timed-queue';

/** The marker a fresh run records: the top of the ladder (tests compare against this, so a new rung keeps them true). */
export const NEWEST_RUN_BEHAVIOUR_PATCH = RUN_BEHAVIOUR_6_PATCH;

/** The rung of the ladder a run is on: 1 before the ladder, then one per patch above. */
export type Rung = 1 | 2 | 3 | 4 | 5 | 6;

/**
 * What each behaviour change did, by name, and the rung that brought it (the way the SDK names its internal flags):
 * code asks `behaviours.has('boundResultHistory')`, never compares rung numbers.
 */
const RUNG_OF = {
  /** Children's memo says `reportClose: 'when-asked'`; the run asks only carried children to report their close. */
  reportCloseWhenAsked: 2,
  /** Before continuing as new, the run waits for its cancellation requests and signals to be delivered. */
  deliverRequestsBeforeRollover: 2,
  /** Timers and activities carry summaries that say why, for Web UI's timeline. */
  describeInWebUi: 2,
  /** Children get the coordinator's ConcurrencyPolicy / ConcurrencyKey search attributes. */
  childSearchAttributes: 2,
  /** The take-over check runs locally first, without a patch of its own. */
  checkRunLocally: 2,
  /** The run refuses a non-canonical workflow ID, and repairs or refuses an invalid start input, visibly. */
  refuseUntrustedStart: 3,
  /** `carried` is believed only from a continue-as-new a coordinator run made. */
  trustOnlyContinueAsNew: 3,
  /** Running children no history accounts for (a deleted run's, a reset child) are found by memo and counted. */
  adoptUnaccountedChildren: 3,
  /** A run starts only as many children as its history can take the results of. */
  boundResultHistory: 3,
  /** A never-started start of a displaced submission is recorded dropped instead of queued again. */
  dropDisplacedNeverStarted: 4,
  /** A `dropped` record whose child ran (adopted running, or reporting its close) takes the child's real outcome. */
  correctDroppedThatRan: 4,
  /** The whole strategy set and a submission's `priority` (validation's `'strategy-set'` vocabulary). */
  strategySet: 5,
  /** debounceMs, debounceMaxWaitMs and scheduleTimeoutMs (validation's `'full'` vocabulary), woken by deadlines. */
  timedQueue: 6,
  /** Children are started with Temporal's priority: `priorityKey` from the submission, the key as `fairnessKey`. */
  childPriority: 6,
} as const satisfies Record<string, Rung>;

export type Behaviour = keyof typeof RUNG_OF;

/** The behaviours of one run, decided once. */
export interface Behaviours {
  readonly rung: Rung;
  has(behaviour: Behaviour): boolean;
}

export function behavioursOf(rung: Rung): Behaviours {
  return { rung, has: (behaviour) => rung >= RUNG_OF[behaviour] };
}

/** Call once, from the run's first workflow task, before any other command. */
export function decideBehaviours(): Behaviours {
  // Newest first: a fresh run records only the newest marker; a replay finds the one it recorded.
  if (patched(RUN_BEHAVIOUR_6_PATCH)) return behavioursOf(6);
  if (patched(RUN_BEHAVIOUR_5_PATCH)) return behavioursOf(5);
  if (patched(RUN_BEHAVIOUR_4_PATCH)) return behavioursOf(4);
  if (patched(RUN_BEHAVIOUR_3_PATCH)) return behavioursOf(3);
  return behavioursOf(patched(RUN_BEHAVIOUR_2_PATCH) ? 2 : 1);
}
