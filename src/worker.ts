/**
 * The library's worker: runs the coordinators, `demoWork` and the chat example, with the `runClosed` interceptor.
 *
 * `npm run worker` starts it with settings from the environment (see `loadConnectionSettings`). Applications that
 * run their own workers for the children add {@link concurrencyInterceptors} to those workers' options.
 */
import path from 'node:path';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from './activities';
import type { PinnedPolicy } from './coordinator/messages';
import { loadConnectionSettings } from './connection';

/** Workflow interceptor modules every worker that runs coordinated children must install. */
export const concurrencyInterceptors: { workflowModules: string[] } = {
  workflowModules: [path.join(__dirname, 'interceptors', 'run-closed')],
};

/** Path of the library's workflow bundle entry (coordinator, `demoWork`, chat example). */
export const workflowsPath = path.join(__dirname, 'workflows');

/**
 * Adds the library's interceptors to worker options, keeping any the caller already has.
 *
 * @example
 * const worker = await Worker.create(withConcurrency({ connection, taskQueue: 'my-app', workflowsPath, activities }));
 */
export function withConcurrency<T extends Pick<WorkerOptions, 'interceptors'>>(options: T): T {
  const existing = options.interceptors ?? {};
  return {
    ...options,
    interceptors: {
      ...existing,
      workflowModules: [...(existing.workflowModules ?? []), ...concurrencyInterceptors.workflowModules],
    },
  };
}

/** Options for {@link createWorker}: everything `Worker.create` takes, with the library's defaults filled in. */
export type CreateWorkerOptions = Partial<WorkerOptions> &
  Pick<WorkerOptions, 'connection' | 'taskQueue'> & {
    /**
     * Policies this worker pins, by name: their limits win over what submitters send, and their allow-lists
     * (`allowedWorkflowTypes`, `allowedTaskQueues`) reject other submissions with a reason. Every worker polling the
     * coordinators' task queue must pin the same policies.
     */
    pinnedPolicies?: Record<string, PinnedPolicy>;
  };

/**
 * Creates a worker for the coordinators, the library's activities and example workflows.
 *
 * With a prebuilt `workflowBundle`, the bundle must already contain the interceptor: pass
 * `concurrencyInterceptors.workflowModules` as `workflowInterceptorModules` to `bundleWorkflowCode`.
 */
export async function createWorker({ pinnedPolicies, ...options }: CreateWorkerOptions): Promise<Worker> {
  const defaults: Partial<WorkerOptions> = {
    activities: createActivities({ ...(pinnedPolicies && { pinnedPolicies }) }),
    // A superseded run's activities learn of the cancellation through their next heartbeat; the SDK's default
    // throttle (up to 60 s) would let cancelled work run on for seconds.
    maxHeartbeatThrottleInterval: '1 second',
  };
  if (options.workflowBundle !== undefined) return Worker.create({ ...defaults, ...options });
  return Worker.create(withConcurrency({ ...defaults, workflowsPath, ...options }));
}

async function main(): Promise<void> {
  const settings = loadConnectionSettings();
  const connection = await NativeConnection.connect(settings.connectionOptions);
  try {
    const worker = await createWorker({ connection, namespace: settings.namespace, taskQueue: settings.taskQueue });
    console.log(
      `worker polling task queue ${settings.taskQueue} on ${settings.connectionOptions.address} (namespace ${settings.namespace})`,
    );
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
