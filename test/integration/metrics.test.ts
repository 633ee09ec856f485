/**
 * The worker program's Prometheus endpoint after a burst: the coordinators' own metrics (documented names, bounded
 * labels, values that agree with the coordinator's `state`) next to the SDK runtime's. The Runtime is process-wide
 * and test files share processes, so the worker runs as its own process, the way operators run it
 * (`src/worker.ts` with `TEMPORAL_CONCURRENCY_METRICS_ADDRESS`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { SubmitResult } from '../../src/client';
import { COUNTERS, HISTOGRAMS } from '../../src/coordinator/core/metrics';
import { submitSignal, type CoordinatorStateView } from '../../src/coordinator/messages';
import { METRICS_ADDRESS_ENV } from '../../src/metrics-runtime';
import { demoPolicy, settled, submitDemo, waitForState } from '../helpers/demo';
import { connectToTestServer, eventually, uniqueName, type TemporalTestContext } from '../helpers/temporal';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (the lines this exporter writes: `name{a="b",…} value`). */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name!] = value!;
    }
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

let ctx: TemporalTestContext;
let worker: ChildProcess | undefined;
let metricsUrl: string;
const taskQueue = uniqueName('metrics');

beforeAll(async () => {
  ctx = await connectToTestServer();
  const address = `127.0.0.1:${await freePort()}`;
  metricsUrl = `http://${address}/metrics`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', '..', 'src', 'worker.ts')], {
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: taskQueue,
      // No developer profile may leak in.
      TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml',
      [METRICS_ADDRESS_ENV]: address,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker = child;
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes(`Prometheus metrics on ${metricsUrl}`)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}:\n${output}`)));
  });
});

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    const exited = new Promise((resolve) => worker?.once('exit', resolve));
    worker.kill('SIGINT');
    await Promise.race([exited, sleep(15_000)]);
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
  await ctx?.close();
});

it('serves the coordinators’ metrics after a burst, next to the SDK’s, with values that agree with state', async () => {
  const policy = demoPolicy(taskQueue, 2);
  const submitted: SubmitResult[] = [];
  // Spaced: once two children run, each newer submission supersedes one of them (cancellations).
  for (let i = 0; i < 5; i++) {
    submitted.push(await submitDemo(ctx.client, policy, 'u', `spaced-${i}`, 3000));
    if (i === 1) {
      const running = (state: CoordinatorStateView) => state.running.filter((run) => run.runId !== undefined).length;
      await waitForState(ctx.client, submitted[0]!.coordinatorWorkflowId, (s) => running(s) === 2, 'two running');
    }
    await sleep(300);
  }
  // At once: most are displaced before they start (drops).
  submitted.push(
    ...(await Promise.all([0, 1, 2, 3, 4, 5].map((i) => submitDemo(ctx.client, policy, 'u', `burst-${i}`, 500)))),
  );
  const coordinatorId = submitted[0]!.coordinatorWorkflowId;
  // One malformed submission: rejected, with the bounded reason `invalid`.
  await ctx.client.workflow.getHandle(coordinatorId).signal(submitSignal, { id: 'malformed' } as never);
  // A resubmission of a known id: a duplicate.
  await submitDemo(ctx.client, policy, 'u', 'spaced-0', 3000);
  const state = await waitForState(ctx.client, coordinatorId, settled, 'the burst settled', 90_000);
  const { counters } = state;
  expect(counters.submitted).toBe(submitted.length);
  expect(counters.rejected).toBe(1);
  expect(counters.duplicates).toBe(1);

  // Metrics go out as the workflow tasks complete; the child closes are in the coordinator's last task.
  const samples = await eventually(
    async () => {
      const response = await fetch(metricsUrl);
      const scraped = parseMetrics(await response.text());
      const outcomes = scraped
        .filter((s) => s.name === COUNTERS.childOutcomes && s.labels.policy === policy.name)
        .reduce((sum, s) => sum + s.value, 0);
      return outcomes >= counters.completed + counters.cancelled ? scraped : undefined;
    },
    { what: 'every child close in the scraped metrics', timeoutMs: 30_000 },
  );
  const ours = samples.filter((s) => s.labels.policy === policy.name);
  const total = (name: string, labels: Record<string, string> = {}) =>
    ours
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);

  // The worker's own tags are on every coordinator metric; the key never is (unbounded).
  for (const sample of ours) {
    expect(sample.labels).toMatchObject({
      namespace: 'default',
      taskQueue,
      workflowType: 'concurrencyCoordinator',
    });
    expect(Object.keys(sample.labels)).not.toContain('key');
  }
  // Counts are at least once (a retried workflow task emits again); in a run without faults, they match the state.
  expect(total(COUNTERS.submissions)).toBeGreaterThanOrEqual(counters.submitted);
  expect(total(COUNTERS.duplicates)).toBeGreaterThanOrEqual(1);
  expect(total(COUNTERS.childrenStarted)).toBeGreaterThanOrEqual(counters.started);
  expect(total(COUNTERS.cancellations, { reason: 'superseded' })).toBeGreaterThanOrEqual(counters.cancelRequested);
  expect(total(COUNTERS.dropped, { reason: 'superseded' })).toBeGreaterThanOrEqual(counters.dropped);
  expect(total(COUNTERS.rejected, { reason: 'invalid' })).toBeGreaterThanOrEqual(1);
  expect(total(COUNTERS.childOutcomes, { outcome: 'completed' })).toBeGreaterThanOrEqual(2);
  expect(total(COUNTERS.childOutcomes, { outcome: 'cancelled' })).toBeGreaterThanOrEqual(counters.cancelled);
  // Every accepted submission was started or dropped; every started child closed.
  expect(counters.started + counters.dropped).toBe(counters.submitted);
  // Usually some of the burst are dropped too, when several of its signals share a workflow task.
  expect(counters.cancelRequested).toBeGreaterThan(0);
  expect(counters.completed + counters.cancelled).toBe(counters.started);

  // Histograms in milliseconds, with the exporter's buckets: one admission per start, one supersede per cancel.
  for (const [name, count] of [
    [HISTOGRAMS.admissionLatency, counters.started],
    [HISTOGRAMS.supersedeLatency, counters.cancelRequested],
  ] as const) {
    expect(total(`${name}_count`)).toBeGreaterThanOrEqual(count);
    expect(total(`${name}_bucket`, { le: '+Inf' })).toBe(total(`${name}_count`));
    expect(ours.filter((s) => s.name === `${name}_bucket`).length).toBeGreaterThan(1);
    expect(ours.some((s) => s.name === `${name}_sum`)).toBe(true);
  }
  // A start is confirmed in a later workflow task than the one that handled its submission, and so is the delivery
  // of a cancellation request: neither sums 0 (issue 15 item 10: the supersede latency was read within the task that
  // handled the displacing submission, where workflow time stands still).
  expect(total(`${HISTOGRAMS.admissionLatency}_sum`)).toBeGreaterThan(0);
  expect(total(`${HISTOGRAMS.supersedeLatency}_sum`)).toBeGreaterThan(0);
  console.log(
    `supersede latency: ${total(`${HISTOGRAMS.supersedeLatency}_count`)} requests, ` +
      `${total(`${HISTOGRAMS.supersedeLatency}_sum`)} ms in all`,
  );

  // The SDK runtime's metrics, on the same endpoint: the coordinators' workflow tasks and the demo children.
  const sdk = samples.filter((s) => s.labels.task_queue === taskQueue);
  const sdkTotal = (name: string, workflowType: string) =>
    sdk.filter((s) => s.name === name && s.labels.workflow_type === workflowType).reduce((sum, s) => sum + s.value, 0);
  expect(sdkTotal('temporal_workflow_task_execution_latency_count', 'concurrencyCoordinator')).toBeGreaterThan(0);
  expect(sdkTotal('temporal_workflow_completed', 'demoWork')).toBeGreaterThanOrEqual(2);
});
