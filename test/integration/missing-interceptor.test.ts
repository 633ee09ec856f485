/**
 * Children whose worker lacks the library's interceptor (a plain `Worker.create`, not `withConcurrency`): they still
 * run, but a child carried over from an earlier coordinator run reports its close to nobody. The coordinator learns
 * of the close through its sweep and says, once per task queue and across continue-as-new, that the workers of that
 * task queue need `withConcurrency` — in `state.notices` and in its Web UI details. With the interceptor installed,
 * nothing is said.
 */
import path from 'node:path';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { exampleActivities } from '../../examples/activities';
import type { SubmitResult } from '../../src/client';
import type { CoordinatorStateView } from '../../src/coordinator/messages';
import { UNREPORTED_CLOSE_MARGIN_MS, UNREPORTED_CLOSE_PATCH } from '../../src/coordinator/core/unreported-close';
import { demoPolicy, queryState, submitDemo, waitForState } from '../helpers/demo';
import { allRunsOf, closeHistoryConnections, type HistoryEvent } from '../helpers/hostile';
import {
  connectToTestServer,
  createTestWorker,
  eventually,
  uniqueName,
  type TemporalTestContext,
} from '../helpers/temporal';

const repoRoot = path.join(__dirname, '..', '..');

let ctx: TemporalTestContext;
/** The examples' workflows alone: no coordinator, no interceptor. */
let plainBundle: string;

beforeAll(async () => {
  ctx = await connectToTestServer();
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };
  ({ code: plainBundle } = await bundleWorkflowCode({
    workflowsPath: path.join(repoRoot, 'examples', 'workflows'),
    logger: quiet,
  }));
});
afterAll(async () => {
  await closeHistoryConnections();
  await ctx?.close();
});

/** A worker created without `withConcurrency`: the children it runs never send `runClosed`. */
function plainWorker(taskQueue: string): Promise<Worker> {
  return Worker.create({
    connection: ctx.nativeConnection,
    taskQueue,
    workflowBundle: { code: plainBundle },
    activities: exampleActivities,
    maxHeartbeatThrottleInterval: '500 milliseconds',
  });
}

function interceptorNotices(state: CoordinatorStateView) {
  return state.notices.filter((notice) => notice.message.includes('withConcurrency'));
}

/** Whether one run of the coordinator recorded the patch marker of this behaviour. */
function hasPatchMarker(events: HistoryEvent[]): boolean {
  return events.some((event) => {
    const marker = event.markerRecordedEventAttributes;
    if (!marker) return false;
    return Object.values(marker.details ?? {}).some((payloads) =>
      (payloads.payloads ?? []).some((payload) =>
        Buffer.from(payload.data ?? new Uint8Array())
          .toString('utf8')
          .includes(UNREPORTED_CLOSE_PATCH),
      ),
    );
  });
}

/** The coordinator's "current details" in the Web UI, through the SDK's built-in metadata query. */
async function currentDetails(workflowId: string): Promise<string> {
  const metadata = await ctx.client.workflow
    .getHandle(workflowId)
    .query<{ currentDetails?: string }>('__temporal_workflow_metadata');
  return metadata.currentDetails ?? '';
}

/** A policy that rolls the coordinator over after every second signal and sweeps twice a second. */
function rollingPolicy(coordinatorQueue: string, childQueue: string) {
  return demoPolicy(coordinatorQueue, 3, undefined, {
    childTaskQueue: childQueue,
    sweepIntervalMs: 500,
    continueAsNewAfterSignals: 2,
    idleTimeoutMs: 120_000,
  });
}

/** Submits a short child and a long one, and waits until a later coordinator run carries both. */
async function carriedPair(policy: ReturnType<typeof rollingPolicy>, user: string) {
  const short = await submitDemo(ctx.client, policy, user, 'short', 3000);
  const long = await submitDemo(ctx.client, policy, user, 'long', 120_000);
  const coordinatorId = short.coordinatorWorkflowId;
  await waitForState(
    ctx.client,
    coordinatorId,
    (s) => s.counters.continuedAsNew >= 1 && s.running.filter((r) => r.runId !== undefined).length === 2,
    'both children started by the first run, carried into the second',
    30_000,
  );
  return { short, long, coordinatorId };
}

async function cleanUp(coordinatorId: string, children: SubmitResult[]): Promise<void> {
  for (const { childWorkflowId } of children) {
    await ctx.client.workflow
      .getHandle(childWorkflowId)
      .terminate('test over')
      .catch(() => undefined);
  }
  await ctx.client.workflow
    .getHandle(coordinatorId)
    .terminate('test over')
    .catch(() => undefined);
}

it.concurrent(
  'a carried child without the interceptor that closes before the new run’s first sweep is still named in a notice',
  async () => {
    const coordinatorQueue = uniqueName('mi-early');
    const childQueue = uniqueName('mi-early-plain');
    const coordinatorWorker = await createTestWorker(ctx, coordinatorQueue);
    const childWorker = await plainWorker(childQueue);
    const children: SubmitResult[] = [];
    let coordinatorId = '';
    await coordinatorWorker.runUntil(
      childWorker.runUntil(async () => {
        try {
          // Sweeps 8 s apart: the short child (3 s) closes after the second run asked it to report, before that
          // run's first sweep, which had never seen it open.
          const policy = demoPolicy(coordinatorQueue, 3, undefined, {
            childTaskQueue: childQueue,
            sweepIntervalMs: 8000,
            continueAsNewAfterSignals: 2,
            idleTimeoutMs: 120_000,
          });
          const { short, long, coordinatorId: id } = await carriedPair(policy, 'early');
          coordinatorId = id;
          children.push(short, long);
          const noticed = await waitForState(
            ctx.client,
            coordinatorId,
            (s) => interceptorNotices(s).length > 0,
            'a notice naming the task queue without the interceptor',
            45_000,
          );
          expect(noticed.recent.find((r) => r.id === 'short')?.outcome).toBe('completed');
          expect(interceptorNotices(noticed)[0]?.message).toContain(`task queue ${childQueue}`);
        } finally {
          await cleanUp(coordinatorId, children);
        }
      }),
    );
  },
  120_000,
);

it.concurrent(
  'a carried child on a worker without the interceptor: its close is learned, and one notice names its task queue',
  async () => {
    const coordinatorQueue = uniqueName('mi-coordinator');
    const childQueue = uniqueName('mi-plain');
    const coordinatorWorker = await createTestWorker(ctx, coordinatorQueue);
    const childWorker = await plainWorker(childQueue);
    const children: SubmitResult[] = [];
    let coordinatorId = '';
    await coordinatorWorker.runUntil(
      childWorker.runUntil(async () => {
        try {
          const policy = rollingPolicy(coordinatorQueue, childQueue);
          const { short, long, coordinatorId: id } = await carriedPair(policy, 'u');
          coordinatorId = id;
          children.push(short, long);

          // The short child completes; it tells nobody. The sweep finds it closed, and after the margin the
          // coordinator says what is missing.
          const noticed = await waitForState(
            ctx.client,
            coordinatorId,
            (s) => interceptorNotices(s).length > 0,
            'a notice naming the task queue without the interceptor',
            40_000,
          );
          expect(noticed.running.map((r) => r.id)).toEqual(['long']);
          const recorded = noticed.recent.find((r) => r.id === 'short');
          expect(recorded?.outcome).toBe('completed');
          const [notice, ...more] = interceptorNotices(noticed);
          expect(more).toEqual([]);
          expect(notice!.message).toContain(`task queue ${childQueue}`);
          expect(notice!.message).toContain("withConcurrency(...) from 'temporal-concurrency/worker'");
          // Judged only once the margin was up after the sweep found the close.
          expect(Date.parse(notice!.at) - Date.parse(recorded!.closedAt)).toBeGreaterThanOrEqual(
            UNREPORTED_CLOSE_MARGIN_MS,
          );
          const details = await currentDetails(coordinatorId);
          expect(details).toContain(childQueue);
          expect(details).toContain('withConcurrency');

          // Two more submissions roll the coordinator over again: the long child is now carried by a third run.
          const rolled = (await queryState(ctx.client, coordinatorId)).counters.continuedAsNew;
          for (const sub of ['c', 'd']) children.push(await submitDemo(ctx.client, policy, 'u', sub, 120_000));
          await waitForState(
            ctx.client,
            coordinatorId,
            (s) => s.counters.continuedAsNew > rolled && s.running.filter((r) => r.runId !== undefined).length === 3,
            'a third run carrying long, c and d',
            30_000,
          );
          // Let a sweep of the third run see the long child open, then end it from outside: it closes cancelled,
          // again without telling anyone.
          await new Promise((resolve) => setTimeout(resolve, 2000));
          await ctx.client.workflow.getHandle(long.childWorkflowId).cancel();
          const after = await waitForState(
            ctx.client,
            coordinatorId,
            (s) => s.recent.some((r) => r.id === 'long'),
            'the long child recorded',
            30_000,
          );
          expect(after.recent.find((r) => r.id === 'long')?.outcome).toBe('cancelled');
          expect(after.running.map((r) => r.id).sort()).toEqual(['c', 'd']);
          // The third run did find that close unreported (its history holds the patch marker) …
          await eventually(
            async () => {
              const runs = await allRunsOf(ctx.client, coordinatorId);
              return runs.length >= 3 && hasPatchMarker(runs.at(-1)!) ? true : undefined;
            },
            { what: 'the third run to find the long child closed unreported', timeoutMs: 10_000 },
          );
          // … and once the margin is up, it still says nothing new: the queue was named, in an earlier run.
          await new Promise((resolve) => setTimeout(resolve, UNREPORTED_CLOSE_MARGIN_MS + 2000));
          const final = await queryState(ctx.client, coordinatorId);
          expect(interceptorNotices(final)).toEqual([notice]);
        } finally {
          await cleanUp(coordinatorId, children);
        }
      }),
    );
  },
  120_000,
);

it.concurrent(
  'with the interceptor on the children’s worker, a carried child reports its close and nothing is said',
  async () => {
    const coordinatorQueue = uniqueName('mi-coordinator');
    const childQueue = uniqueName('mi-intercepted');
    const coordinatorWorker = await createTestWorker(ctx, coordinatorQueue);
    const childWorker = await createTestWorker(ctx, childQueue);
    const children: SubmitResult[] = [];
    let coordinatorId = '';
    await coordinatorWorker.runUntil(
      childWorker.runUntil(async () => {
        try {
          const policy = rollingPolicy(coordinatorQueue, childQueue);
          const { short, long, coordinatorId: id } = await carriedPair(policy, 'u');
          coordinatorId = id;
          children.push(short, long);
          const recorded = await waitForState(
            ctx.client,
            coordinatorId,
            (s) => s.recent.some((r) => r.id === 'short'),
            'the short child recorded',
            30_000,
          );
          expect(recorded.recent.find((r) => r.id === 'short')?.outcome).toBe('completed');
          // Longer than the margin, with sweeps twice a second meanwhile.
          await new Promise((resolve) => setTimeout(resolve, UNREPORTED_CLOSE_MARGIN_MS + 2000));
          const final = await queryState(ctx.client, coordinatorId);
          expect(interceptorNotices(final)).toEqual([]);
          expect(await currentDetails(coordinatorId)).not.toContain('withConcurrency');
          // No run took the new path at all: no patch marker anywhere.
          const runs = await allRunsOf(ctx.client, coordinatorId);
          expect(runs.length).toBeGreaterThanOrEqual(2);
          expect(runs.map(hasPatchMarker)).toEqual(runs.map(() => false));
        } finally {
          await cleanUp(coordinatorId, children);
        }
      }),
    );
  },
  120_000,
);
