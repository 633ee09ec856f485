/**
 * The strategy set end to end on the real dev server (run behaviour 5): each strategy's rule judged from Temporal's
 * own histories — the order children started in, that none was cancelled, what was dropped and why.
 */
import { describe, expect, it } from 'vitest';
import { submit, type SubmitResult } from '../../src/client';
import type { LimitStrategy } from '../../src/index';
import { demoPolicy, settled, submitDemo, waitForState } from '../helpers/demo';
import { childTimelines, maxOpenChildren } from '../helpers/histories';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

/** Children of the coordinator in the order the server started them, with how each closed. */
async function startsInOrder(coordinatorId: string) {
  const timelines = [...(await childTimelines(ctx.client, coordinatorId)).values()];
  timelines.sort((a, b) => a.startedAtMs - b.startedAtMs);
  return timelines.map((t) => ({ id: t.workflowId.slice(coordinatorId.length + 1), closeType: t.closeType, t }));
}

function policyOf(taskQueue: string, limitStrategy: LimitStrategy, maxRuns = 1, maxQueued?: number) {
  return demoPolicy(taskQueue, maxRuns, 'on-close', {
    limitStrategy,
    idleTimeoutMs: 30_000,
    ...(maxQueued !== undefined && { maxQueued }),
  });
}

describe('the strategy set', () => {
  it('GROUP_ROUND_ROBIN with maxRuns 1 is a semaphore: every submission runs, one at a time, in arrival order', async () => {
    const taskQueue = uniqueName('fifo');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = policyOf(taskQueue, 'GROUP_ROUND_ROBIN');
      const ids = ['q1', 'q2', 'q3', 'q4'];
      const results: SubmitResult[] = [];
      for (const id of ids) results.push(await submitDemo(ctx.client, policy, 'tenant', id, 600));
      const coordinatorId = results[0]!.coordinatorWorkflowId;
      const final = await waitForState(
        ctx.client,
        coordinatorId,
        (s) => settled(s) && s.recent.length === 4,
        'all ran',
      );
      expect(final.limitStrategy).toBe('GROUP_ROUND_ROBIN');
      expect(final.counters).toMatchObject({ submitted: 4, started: 4, completed: 4, cancelRequested: 0, dropped: 0 });
      const starts = await startsInOrder(coordinatorId);
      expect(starts.map((s) => [s.id, s.closeType])).toEqual(ids.map((id) => [id, 'completed']));
      expect(maxOpenChildren(starts.map((s) => s.t))).toBe(1);
    });
  });

  it('GROUP_ROUND_ROBIN orders its queue by priority, then arrival', async () => {
    const taskQueue = uniqueName('prio');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = policyOf(taskQueue, 'GROUP_ROUND_ROBIN');
      const first = await submitDemo(ctx.client, policy, 'tenant', 'p-first', 1500);
      const coordinatorId = first.coordinatorWorkflowId;
      await waitForState(ctx.client, coordinatorId, (s) => s.running.some((r) => r.runId), 'the first running');
      const send = (id: string, priority?: number) =>
        submit(ctx.client, {
          policy,
          workflow: 'demoWork',
          args: [{ durationMs: 300, label: `tenant:${id}` }],
          id,
          ...(priority !== undefined && { priority }),
        });
      await send('p-low', 5);
      await send('p-default');
      await send('p-urgent', 1);
      await waitForState(ctx.client, coordinatorId, (s) => settled(s) && s.recent.length === 4, 'all ran');
      const starts = await startsInOrder(coordinatorId);
      expect(starts.map((s) => s.id)).toEqual(['p-first', 'p-urgent', 'p-default', 'p-low']);
      expect(starts.every((s) => s.closeType === 'completed')).toBe(true);
    });
  });

  it('CANCEL_NEWEST never cancels the running child; what does not fit at once is dropped with the rule', async () => {
    const taskQueue = uniqueName('newest');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = policyOf(taskQueue, 'CANCEL_NEWEST');
      const first = await submitDemo(ctx.client, policy, 'doc', 'n1', 1500);
      const coordinatorId = first.coordinatorWorkflowId;
      await waitForState(ctx.client, coordinatorId, (s) => s.running.some((r) => r.runId), 'n1 running');
      await submitDemo(ctx.client, policy, 'doc', 'n2', 300);
      await submitDemo(ctx.client, policy, 'doc', 'n3', 300);
      const final = await waitForState(ctx.client, coordinatorId, (s) => settled(s) && s.recent.length === 3, 'done');
      const recorded = new Map(final.recent.map((r) => [r.id, r]));
      expect(recorded.get('n1')?.outcome).toBe('completed');
      for (const id of ['n2', 'n3']) {
        expect(recorded.get(id)).toMatchObject({ outcome: 'dropped', reason: 'queue full: CANCEL_NEWEST (maxRuns 1)' });
      }
      const starts = await startsInOrder(coordinatorId);
      expect(starts.map((s) => [s.id, s.closeType])).toEqual([['n1', 'completed']]);
    });
  });

  it('CANCEL_QUEUED_EXCEPT_NEWEST keeps one trailing run with the latest input; CANCEL_QUEUED_EXCEPT_OLDEST the first', async () => {
    const taskQueue = uniqueName('trailing');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      for (const [strategy, kept, droppedIds] of [
        ['CANCEL_QUEUED_EXCEPT_NEWEST', 't4', ['t2', 't3']],
        ['CANCEL_QUEUED_EXCEPT_OLDEST', 't2', ['t3', 't4']],
      ] as const) {
        const policy = policyOf(taskQueue, strategy, 1, 1);
        const first = await submitDemo(ctx.client, policy, 'idx', 't1', 1500);
        const coordinatorId = first.coordinatorWorkflowId;
        await waitForState(ctx.client, coordinatorId, (s) => s.running.some((r) => r.runId), 't1 running');
        for (const id of ['t2', 't3', 't4']) await submitDemo(ctx.client, policy, 'idx', id, 300);
        const final = await waitForState(ctx.client, coordinatorId, (s) => settled(s) && s.recent.length === 4, 'done');
        const recorded = new Map(final.recent.map((r) => [r.id, r]));
        for (const id of droppedIds) {
          expect(recorded.get(id)?.outcome, `${strategy} ${id}`).toBe('dropped');
          expect(recorded.get(id)?.reason, `${strategy} ${id}`).toContain(`queue full: ${strategy}`);
        }
        const starts = await startsInOrder(coordinatorId);
        expect(
          starts.map((s) => [s.id, s.closeType]),
          strategy,
        ).toEqual([
          ['t1', 'completed'],
          [kept, 'completed'],
        ]);
      }
    });
  });
});
