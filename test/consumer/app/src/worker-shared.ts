import { NativeConnection, Worker } from '@temporalio/worker';
import { loadConnectionSettings } from 'temporal-concurrency';
import { withConcurrency } from 'temporal-concurrency/worker';
import * as activities from './activities';

/** Shape (a): the application's worker runs its own workflows and the coordinators, on one task queue. */
export async function createSharedWorker(connection: NativeConnection): Promise<Worker> {
  const { namespace, taskQueue } = loadConnectionSettings(); // TEMPORAL_TASK_QUEUE, default 'concurrency'
  return Worker.create(
    withConcurrency({
      connection,
      namespace,
      taskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities,
    }),
  );
}
