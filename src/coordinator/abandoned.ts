/**
 * Shell side of taking over an abandoned run: a fresh coordinator run asks whether the previous run of its workflow
 * ID ended without handing over its work (terminated, failed, timed out, cancelled) and, if so, reads that work.
 */
import { log, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { AbandonedRun } from './take-over';
import { messageOf } from './child-outcome';

/** Patch ID of the change that made fresh runs take over the work of an abandoned predecessor. */
export const PATCH_TAKE_OVER_ABANDONED_RUNS = 'take-over-abandoned-runs';

// A local activity: every fresh run asks, and the usual answer (no abandoned predecessor) costs one marker event.
const { findAbandonedPredecessor } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 5 },
});
// A queued activity: it reads a whole history, which may be long, so it should not hold this task's slot.
const { readAbandonedRun } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 5 },
});

/** The work of the abandoned previous run of this coordinator, if there is one. */
export async function findAbandonedWork(): Promise<AbandonedRun | undefined> {
  const { workflowId, runId, originalExecutionRunId, startTime } = workflowInfo();
  try {
    const abandoned = await findAbandonedPredecessor({
      workflowId,
      runId,
      originalExecutionRunId,
      chainStartTime: startTime.toISOString(),
    });
    if (!abandoned) return undefined;
    log.info('taking over the work of an abandoned run', { abandonedRunId: abandoned.runId, status: abandoned.status });
    return await readAbandonedRun({ workflowId, runId: abandoned.runId });
  } catch (err) {
    // Availability first: the key keeps working; what the abandoned run held is named in the log for an operator.
    log.error('could not take over the previous run; its queued submissions stay with it', { error: messageOf(err) });
    return undefined;
  }
}
