/**
 * What operators do to a coordinator: reset it, terminate it, and let it complete when idle while a submission
 * races in. Documented in the README under "Operating coordinators".
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { SubmitResult } from '../../src/client';
import { stateQuery, type ClosedRun, type CoordinatorStateView } from '../../src/coordinator/messages';
import { demoPolicy, settled, submitDemo, waitForState } from '../helpers/demo';
import { childTimeline } from '../helpers/histories';
import {
  connectToTestServer,
  createTestWorker,
  eventually,
  uniqueName,
  type TemporalTestContext,
} from '../helpers/temporal';

let ctx: TemporalTestContext;
beforeAll(async () => {
  ctx = await connectToTestServer();
});
afterAll(async () => {
  await ctx?.close();
});

const temporal = (...args: string[]) =>
  promisify(execFile)(inject('temporalCliPath'), [...args, '--address', inject('temporalAddress')]);

/** Every closed submission recorded by any run of this coordinator ID (each idle completion ends a run). */
async function recordedAcrossRuns(coordinatorId: string): Promise<ClosedRun[]> {
  const recorded: ClosedRun[] = [];
  for await (const execution of ctx.client.workflow.list({ query: `WorkflowId = "${coordinatorId}"` })) {
    const handle = ctx.client.workflow.getHandle(coordinatorId, execution.runId);
    const view: CoordinatorStateView =
      execution.status.name === 'COMPLETED'
        ? ((await handle.result()) as CoordinatorStateView)
        : await handle.query(stateQuery);
    recorded.push(...view.recent);
  }
  return recorded;
}

it('resetting the coordinator to its first workflow task loses no accepted submission and starts nothing twice', async () => {
  const taskQueue = uniqueName('reset');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, 2, undefined, { sweepIntervalMs: 1000 });
    const submitted: SubmitResult[] = [];
    for (const id of ['r-1', 'r-2', 'r-3'])
      submitted.push(await submitDemo(ctx.client, policy, 'u', id, id === 'r-3' ? 4000 : 300));
    const coordinatorId = submitted[0]!.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.recent.length >= 1 && s.running.length >= 1, 'some closed');

    // Reset replays every signal after the reset point into a new run; children already started are adopted.
    await temporal(
      'workflow',
      'reset',
      '--workflow-id',
      coordinatorId,
      '--type',
      'FirstWorkflowTask',
      '--reason',
      'test',
    );
    submitted.push(await submitDemo(ctx.client, policy, 'u', 'r-4', 300));

    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => settled(s) && s.recent.length === 4,
      'settled',
      60_000,
    );
    expect(state.recent.map((r) => r.id).sort()).toEqual(['r-1', 'r-2', 'r-3', 'r-4']);
    expect(state.recent.find((r) => r.id === 'r-4')?.outcome).toBe('completed');
    // Each child ran exactly once: its first (and only) run is the one we find.
    for (const { childWorkflowId } of submitted) {
      const runs = [];
      for await (const e of ctx.client.workflow.list({ query: `WorkflowId = "${childWorkflowId}"` })) runs.push(e);
      expect(runs.length, childWorkflowId).toBe(1);
    }
  });
});

it('terminating the coordinator leaves its running children to finish; the next submission starts a fresh one', async () => {
  const taskQueue = uniqueName('terminate-coordinator');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, 1);
    const first = await submitDemo(ctx.client, policy, 'u', 't-1', 1500);
    await waitForState(ctx.client, first.coordinatorWorkflowId, (s) => s.running[0]?.runId !== undefined, 'started');
    await temporal('workflow', 'terminate', '--workflow-id', first.coordinatorWorkflowId, '--reason', 'test');

    // ABANDON: the child outlives its coordinator and completes on its own.
    await eventually(
      async () =>
        (await childTimeline(ctx.client, first.childWorkflowId)).closeType === 'completed' ? true : undefined,
      {
        what: 't-1 completed',
      },
    );
    const next = await submitDemo(ctx.client, policy, 'u', 't-2', 100);
    const state = await waitForState(ctx.client, next.coordinatorWorkflowId, settled, 'fresh coordinator done');
    expect(state.recent.map((r) => [r.id, r.outcome])).toEqual([['t-2', 'completed']]);
  });
});

it('a submission racing with idle completion is never lost', async () => {
  const taskQueue = uniqueName('idle-race');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, 1, undefined, { idleTimeoutMs: 300 });
    const submitted: SubmitResult[] = [];
    for (let i = 0; i < 12; i++) {
      const result = await submitDemo(ctx.client, policy, 'u', `i-${i}`, 50);
      submitted.push(result);
      await eventually(
        async () => ((await childTimeline(ctx.client, result.childWorkflowId)).closeType ? true : undefined),
        {
          what: `i-${i} closed`,
        },
      );
      // Land the next submission around the moment the coordinator's idle timer fires.
      await sleep(200 + (i % 4) * 50);
    }
    const coordinatorId = submitted[0]!.coordinatorWorkflowId;
    const recorded = await eventually(
      async () => {
        const all = await recordedAcrossRuns(coordinatorId);
        return all.length === submitted.length ? all : undefined;
      },
      { what: 'every submission recorded' },
    );
    expect(recorded.map((r) => r.id).sort()).toEqual(submitted.map((s) => s.submissionId).sort());
    expect(recorded.every((r) => r.outcome === 'completed')).toBe(true);
  });
});
