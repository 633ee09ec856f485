/**
 * Shell side of a coordinator run's start: one activity asks the worker for the policy it pins and finds the state the
 * run continues with when it does not simply continue as new — the run a reset replaced, a predecessor that ended
 * without handing over its work (terminated, failed, timed out, cancelled), or one that completed idle.
 */
import { log, patched, workflowInfo } from '@temporalio/workflow';
import type { RunPreparation, RunPreparationInput } from './core/activity-contract';
import { labelledActivity, labelledLocalActivity } from './labelled-activity';
import type { Behaviours } from './behaviours';
import type { CoordinatorConfig } from './core/validation';
import { messageOf } from './child-outcome';

// A queued activity, not a local one: reading visibility and a predecessor's history can take a second, and a local
// activity would hold the run's first workflow task open meanwhile; a key receiving over 100 signals in that time has
// the task force-failed by the server (FORCE_CLOSE_COMMAND) and retried, local activity included, as long as the
// burst lasts. It keeps trying for a while: giving up leaves a predecessor's children untracked.
const prepareCoordinatorRun = labelledActivity(
  'prepareCoordinatorRun',
  {
    startToCloseTimeout: '5 minutes',
    heartbeatTimeout: '1 minute',
    scheduleToCloseTimeout: '15 minutes',
    retry: { maximumInterval: '30 seconds' },
  },
  "take over an earlier run's work: fold its history",
);

// The cheap check runs as a local activity inside the run's first workflow task: a marker event instead of an
// activity's three events and a second workflow task before the first decision. It is a visibility list and maybe a
// describe, well under a second, so a burst cannot hold that task open the way a history fold could.
const checkCoordinatorRun = labelledLocalActivity(
  'checkCoordinatorRun',
  {
    startToCloseTimeout: '30 seconds',
    retry: { maximumInterval: '5 seconds', maximumAttempts: 5 },
  },
  'check for an earlier run whose work this run must take over',
);

/** Runs with this patch check locally first and fold a predecessor's history only when there is one to take over. */
export const LOCAL_RUN_CHECK_PATCH = 'check-coordinator-run-locally';

/**
 * Above this many signals in the run's first workflow task, the run prepares the old way: a key that busy is taking
 * a burst, and a local activity would keep the task open while more signals arrive (the server force-fails a task
 * that buffers too many). Counted from the first activation, so replay decides the same.
 */
export const LOCAL_RUN_CHECK_MAX_SIGNALS = 50;

export interface RunStart extends RunPreparation {
  /** What went wrong, for the run's notices; the key keeps working regardless. */
  problem?: string;
}

/**
 * The pinned policy and the state this run continues with, if any. `firstBatch` is the number of signals the run's
 * first activation brought. With `checkRunLocally` (behaviours.ts) the local check needs no patch of its own.
 */
export async function prepareRun(
  config: CoordinatorConfig,
  continued: boolean,
  firstBatch: number,
  behaviours: Behaviours,
): Promise<RunStart> {
  const { workflowId, runId, originalExecutionRunId, startTime, continuedFromExecutionRunId } = workflowInfo();
  const input: RunPreparationInput = {
    config,
    workflowId,
    runId,
    originalExecutionRunId,
    chainStartTime: startTime.toISOString(),
    continued,
    // trustOnlyContinueAsNew and adoptUnaccountedChildren: believe carried state only from a coordinator run; find children no history accounts for.
    ...(behaviours.has('trustOnlyContinueAsNew') &&
      continued &&
      continuedFromExecutionRunId && { continuedFromRunId: continuedFromExecutionRunId }),
    ...(behaviours.has('adoptUnaccountedChildren') && { adoptOrphans: true }),
  };
  if (
    firstBatch <= LOCAL_RUN_CHECK_MAX_SIGNALS &&
    (behaviours.has('checkRunLocally') || patched(LOCAL_RUN_CHECK_PATCH))
  ) {
    try {
      const checked = await checkCoordinatorRun(behaviours)(input);
      if (!checked.takeOver) return checked.pinned ? { pinned: checked.pinned } : {};
      // Fresh from here on: the activity below takes over what the key's history proves.
      if (checked.carriedDistrusted) input.continued = false;
    } catch (err) {
      // The regular activity below retries for longer; it decides.
      log.warn('could not check the coordinator run locally', { error: messageOf(err) });
    }
  }
  try {
    const prepared = await prepareCoordinatorRun(behaviours)(input);
    if (prepared.takenFrom) log.info('continuing the work of an earlier run', { ...prepared.takenFrom });
    return prepared;
  } catch (err) {
    // Availability first: the key keeps working, and the problem is shown in the run's notices.
    log.error('could not prepare the coordinator run', { error: messageOf(err) });
    return { problem: `could not learn the worker's pinned policy or an earlier run's work: ${messageOf(err)}` };
  }
}
