import { loadClientConnectConfig } from '@temporalio/envconfig';
import { coordinatorTaskQueueFromEnv } from './client/policy';

/** Where and as whom to connect, read the Temporal way (`@temporalio/envconfig`). */
export interface ConnectionSettings {
  connectionOptions: ReturnType<typeof loadClientConnectConfig>['connectionOptions'];
  namespace: string;
  taskQueue: string;
}

/**
 * Reads connection settings from the environment and the Temporal config file, so one worker binary runs against
 * the dev server, a self-hosted cluster or Temporal Cloud: `TEMPORAL_ADDRESS` (default `localhost:7233`),
 * `TEMPORAL_NAMESPACE` (default `default`), `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`, `TEMPORAL_PROFILE`, and
 * `TEMPORAL_TASK_QUEUE` (default `concurrency`; `submit()` reads it too) for the coordinators' task queue.
 */
export function loadConnectionSettings(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars });
  return {
    connectionOptions: { ...connectionOptions, address: connectionOptions.address ?? 'localhost:7233' },
    namespace: namespace ?? 'default',
    taskQueue: coordinatorTaskQueueFromEnv(env),
  };
}
