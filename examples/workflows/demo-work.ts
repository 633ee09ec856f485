import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { ExampleActivities as Activities } from '../activities';

/** Input of {@link demoWork} (SPEC section 2). */
export interface DemoWorkInput {
  durationMs: number;
  label?: string;
  /** Fail after this long instead of finishing. */
  failAfterMs?: number;
}

export interface DemoWorkResult {
  label?: string;
  workedMs: number;
}

const { simulateWork } = proxyActivities<Activities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '5 seconds',
  // Wait for the activity to acknowledge cancellation, so a cancelled run has really stopped working when it
  // closes: that is what `slotRelease: 'on-close'` promises.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

const { cleanUpAfterCancel } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute' });

function checkInput(input: DemoWorkInput): void {
  if (typeof input?.durationMs !== 'number' || !(input.durationMs >= 0)) {
    throw ApplicationFailure.nonRetryable(
      `durationMs must be a number >= 0, got ${String(input?.durationMs)}`,
      'InvalidInput',
    );
  }
}

/**
 * The demo child: works (a heartbeating activity) for `durationMs`; when cancelled, runs a visible cleanup
 * activity and then ends as cancelled.
 */
export async function demoWork(input: DemoWorkInput): Promise<DemoWorkResult> {
  checkInput(input);
  try {
    const { workedMs } = await simulateWork(input);
    // The work may finish just as the cancellation arrives; a superseded run still ends as cancelled.
    if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('cancelled as the work finished');
    return { ...(input.label !== undefined && { label: input.label }), workedMs };
  } catch (err) {
    if (isCancellation(err)) {
      const { workflowId } = workflowInfo();
      await CancellationScope.nonCancellable(() =>
        cleanUpAfterCancel({ workflowId, ...(input.label !== undefined && { label: input.label }) }),
      );
    }
    throw err;
  }
}
