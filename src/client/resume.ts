import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { COORDINATOR_WORKFLOW_TYPE, type CoordinatorInput } from '../coordinator/messages';
import { checkTaskQueue } from '../coordinator/core/validation';
import { concurrencySearchAttributes } from '../coordinator/search-attributes';
import { ConcurrencyInputError } from './errors';
import { sendWithSearchAttributes } from './search-attribute-fallback';

export type ResumeResult =
  | {
      resumed: true;
      runId: string;
      /** The task queue the fresh run polls. */
      taskQueue: string;
      /** With `taskQueue` given: the open run on another task queue that resume terminated to move the key. */
      moved?: { runId: string; fromTaskQueue: string };
    }
  | { resumed: false; reason: 'already running' };

export interface ResumeOptions {
  /**
   * The task queue the fresh run is started on (a worker must poll it). An open run on another task queue is
   * terminated (its children keep running, ABANDON) and the fresh run takes over its submissions: the repair for a
   * coordinator started on a mistyped queue that no worker polls. @default the task queue of the coordinator's last run
   */
  taskQueue?: string;
}

/** A submitter's signalWithStart may start a run between the terminate and the start: this many tries, then give up. */
const MAX_MOVE_ATTEMPTS = 3;

/** The terminate reason of a run resume moves away from: the history says who ended it and why. */
export function movedReason(taskQueue: string): string {
  return `moved to task queue ${taskQueue} by resume`;
}

/**
 * Starts a fresh run of a coordinator whose last run was terminated (or failed), with that run's configuration, so
 * it takes over the submissions the old run had accepted without waiting for the key's next submission (which would
 * do the same). Does nothing if a run is open, unless `options.taskQueue` names another task queue than the open
 * run's: then that run is terminated ("moved to task queue … by resume") and the fresh run starts on `taskQueue`.
 *
 * @throws {@link ConcurrencyInputError} (field `taskQueue`) before any network call if `options.taskQueue` is not a
 * valid task queue name
 */
export async function resumeCoordinator(
  client: Client,
  coordinatorWorkflowId: string,
  options: ResumeOptions = {},
): Promise<ResumeResult> {
  const target = options.taskQueue;
  if (target !== undefined) {
    const problem = checkTaskQueue('taskQueue', target);
    if (problem) throw new ConcurrencyInputError('taskQueue', problem.message, target);
  }
  for (let attempt = 1; ; attempt++) {
    const last = await lastRun(client, coordinatorWorkflowId);
    const taskQueue = target ?? last.taskQueue;
    const moved =
      last.open && last.taskQueue !== taskQueue ? await terminateToMove(client, last, taskQueue) : undefined;
    try {
      const runId = await startFresh(client, coordinatorWorkflowId, last.config, taskQueue);
      return { resumed: true, runId, taskQueue, ...(moved && { moved }) };
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      // Either the run was open on the right queue already, or a submission started one after the terminate (on the
      // submitter's queue, which may still be the typo): look again.
      const open = await lastRun(client, coordinatorWorkflowId);
      if (open.taskQueue === taskQueue || attempt >= MAX_MOVE_ATTEMPTS) {
        return { resumed: false, reason: 'already running' };
      }
    }
  }
}

interface LastRun {
  workflowId: string;
  runId: string;
  open: boolean;
  taskQueue: string;
  /** Its start input without `carried`: the fresh run must start from its configuration alone and read the rest. */
  config: Omit<CoordinatorInput, 'carried'>;
}

async function lastRun(client: Client, workflowId: string): Promise<LastRun> {
  const handle = client.workflow.getHandle(workflowId);
  const description = await handle.describe();
  // Pinned to the run just described, so a run started meanwhile cannot mix its input with this one's status.
  const { events } = await client.workflow.getHandle(workflowId, description.runId).fetchHistory();
  const started = events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`${workflowId}: its last run has no start event`);
  const input = await decodeFromPayloadsAtIndex<CoordinatorInput>(
    client.options.loadedDataConverter,
    0,
    started.input?.payloads,
  );
  const { carried: _carried, ...config } = input;
  return {
    workflowId,
    runId: description.runId,
    open: description.status.name === 'RUNNING',
    taskQueue: started.taskQueue?.name ?? description.taskQueue,
    config,
  };
}

/** Terminates exactly the run described (not a fresher one a submitter may have started since). */
async function terminateToMove(client: Client, run: LastRun, taskQueue: string) {
  await client.workflow.getHandle(run.workflowId, run.runId).terminate(movedReason(taskQueue));
  return { runId: run.runId, fromTaskQueue: run.taskQueue };
}

async function startFresh(
  client: Client,
  workflowId: string,
  config: LastRun['config'],
  taskQueue: string,
): Promise<string> {
  // With the key's search attributes, as submit() starts it, so the fresh run and its children stay findable.
  const attributes = concurrencySearchAttributes(String(config.policy), String(config.key));
  const handle = await sendWithSearchAttributes(client, attributes, (typedSearchAttributes) =>
    client.workflow.start(COORDINATOR_WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [config],
      ...(typedSearchAttributes && { typedSearchAttributes }),
    }),
  );
  return handle.firstExecutionRunId;
}
