import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { withConcurrency } from 'temporal-concurrency/worker';
import * as activities from './activities.js';

/** In an ES module there is no `require`: resolve the workflows file from `import.meta.url`, extension included. */
export async function createEsmWorker(connection: NativeConnection, taskQueue: string): Promise<Worker> {
  return Worker.create(
    withConcurrency({
      connection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./workflows.js', import.meta.url)),
      activities,
    }),
  );
}
