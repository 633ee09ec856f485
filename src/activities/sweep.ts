import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import type { CloseOutcome } from '../coordinator/messages';

/** A child the sweep found closed (with its outcome), or stuck (with the reason to record when terminated). */
export type SweptChild =
  | { workflowId: string; status: 'closed'; outcome: CloseOutcome; reason?: string }
  | { workflowId: string; status: 'stuck'; reason: string };

/**
 * A child whose first workflow task has failed this many times never got going: typically no worker registers its
 * workflow type on its task queue. Its task would be retried forever and hold the key's slot.
 */
export const NEVER_STARTED_ATTEMPTS = 3;

/** How long the sweep waits for a child that announced its close to actually close. */
const AWAIT_CLOSE_MS = 10_000;

const OUTCOME_OF_STATUS: Partial<Record<string, CloseOutcome>> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timedOut',
};

/**
 * Describes the coordinator's open children and reports those that closed without the coordinator hearing of it
 * (terminated from the UI or CLI, run timeout) and those that never got going, which the coordinator then ends with
 * {@link terminateStuckChildren}: a workflow task that cannot even start would otherwise hold the slot forever.
 */
export async function sweepChildren(input: { workflowIds: string[]; awaitClose?: string[] }): Promise<SweptChild[]> {
  const { client } = Context.current();
  const swept: SweptChild[] = [];
  const awaitClose = new Set(input.awaitClose ?? []);
  for (const workflowId of input.workflowIds) {
    const handle = client.workflow.getHandle(workflowId);
    let description;
    try {
      description = await handle.describe();
      // A child that just signalled runClosed is finishing its last workflow task; give it a moment to close.
      for (
        let waited = 0;
        awaitClose.has(workflowId) && description.status.name === 'RUNNING' && waited < AWAIT_CLOSE_MS;
        waited += 100
      ) {
        await Context.current().sleep(100);
        description = await handle.describe();
      }
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      swept.push({ workflowId, status: 'closed', outcome: 'failed', reason: `child ${workflowId} not found` });
      continue;
    }
    const outcome = OUTCOME_OF_STATUS[description.status.name];
    if (outcome) {
      swept.push({ workflowId, status: 'closed', outcome });
      continue;
    }
    const pendingTask = description.raw.pendingWorkflowTask;
    // Only a child whose task keeps failing costs a history fetch, to tell "never ran" from a later bug that a
    // deployment may still fix (those are left alone: Temporal retries them by design).
    if ((pendingTask?.attempt ?? 0) >= NEVER_STARTED_ATTEMPTS && (await neverCompletedATask(handle))) {
      const reason =
        `workflow ${description.type} never completed its first workflow task (attempt ${pendingTask?.attempt}); ` +
        `is a worker for type ${description.type} polling task queue ${description.taskQueue}?`;
      swept.push({ workflowId, status: 'stuck', reason });
    }
    Context.current().heartbeat(workflowId);
  }
  return swept;
}

async function neverCompletedATask(handle: WorkflowHandle): Promise<boolean> {
  const { events } = await handle.fetchHistory();
  return !(events ?? []).some((event) => event.workflowTaskCompletedEventAttributes != null);
}

/** Terminates children the sweep found stuck, with the reason the coordinator records for them. */
export async function terminateStuckChildren(input: {
  children: { workflowId: string; reason: string }[];
}): Promise<void> {
  const { client } = Context.current();
  for (const { workflowId, reason } of input.children) {
    try {
      await client.workflow.getHandle(workflowId).terminate(reason);
    } catch (err) {
      // Closed in the meantime: nothing left to end.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
