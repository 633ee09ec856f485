import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConnectionSettings } from 'temporal-concurrency';
import { createWorker } from 'temporal-concurrency/worker';

/** A coordinator worker whose options for `preview` win over what submitters send. */
export async function createPinnedCoordinatorWorker(connection: NativeConnection): Promise<Worker> {
  const { namespace, taskQueue } = loadConnectionSettings();
  return createWorker({
    connection,
    namespace,
    taskQueue,
    pinnedPolicies: {
      preview: { maxRuns: 1, allowedWorkflowTypes: ['renderPreview'], allowedTaskQueues: ['previews'] },
    },
  });
}
