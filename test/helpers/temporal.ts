import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker, type WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import { exampleActivities } from '../../examples/activities';
import { createWorker } from '../../src/worker';
import * as testActivities from '../fixtures/activities';

export interface TemporalTestContext {
  client: Client;
  nativeConnection: NativeConnection;
  close(): Promise<void>;
}

let runtimeInstalled = false;

/** Worker and workflow logs at WARN: the coordinators log every cancellation at INFO. */
function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

/** Connects to the run's dev server (started by the global setup). */
export async function connectToTestServer(): Promise<TemporalTestContext> {
  installQuietRuntime();
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection }),
    nativeConnection,
    async close() {
      await nativeConnection.close();
      await connection.close();
    },
  };
}

/** A name no other test or run uses, for task queues, policies and keys. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A worker on its own task queue, running the shared test bundle with the library's and the test activities. */
export async function createTestWorker(
  context: TemporalTestContext,
  taskQueue: string,
  options: Partial<WorkerOptions> = {},
): Promise<Worker> {
  return createWorker({
    connection: context.nativeConnection,
    taskQueue,
    workflowBundle: { codePath: inject('workflowBundlePath') },
    activities: { ...exampleActivities, ...testActivities },
    // Cancellations reach heartbeating activities within a second, not 30.
    maxHeartbeatThrottleInterval: '500 milliseconds',
    ...options,
  });
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 250, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`, { cause: last });
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
