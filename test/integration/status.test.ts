/**
 * getSubmissionStatus() against a real server: a key never submitted to answers `unknown`, and a coordinator no
 * worker serves fails within seconds with a ConcurrencyUnavailableError that names its task queue (the server alone
 * would hold the query for about 30 s and then fail it with a generic "Failed to query Workflow").
 */
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyUnavailableError,
  coordinatorWorkflowId,
  getSubmissionStatus,
  type SubmissionStatus,
  type SubmitResult,
} from '../../src/client';
import { demoPolicy, submitDemo } from '../helpers/demo';
import { createTestWorker, eventually, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

/** Generous: the point is "seconds, not the server's 30 s query timeout". */
const FAIL_FAST_MS = 10_000;

const ctx = useTestServer();

/** Runs getSubmissionStatus, which must reject; returns the error and how long it took. */
async function statusFailure(
  submitted: SubmitResult,
  options?: Parameters<typeof getSubmissionStatus>[2],
): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  const outcome = await getSubmissionStatus(ctx.client, submitted, options).then(
    (status) => ({ status }),
    (error: unknown) => ({ error }),
  );
  if ('status' in outcome) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.status)}`);
  return { error: outcome.error, elapsedMs: Date.now() - started };
}

function expectUnavailable(error: unknown, submitted: SubmitResult, taskQueue: string): void {
  // Anything else fails the test with its own message and cause.
  if (!(error instanceof ConcurrencyUnavailableError)) throw error;
  const unavailable = error;
  expect(unavailable.name).toBe('ConcurrencyUnavailableError');
  expect(unavailable.coordinatorWorkflowId).toBe(submitted.coordinatorWorkflowId);
  expect(unavailable.taskQueue).toBe(taskQueue);
  expect(unavailable.message).toContain(submitted.coordinatorWorkflowId);
  expect(unavailable.message).toContain(taskQueue);
  expect(unavailable.message).toContain('temporal-concurrency/worker');
}

describe('getSubmissionStatus', () => {
  it("answers 'unknown' for a key nothing was ever submitted to", async () => {
    const policy = demoPolicy(uniqueName('status-none'), 1);
    const coordinatorId = coordinatorWorkflowId(policy.name, 'never-seen');
    const submitted = {
      submissionId: 'm-1',
      coordinatorWorkflowId: coordinatorId,
      childWorkflowId: `${coordinatorId}/m-1`,
    };
    expect(await getSubmissionStatus(ctx.client, submitted)).toEqual({ status: 'unknown' });
  });

  it("fails fast, naming the task queue, when no worker polls the coordinators' task queue", async () => {
    const taskQueue = uniqueName('status-no-worker');
    const submitted = await submitDemo(ctx.client, demoPolicy(taskQueue, 1), 'user', 'm-1', 60_000);

    const { error, elapsedMs } = await statusFailure(submitted);
    expectUnavailable(error, submitted, taskQueue);
    expect(elapsedMs).toBeLessThan(FAIL_FAST_MS);
    await ctx.client.workflow.getHandle(submitted.coordinatorWorkflowId).terminate('test over');
  });

  it("says 'waiting' within seconds, not at the next 60 s sweep, for a child no worker can start", async () => {
    const taskQueue = uniqueName('status-waiting');
    const childTaskQueue = uniqueName('status-no-child-worker');
    const policy = demoPolicy(taskQueue, 1, undefined, { childTaskQueue });
    const submitted = await submitDemo(ctx.client, policy, 'user', 'm-1', 60_000);
    const worker = await createTestWorker(ctx, taskQueue);
    const started = Date.now();
    await worker.runUntil(async () => {
      const status = await eventually<SubmissionStatus>(
        async () => {
          const current = await getSubmissionStatus(ctx.client, submitted);
          return current.status === 'waiting' ? current : undefined;
        },
        { what: 'the submission waiting', timeoutMs: 30_000 },
      );
      // Well before the coordinator's first sweep (sweepIntervalMs, 60 s by default) could have said so.
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(status).toMatchObject({
        status: 'waiting',
        run: { id: 'm-1', waiting: `no worker polls task queue ${childTaskQueue} (workflow type demoWork)` },
      });
      await ctx.client.workflow.getHandle(submitted.childWorkflowId).terminate('test over');
      await ctx.client.workflow.getHandle(submitted.coordinatorWorkflowId).terminate('test over');
    });
  });

  it('answers from a running coordinator, and fails in bounded time once its worker has stopped', async () => {
    const taskQueue = uniqueName('status-worker');
    const submitted = await submitDemo(ctx.client, demoPolicy(taskQueue, 1), 'user', 'm-1', 60_000);
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const status = await eventually<SubmissionStatus>(
        async () => {
          const current = await getSubmissionStatus(ctx.client, submitted);
          return current.status === 'running' ? current : undefined;
        },
        { what: 'the submission running', timeoutMs: 30_000 },
      );
      expect(status).toMatchObject({ status: 'running', run: { id: 'm-1', workflowId: submitted.childWorkflowId } });
      // Stop the child here, so the worker's shutdown does not wait for its activity.
      await ctx.client.workflow.getHandle(submitted.childWorkflowId).terminate('test over');
    });

    // The stopped worker is still listed as a poller for minutes: the query's deadline bounds this case.
    const { error, elapsedMs } = await statusFailure(submitted, { queryTimeoutMs: 3000 });
    expectUnavailable(error, submitted, taskQueue);
    expect(elapsedMs).toBeLessThan(FAIL_FAST_MS);
    await ctx.client.workflow.getHandle(submitted.coordinatorWorkflowId).terminate('test over');
  });
});
