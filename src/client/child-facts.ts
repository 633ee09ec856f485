/**
 * The facts `coordinator/child-waiting.ts` judges, read from the server: a child's description and the workers
 * polling a task queue. Shared by `getSubmissionStatus` and the coordinator's sweep activity.
 *
 * @module
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { FirstTaskFacts } from '../coordinator/core/child-waiting';

const { PendingWorkflowTaskState } = temporal.api.enums.v1;

/** What a child's description says about its first workflow task. */
export function firstTaskFactsOf(description: WorkflowExecutionDescription): FirstTaskFacts {
  const state = description.raw.pendingWorkflowTask?.state;
  const pendingTask =
    state === PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_SCHEDULED
      ? 'scheduled'
      : state === PendingWorkflowTaskState.PENDING_WORKFLOW_TASK_STATE_STARTED
        ? 'started'
        : undefined;
  return {
    workflowType: description.type,
    taskQueue: description.taskQueue,
    startTimeMs: description.startTime.getTime(),
    historyLength: Number(description.historyLength),
    ...(pendingTask && { pendingTask }),
  };
}

/** How many workers poll `taskQueue` for workflow tasks (the server lists one for minutes after it stopped). */
export async function pollerCount(client: Client, taskQueue: string): Promise<number> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  });
  return (pollers ?? []).length;
}
