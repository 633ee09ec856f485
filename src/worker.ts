#!/usr/bin/env node
/**
 * Running the coordinators: `temporal-concurrency/worker`.
 *
 * Two shapes, one call each:
 * - the application's worker runs the coordinators too: `Worker.create(withConcurrency({ ...yourOptions }))`, with
 *   your worker on the coordinators' task queue (`TEMPORAL_TASK_QUEUE`, default `concurrency`);
 * - a dedicated coordinator worker, `createWorker({ connection, taskQueue: 'concurrency' })` (or this module run as
 *   a program), and the application's workers created with `withConcurrency` for the `runClosed` interceptor.
 *
 * Metrics: the coordinators record theirs (`temporal_concurrency_*`) through the workflow metric meter, so they go
 * wherever the process's Runtime sends metrics. Run as a program, with `TEMPORAL_CONCURRENCY_METRICS_ADDRESS` set, this
 * module installs a Runtime serving Prometheus; `createWorker` and `withConcurrency` never install one (the Runtime is
 * process-wide: the application's).
 *
 * @module
 */
import fs from 'node:fs';
import path from 'node:path';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { loadConnectionSettings } from './connection';
import { METRICS_ADDRESS_ENV, metricsAddressFromEnv, prometheusRuntimeOptions } from './metrics-runtime';
import { connectionFailureLine, parseWorkerArgs, startLine, WORKER_USAGE } from './worker-program';
import { withConcurrency, type ConcurrencyWorkerOptions } from './worker-options';

export {
  ConcurrencyWorkerSetupError,
  concurrencyInterceptors,
  withConcurrency,
  withConcurrencyBundle,
  type ConcurrencyOptions,
  type ConcurrencyWorkerOptions,
} from './worker-options';
export { createActivities, type Activities, type ActivitiesOptions } from './activities';

/** Options for {@link createWorker}: `Worker.create`'s, plus the library's. */
export type CreateWorkerOptions = ConcurrencyWorkerOptions;

/**
 * Creates a worker that runs the coordinators (and, given a `workflowsPath` or `activities`, the application's own
 * workflows and activities as well): `Worker.create(withConcurrency(options))`.
 */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  return Worker.create(withConcurrency(options));
}

/**
 * The examples (`demoWork`, the chat example) live beside the sources in this repository, not in the package. Run
 * from the sources (`npm run worker`), the worker runs them too, so the wire contract's CLI example (docs/wire-contract.md) works; the published
 * worker runs the coordinators only.
 */
function examplesFromSources(): Pick<CreateWorkerOptions, 'workflowsPath' | 'activities'> {
  const examples = path.join(__dirname, '..', 'examples', 'worker-options.ts');
  if (!__filename.endsWith('.ts') || !fs.existsSync(examples)) return {};
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { exampleWorkerOptions } = require(examples) as {
    exampleWorkerOptions: { workflowsPath: string; activities: object };
  };
  return exampleWorkerOptions;
}

/** Serves Prometheus metrics when {@link METRICS_ADDRESS_ENV} asks for it; before any connection, as the SDK requires. */
function installMetricsRuntime(): string | undefined {
  const address = metricsAddressFromEnv();
  if (address === undefined) return undefined;
  try {
    // Binds the endpoint at once: a malformed or busy address fails here, and the error names the variable.
    Runtime.install(prometheusRuntimeOptions(address));
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`${METRICS_ADDRESS_ENV}=${address}: ${reason} (give an IP address and port, e.g. 0.0.0.0:9464)`);
  }
  return address;
}

/** The program's refusals and failures to connect: one line on stderr and this exit code, not a stack trace. */
class ExitWithMessage extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

async function main(argv: readonly string[]): Promise<void> {
  const args = parseWorkerArgs(argv);
  if (args.action === 'help') {
    process.stdout.write(WORKER_USAGE);
    return;
  }
  if (args.action === 'refuse') throw new ExitWithMessage(`${args.error} (see --help)`, 2);
  const metricsAddress = installMetricsRuntime();
  const settings = loadConnectionSettings();
  // Before connecting and bundling: a worker on the wrong queue or server is told apart at a glance in its log.
  console.log(startLine(settings));
  const connection = await NativeConnection.connect(settings.connectionOptions).catch((err: unknown) => {
    throw new ExitWithMessage(connectionFailureLine(settings, err), 1);
  });
  try {
    const examples = examplesFromSources();
    const worker = await createWorker({
      connection,
      namespace: settings.namespace,
      taskQueue: settings.taskQueue,
      ...examples,
    });
    console.log(
      `worker polling task queue ${settings.taskQueue} on ${settings.connectionOptions.address} ` +
        `(namespace ${settings.namespace})${examples.workflowsPath ? ', with the examples (demoWork, chatReply)' : ''}` +
        (metricsAddress === undefined ? '' : `; Prometheus metrics on http://${metricsAddress}/metrics`),
    );
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    if (err instanceof ExitWithMessage) {
      console.error(err.message);
      process.exit(err.exitCode);
    }
    console.error(err);
    process.exit(1);
  });
}
