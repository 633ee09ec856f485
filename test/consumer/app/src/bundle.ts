import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { withConcurrency, withConcurrencyBundle } from 'temporal-concurrency/worker';
import * as activities from './activities';

/** With a prebuilt bundle: build it with the library merged in, then run it like any bundle. */
export async function createWorkerFromBundle(connection: NativeConnection, taskQueue: string): Promise<Worker> {
  const workflowBundle = await bundleWorkflowCode(
    withConcurrencyBundle({ workflowsPath: require.resolve('./workflows') }),
  );
  return Worker.create(withConcurrency({ connection, taskQueue, workflowBundle, activities }));
}
