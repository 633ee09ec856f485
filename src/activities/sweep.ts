import { Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import {
  CHILD_MEMO_KEY,
  supersededSignal,
  type ChildMemo,
  type CloseOutcome,
  type Superseded,
} from '../coordinator/messages';
import { firstTaskFactsOf, pollerCount } from '../client/child-facts';
import { awaitingWorkerReason, mayAwaitWorker } from '../coordinator/core/child-waiting';
import { findOrphanedChildren } from './orphans';
import type { ChildToSweep, SweepInput, SweptChild } from '../coordinator/core/activity-contract';

/**
 * A child whose first workflow task has failed this many times never got going: typically no worker registers its
 * workflow type on its task queue. Its task would be retried forever and hold the key's slot.
 */
export const NEVER_STARTED_ATTEMPTS = 3;

export { WAITING_AFTER_MS } from '../coordinator/core/child-waiting';

/** How long the sweep waits for a child that announced its close to actually close. */
const AWAIT_CLOSE_MS = 10_000;

const OUTCOME_OF_STATUS: Partial<Record<string, CloseOutcome>> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timedOut',
};

function firstRunIdOf(description: WorkflowExecutionDescription): string | undefined {
  return description.raw.workflowExecutionInfo?.firstRunId || undefined;
}

/** Whether the chain holding `workflowId` was started by `coordinatorWorkflowId` for `submissionId` (its memo). */
async function ownedBy(
  client: Client,
  description: WorkflowExecutionDescription,
  coordinatorWorkflowId: string,
  submissionId: string,
): Promise<boolean> {
  const firstRunId = firstRunIdOf(description);
  // The memo the coordinator set is on the chain's first run; later runs of a continue-as-new may not carry it.
  const first =
    firstRunId && firstRunId !== description.runId
      ? await client.workflow.getHandle(description.workflowId, firstRunId).describe()
      : description;
  const memo = first.memo?.[CHILD_MEMO_KEY] as Partial<ChildMemo> | undefined;
  return memo?.coordinatorWorkflowId === coordinatorWorkflowId && memo.submissionId === submissionId;
}

async function describeAwaitingClose(client: Client, workflowId: string, awaitClose: boolean) {
  const handle = client.workflow.getHandle(workflowId);
  let description = await handle.describe();
  // A child that just signalled runClosed is finishing its last workflow task; give it a moment to close.
  for (let waited = 0; awaitClose && description.status.name === 'RUNNING' && waited < AWAIT_CLOSE_MS; waited += 100) {
    await Context.current().sleep(100);
    description = await handle.describe();
  }
  return description;
}

/** Why a running child has not got going, if it has not: its first workflow task fails, or nobody picked it up. */
async function notGoing(
  client: Client,
  description: WorkflowExecutionDescription,
): Promise<{ status: 'stuck' | 'waiting'; reason: string } | undefined> {
  const pendingTask = description.raw.pendingWorkflowTask;
  if (!pendingTask) return undefined;
  const attempt = pendingTask.attempt ?? 0;
  // Only a child whose task keeps failing costs a history fetch, to tell "never ran" from a later bug that a
  // deployment may still fix (those are left alone: Temporal retries them by design).
  if (attempt >= NEVER_STARTED_ATTEMPTS && (await neverCompletedATask(client, description))) {
    const reason =
      `workflow ${description.type} never completed its first workflow task (attempt ${attempt}); ` +
      `is a worker for type ${description.type} polling task queue ${description.taskQueue}?`;
    return { status: 'stuck', reason };
  }
  const facts = firstTaskFactsOf(description);
  if (!mayAwaitWorker(facts, Date.now())) return undefined;
  const reason = awaitingWorkerReason(facts, await pollerCount(client, description.taskQueue));
  return { status: 'waiting', reason };
}

/**
 * Describes the coordinator's open children and reports: those that closed without the coordinator hearing of it
 * (terminated from the UI or CLI, run timeout), those that never got going (stuck or waiting for a worker), and for
 * children whose start found their ID in use, whether that workflow really is this submission's child.
 */
export async function sweepChildren(input: SweepInput): Promise<SweptChild[]> {
  const { client } = Context.current();
  const swept: SweptChild[] = [];
  const awaitClose = new Set(input.awaitClose ?? []);
  for (const child of input.children) {
    try {
      const found = await sweepOne(client, input.coordinatorWorkflowId, child, awaitClose.has(child.workflowId));
      if (found) swept.push(found);
    } catch (err) {
      // One child the server cannot describe now (or whose first run retention removed) must not fail the sweep of
      // the others; it is looked at again next time.
      Context.current().log.warn('could not sweep child', { workflowId: child.workflowId, error: String(err) });
    }
    Context.current().heartbeat(child.workflowId);
  }
  if (input.known) swept.push(...(await unaccountedChildren(client, input.coordinatorWorkflowId, input.known)));
  return swept;
}

/** Running children named by their memo that the coordinator does not hold; described, since visibility lags. */
async function unaccountedChildren(
  client: Client,
  coordinatorWorkflowId: string,
  known: string[],
): Promise<SweptChild[]> {
  const found: SweptChild[] = [];
  for (const child of await findOrphanedChildren(client, coordinatorWorkflowId, new Set(known))) {
    try {
      const { status } = await client.workflow.getHandle(child.workflowId).describe();
      if (status.name === 'RUNNING') found.push({ workflowId: child.workflowId, status: 'unaccounted', child });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return found;
}

async function sweepOne(
  client: Client,
  coordinatorWorkflowId: string,
  child: ChildToSweep,
  awaitClose: boolean,
): Promise<SweptChild | undefined> {
  const { workflowId } = child;
  let description;
  try {
    description = await describeAwaitingClose(client, workflowId, awaitClose);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // A start whose confirmation was never seen, and nothing holds its ID: the start never took place.
    if (child.verify) return { workflowId, status: 'neverStarted' };
    return { workflowId, status: 'closed', outcome: 'failed', reason: `child ${workflowId} not found` };
  }
  const firstRunId = firstRunIdOf(description);
  if (child.verify) {
    if (!(await ownedBy(client, description, coordinatorWorkflowId, child.submissionId))) {
      const reason =
        `workflowId ${workflowId} is used by a workflow not started by this coordinator for submission ` +
        `${child.submissionId}; it was left alone`;
      return { workflowId, status: 'foreign', reason };
    }
  } else if (child.runId !== undefined && firstRunId !== undefined && firstRunId !== child.runId) {
    // The ID now holds another chain: ours closed before it (the coordinator missed the close).
    const reason = `its workflow ID now belongs to another run chain (${firstRunId}); it had closed`;
    return { workflowId, status: 'closed', outcome: 'failed', reason };
  }
  const runId = { ...(firstRunId !== undefined && { runId: firstRunId }) };
  const outcome = OUTCOME_OF_STATUS[description.status.name];
  if (outcome) {
    const closedAtMs = description.closeTime?.getTime();
    return { workflowId, status: 'closed', outcome, ...runId, ...(closedAtMs !== undefined && { closedAtMs }) };
  }
  const stalled = await notGoing(client, description);
  if (stalled) return { workflowId, ...stalled, sinceMs: description.startTime.getTime(), ...runId };
  return { workflowId, status: 'running', ...runId };
}

/** Whether the child never completed a workflow task: its first page of history tells (a long history is not read). */
async function neverCompletedATask(client: Client, description: WorkflowExecutionDescription): Promise<boolean> {
  const { history } = await client.workflowService.getWorkflowExecutionHistory({
    namespace: client.options.namespace,
    execution: { workflowId: description.workflowId, runId: description.runId },
    maximumPageSize: 100,
  });
  return !(history?.events ?? []).some((event) => event.workflowTaskCompletedEventAttributes != null);
}

/**
 * Terminates children with the reason the coordinator records for them. Each is addressed by its chain's first run
 * ID, so a workflow that has since taken over the ID is never touched.
 */
export async function terminateChildren(input: {
  children: { workflowId: string; runId: string; reason: string }[];
}): Promise<void> {
  const { client } = Context.current();
  for (const { workflowId, runId, reason } of input.children) {
    try {
      await client.workflow.getHandle(workflowId, undefined, { firstExecutionRunId: runId }).terminate(reason);
    } catch (err) {
      // Closed in the meantime: nothing left to end.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}

/**
 * Cancels children whose workflow ID the submitter chose, addressed by their chain's first run ID: such an ID can be
 * taken by another workflow once the child closed, and a cancel by bare workflow ID would then hit that workflow.
 * The `superseded` signal goes the same way, first.
 */
export async function cancelChildren(input: {
  children: { workflowId: string; runId: string; superseded?: Superseded }[];
}): Promise<void> {
  const { client } = Context.current();
  for (const { workflowId, runId, superseded } of input.children) {
    const handle = client.workflow.getHandle(workflowId, undefined, { firstExecutionRunId: runId });
    try {
      if (superseded) await handle.signal(supersededSignal, superseded).catch(() => undefined);
      await handle.cancel();
    } catch (err) {
      // Closed already (or the ID now holds another chain, which is left alone): the sweep records how it ended.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
}
