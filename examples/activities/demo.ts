import { ApplicationFailure, Context, log } from '@temporalio/activity';

/** Input of {@link simulateWork}. */
export interface SimulateWorkInput {
  durationMs: number;
  label?: string;
  /** Fail (non-retryably) after this long instead of finishing. */
  failAfterMs?: number;
}

/** How often the simulated work reports progress; the SDK throttles what reaches the server. */
const HEARTBEAT_EVERY_MS = 250;

/**
 * Stands in for real work: sleeps in small steps for `durationMs`, heartbeating the time done so far, so a
 * cancellation reaches it at the next heartbeat.
 */
export async function simulateWork(input: SimulateWorkInput): Promise<{ workedMs: number }> {
  const context = Context.current();
  const resumedFrom = typeof context.info.heartbeatDetails === 'number' ? context.info.heartbeatDetails : 0;
  let workedMs = resumedFrom;
  const stopAt = input.failAfterMs !== undefined ? Math.min(input.failAfterMs, input.durationMs) : input.durationMs;
  while (workedMs < stopAt) {
    const step = Math.min(HEARTBEAT_EVERY_MS, stopAt - workedMs);
    await context.sleep(step); // rejects with CancelledFailure once a cancellation is delivered
    workedMs += step;
    context.heartbeat(workedMs);
  }
  if (input.failAfterMs !== undefined && input.failAfterMs < input.durationMs) {
    throw ApplicationFailure.nonRetryable(`demo failure after ${input.failAfterMs} ms`, 'DemoFailure');
  }
  return { workedMs };
}

/** The visible cleanup step a cancelled run performs before it ends as cancelled. */
export async function cleanUpAfterCancel(input: { label?: string; workflowId: string }): Promise<string> {
  log.info('cleaning up after cancellation', input);
  await Context.current().sleep(50);
  return `cleaned up ${input.label ?? input.workflowId}`;
}
