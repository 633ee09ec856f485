/**
 * Operator actions and load a key must survive: the Web UI's "Request Cancellation" on a coordinator, the
 * take-over of a terminated run whose history is megabytes of submissions, and Temporal's cap on signals per run.
 * Judged from Temporal's histories (statuses, signals per run, children's own open intervals) and the `state` query.
 */
import { expect, it } from 'vitest';
import { startDevServer } from '../../scripts/dev-server';
import { resumeCoordinator } from '../../src/client';
import { concurrencyKeySearchAttribute } from '../../src/coordinator/search-attributes';
import { stateQuery, type CoordinatorCounters } from '../../src/coordinator/messages';
import { settled, waitForState } from '../helpers/demo';
import { childTimeline, maxOpenChildren } from '../helpers/histories';
import {
  coordinatorRuns,
  inPool,
  keyedPolicy,
  padding,
  stateOrBreakage,
  submitKeyed,
  waitForStatus,
  closeHistoryConnections,
} from '../helpers/hostile';
import { createTestWorker, eventually, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

/** Submissions that reached a final outcome, from the counters (which outlive `recent`). */
function accountedFor(counters: CoordinatorCounters): number {
  const { completed, failed, cancelled, terminated, timedOut, dropped } = counters;
  return completed + failed + cancelled + terminated + timedOut + dropped;
}

it('1. cancelling the coordinator closes it promptly as CANCELLED, drops its queue with a reason, cancels its children, and the next submission runs', async () => {
  const taskQueue = uniqueName('cancel-coordinator');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 2, { slotRelease: 'on-close', sweepIntervalMs: 1000 });
    // `a` ignores its cancellation and `b` works on: under on-close both hold a slot, so `c` waits in the queue.
    const a = await submitKeyed(ctx.client, policy, 'k', 'a', 'heldWork', { maxMs: 60_000, ignoreCancel: true });
    const b = await submitKeyed(ctx.client, policy, 'k', 'b', 'sleepyWork', { sleepMs: 60_000 });
    const coordinatorId = a.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.running.filter((r) => r.runId).length === 2, 'a, b started');
    await submitKeyed(ctx.client, policy, 'k', 'c', 'sleepyWork', { sleepMs: 100 });
    await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.queued.some((r) => r.id === 'c') && s.running.some((r) => r.id === 'a' && r.cancelRequestedAt),
      'c queued behind a (cancel requested, ignored) and b',
    );
    const { runId } = await ctx.client.workflow.getHandle(coordinatorId).describe();

    // What the Web UI's "Request Cancellation" does.
    await ctx.client.workflow.getHandle(coordinatorId).cancel();
    await waitForStatus(ctx.client, coordinatorId, 'CANCELLED', 15_000);

    // The cancelled run accounts for its queue: `c` was dropped, saying why.
    const final = await ctx.client.workflow.getHandle(coordinatorId, runId).query(stateQuery);
    const c = final.recent.find((r) => r.id === 'c');
    expect(c?.outcome).toBe('dropped');
    expect(c?.reason).toMatch(/coordinator/i);
    expect(c?.reason).toMatch(/cancel/i);
    // Its running child got a cancellation request and ended cancelled: never terminated.
    const bClosed = await eventually(
      async () => {
        const timeline = await childTimeline(ctx.client, b.childWorkflowId);
        return timeline.closeType ? timeline : undefined;
      },
      { what: 'b closed', timeoutMs: 15_000 },
    );
    expect(bClosed.cancelRequestedAtMs).toBeDefined();
    expect(bClosed.closeType).toBe('cancelled');
    expect((await childTimeline(ctx.client, a.childWorkflowId)).closeType).not.toBe('terminated');

    // The key keeps working: a new submission starts a fresh run and completes.
    await submitKeyed(ctx.client, policy, 'k', 'd', 'sleepyWork', { sleepMs: 100 });
    const { state, status } = await stateOrBreakage(
      ctx.client,
      coordinatorId,
      (s) => s.recent.some((r) => r.id === 'd'),
      'd recorded by a fresh run',
    );
    expect(status).toMatch(/RUNNING|COMPLETED/);
    expect(state?.recent.find((r) => r.id === 'd')?.outcome).toBe('completed');
    await ctx.client.workflow.getHandle(a.childWorkflowId).signal('release');
  });
});

it('6. a fresh run takes over a terminated run holding 400 submissions of ~6 KB: the old child is tracked, never two open, the newest completes', async () => {
  const taskQueue = uniqueName('busy-take-over');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { slotRelease: 'on-close', sweepIntervalMs: 1000 });
    // It ignores its cancellation, so under on-close every later submission waits (and the older ones are dropped).
    const first = await submitKeyed(ctx.client, policy, 'k', 'first', 'heldWork', {
      maxMs: 120_000,
      ignoreCancel: true,
    });
    const coordinatorId = first.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.runId !== undefined, 'first started');
    // About 2.4 MB of submit signals in the run's history.
    const ids = Array.from({ length: 399 }, (_, i) => `b-${i}`);
    await inPool(ids, 16, (id) =>
      submitKeyed(ctx.client, policy, 'k', id, 'sleepyWork', { sleepMs: 100, pad: padding(6000) }),
    );
    const newest = await submitKeyed(ctx.client, policy, 'k', 'newest', 'sleepyWork', {
      sleepMs: 100,
      pad: padding(6000),
    });
    await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.counters.submitted === 401 && s.queued.some((r) => r.id === 'newest'),
      'all 401 handled, newest queued',
      30_000,
    );

    await ctx.client.workflow.getHandle(coordinatorId).terminate('test: take-over of a busy run');
    expect((await resumeCoordinator(ctx.client, coordinatorId)).resumed).toBe(true);
    // Started with the key's search attributes, as submit() starts a coordinator.
    const { typedSearchAttributes } = await ctx.client.workflow.getHandle(coordinatorId).describe();
    expect(typedSearchAttributes.get(concurrencyKeySearchAttribute)).toBe('k');
    // The fresh run must know the old run's child still holds the only slot.
    await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.running.some((r) => r.id === 'first') && s.queued.some((r) => r.id === 'newest'),
      'the fresh run to track the old child `first` and queue `newest`',
      20_000,
    );
    await ctx.client.workflow.getHandle(first.childWorkflowId).signal('release');
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => settled(s) && s.recent.some((r) => r.id === 'newest'),
      'newest recorded',
      30_000,
    );
    expect(state.recent.find((r) => r.id === 'first')?.outcome).toBe('completed');
    expect(state.recent.find((r) => r.id === 'newest')?.outcome).toBe('completed');
    expect(state.counters.submitted).toBe(401);
    expect(accountedFor(state.counters)).toBe(401);
    // From the children's own histories, across both coordinator runs: never two open at once.
    const timelines = await Promise.all(
      [first, newest].map(({ childWorkflowId }) => childTimeline(ctx.client, childWorkflowId)),
    );
    expect(maxOpenChildren(timelines)).toBe(1);
  });
});

it("10. at the server's signal cap no submitter gets an error: the coordinator rolls over and every submission is accounted", async () => {
  // Temporal's cap is 10,000 signals per run; this server refuses the 151st, so a flood reaches it in seconds.
  const server = await startDevServer({
    extraArgs: ['--dynamic-config-value', 'history.maximumSignalsPerExecution=150'],
  });
  try {
    const capped = { client: server.env.client, nativeConnection: server.env.nativeConnection, close: async () => {} };
    const taskQueue = uniqueName('signal-cap');
    const worker = await createTestWorker(capped, taskQueue);
    await worker.runUntil(async () => {
      const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000, continueAsNewAfterSignals: 100 });
      const ids = Array.from({ length: 600 }, (_, i) => `s-${i}`);
      // inPool fails if any submitter got an error: submissions refused at the cap are sent again to the next run.
      const submitted = await inPool(ids, 24, (id) =>
        submitKeyed(capped.client, policy, 'k', id, 'sleepyWork', { sleepMs: 50 }),
      );
      await submitKeyed(capped.client, policy, 'k', 'last', 'sleepyWork', { sleepMs: 50 });
      const coordinatorId = submitted[0]!.coordinatorWorkflowId;
      const state = await waitForState(
        capped.client,
        coordinatorId,
        (s) => settled(s) && s.recent.some((r) => r.id === 'last'),
        'last recorded',
        60_000,
      );

      // From the coordinator's histories: it rolled over during the flood, and no run went past the server's cap.
      const runs = await coordinatorRuns(capped.client, coordinatorId);
      const signals = runs.map((run) => run.signals);
      expect(Math.max(...signals), `signals per run: ${signals.join(', ')}`).toBeLessThanOrEqual(150);
      expect(runs.length, `signals per run: ${signals.join(', ')}`).toBeGreaterThanOrEqual(4);
      expect(state.recent.find((r) => r.id === 'last')?.outcome).toBe('completed');
      expect(state.counters.submitted + state.counters.duplicates).toBeGreaterThanOrEqual(601);
      expect(accountedFor(state.counters)).toBe(state.counters.submitted);
    });
  } finally {
    await closeHistoryConnections();
    await server.env.teardown();
  }
});
