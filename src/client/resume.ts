import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { COORDINATOR_WORKFLOW_TYPE, type CoordinatorInput } from '../coordinator/messages';
import { concurrencySearchAttributes } from '../search-attributes';
import { sendWithSearchAttributes } from './search-attribute-fallback';

export type ResumeResult = { resumed: true; runId: string } | { resumed: false; reason: 'already running' };

/**
 * Starts a fresh run of a coordinator whose last run was terminated (or failed), with that run's configuration, so
 * it takes over the submissions the old run had accepted without waiting for the key's next submission (which would
 * do the same). Does nothing if a run is open.
 */
export async function resumeCoordinator(client: Client, coordinatorWorkflowId: string): Promise<ResumeResult> {
  const { events } = await client.workflow.getHandle(coordinatorWorkflowId).fetchHistory();
  const started = events?.[0]?.workflowExecutionStartedEventAttributes;
  if (!started) throw new Error(`${coordinatorWorkflowId}: its last run has no start event`);
  const input = await decodeFromPayloadsAtIndex<CoordinatorInput>(
    client.options.loadedDataConverter,
    0,
    started.input?.payloads,
  );
  // The fresh run must start from nothing but its configuration: it reads the old run's state itself.
  const { carried: _carried, ...config } = input;
  try {
    // With the key's search attributes, as submit() starts it, so the fresh run and its children stay findable.
    const attributes = concurrencySearchAttributes(String(config.policy), String(config.key));
    const handle = await sendWithSearchAttributes(client, attributes, (typedSearchAttributes) =>
      client.workflow.start(COORDINATOR_WORKFLOW_TYPE, {
        workflowId: coordinatorWorkflowId,
        taskQueue: started.taskQueue?.name ?? '',
        args: [config],
        ...(typedSearchAttributes && { typedSearchAttributes }),
      }),
    );
    return { resumed: true, runId: handle.firstExecutionRunId };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { resumed: false, reason: 'already running' };
    throw err;
  }
}
