/**
 * Run behaviour 2 (src/coordinator/behaviours.ts: reportCloseWhenAsked, deliverRequestsBeforeRollover), judged from Temporal's histories: a child reports its close only
 * to a coordinator run that did not start it and asked, and cancellation requests decided in the workflow task that
 * continues as new are delivered, not dropped with that task's other requests.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SubmitResult } from '../../src/client';
import { CHILD_MEMO_KEY, type ChildMemo } from '../../src/coordinator/messages';
import { NEWEST_RUN_BEHAVIOUR_PATCH } from '../../src/coordinator/behaviours';
import { demoPolicy, submitDemo, waitForState } from '../helpers/demo';
import { allRunsOf, closeHistoryConnections, eventsOf, type HistoryEvent } from '../helpers/hostile';
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
  await closeHistoryConnections();
  await ctx?.close();
});

const signalsSent = (events: HistoryEvent[]) =>
  events.flatMap((event) => {
    const name = event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName;
    return name ? [name] : [];
  });
const signalsReceived = (events: HistoryEvent[]) =>
  events.flatMap((event) => {
    const name = event.workflowExecutionSignaledEventAttributes?.signalName;
    return name ? [name] : [];
  });
const cancelRequestedAt = (events: HistoryEvent[]) =>
  events.find((event) => event.workflowExecutionCancelRequestedEventAttributes)?.eventTime;

function patchIdsOf(events: HistoryEvent[]): string[] {
  return events.flatMap((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (marker?.markerName !== 'core_patch') return [];
    const id = marker.details?.['patch-data']?.payloads?.[0]?.data;
    return id ? [(JSON.parse(Buffer.from(id).toString('utf8')) as { id: string }).id] : [];
  });
}

async function terminate(workflowIds: string[]): Promise<void> {
  for (const id of workflowIds) {
    await ctx.client.workflow
      .getHandle(id)
      .terminate('test over')
      .catch(() => undefined);
  }
}

it.concurrent('a child of the run that started it closes without runClosed; the run records one patch', async () => {
  const taskQueue = uniqueName('rc-own');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, 1, undefined, { idleTimeoutMs: 60_000 });
    const submitted = await submitDemo(ctx.client, policy, 'u', 'only', 200);
    const state = await waitForState(
      ctx.client,
      submitted.coordinatorWorkflowId,
      (s) => s.recent.some((r) => r.id === 'only' && r.outcome === 'completed'),
      'the only child completed',
    );
    expect(state.counters.continuedAsNew).toBe(0);

    const child = await eventsOf(ctx.client, submitted.childWorkflowId);
    expect(signalsSent(child)).toEqual([]);
    const memo = await ctx.client.workflow.getHandle(submitted.childWorkflowId).describe();
    expect((memo.memo?.[CHILD_MEMO_KEY] as ChildMemo).reportClose).toBe('when-asked');

    const [coordinator] = await allRunsOf(ctx.client, submitted.coordinatorWorkflowId);
    expect(signalsReceived(coordinator ?? [])).toEqual(['submit']);
    // One marker for the run's behaviours: the newest rung implies every older one (the local check included).
    expect(patchIdsOf(coordinator ?? [])).toEqual([NEWEST_RUN_BEHAVIOUR_PATCH]);
    await terminate([submitted.coordinatorWorkflowId]);
  });
});

it.concurrent(
  'a carried child is asked to report its close, and the next run hears of it long before a sweep',
  async () => {
    const taskQueue = uniqueName('rc-carried');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      // Rolls over after the second signal; sweeps only every 5 minutes, so only the child's report can be quick.
      const policy = demoPolicy(taskQueue, 2, undefined, {
        continueAsNewAfterSignals: 2,
        sweepIntervalMs: 300_000,
        idleTimeoutMs: 60_000,
      });
      const short = await submitDemo(ctx.client, policy, 'u', 'short', 4000);
      const long = await submitDemo(ctx.client, policy, 'u', 'long', 120_000);
      const coordinatorId = short.coordinatorWorkflowId;
      try {
        await waitForState(
          ctx.client,
          coordinatorId,
          (s) => s.counters.continuedAsNew >= 1 && s.running.filter((r) => r.runId !== undefined).length === 2,
          'both children started by the first run, carried into the second',
          30_000,
        );
        const closed = await waitForState(
          ctx.client,
          coordinatorId,
          (s) => s.recent.some((r) => r.id === 'short' && r.outcome === 'completed'),
          "the carried short child's completion, heard from its report",
          30_000,
        );
        expect(closed.running.map((r) => r.id)).toEqual(['long']);

        const child = await eventsOf(ctx.client, short.childWorkflowId);
        expect(signalsReceived(child)).toContain('concurrencyReportClose');
        expect(signalsSent(child)).toEqual(['runClosed']);
        const runs = await allRunsOf(ctx.client, coordinatorId);
        expect(runs.length).toBeGreaterThanOrEqual(2);
        expect(signalsReceived(runs[0] ?? [])).not.toContain('runClosed');
        expect(runs.slice(1).flatMap(signalsReceived)).toContain('runClosed');
      } finally {
        await terminate([long.childWorkflowId, short.childWorkflowId, coordinatorId]);
      }
    });
  },
);

it.concurrent('a cancellation decided in the workflow task that continues as new reaches the child', async () => {
  const taskQueue = uniqueName('rc-can-cancel');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    // on-close: the newer submission waits for the older child's close, so the task that handles it requests the
    // cancellation and starts nothing, and the second signal makes that same task continue as new.
    const policy = demoPolicy(taskQueue, 1, 'on-close', {
      continueAsNewAfterSignals: 2,
      sweepIntervalMs: 300_000,
      cancelGracePeriodMs: 600_000,
      idleTimeoutMs: 60_000,
    });
    const children: SubmitResult[] = [];
    try {
      const older = await submitDemo(ctx.client, policy, 'u', 'older', 120_000);
      children.push(older);
      await waitForState(
        ctx.client,
        older.coordinatorWorkflowId,
        (s) => s.running.some((r) => r.id === 'older' && r.runId !== undefined),
        'the older child started',
      );
      const newer = await submitDemo(ctx.client, policy, 'u', 'newer', 200);
      children.push(newer);
      // Without the wait before continue-as-new, the request is dropped and the child runs on its 120 s.
      await eventually(async () => cancelRequestedAt(await eventsOf(ctx.client, older.childWorkflowId)), {
        what: "the older child's WorkflowExecutionCancelRequested",
        timeoutMs: 20_000,
      });
      const state = await waitForState(
        ctx.client,
        older.coordinatorWorkflowId,
        (s) => s.recent.some((r) => r.id === 'newer' && r.outcome === 'completed'),
        'the newer child ran once the older one closed',
        30_000,
      );
      expect(state.recent.find((r) => r.id === 'older')?.outcome).toBe('cancelled');
      expect(state.counters.continuedAsNew).toBeGreaterThanOrEqual(1);
    } finally {
      await terminate([...children.map((c) => c.childWorkflowId), children[0]?.coordinatorWorkflowId ?? '']);
    }
  });
});
