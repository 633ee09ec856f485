import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConnectionSettings } from 'temporal-concurrency';
import { createWorker, withConcurrency } from 'temporal-concurrency/worker';
import * as activities from './activities';

/** Shape (b): a dedicated coordinator worker, and the application's worker on its own task queue. */
export async function createDedicatedWorkers(
  connection: NativeConnection,
  previewTaskQueue: string,
): Promise<Worker[]> {
  const { namespace, taskQueue } = loadConnectionSettings();
  const coordinators = await createWorker({ connection, namespace, taskQueue });
  const previews = await Worker.create(
    withConcurrency({
      connection,
      namespace,
      taskQueue: previewTaskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities,
    }),
  );
  return [coordinators, previews];
}
