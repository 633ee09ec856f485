import {
  CancelledFailure,
  ChildWorkflowFailure,
  TerminatedFailure,
  TimeoutFailure,
  isCancellation,
} from '@temporalio/workflow';
import type { CloseOutcome } from './messages';

/** Maps the error a child's result rejected with to the outcome recorded for its submission. */
export function classifyChildFailure(err: unknown): { outcome: CloseOutcome; reason?: string } {
  const cause = err instanceof ChildWorkflowFailure ? err.cause : err;
  if (cause instanceof TerminatedFailure) return { outcome: 'terminated', reason: cause.message };
  if (cause instanceof TimeoutFailure) return { outcome: 'timedOut', reason: cause.message };
  if (cause instanceof CancelledFailure || isCancellation(err)) return { outcome: 'cancelled' };
  return { outcome: 'failed', reason: messageOf(cause ?? err) };
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
