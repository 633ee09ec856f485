/**
 * Shell side of a coordinator run's start: it asks its worker (one local activity) for the policy the worker pins and,
 * for a fresh run, whether the previous run of its workflow ID ended without handing over its work (terminated,
 * failed, timed out, cancelled); if so, an activity reads and folds that work.
 */
import { log, proxyActivities, proxyLocalActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { PinnedPolicy } from './messages';
import type { TakenOver } from './take-over';
import type { CoordinatorConfig } from './validation';
import { messageOf } from './child-outcome';

// A local activity: every run asks, and the usual answer costs one marker event.
const { prepareCoordinatorRun } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '10 seconds' },
  scheduleToCloseTimeout: '5 minutes',
});
// A queued activity: it reads a whole history, page by page, which may be long. It keeps trying for a while: giving
// up leaves the old run's children untracked, which is what a take-over exists to prevent.
const { readAbandonedRun } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  scheduleToCloseTimeout: '15 minutes',
  retry: { maximumInterval: '30 seconds' },
});

export interface RunStart {
  pinned?: PinnedPolicy;
  takenOver?: TakenOver;
  /** What went wrong, for the run's notices; the key keeps working regardless. */
  problem?: string;
}

/** The pinned policy and, for a fresh run, the abandoned predecessor's work. */
export async function prepareRun(config: CoordinatorConfig, fresh: boolean): Promise<RunStart> {
  const { workflowId, runId, originalExecutionRunId, startTime } = workflowInfo();
  let preparation;
  try {
    preparation = await prepareCoordinatorRun({
      policy: config.policy,
      ...(fresh && { chain: { workflowId, runId, originalExecutionRunId, chainStartTime: startTime.toISOString() } }),
    });
  } catch (err) {
    // Availability first: the key keeps working, and the problem is shown in the run's notices.
    log.error('could not prepare the coordinator run', { error: messageOf(err) });
    return { problem: `could not ask the worker for its pinned policy or a predecessor: ${messageOf(err)}` };
  }
  const pinned = preparation.pinned;
  if (!preparation.abandoned) return { ...(pinned && { pinned }) };
  log.info('taking over the work of an abandoned run', { ...preparation.abandoned });
  try {
    const takenOver = await readAbandonedRun({
      workflowId,
      runId: preparation.abandoned.runId,
      config,
      ...(pinned && { pinned }),
    });
    return { ...(pinned && { pinned }), takenOver };
  } catch (err) {
    log.error('could not take over the previous run; its queued submissions stay with it', { error: messageOf(err) });
    const problem = `could not take over run ${preparation.abandoned.runId} (${preparation.abandoned.status}): ${messageOf(err)}`;
    return { ...(pinned && { pinned }), problem };
  }
}
