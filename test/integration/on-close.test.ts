/**
 * `slotRelease: 'on-close'`: a cancelled child keeps its slot until it has closed (cleanup included), so at no
 * instant do more than maxRuns children of the key execute, judged from the children's own history event times.
 */
import { expect, it } from 'vitest';
import type { SubmitResult } from '../../src/client';
import { demoPolicy, settled, submitDemo, waitForState } from '../helpers/demo';
import { childTimelines, maxLiveStartedChildren, maxOpenChildren } from '../helpers/histories';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

it.each([1, 2])('on-close with maxRuns %i: open children never exceed maxRuns', async (maxRuns) => {
  const taskQueue = uniqueName('on-close');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, maxRuns, 'on-close');
    const submitted: SubmitResult[] = [];
    // Three waves, so cancellations happen while earlier cancelled children are still cleaning up.
    for (let wave = 0; wave < 3; wave++) {
      for (let i = 0; i < 4; i++) submitted.push(await submitDemo(ctx.client, policy, 'u', `w${wave}-${i}`, 1500));
      await new Promise((resolve) => setTimeout(resolve, 400));
    }
    const coordinatorId = submitted[0]!.coordinatorWorkflowId;
    const final = await waitForState(ctx.client, coordinatorId, settled, 'all closed');

    const timelines = await childTimelines(ctx.client, coordinatorId);
    expect(timelines.size).toBeGreaterThan(maxRuns);
    expect([...timelines.values()].every((t) => t.closedAtMs !== undefined)).toBe(true);
    expect(maxOpenChildren(timelines.values())).toBeLessThanOrEqual(maxRuns);
    expect(await maxLiveStartedChildren(ctx.client, coordinatorId)).toBeLessThanOrEqual(maxRuns);

    // The newest maxRuns submissions are never displaced and complete.
    const newest = submitted.slice(-maxRuns).map((s) => s.submissionId);
    for (const id of newest) expect(final.recent.find((r) => r.id === id)?.outcome, id).toBe('completed');
    // Every submission reached exactly one outcome.
    expect(final.recent.map((r) => r.id).sort()).toEqual(submitted.map((s) => s.submissionId).sort());
  });
});
