/**
 * A payload the data converter cannot decode costs only itself: a `submit` or `runClosed` signal,
 * or a start input, that is not JSON (`{not json` as json/plain) or has an encoding nobody knows (`binary/x-probe`) —
 * another SDK's converter, a hand-written gRPC call, the CLI with `--input-meta` can send one. The coordinator
 * records it as rejected with its encoding and the decoder's message and carries on, in the live run and in a
 * take-over. Sent with the raw gRPC calls, judged from the coordinator's history and its `state` query.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { register } from 'tsx/cjs/api';
import { expect, it } from 'vitest';
import { coordinatorWorkflowId } from '../../src/client';
import { PREPARE_RUN_ACTIVITY } from '../../src/activities/recover';
import { COORDINATOR_WORKFLOW_TYPE, submitSignal, type CoordinatorInput } from '../../src/coordinator/messages';
import { concurrencyCoordinator } from '../../src/coordinator/workflow';
import { waitForState } from '../helpers/demo';
import {
  eventsOf,
  keyedPolicy,
  rawInputOf,
  submitKeyed,
  waitForStatus,
  workflowTaskFailures,
} from '../helpers/hostile';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';
import { TAGGED_ENCODING } from '../fixtures/tagged-payload-converter';

const ctx = useTestServer();

const bytes = (text: string) => new TextEncoder().encode(text);
const NOT_JSON = { metadata: { encoding: bytes('json/plain') }, data: bytes('{not json') };
const UNKNOWN_ENCODING = { metadata: { encoding: bytes('binary/x-probe') }, data: bytes('\u0001\u0002') };
const json = (value: unknown) => ({ metadata: { encoding: bytes('json/plain') }, data: bytes(JSON.stringify(value)) });

async function rawSignal(client: Client, workflowId: string, signalName: string, payload: object): Promise<void> {
  await client.workflowService.signalWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId },
    signalName,
    input: { payloads: [payload] },
    identity: 'undecodable-test',
    requestId: randomUUID(),
  });
}

it('5a. submit signals that do not decode (not JSON, unknown encoding) are rejected with the reason; the key carries on', async () => {
  const taskQueue = uniqueName('undecodable-submit');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    const first = await submitKeyed(ctx.client, policy, 'k', 'first', 'sleepyWork', { sleepMs: 100 });
    const coordinatorId = first.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.recent.some((r) => r.id === 'first'), 'first recorded');
    await rawSignal(ctx.client, coordinatorId, 'submit', NOT_JSON);
    await rawSignal(ctx.client, coordinatorId, 'submit', UNKNOWN_ENCODING);
    await submitKeyed(ctx.client, policy, 'k', 'after', 'sleepyWork', { sleepMs: 100 });
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.recent.some((r) => r.id === 'after' && r.outcome === 'completed'),
      'after completed',
      20_000,
    );
    const rejected = state.recent.filter((r) => r.outcome === 'rejected').map((r) => [r.id, r.reason]);
    expect(rejected).toHaveLength(2);
    expect(rejected[0]?.[0]).toBe('(undecodable)');
    expect(rejected[0]?.[1]).toMatch(/submission payload could not be decoded \(encoding json\/plain\)/);
    expect(rejected[1]?.[1]).toMatch(/encoding binary\/x-probe/);
    expect(state.counters.rejected).toBe(2);
    const events = await eventsOf(ctx.client, coordinatorId);
    expect(workflowTaskFailures(events)).toEqual([]);
    // The history holds both as they were sent: the coordinator handled them, nothing rewrote them.
    const encodings = events.flatMap((e) => {
      const signaled = e.workflowExecutionSignaledEventAttributes;
      if (signaled?.signalName !== 'submit') return [];
      return [new TextDecoder().decode(signaled.input?.payloads?.[0]?.metadata?.encoding ?? new Uint8Array())];
    });
    expect(encodings).toEqual(['json/plain', 'json/plain', 'binary/x-probe', 'json/plain']);
  });
});

it('5b. a runClosed signal that does not decode is ignored: no workflow task fails, the state query answers', async () => {
  const taskQueue = uniqueName('undecodable-run-closed');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    const s1 = await submitKeyed(ctx.client, policy, 'k', 's1', 'sleepyWork', { sleepMs: 1500 });
    const coordinatorId = s1.coordinatorWorkflowId;
    await rawSignal(ctx.client, coordinatorId, 'runClosed', NOT_JSON);
    await rawSignal(ctx.client, coordinatorId, 'runClosed', UNKNOWN_ENCODING);
    await waitForState(ctx.client, coordinatorId, (s) => s.recent.some((r) => r.id === 's1'), 's1 recorded', 20_000);
    // The key carries on: a submission after the bad signals runs.
    await submitKeyed(ctx.client, policy, 'k', 's2', 'sleepyWork', { sleepMs: 100 });
    await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.recent.some((r) => r.id === 's2' && r.outcome === 'completed'),
      's2 completed',
      20_000,
    );
    expect(workflowTaskFailures(await eventsOf(ctx.client, coordinatorId))).toEqual([]);
  });
});

it('5c. a start input that does not decode fails that run visibly, and the key’s next submission runs', async () => {
  const taskQueue = uniqueName('undecodable-start');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    const coordinatorId = coordinatorWorkflowId(policy.name, 'k');
    await ctx.client.workflowService.signalWithStartWorkflowExecution({
      namespace: ctx.client.options.namespace,
      workflowId: coordinatorId,
      workflowType: { name: COORDINATOR_WORKFLOW_TYPE },
      taskQueue: { name: taskQueue },
      input: { payloads: [NOT_JSON] },
      signalName: 'submit',
      signalInput: {
        payloads: [json({ id: 'raw-1', workflowType: 'sleepyWork', args: [{ key: 'k', sleepMs: 100 }] })],
      },
      identity: 'undecodable-test',
      requestId: randomUUID(),
    });
    await waitForStatus(ctx.client, coordinatorId, 'FAILED', 15_000);
    const events = await eventsOf(ctx.client, coordinatorId);
    expect(workflowTaskFailures(events)).toEqual([]);
    const failure = events.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
    expect(failure?.applicationFailureInfo?.type).toBe('InvalidCoordinatorInput');
    expect(failure?.message).toMatch(/coordinator input payload could not be decoded \(encoding json\/plain\)/);

    await submitKeyed(ctx.client, policy, 'k', 'next', 'sleepyWork', { sleepMs: 100 });
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.recent.some((r) => r.id === 'next' && r.outcome === 'completed'),
      'next completed',
      20_000,
    );
    expect(state.recent.find((r) => r.id === 'raw-1')?.outcome).toBe('rejected');
  });
});

it('5d. a take-over whose history holds an undecodable submission rejects it and takes over the rest at once', async () => {
  const taskQueue = uniqueName('undecodable-take-over');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000, slotRelease: 'on-close' });
    const s1 = await submitKeyed(ctx.client, policy, 'k', 's1', 'sleepyWork', { sleepMs: 60_000 });
    const coordinatorId = s1.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.runId !== undefined, 's1 started');
    await rawSignal(ctx.client, coordinatorId, 'submit', UNKNOWN_ENCODING);
    await ctx.client.workflow.getHandle(coordinatorId).terminate('test: operator');
    await submitKeyed(ctx.client, policy, 'k', 's2', 'sleepyWork', { sleepMs: 100 });
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.recent.some((r) => r.id === 's2' && r.outcome === 'completed'),
      's1 superseded and s2 completed by the fresh run',
      30_000,
    );
    expect(state.recent.find((r) => r.id === 's1')?.outcome).toBe('cancelled');
    expect(state.recent.find((r) => r.id === '(undecodable)')?.reason).toMatch(/encoding binary\/x-probe/);
    // The fresh run's preparation read the bad payload on its first attempt: no failed attempt, no retry backoff.
    const events = await eventsOf(ctx.client, coordinatorId);
    const preparation = events.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === PREPARE_RUN_ACTIVITY,
    );
    expect(preparation).toHaveLength(1);
    const scheduledId = String(preparation[0]?.eventId);
    const started = events.find((e) => String(e.activityTaskStartedEventAttributes?.scheduledEventId) === scheduledId);
    expect(started?.activityTaskStartedEventAttributes?.attempt).toBe(1);
    expect(events.filter((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes)).toEqual(
      [],
    );
    expect(workflowTaskFailures(events)).toEqual([]);
  });
});

it('5e. an app’s own payload converter still decodes what its clients submit: the raw decoding uses the worker’s converter', async () => {
  // The SDK requires a converter by path, in the worker and the client: this one is TypeScript.
  const unregister = register();
  try {
    const dataConverter = {
      payloadConverterPath: path.join(__dirname, '..', 'fixtures', 'tagged-payload-converter.ts'),
    };
    const client = new Client({ connection: ctx.client.connection, dataConverter });
    const taskQueue = uniqueName('app-converter');
    const worker = await createTestWorker(ctx, taskQueue, {
      workflowBundle: undefined,
      workflowsPath: path.join(__dirname, '..', 'fixtures', 'workflows.ts'),
      dataConverter,
    });
    await worker.runUntil(async () => {
      const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000, continueAsNewAfterEvents: 40 });
      const first = await submitKeyed(client, policy, 'k', 'tagged-1', 'sleepyWork', { sleepMs: 100 });
      const coordinatorId = first.coordinatorWorkflowId;
      const events = await eventsOf(ctx.client, coordinatorId);
      const encoding = events[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0]?.metadata?.encoding;
      expect(new TextDecoder().decode(encoding ?? new Uint8Array())).toBe(TAGGED_ENCODING);
      await waitForState(
        client,
        coordinatorId,
        (s) => s.recent.some((r) => r.id === 'tagged-1' && r.outcome === 'completed'),
        'tagged-1 completed',
        20_000,
      );
      // Enough submissions for a rollover, whose input the worker's converter encodes and the next run decodes.
      for (let i = 2; i <= 6; i++) await submitKeyed(client, policy, 'k', `tagged-${i}`, 'sleepyWork', { sleepMs: 50 });
      const state = await waitForState(
        client,
        coordinatorId,
        (s) => s.recent.some((r) => r.id === 'tagged-6' && r.outcome === 'completed'),
        'tagged-6 completed',
        30_000,
      );
      expect(state.recent.filter((r) => r.outcome === 'rejected')).toEqual([]);
      expect(state.counters.continuedAsNew).toBeGreaterThan(0);
    });
  } finally {
    unregister();
  }
});

it('5f. the coordinator started by function reference (a client’s signalWithStart(concurrencyCoordinator, …)) still runs, and still rejects what does not decode', async () => {
  const taskQueue = uniqueName('function-reference');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    const coordinatorId = coordinatorWorkflowId(policy.name, 'k');
    // Raw input is the coordinator's own business: a caller passing the function encodes a plain value, as before.
    await ctx.client.workflow.signalWithStart(concurrencyCoordinator, {
      workflowId: coordinatorId,
      taskQueue,
      args: [rawInputOf(policy, 'k') as unknown as CoordinatorInput],
      signal: submitSignal,
      signalArgs: [{ id: 'by-ref', workflowType: 'sleepyWork', args: [{ key: 'k', sleepMs: 100 }] }],
    });
    await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.recent.some((r) => r.id === 'by-ref' && r.outcome === 'completed'),
      'by-ref completed',
      20_000,
    );
    await rawSignal(ctx.client, coordinatorId, 'submit', UNKNOWN_ENCODING);
    await submitKeyed(ctx.client, policy, 'k', 'after', 'sleepyWork', { sleepMs: 100 });
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.recent.some((r) => r.id === 'after' && r.outcome === 'completed'),
      'after completed',
      20_000,
    );
    expect(state.recent.find((r) => r.id === '(undecodable)')?.reason).toMatch(/encoding binary\/x-probe/);
    expect(workflowTaskFailures(await eventsOf(ctx.client, coordinatorId))).toEqual([]);
  });
});
