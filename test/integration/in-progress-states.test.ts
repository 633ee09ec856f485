/**
 * Hatchet #4900: a run that is sleeping on a timer, or whose activity waits in retry backoff, is "in progress"
 * and is cancelled like any other when superseded, and never completes afterwards.
 */
import { expect, it } from 'vitest';
import { defineConcurrencyPolicy, submit } from '../../src/client';
import { settled, waitForState } from '../helpers/demo';
import { childTimeline } from '../helpers/histories';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

it.each([
  ['sleeping on a timer', 'sleepyWork', [{ sleepMs: 60_000 }]],
  ['in activity retry backoff', 'retryingWork', []],
] as const)('a run %s is cancelled when superseded and never completes', async (_state, workflowType, args) => {
  const taskQueue = uniqueName('in-progress');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = defineConcurrencyPolicy({
      name: uniqueName('states'),
      maxRuns: 1,
      limitStrategy: 'CANCEL_IN_PROGRESS',
      key: () => 'the-key',
      taskQueue,
    });
    const old = await submit(ctx.client, { policy, workflow: workflowType, args: [...args], id: 'old' });
    // Let it reach its waiting state: the timer started, or the first attempt failed and backoff began.
    await waitForState(ctx.client, old.coordinatorWorkflowId, (s) => s.running[0]?.runId !== undefined, 'started');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const before = await childTimeline(ctx.client, old.childWorkflowId);
    expect(before.closeType).toBeUndefined();

    const newer = await submit(ctx.client, { policy, workflow: 'demoWork', args: [{ durationMs: 200 }], id: 'new' });
    const final = await waitForState(ctx.client, old.coordinatorWorkflowId, settled, 'both closed');
    expect(final.recent.find((r) => r.id === 'old')).toMatchObject({ outcome: 'cancelled', supersededBy: 'new' });
    expect(final.recent.find((r) => r.id === 'new')?.outcome).toBe('completed');

    const timeline = await childTimeline(ctx.client, old.childWorkflowId);
    expect(timeline.closeType).toBe('cancelled');
    expect(timeline.cancelRequestedAtMs).toBeDefined();
    expect((await childTimeline(ctx.client, newer.childWorkflowId)).closeType).toBe('completed');
    // Closed means closed: the handle's outcome is final, nothing runs on.
    await expect(ctx.client.workflow.getHandle(old.childWorkflowId).result()).rejects.toThrow();
  });
});
