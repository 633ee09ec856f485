import type { ClosedRun, Run } from '../../coordinator/messages';

/**
 * Why a submission is where it is, in a few words: the newer submission that displaced it, why its cancellation was
 * requested without one (the coordinator was cancelled), why it was dropped, rejected, failed or terminated, or why a
 * started child has not got going. Empty when there is nothing to explain (queued, running, completed).
 */
export function reasonOf(run: Partial<Run & ClosedRun>): string {
  const reasons = [
    run.supersededBy !== undefined ? `superseded by ${run.supersededBy}` : undefined,
    run.cancelReason,
    run.reason,
    run.waiting,
  ];
  // A cancelled run's reason is its cancelReason again.
  return [...new Set(reasons.filter((reason): reason is string => reason !== undefined && reason !== ''))].join('; ');
}
