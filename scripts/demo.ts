/**
 * `npm run demo`: obtains the Temporal CLI, starts the dev server with its Web UI, runs a worker, submits a burst of
 * chat-like messages for a few users (maxRuns 2, newest wins), then prints what started, completed and was
 * cancelled (and by which newer submission), with Web UI links.
 *
 * `npm run demo -- --help` lists the flags; `--keep` keeps the server and worker up afterwards for exploring the UI.
 *
 * Stopping: the SDK's runtime handles the shutdown signals (SIGINT, SIGTERM, …) and shuts the worker down; the demo
 * only waits for that (`worker.runUntil`), then stops the dev server and exits 0 with "stopped.". Ctrl-C (SIGINT to
 * the whole process group) and a signal to the node process alone end the same way, without leaving the dev server
 * behind; repeated signals while stopping are noted, not fatal.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { coordinatorWorkflowId, defineConcurrencyPolicy, submit, type SubmitResult } from '../src/client';
import { stateQuery, type CoordinatorStateView } from '../src/coordinator/messages';
import { exampleWorkerOptions } from '../examples/worker-options';
import { createWorker } from '../src/worker';
import type { DemoWorkInput } from '../examples/workflows';
import { startDevServer, type DevServer } from './dev-server';
import { cacheDir } from './temporal-cli';

const USERS = ['alice', 'bob', 'carol'];
const TASK_QUEUE = process.env.TEMPORAL_TASK_QUEUE || 'concurrency';

const HELP = `usage: npm run demo [-- flags]

Starts the Temporal dev server with its Web UI, runs a worker, submits a burst of chat-like messages for
${USERS.join(', ')} (maxRuns 2, CANCEL_IN_PROGRESS: newest wins) and prints what started, completed and was cancelled.

  --keep            keep the dev server, Web UI and worker up afterwards; Ctrl-C (or SIGTERM) stops them and exits 0
  --port <n>        the dev server's gRPC port (default 7233 when 7233 and 8233 are free, else a free one)
  --ui-port <n>     the Web UI's port (default 8233, else the first free one from 18233)
  --messages <n>    messages per user (default 8)
  --work-ms <n>     how long each message's work takes, in ms (default 4000)
  -h, --help        this text

Environment: TEMPORAL_TASK_QUEUE (default concurrency); TEMPORAL_CLI_PATH, TEMPORAL_CONCURRENCY_CACHE (where the
CLI is cached and the demo's SQLite files go) as for npm run temporal-cli.`;

interface DemoOptions {
  keep: boolean;
  help: boolean;
  port?: number;
  uiPort?: number;
  messagesPerUser: number;
  workMs: number;
}

class UsageError extends Error {}

function parseOptions(args: string[]): DemoOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        port: { type: 'string' },
        'ui-port': { type: 'string' },
        messages: { type: 'string' },
        'work-ms': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const integer = (flag: string, value: string | undefined, min: number, max: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new UsageError(`--${flag}: expected an integer from ${min} to ${max}, got ${value}`);
    return n;
  };
  const port = integer('port', values.port, 1, 65535);
  const uiPort = integer('ui-port', values['ui-port'], 1, 65535);
  return {
    keep: values.keep,
    help: values.help,
    ...(port !== undefined && { port }),
    ...(uiPort !== undefined && { uiPort }),
    messagesPerUser: integer('messages', values.messages, 1, 1000) ?? 8,
    workMs: integer('work-ms', values['work-ms'], 0, 3_600_000) ?? 4000,
  };
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function choosePorts(requested: { port?: number; uiPort?: number }): Promise<{ port?: number; uiPort: number }> {
  // The well-known ports make the printed links match Temporal's docs; fall back when they are taken.
  if (requested.uiPort !== undefined) return { ...requested, uiPort: requested.uiPort };
  if (requested.port === undefined && (await isPortFree(7233)) && (await isPortFree(8233)))
    return { port: 7233, uiPort: 8233 };
  for (let uiPort = 18233; uiPort < 18300; uiPort++)
    if (uiPort !== requested.port && (await isPortFree(uiPort))) return { ...requested, uiPort };
  throw new Error('no free port for the Web UI between 18233 and 18300');
}

interface StopWatch {
  /** The first shutdown signal received, if any. */
  readonly signal: NodeJS.Signals | undefined;
  /** Resolves with it. */
  readonly stopped: Promise<NodeJS.Signals>;
}

/**
 * Notes the shutdown signals, beside the SDK runtime's own handler (which shuts the worker down; this never does).
 * Listening also keeps a repeated signal from killing the process halfway through teardown: the runtime stops
 * listening after the first, and the default action would leave the dev server running.
 */
function watchShutdownSignals(signals: NodeJS.Signals[]): StopWatch {
  let received: NodeJS.Signals | undefined;
  let resolve: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) {
      console.log(`${signal}: already stopping…`);
      return;
    }
    received = signal;
    console.log(`\n${signal}: stopping the worker and the dev server…`);
    resolve(signal);
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    get signal() {
      return received;
    },
    stopped,
  };
}

function uiLink(uiUrl: string, workflowId: string, runId?: string): string {
  const base = `${uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}

async function waitUntilSettled(client: Client, coordinatorIds: string[]): Promise<CoordinatorStateView[]> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const states = await Promise.all(coordinatorIds.map((id) => client.workflow.getHandle(id).query(stateQuery)));
    if (states.every((s) => s.running.length === 0 && s.queued.length === 0)) return states;
    if (Date.now() > deadline) throw new Error('demo runs did not settle within 2 minutes');
    await sleep(500);
  }
}

/** Submits the burst, waits until it settles, prints the outcome and the Web UI links. */
async function runBurst(server: DevServer, options: DemoOptions): Promise<void> {
  const { client } = server.env;
  const uiUrl = server.uiUrl as string;
  const maxRuns = 2;
  const policy = defineConcurrencyPolicy({
    name: 'demo-chat',
    maxRuns,
    limitStrategy: 'CANCEL_IN_PROGRESS',
    key: (input: DemoWorkInput) => (input.label ?? '').split(':')[0] ?? '',
    taskQueue: TASK_QUEUE,
  });
  const runTag = Date.now().toString(36);
  console.log(
    `\nsubmitting ${options.messagesPerUser} message${options.messagesPerUser === 1 ? '' : 's'} for each of ${USERS.join(', ')} (maxRuns ${maxRuns}, ${policy.limitStrategy}, ${options.workMs} ms of work each)…`,
  );
  const submitted: SubmitResult[] = [];
  for (let i = 1; i <= options.messagesPerUser; i++) {
    for (const user of USERS) {
      const id = `${runTag}-${user}-m${i}`;
      submitted.push(
        await submit(client, {
          policy,
          workflow: 'demoWork',
          args: [{ durationMs: options.workMs, label: `${user}:m${i}` }],
          id,
        }),
      );
    }
    await sleep(300); // a user typing: earlier messages start before the next ones arrive
  }

  const coordinatorIds = [...new Set(submitted.map((s) => s.coordinatorWorkflowId))];
  const states = await waitUntilSettled(client, coordinatorIds);
  const rows = states.flatMap((state) =>
    state.recent.map((run) => ({
      user: state.key,
      submission: run.id.replace(`${runTag}-${state.key}-`, ''),
      outcome: run.outcome,
      supersededBy: run.supersededBy?.replace(`${runTag}-${state.key}-`, '') ?? '',
      started: run.startedAt ? 'yes' : 'no',
    })),
  );
  console.log();
  console.table(rows);
  const totals = states.reduce<Record<string, number>>((acc, s) => {
    for (const [name, value] of Object.entries(s.counters) as [string, number][]) acc[name] = (acc[name] ?? 0) + value;
    return acc;
  }, {});
  console.log(
    `totals: submitted ${totals.submitted}, started ${totals.started}, completed ${totals.completed}, ` +
      `cancelled ${totals.cancelled}, dropped ${totals.dropped}, rejected ${totals.rejected}`,
  );

  console.log('\nWeb UI: coordinators');
  for (const id of coordinatorIds) {
    const { runId } = await client.workflow.getHandle(id).describe();
    console.log(`  ${uiLink(uiUrl, id, runId)}`);
  }
  console.log('Web UI: cancelled children (each shows the cleanup activity; the coordinator shows who superseded it)');
  for (const state of states) {
    for (const run of state.recent.filter((r) => r.outcome === 'cancelled' && r.workflowId)) {
      console.log(`  ${uiLink(uiUrl, run.workflowId as string, run.runId)}   superseded by ${run.supersededBy}`);
    }
  }
  const list = (query: string) => `${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`;
  const user = USERS[0]!;
  console.log(
    `Web UI: ${user}'s coordinator, by the search attributes submit() sets\n` +
      `  ${list(`ConcurrencyPolicy = "${policy.name}" AND ConcurrencyKey = "${user}"`)}\n` +
      `Web UI: ${user}'s children, by their parent\n  ${list(`ParentWorkflowId = "${coordinatorWorkflowId(policy.name, user)}"`)}`,
  );
  console.log(`Web UI: everything of this policy\n  ${list('WorkflowId STARTS_WITH "concurrency/demo-chat/"')}`);
}

/** Resolves with the exit code. */
async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    console.log(HELP);
    return 0;
  }
  // The coordinators log every cancellation at INFO; the demo prints its own summary instead.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const stop = watchShutdownSignals(Runtime.instance().options.shutdownSignals);
  let server: DevServer | undefined;
  try {
    const ports = await choosePorts(options);
    const dbDir = path.join(cacheDir(), 'demo');
    fs.mkdirSync(dbDir, { recursive: true });
    const dbFilename = path.join(dbDir, `demo-${Date.now()}.sqlite`);
    console.log(`starting the Temporal dev server (SQLite at ${dbFilename})…`);
    server = await startDevServer({ ...ports, dbFilename });
    console.log(`dev server at ${server.address}, Web UI at ${server.uiUrl}`);
    if (!stop.signal) {
      const worker = await createWorker({
        connection: server.env.nativeConnection,
        taskQueue: TASK_QUEUE,
        ...exampleWorkerOptions,
      });
      const started = server;
      // The runtime shuts the worker down on a signal; runUntil shuts it down otherwise (only if still running) and
      // waits until it has stopped. The burst is not waited for once a signal came.
      await worker.runUntil(async () => {
        if (stop.signal) return;
        await Promise.race([runBurst(started, options), stop.stopped]);
        if (options.keep && !stop.signal) {
          console.log('\n--keep: server and worker stay up; press Ctrl-C to stop.');
          await stop.stopped;
        }
      });
    }
  } catch (err) {
    // Once stopping, failures of the interrupted steps are expected (Ctrl-C also stops the dev server itself).
    if (!stop.signal) throw err;
  } finally {
    await server?.env.teardown();
  }
  if (stop.signal) console.log('stopped.');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${HELP}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
