/**
 * Misbehaving children and changing configuration: a child that continued as new, a child that ignores its
 * cancellation, a child whose task queue nobody polls, and a submitter whose policy says something else than the
 * coordinator's first input. Judged from the children's own histories (which run was cancelled, when each was open)
 * and from the coordinator's `state` query and `getSubmissionStatus()`.
 */
import { expect, it } from 'vitest';
import { defineConcurrencyPolicy, getSubmissionStatus, type SubmitResult } from '../../src/client';
import type { CoordinatorStateView, OpenSubmission } from '../../src/coordinator/messages';
import { queryState, settled, waitForState } from '../helpers/demo';
import { childTimeline, historiesOfAllRuns, maxOpenChildren } from '../helpers/histories';
import {
  allRunsOf,
  describeError,
  eventsOf,
  hasCancelRequest,
  keyedPolicy,
  submitKeyed,
  waitForStatus,
} from '../helpers/hostile';
import { createTestWorker, eventually, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

/** State fields the coordinator rewrite adds (the wire contract (docs/wire-contract.md) leaves room for them). */
type TargetRun = OpenSubmission & { terminateAfter?: string; waiting?: string };
type TargetState = CoordinatorStateView & { notices?: { at: string; message: string }[] };

/** Waits until `workflowId`'s newest run has closed, and returns that run's timeline. */
function closedTimeline(workflowId: string, what: string, timeoutMs: number) {
  return eventually(
    async () => {
      const timeline = await childTimeline(ctx.client, workflowId);
      return timeline.closeType ? timeline : undefined;
    },
    { what, timeoutMs },
  );
}

it.each(['on-cancel-request', 'on-close'] as const)(
  '7. (%s) a child that continued as new is cancelled in its current run, and the newer submission runs',
  async (slotRelease) => {
    const taskQueue = uniqueName('continued-child');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = keyedPolicy(taskQueue, 1, { slotRelease, sweepIntervalMs: 1000 });
      const old = await submitKeyed(ctx.client, policy, 'k', 'old', 'continuingWork', {
        continueTimes: 2,
        sleepMs: 60_000,
      });
      // Its third run sleeps: the run the coordinator started closed long ago.
      await eventually(
        async () => {
          const runs = await historiesOfAllRuns(ctx.client, old.childWorkflowId);
          const sleeping = runs.length === 3 && runs[2]!.some((event) => event.timerStartedEventAttributes);
          return sleeping ? true : undefined;
        },
        { what: 'old continued as new twice and sleeps' },
      );
      await waitForState(ctx.client, old.coordinatorWorkflowId, (s) => s.running[0]?.runId !== undefined, 'old');

      const newer = await submitKeyed(ctx.client, policy, 'k', 'newer', 'sleepyWork', { sleepMs: 200 });
      // Judged from the child's own history: its current run (not its first) was cancelled.
      const current = await closedTimeline(old.childWorkflowId, "old's current run to close", 20_000).catch(
        async (err: unknown) => {
          // Say which runs of the chain were asked to cancel, and how the coordinator's cancel requests fared.
          const asked = (await allRunsOf(ctx.client, old.childWorkflowId)).map(hasCancelRequest);
          const coordinator = await eventsOf(ctx.client, old.coordinatorWorkflowId);
          const cancels = coordinator.flatMap((event) => {
            const initiated = event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes;
            if (initiated) return [`initiated(run ${initiated.workflowExecution?.runId || 'none'})`];
            if (event.externalWorkflowExecutionCancelRequestedEventAttributes) return ['requested'];
            const failed = event.requestCancelExternalWorkflowExecutionFailedEventAttributes;
            return failed ? [`failed(cause ${String(failed.cause)})`] : [];
          });
          throw new Error(
            `${describeError(err)}; cancel requested per run of the chain: [${asked.join(', ')}]; ` +
              `coordinator's cancel commands: [${cancels.join(', ')}]`,
            { cause: err },
          );
        },
      );
      expect(current.closeType).toBe('cancelled');
      expect(current.cancelRequestedAtMs).toBeDefined();

      const state = await waitForState(
        ctx.client,
        old.coordinatorWorkflowId,
        (s) => settled(s) && s.recent.some((r) => r.id === 'newer'),
        'newer recorded',
        20_000,
      );
      expect(state.recent.find((r) => r.id === 'old')).toMatchObject({ outcome: 'cancelled', supersededBy: 'newer' });
      expect(state.recent.find((r) => r.id === 'newer')?.outcome).toBe('completed');
      if (slotRelease === 'on-close') {
        // Never two open: the newer child started only once the old one's current run had closed.
        const newerTimeline = await childTimeline(ctx.client, newer.childWorkflowId);
        expect(maxOpenChildren([current, newerTimeline])).toBe(1);
      }
    });
  },
);

it('8. a child that ignores its cancellation is terminated after cancelGracePeriodMs, shown meanwhile, and on-close then starts the newer one', async () => {
  const taskQueue = uniqueName('grace-period');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const graceMs = 3000;
    const policy = keyedPolicy(taskQueue, 1, {
      slotRelease: 'on-close',
      sweepIntervalMs: 1000,
      cancelGracePeriodMs: graceMs,
    });
    const stubborn = await submitKeyed(ctx.client, policy, 'k', 'stubborn', 'heldWork', {
      maxMs: 60_000,
      ignoreCancel: true,
    });
    const coordinatorId = stubborn.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.runId !== undefined, 'stubborn started');
    const newer = await submitKeyed(ctx.client, policy, 'k', 'newer', 'sleepyWork', { sleepMs: 200 });

    // While the grace period runs, the state says when the coordinator will escalate.
    let waiting: TargetRun | undefined;
    const closed = await eventually(
      async () => {
        const state = await queryState(ctx.client, coordinatorId).catch(() => undefined);
        const run: TargetRun | undefined = state?.running.find((r) => r.id === 'stubborn');
        if (run?.terminateAfter) waiting = run;
        const timeline = await childTimeline(ctx.client, stubborn.childWorkflowId);
        return timeline.closeType ? timeline : undefined;
      },
      { what: 'the child that ignores its cancellation to be ended after cancelGracePeriodMs', timeoutMs: 20_000 },
    );
    expect(closed.closeType).toBe('terminated');
    // Not before the grace period was up (both times are the server's).
    expect(closed.closedAtMs! - closed.cancelRequestedAtMs!).toBeGreaterThanOrEqual(graceMs - 500);
    expect(waiting?.terminateAfter, 'state.running[].terminateAfter while waiting').toBeDefined();
    expect(Number.isNaN(Date.parse(waiting!.terminateAfter!))).toBe(false);
    expect(Date.parse(waiting!.terminateAfter!)).toBeGreaterThan(Date.parse(waiting!.cancelRequestedAt!));

    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => settled(s) && s.recent.some((r) => r.id === 'newer'),
      'newer recorded',
      20_000,
    );
    const recorded = state.recent.find((r) => r.id === 'stubborn');
    expect(recorded?.outcome).toBe('terminated');
    expect(recorded?.reason).toMatch(/cancelGracePeriodMs/);
    expect(state.recent.find((r) => r.id === 'newer')?.outcome).toBe('completed');
    const newerTimeline = await childTimeline(ctx.client, newer.childWorkflowId);
    expect(maxOpenChildren([closed, newerTimeline])).toBe(1);
  });
});

it("9. a submitter's changed maxRuns and slotRelease apply to the running coordinator at once, recorded in state.notices", async () => {
  const taskQueue = uniqueName('config-change');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const before = keyedPolicy(taskQueue, 2, { sweepIntervalMs: 1000 });
    // The same policy name, redeployed with other limits.
    const after = defineConcurrencyPolicy({ ...before, maxRuns: 5, slotRelease: 'on-close' });
    const first = await submitKeyed(ctx.client, before, 'k', 'c-1', 'sleepyWork', { sleepMs: 20_000 });
    const coordinatorId = first.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.runId !== undefined, 'c-1 started');

    await submitKeyed(ctx.client, after, 'k', 'c-2', 'sleepyWork', { sleepMs: 20_000 });
    const changed: TargetState = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.maxRuns === 5 && s.slotRelease === 'on-close',
      'maxRuns 5 and on-close in state (today: the first input, forever)',
      10_000,
    );
    expect(changed.notices?.some((notice) => /maxRuns/.test(notice.message) && notice.at)).toBe(true);

    // And it acts on it: with 5 slots, four submissions cancel nothing.
    const later: SubmitResult[] = [];
    for (const id of ['c-3', 'c-4'])
      later.push(await submitKeyed(ctx.client, after, 'k', id, 'sleepyWork', { sleepMs: 20_000 }));
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.running.filter((r) => r.runId !== undefined).length === 4,
      'four children running',
    );
    expect(state.running.filter((r) => r.cancelRequestedAt !== undefined)).toEqual([]);
    expect((await childTimeline(ctx.client, first.childWorkflowId)).cancelRequestedAtMs).toBeUndefined();
    for (const { childWorkflowId } of [first, ...later]) {
      await ctx.client.workflow
        .getHandle(childWorkflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
  });
});

it('11. a child on a task queue nobody polls shows as waiting with the reason, is failed after waitingChildTimeoutMs, and the coordinator idles', async () => {
  const taskQueue = uniqueName('unpolled-queue');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const waitingChildTimeoutMs = 6000;
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000, idleTimeoutMs: 1000, waitingChildTimeoutMs });
    // A typo'd queue: no worker will ever poll it.
    const typo = uniqueName('previewz');
    const submitted = await submitKeyed(
      ctx.client,
      policy,
      'k',
      'typo',
      'sleepyWork',
      { sleepMs: 100 },
      {
        taskQueue: typo,
      },
    );

    const shown = await eventually(
      async () => {
        const status = (await getSubmissionStatus(ctx.client, submitted)) as {
          status: string;
          run?: TargetRun;
        };
        return status.status === 'waiting' ? status : undefined;
      },
      { what: `status "waiting" within about two sweep intervals`, timeoutMs: 10_000 },
    ).catch(async (err: unknown) => {
      const status = await getSubmissionStatus(ctx.client, submitted).catch((e: unknown) => describeError(e));
      throw new Error(`${describeError(err)}; status now: ${JSON.stringify(status)}`, { cause: err });
    });
    expect(shown.run?.waiting).toContain(typo);

    const failed = await eventually(
      async () => {
        const status = await getSubmissionStatus(ctx.client, submitted);
        return status.status === 'failed' ? status : undefined;
      },
      { what: 'failed after waitingChildTimeoutMs', timeoutMs: 20_000 },
    );
    expect('run' in failed && (failed.run as { reason?: string }).reason).toContain(typo);
    const child = await childTimeline(ctx.client, submitted.childWorkflowId);
    expect(child.closeType).toBe('terminated');
    expect(child.closedAtMs! - child.startedAtMs).toBeGreaterThanOrEqual(waitingChildTimeoutMs - 500);
    // Nothing holds the key any more: the coordinator idles and completes.
    await waitForStatus(ctx.client, submitted.coordinatorWorkflowId, 'COMPLETED', 15_000);
  });
});
