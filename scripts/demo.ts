/**
 * `npm run demo`: obtains the Temporal CLI, starts the dev server with its Web UI, runs a worker, submits a burst of
 * chat-like messages for a few users (maxRuns 2, newest wins), then prints what started, completed and was
 * cancelled (and by which newer submission), with Web UI links.
 *
 * Flags: `--keep` keeps the server and worker up afterwards for exploring the UI (Ctrl-C to stop).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { defineConcurrencyPolicy, submit, type SubmitResult } from '../src/client';
import { stateQuery, type CoordinatorStateView } from '../src/coordinator/messages';
import { exampleWorkerOptions } from '../examples/worker-options';
import { createWorker } from '../src/worker';
import type { DemoWorkInput } from '../examples/workflows';
import { startDevServer } from './dev-server';
import { cacheDir } from './temporal-cli';

const USERS = ['alice', 'bob', 'carol'];
const MESSAGES_PER_USER = 8;
const WORK_MS = 4000;
const TASK_QUEUE = process.env.TEMPORAL_TASK_QUEUE || 'concurrency';

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function choosePorts(): Promise<{ port?: number; uiPort: number }> {
  // The well-known ports make the printed links match Temporal's docs; fall back when they are taken.
  if ((await isPortFree(7233)) && (await isPortFree(8233))) return { port: 7233, uiPort: 8233 };
  for (let uiPort = 18233; uiPort < 18300; uiPort++) if (await isPortFree(uiPort)) return { uiPort };
  throw new Error('no free port for the Web UI between 18233 and 18300');
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

async function main(): Promise<void> {
  // The coordinators log every cancellation at INFO; the demo prints its own summary instead.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const keep = process.argv.includes('--keep');
  const ports = await choosePorts();
  const dbDir = path.join(cacheDir(), 'demo');
  fs.mkdirSync(dbDir, { recursive: true });
  const dbFilename = path.join(dbDir, `demo-${Date.now()}.sqlite`);
  console.log(`starting the Temporal dev server (SQLite at ${dbFilename})…`);
  const server = await startDevServer({ ...ports, dbFilename });
  const uiUrl = server.uiUrl as string;
  console.log(`dev server at ${server.address}, Web UI at ${uiUrl}`);

  const { client, nativeConnection } = server.env;
  const worker = await createWorker({ connection: nativeConnection, taskQueue: TASK_QUEUE, ...exampleWorkerOptions });
  const running = worker.run();
  try {
    const policy = defineConcurrencyPolicy({
      name: 'demo-chat',
      maxRuns: 2,
      limitStrategy: 'CANCEL_IN_PROGRESS',
      key: (input: DemoWorkInput) => (input.label ?? '').split(':')[0] ?? '',
      taskQueue: TASK_QUEUE,
    });
    const runTag = Date.now().toString(36);
    console.log(
      `\nsubmitting ${MESSAGES_PER_USER} messages for each of ${USERS.join(', ')} (maxRuns ${policy.maxRuns}, ${policy.limitStrategy}, ${WORK_MS} ms of work each)…`,
    );
    const submitted: SubmitResult[] = [];
    for (let i = 1; i <= MESSAGES_PER_USER; i++) {
      for (const user of USERS) {
        const id = `${runTag}-${user}-m${i}`;
        submitted.push(
          await submit(client, {
            policy,
            workflow: 'demoWork',
            args: [{ durationMs: WORK_MS, label: `${user}:m${i}` }],
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
      for (const [name, value] of Object.entries(s.counters) as [string, number][])
        acc[name] = (acc[name] ?? 0) + value;
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
    console.log(
      'Web UI: cancelled children (each shows the cleanup activity; the coordinator shows who superseded it)',
    );
    for (const state of states) {
      for (const run of state.recent.filter((r) => r.outcome === 'cancelled' && r.workflowId)) {
        console.log(`  ${uiLink(uiUrl, run.workflowId as string, run.runId)}   superseded by ${run.supersededBy}`);
      }
    }
    const query = encodeURIComponent('WorkflowId STARTS_WITH "concurrency/demo-chat/"');
    console.log(`Web UI: everything of this policy\n  ${uiUrl}/namespaces/default/workflows?query=${query}`);

    if (keep) {
      console.log('\n--keep: server and worker stay up; press Ctrl-C to stop.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
  } finally {
    worker.shutdown();
    await running;
    await server.env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
