/**
 * CANCEL_IN_PROGRESS end to end on the real dev server: the seed's example, newest-wins with maxRuns 1, key
 * isolation and idempotent submission ids. Every verdict is checked against Temporal's own histories.
 */
import { describe, expect, it } from 'vitest';
import type { SubmitResult } from '../../src/client';
import { demoPolicy, queryState, settled, submitDemo, waitForState } from '../helpers/demo';
import { childTimelines, maxLiveStartedChildren, maxOpenChildren } from '../helpers/histories';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(2, '0')}`);

describe('CANCEL_IN_PROGRESS', () => {
  it('seed example: maxRuns 10 per user, 15 submissions -> the 5 oldest are cancelled and clean up, the 10 newest complete', async () => {
    const taskQueue = uniqueName('seed');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = demoPolicy(taskQueue, 10);
      const submissions = ids('msg', 15);
      const first: SubmitResult[] = [];
      for (const id of submissions.slice(0, 10)) first.push(await submitDemo(ctx.client, policy, 'user-1', id, 6000));
      const coordinatorId = first[0]!.coordinatorWorkflowId;
      // The first ten are running (start confirmed) before the next five arrive.
      await waitForState(
        ctx.client,
        coordinatorId,
        (s) => s.running.filter((r) => r.runId).length === 10,
        '10 running',
      );
      for (const id of submissions.slice(10)) await submitDemo(ctx.client, policy, 'user-1', id, 6000);

      const final = await waitForState(ctx.client, coordinatorId, settled, 'all closed');
      expect(final.counters).toMatchObject({ submitted: 15, started: 15, completed: 10, cancelled: 5, dropped: 0 });

      const timelines = await childTimelines(ctx.client, coordinatorId);
      const outcome = (id: string) => timelines.get(`${coordinatorId}/${id}`);
      for (const id of submissions.slice(0, 5)) {
        expect(outcome(id)?.closeType, id).toBe('cancelled');
        expect(outcome(id)?.activityTypes, id).toContain('cleanUpAfterCancel');
        const recorded = final.recent.find((r) => r.id === id);
        expect(recorded?.supersededBy, id).toBeDefined();
      }
      for (const id of submissions.slice(5)) {
        expect(outcome(id)?.closeType, id).toBe('completed');
        expect(outcome(id)?.activityTypes, id).not.toContain('cleanUpAfterCancel');
      }
      expect(await maxLiveStartedChildren(ctx.client, coordinatorId)).toBeLessThanOrEqual(10);
    });
  });

  it('maxRuns 1, newest message wins: 5 rapid submissions -> only the newest completes', async () => {
    const taskQueue = uniqueName('newest');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = demoPolicy(taskQueue, 1);
      const submissions = ids('edit', 5);
      const results: SubmitResult[] = [];
      for (const id of submissions) results.push(await submitDemo(ctx.client, policy, 'user-1', id, 2000));
      const coordinatorId = results[0]!.coordinatorWorkflowId;

      const final = await waitForState(ctx.client, coordinatorId, settled, 'all closed');
      const byId = new Map(final.recent.map((r) => [r.id, r]));
      expect(byId.get('edit-05')?.outcome).toBe('completed');
      for (const id of submissions.slice(0, 4)) {
        const run = byId.get(id);
        expect(['cancelled', 'dropped'], id).toContain(run?.outcome);
        expect(run?.supersededBy, id).toBeDefined();
        if (run?.outcome === 'dropped') expect(run.reason).toMatch(/superseded by/);
      }
      expect(final.counters.completed).toBe(1);

      // Temporal's histories agree: one child completed, the others that started were cancelled.
      const timelines = [...(await childTimelines(ctx.client, coordinatorId)).values()];
      expect(timelines.filter((t) => t.closeType === 'completed').map((t) => t.workflowId)).toEqual([
        `${coordinatorId}/edit-05`,
      ]);
      expect(timelines.filter((t) => t.closeType !== 'completed').every((t) => t.closeType === 'cancelled')).toBe(true);

      // A cancelled child shows why in the Web UI: its memo names the submission that superseded it.
      for (const run of final.recent.filter((r) => r.outcome === 'cancelled')) {
        const { memo } = await ctx.client.workflow.getHandle(run.workflowId as string).describe();
        expect(memo?.concurrency, run.id).toMatchObject({ submissionId: run.id, supersededBy: run.supersededBy });
      }
      expect(await maxLiveStartedChildren(ctx.client, coordinatorId)).toBe(1);
    });
  });

  it('keys are isolated: a burst on user A never cancels user B', async () => {
    const taskQueue = uniqueName('isolated');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = demoPolicy(taskQueue, 1);
      const b = await submitDemo(ctx.client, policy, 'user-B', 'b-1', 3000);
      const burst: SubmitResult[] = [];
      for (const id of ids('a', 6)) burst.push(await submitDemo(ctx.client, policy, 'user-A', id, 1000));
      expect(burst[0]!.coordinatorWorkflowId).not.toBe(b.coordinatorWorkflowId);

      const stateB = await waitForState(ctx.client, b.coordinatorWorkflowId, settled, 'B closed');
      expect(stateB.recent.map((r) => [r.id, r.outcome])).toEqual([['b-1', 'completed']]);
      const stateA = await waitForState(ctx.client, burst[0]!.coordinatorWorkflowId, settled, 'A closed');
      expect(stateA.counters.completed).toBe(1);
      const childrenA = await childTimelines(ctx.client, burst[0]!.coordinatorWorkflowId);
      expect([...childrenA.keys()].every((id) => id.startsWith(burst[0]!.coordinatorWorkflowId))).toBe(true);
      expect((await childTimelines(ctx.client, b.coordinatorWorkflowId)).get(b.childWorkflowId)?.closeType).toBe(
        'completed',
      );
    });
  });

  it('a repeated submission id starts nothing new', async () => {
    const taskQueue = uniqueName('dup');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = demoPolicy(taskQueue, 2);
      const first = await submitDemo(ctx.client, policy, 'user-1', 'same', 1500);
      await waitForState(ctx.client, first.coordinatorWorkflowId, (s) => s.running.length === 1, 'started');
      const again = await submitDemo(ctx.client, policy, 'user-1', 'same', 1500);
      expect(again).toEqual(first);

      const final = await waitForState(ctx.client, first.coordinatorWorkflowId, settled, 'closed');
      // Resubmitting after it closed is still a duplicate within the idempotency window.
      await submitDemo(ctx.client, policy, 'user-1', 'same', 1500);
      const after = await waitForState(
        ctx.client,
        first.coordinatorWorkflowId,
        (s) => s.counters.duplicates === 2,
        'dup',
      );
      expect(final.counters).toMatchObject({ submitted: 1, started: 1, completed: 1 });
      expect(after.counters).toMatchObject({ submitted: 1, started: 1, duplicates: 2 });
      const timelines = await childTimelines(ctx.client, first.coordinatorWorkflowId);
      expect([...timelines.keys()]).toEqual([first.childWorkflowId]);
      expect(maxOpenChildren(timelines.values())).toBe(1);
      expect((await queryState(ctx.client, first.coordinatorWorkflowId)).running).toEqual([]);
    });
  });
});
