/**
 * What `temporal-concurrency-worker` (src/worker.ts run as a program) says: its usage, the line it starts with, and
 * the one line it ends with when the server cannot be reached. Pure, so the wording is tested without a server.
 *
 * @module
 */
import type { ConnectionSettings } from './connection';
import { METRICS_ADDRESS_ENV } from './metrics-runtime';

export const WORKER_USAGE = `Usage: temporal-concurrency-worker [--help]

Runs the temporal-concurrency coordinators (workflow concurrencyCoordinator and its activities)
on one task queue, until SIGINT or SIGTERM. It takes no arguments: it is configured by the
environment, read by @temporalio/envconfig the way the temporal CLI reads it.

Environment:
  TEMPORAL_ADDRESS        Temporal frontend, host:port (default localhost:7233)
  TEMPORAL_NAMESPACE      namespace (default "default")
  TEMPORAL_TASK_QUEUE     the coordinators' task queue (default "concurrency"); submit() reads it
                          too, so submitters and this worker configured alike meet
  ${METRICS_ADDRESS_ENV}
                          serve Prometheus metrics on this address, e.g. 0.0.0.0:9464 (default: off)
  TEMPORAL_API_KEY        API key (Temporal Cloud); implies TLS
  TEMPORAL_TLS            "true" to connect with TLS
  TEMPORAL_TLS_CLIENT_CERT_PATH, TEMPORAL_TLS_CLIENT_KEY_PATH (or *_DATA)
                          mTLS client certificate and key
  TEMPORAL_TLS_SERVER_CA_CERT_PATH (or _DATA), TEMPORAL_TLS_SERVER_NAME,
  TEMPORAL_TLS_DISABLE_HOST_VERIFICATION
                          how the server's certificate is checked
  TEMPORAL_GRPC_META_<NAME>
                          a gRPC header sent with every call
  TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE
                          a profile of the Temporal config file (~/.config/temporalio/temporal.toml)
                          supplies whatever the variables above leave unset

Options:
  -h, --help              print this and exit
`;

/** What the command line asks for: usage (exit 0), a run, or a refusal (exit 2) naming the argument. */
export function parseWorkerArgs(
  argv: readonly string[],
): { action: 'help' | 'run' } | { action: 'refuse'; error: string } {
  if (argv.includes('--help') || argv.includes('-h')) return { action: 'help' };
  const [first] = argv;
  if (first === undefined) return { action: 'run' };
  return {
    action: 'refuse',
    error: `unknown argument ${JSON.stringify(first)}: the worker is configured by the environment`,
  };
}

/** The line the program starts with, before it connects: which server, namespace and task queue it serves. */
export function startLine(settings: ConnectionSettings): string {
  return (
    `temporal-concurrency-worker: serving task queue ${settings.taskQueue} in namespace ${settings.namespace} ` +
    `at ${settings.connectionOptions.address}`
  );
}

/** The one line a failed connection ends the program with: the address, the reason, and what to check. */
export function connectionFailureLine(settings: ConnectionSettings, err: unknown): string {
  const reason = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  const tls = settings.connectionOptions.tls ? 'with TLS' : 'without TLS';
  return (
    `temporal-concurrency-worker: cannot connect to Temporal at ${settings.connectionOptions.address} (${tls}): ` +
    `${reason}. Check that the server runs and TEMPORAL_ADDRESS (or the profile's address) points at its frontend, ` +
    'and, for Temporal Cloud or a TLS cluster, TEMPORAL_API_KEY or TEMPORAL_TLS_* (see --help)'
  );
}
