import type { ClosedSubmission, QueuedSubmission } from '../../coordinator/messages';

/**
 * Why a submission is where it is: the newer submission that displaced it, why its cancellation was requested without
 * one (the coordinator was cancelled), why it was dropped, rejected, failed or terminated, or why a started child has
 * not got going, or where a queued one stands and what it waits for. Empty when there is nothing to explain (running,
 * completed, queued in a coordinator from before run behaviour 6).
 */
export function reasonsOf(run: Partial<QueuedSubmission & ClosedSubmission>): string[] {
  const reasons = [
    run.supersededBy !== undefined ? `superseded by ${run.supersededBy}` : undefined,
    run.cancelReason,
    run.reason,
    run.waiting,
    run.position !== undefined ? `#${run.position} in the queue` : undefined,
    run.waitingFor,
  ].filter((reason): reason is string => reason !== undefined && reason !== '');
  // The coordinator often says the same twice: a dropped run's reason is "superseded by m-4 before it started", a
  // cancelled run's reason its cancelReason. Keep the fullest wording of each.
  return reasons.filter(
    (reason, index) =>
      reasons.indexOf(reason) === index && !reasons.some((other) => other !== reason && other.includes(reason)),
  );
}

/** {@link reasonsOf} in one line. */
export function reasonOf(run: Partial<QueuedSubmission & ClosedSubmission>): string {
  return reasonsOf(run).join('; ');
}
