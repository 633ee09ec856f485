import { Client, Connection } from '@temporalio/client';
import { loadConnectionSettings } from '../connection';
import type { GlobalOptions } from './program';

/** The server cannot be reached: exit code 1, with a message, not a stack trace. */
export class CannotConnectError extends Error {
  override readonly name = 'CannotConnectError';
}

/**
 * The environment the connection is read from: the process's, with `--address` and `--namespace` written over
 * `TEMPORAL_ADDRESS` and `TEMPORAL_NAMESPACE`, so they win over a profile exactly as those variables do.
 */
export function connectionEnv(env: NodeJS.ProcessEnv, globals: GlobalOptions): NodeJS.ProcessEnv {
  return {
    ...env,
    ...(globals.address !== undefined && { TEMPORAL_ADDRESS: globals.address }),
    ...(globals.namespace !== undefined && { TEMPORAL_NAMESPACE: globals.namespace }),
  };
}

/**
 * Connects the way the worker does (`loadConnectionSettings`: `@temporalio/envconfig`), runs `use` with a client,
 * and closes the connection, so the process can end on its own with its exit code.
 */
export async function withClient<T>(
  env: NodeJS.ProcessEnv,
  globals: GlobalOptions,
  use: (client: Client) => Promise<T>,
): Promise<T> {
  const settings = loadConnectionSettings(connectionEnv(env, globals));
  const { address } = settings.connectionOptions;
  const connection = await Connection.connect(settings.connectionOptions).catch((err: unknown) => {
    throw new CannotConnectError(`cannot connect to Temporal at ${address}: ${(err as Error).message}`, { cause: err });
  });
  try {
    return await use(new Client({ connection, namespace: settings.namespace }));
  } finally {
    await connection.close();
  }
}
