/**
 * Faults from outside the coordinator: its worker SIGKILLed mid-burst, and the dev server itself stopped and
 * restarted mid-burst (SQLite persistence). Each ends with the audit from Temporal's own histories.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { expect, inject, it } from 'vitest';
import type { SubmitResult } from '../../src/client';
import type { CoordinatorStateView } from '../../src/coordinator/messages';
import { startDevServer } from '../../scripts/dev-server';
import { demoPolicy, settled, submitDemo, waitForState } from '../helpers/demo';
import { auditKey } from '../helpers/histories';
import { uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

function startWorkerProcess(address: string, taskQueue: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', 'fixtures', 'worker-process.ts')],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_TASK_QUEUE: taskQueue,
        WORKFLOW_BUNDLE_PATH: inject('workflowBundlePath'),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (data: Buffer) => {
      if (data.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`worker process exited early with ${code}`)));
  });
}

/** The newest maxRuns submissions completed; every submission reached exactly one outcome. */
function expectAccounted(state: CoordinatorStateView, submitted: SubmitResult[]): void {
  expect(state.recent.map((r) => r.id).sort()).toEqual(submitted.map((s) => s.submissionId).sort());
  const newest = [...state.recent].sort((a, b) => b.seq - a.seq).slice(0, state.maxRuns);
  for (const run of newest) expect([run.id, run.outcome, run.supersededBy]).toEqual([run.id, 'completed', undefined]);
}

it('a worker SIGKILLed mid-burst and restarted: nothing stuck, limit never exceeded', async () => {
  const taskQueue = uniqueName('sigkill');
  const address = inject('temporalAddress');
  const policy = demoPolicy(taskQueue, 2, undefined, { sweepIntervalMs: 2000 });
  const submitted: SubmitResult[] = [];
  const first = await startWorkerProcess(address, taskQueue);
  try {
    for (let i = 0; i < 12; i++) {
      submitted.push(await submitDemo(ctx.client, policy, 'u', `before-${i}`, 1500));
      await sleep(100);
    }
  } finally {
    first.kill('SIGKILL');
  }
  // Submissions keep arriving while no worker runs: they wait in history.
  for (let i = 0; i < 6; i++) submitted.push(await submitDemo(ctx.client, policy, 'u', `during-${i}`, 1500));
  const second = await startWorkerProcess(address, taskQueue);
  try {
    for (let i = 0; i < 6; i++) submitted.push(await submitDemo(ctx.client, policy, 'u', `after-${i}`, 1500));
    const coordinatorId = submitted[0]!.coordinatorWorkflowId;
    const state = await waitForState(ctx.client, coordinatorId, settled, 'settled after restart', 90_000);
    expectAccounted(state, submitted);
    const audit = await auditKey(ctx.client, coordinatorId);
    expect(audit.maxLiveStarted).toBeLessThanOrEqual(2);
    expect(new Set(audit.childIds).size).toBe(audit.childIds.length);
  } finally {
    second.kill('SIGKILL');
  }
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

it('the dev server stopped and restarted mid-burst (SQLite): invariants hold once it is back', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-restart-'));
  const dbFilename = path.join(dir, 'temporal.sqlite');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const taskQueue = uniqueName('restart');
  const policy = demoPolicy(taskQueue, 2, undefined, { sweepIntervalMs: 2000 });
  const submitted: SubmitResult[] = [];
  let server = await startDevServer({ dbFilename, port });
  let worker = await startWorkerProcess(address, taskQueue);
  try {
    for (let i = 0; i < 10; i++) {
      submitted.push(await submitDemo(server.env.client, policy, 'u', `before-${i}`, 2000));
      await sleep(100);
    }
    await server.env.teardown();
    worker.kill('SIGKILL'); // a worker outlives a server restart in production; here its native retries would only slow the test
    server = await startDevServer({ dbFilename, port });
    worker = await startWorkerProcess(address, taskQueue);
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    for (let i = 0; i < 6; i++) submitted.push(await submitDemo(client, policy, 'u', `after-${i}`, 1000));
    const coordinatorId = submitted[0]!.coordinatorWorkflowId;
    const state = await waitForState(client, coordinatorId, settled, 'settled after server restart', 90_000);
    expectAccounted(state, submitted);
    const audit = await auditKey(client, coordinatorId);
    expect(audit.maxLiveStarted).toBeLessThanOrEqual(2);
    expect(new Set(audit.childIds).size).toBe(audit.childIds.length);
    await connection.close();
  } finally {
    worker.kill('SIGKILL');
    await server.env.teardown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
