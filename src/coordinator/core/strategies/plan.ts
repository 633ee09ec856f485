import type { OpenSubmission } from '../wire';
import type { CoordinatorConfig } from '../validation';

/**
 * What a strategy wants done to the current runs. Strategies only choose; `reconcile` applies the plan, so
 * bookkeeping (timestamps, counters, recent) is written once for all of them.
 */
export interface Plan {
  /**
   * Started children to cancel, with the submission that displaced each. A child whose start the server has not
   * confirmed yet is cancelled as soon as it is (and holds its slot until then).
   */
  cancel: { id: string; supersededBy: string }[];
  /**
   * Never-started submissions to drop, with the submission that displaced each and (for a rule other than "a newer
   * one displaced it") the reason that names the strategy's rule.
   */
  drop: { id: string; supersededBy?: string; reason?: string }[];
  /** Queued submissions to start now, in this order. */
  start: string[];
}

/**
 * A limit strategy: a pure function of the runs (queued and open, ascending by `seq`) and the configuration.
 * It must never plan more starts than there are free slots.
 */
export type Strategy = (runs: readonly OpenSubmission[], config: CoordinatorConfig) => Plan;
