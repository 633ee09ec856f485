/**
 * Time in the queue and the children's Temporal priority, end to end on the real dev server (run behaviour 6): a
 * debounced burst runs only its newest, after the quiet period; a submission not started within `scheduleTimeoutMs`
 * is dropped while the running child goes on; children carry the submission's priority and the key as fairness key
 * in their own history; `maxRuns` computed from the input moves the key's limit. Judged from Temporal's histories.
 */
import { describe, expect, it } from 'vitest';
import { getSubmissionStatus, submit } from '../../src/client';
import type { QueuedSubmission } from '../../src/index';
import { demoPolicy, settled, submitDemo, waitForState } from '../helpers/demo';
import { childTimelines, maxOpenChildren } from '../helpers/histories';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

async function startsInOrder(coordinatorId: string) {
  const timelines = [...(await childTimelines(ctx.client, coordinatorId)).values()];
  timelines.sort((a, b) => a.startedAtMs - b.startedAtMs);
  return timelines.map((t) => ({ id: t.workflowId.slice(coordinatorId.length + 1), closeType: t.closeType, t }));
}

describe('time in the queue', () => {
  it('debounceMs: a burst runs only its newest submission, once the key has been quiet that long', async () => {
    const taskQueue = uniqueName('debounce');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = demoPolicy(taskQueue, 1, 'on-close', {
        limitStrategy: 'GROUP_ROUND_ROBIN',
        debounceMs: 2_000,
        idleTimeoutMs: 30_000,
      });
      const first = await submitDemo(ctx.client, policy, 'search', 'd1', 200);
      await submitDemo(ctx.client, policy, 'search', 'd2', 200);
      await submitDemo(ctx.client, policy, 'search', 'd3', 200);
      const lastSubmittedAt = Date.now();
      const coordinatorId = first.coordinatorWorkflowId;
      const final = await waitForState(ctx.client, coordinatorId, (s) => settled(s) && s.recent.length === 3, 'done');
      const recorded = new Map(final.recent.map((r) => [r.id, r]));
      // d1 is debounced by d2, or by d3 when both reached the coordinator in one workflow task.
      expect(recorded.get('d1')?.outcome).toBe('dropped');
      expect(recorded.get('d1')?.reason).toMatch(/^debounced by d[23]$/);
      expect(recorded.get('d2')).toMatchObject({ outcome: 'dropped', reason: 'debounced by d3', supersededBy: 'd3' });
      expect(recorded.get('d3')?.outcome).toBe('completed');
      const starts = await startsInOrder(coordinatorId);
      expect(starts.map((s) => [s.id, s.closeType])).toEqual([['d3', 'completed']]);
      // The server started it no earlier than the quiet period after the last submission was acknowledged.
      expect(starts[0]!.t.startedAtMs).toBeGreaterThanOrEqual(lastSubmittedAt + 2_000 - 1_000);
    });
  });

  it('scheduleTimeoutMs: a submission that waits longer is dropped with the rule, the running child goes on', async () => {
    const taskQueue = uniqueName('deadline');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = demoPolicy(taskQueue, 1, 'on-close', {
        limitStrategy: 'GROUP_ROUND_ROBIN',
        scheduleTimeoutMs: 1_000,
        idleTimeoutMs: 30_000,
      });
      const first = await submitDemo(ctx.client, policy, 'report', 'st1', 4_000);
      const coordinatorId = first.coordinatorWorkflowId;
      await waitForState(ctx.client, coordinatorId, (s) => s.running.some((r) => r.runId), 'st1 running');
      const st2Submitted = await submitDemo(ctx.client, policy, 'report', 'st2', 200);
      // Where it stands, as its submitter sees it: its place, what it waits for, when it is dropped.
      const waiting = await getSubmissionStatus(ctx.client, st2Submitted);
      expect(waiting.status).toBe('queued');
      const queued = waiting.status === 'queued' ? (waiting.run as QueuedSubmission) : undefined;
      expect(queued?.position).toBe(1);
      expect(queued?.waitingFor).toMatch(
        /^waits for a free slot \(maxRuns 1, held by st1\); dropped at \d\d:\d\d:\d\d UTC unless started/,
      );
      const dropped = await waitForState(
        ctx.client,
        coordinatorId,
        (s) => s.recent.some((r) => r.id === 'st2'),
        'st2 dropped',
      );
      const st2 = dropped.recent.find((r) => r.id === 'st2');
      expect(st2).toMatchObject({ outcome: 'dropped', reason: 'not started within 1 s (scheduleTimeoutMs)' });
      // Dropped at its deadline by the coordinator's own timer, while st1 still ran.
      expect(dropped.running.map((r) => r.id)).toEqual(['st1']);
      await waitForState(ctx.client, coordinatorId, (s) => settled(s) && s.recent.length === 2, 'done');
      const starts = await startsInOrder(coordinatorId);
      expect(starts.map((s) => [s.id, s.closeType])).toEqual([['st1', 'completed']]);
    });
  });

  it("children carry the submission's priority and the key as their fairness key", async () => {
    const taskQueue = uniqueName('fairness');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = demoPolicy(taskQueue, 2, 'on-close', {
        limitStrategy: 'GROUP_ROUND_ROBIN',
        idleTimeoutMs: 30_000,
      });
      const send = (id: string, priority?: number) =>
        submit(ctx.client, {
          policy,
          workflow: 'demoWork',
          args: [{ durationMs: 100, label: `tenant-7:${id}` }],
          id,
          ...(priority !== undefined && { priority }),
        });
      const urgent = await send('f-urgent', 1);
      await send('f-default');
      await waitForState(ctx.client, urgent.coordinatorWorkflowId, (s) => settled(s) && s.recent.length === 2, 'done');
      const priorities = new Map<string, unknown>();
      for (const id of ['f-urgent', 'f-default']) {
        const history = await ctx.client.workflow.getHandle(`${urgent.coordinatorWorkflowId}/${id}`).fetchHistory();
        const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
        priorities.set(id, {
          priorityKey: started?.priority?.priorityKey ?? 0,
          fairnessKey: started?.priority?.fairnessKey,
        });
      }
      expect(priorities.get('f-urgent')).toEqual({ priorityKey: 1, fairnessKey: 'tenant-7' });
      // No priority of its own: none set (the server's default, 3), but the same fairness key.
      expect(priorities.get('f-default')).toEqual({ priorityKey: 0, fairnessKey: 'tenant-7' });
    });
  });

  it('maxRuns computed from the input: the newest submission sets the key limit', async () => {
    const taskQueue = uniqueName('maxruns-fn');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = demoPolicy(taskQueue, 1, 'on-close', {
        limitStrategy: 'GROUP_ROUND_ROBIN',
        idleTimeoutMs: 30_000,
        maxRuns: (input) => (input.label?.endsWith('-wide') ? 2 : 1),
      });
      const first = await submitDemo(ctx.client, policy, 'acct', 'm1', 1_500);
      const coordinatorId = first.coordinatorWorkflowId;
      const one = await waitForState(ctx.client, coordinatorId, (s) => s.running.some((r) => r.runId), 'm1 running');
      expect(one.maxRuns).toBe(1);
      await submitDemo(ctx.client, policy, 'acct', 'm2-wide', 1_500);
      const two = await waitForState(ctx.client, coordinatorId, (s) => s.running.length === 2, 'both running');
      expect(two.maxRuns).toBe(2);
      await waitForState(ctx.client, coordinatorId, (s) => settled(s) && s.recent.length === 2, 'done');
      const starts = await startsInOrder(coordinatorId);
      expect(maxOpenChildren(starts.map((s) => s.t))).toBe(2);
      expect(starts.every((s) => s.closeType === 'completed')).toBe(true);
    });
  });
});
