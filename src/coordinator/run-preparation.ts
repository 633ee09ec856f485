/**
 * Shell side of a coordinator run's start: one activity asks the worker for the policy it pins and finds the state the
 * run continues with when it does not simply continue as new — the run a reset replaced, a predecessor that ended
 * without handing over its work (terminated, failed, timed out, cancelled), or one that completed idle.
 */
import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities, RunPreparation } from '../activities';
import type { CoordinatorConfig } from './validation';
import { messageOf } from './child-outcome';

// A queued activity, not a local one: reading visibility and a predecessor's history can take a second, and a local
// activity would hold the run's first workflow task open meanwhile; a key receiving over 100 signals in that time has
// the task force-failed by the server (FORCE_CLOSE_COMMAND) and retried, local activity included, as long as the
// burst lasts. It keeps trying for a while: giving up leaves a predecessor's children untracked.
const { prepareCoordinatorRun } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  scheduleToCloseTimeout: '15 minutes',
  retry: { maximumInterval: '30 seconds' },
});

export interface RunStart extends RunPreparation {
  /** What went wrong, for the run's notices; the key keeps working regardless. */
  problem?: string;
}

/** The pinned policy and the state this run continues with, if any. */
export async function prepareRun(config: CoordinatorConfig, continued: boolean): Promise<RunStart> {
  const { workflowId, runId, originalExecutionRunId, startTime } = workflowInfo();
  try {
    const prepared = await prepareCoordinatorRun({
      config,
      workflowId,
      runId,
      originalExecutionRunId,
      chainStartTime: startTime.toISOString(),
      continued,
    });
    if (prepared.takenFrom) log.info('continuing the work of an earlier run', { ...prepared.takenFrom });
    return prepared;
  } catch (err) {
    // Availability first: the key keeps working, and the problem is shown in the run's notices.
    log.error('could not prepare the coordinator run', { error: messageOf(err) });
    return { problem: `could not learn the worker's pinned policy or an earlier run's work: ${messageOf(err)}` };
  }
}
