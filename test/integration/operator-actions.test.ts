/**
 * What operators do to a coordinator: reset it, terminate it (and resume it), and let it complete when idle while a
 * submission races in. Documented in docs/operations.md.
 */
import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import { defineConcurrencyPolicy, resumeCoordinator, submit, type SubmitResult } from '../../src/client';
import { stateQuery, type ClosedSubmission, type CoordinatorStateView } from '../../src/coordinator/messages';
import { demoPolicy, settled, submitDemo, waitForState } from '../helpers/demo';
import { childTimeline, maxOpenChildren } from '../helpers/histories';
import { createTestWorker, eventually, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

const temporal = (...args: string[]) =>
  promisify(execFile)(inject('temporalCliPath'), [...args, '--address', inject('temporalAddress')]);

/**
 * Every closed submission recorded by any run of this coordinator ID (each idle completion ends a run), once each: a
 * run that follows an idle one continues its recent outcomes, so the same record can appear in several runs.
 */
async function recordedAcrossRuns(coordinatorId: string): Promise<ClosedSubmission[]> {
  const recorded: ClosedSubmission[] = [];
  for await (const execution of ctx.client.workflow.list({ query: `WorkflowId = "${coordinatorId}"` })) {
    const handle = ctx.client.workflow.getHandle(coordinatorId, execution.runId);
    const view: CoordinatorStateView =
      execution.status.name === 'COMPLETED'
        ? ((await handle.result()) as CoordinatorStateView)
        : await handle.query(stateQuery);
    recorded.push(...view.recent);
  }
  return [...new Map(recorded.map((run) => [run.id, run])).values()];
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
    // Each child ran exactly once, or never if it was dropped before it started (a burst decided at once).
    for (const { childWorkflowId, submissionId } of submitted) {
      const runs = [];
      for await (const e of ctx.client.workflow.list({ query: `WorkflowId = "${childWorkflowId}"` })) runs.push(e);
      const dropped = state.recent.find((r) => r.id === submissionId)?.outcome === 'dropped';
      expect(runs.length, `${childWorkflowId}: ${JSON.stringify(state.recent)}`).toBe(dropped ? 0 : 1);
    }
  });
});

it('terminating the coordinator: its children finish, and the next run takes over and records them', async () => {
  const taskQueue = uniqueName('terminate-coordinator');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, 1, undefined, { sweepIntervalMs: 1000 });
    const first = await submitDemo(ctx.client, policy, 'u', 't-1', 1500);
    await waitForState(ctx.client, first.coordinatorWorkflowId, (s) => s.running[0]?.runId !== undefined, 'started');
    await temporal('workflow', 'terminate', '--workflow-id', first.coordinatorWorkflowId, '--reason', 'test');

    // ABANDON: the child outlives its coordinator and completes on its own.
    await eventually(
      async () =>
        (await childTimeline(ctx.client, first.childWorkflowId)).closeType === 'completed' ? true : undefined,
      { what: 't-1 completed' },
    );
    // The next submission starts a fresh run, which takes over t-1 and learns from the sweep how it ended.
    const next = await submitDemo(ctx.client, policy, 'u', 't-2', 100);
    const state = await waitForState(
      ctx.client,
      next.coordinatorWorkflowId,
      (s) => settled(s) && s.recent.length === 2,
      'fresh coordinator done',
    );
    expect(state.recent.map((r) => [r.id, r.outcome]).sort()).toEqual([
      ['t-1', 'completed'],
      ['t-2', 'completed'],
    ]);
    expect(state.counters.submitted).toBe(2);
  });
});

it('terminating the coordinator loses no accepted submission: queued and never-handled ones are taken over', async () => {
  const taskQueue = uniqueName('terminate-queued');
  const policy = defineConcurrencyPolicy({
    name: uniqueName('on-close'),
    maxRuns: 1,
    limitStrategy: 'CANCEL_IN_PROGRESS',
    slotRelease: 'on-close',
    key: () => 'k',
    taskQueue,
    sweepIntervalMs: 1000,
  });
  const stubborn = await createTestWorker(ctx, taskQueue).then((worker) =>
    worker.runUntil(async () => {
      // It ignores its cancellation, so under on-close the next submission waits in the queue.
      const started = await submit(ctx.client, {
        policy,
        workflow: 'stubbornWork',
        args: [{ sleepMs: 4000 }],
        id: 'q-1',
      });
      await waitForState(ctx.client, started.coordinatorWorkflowId, (s) => s.running[0]?.runId !== undefined, 'q-1');
      await submit(ctx.client, { policy, workflow: 'demoWork', args: [{ durationMs: 100 }], id: 'q-2' });
      await waitForState(
        ctx.client,
        started.coordinatorWorkflowId,
        (s) => s.queued.some((r) => r.id === 'q-2') && s.running[0]?.cancelRequestedAt !== undefined,
        'q-2 queued behind the cancelled q-1',
      );
      return started;
    }),
  );
  // No worker now: the server accepts q-3, but no workflow task of this run ever handles it.
  const accepted = await submit(ctx.client, { policy, workflow: 'demoWork', args: [{ durationMs: 100 }], id: 'q-3' });
  await temporal('workflow', 'terminate', '--workflow-id', stubborn.coordinatorWorkflowId, '--reason', 'test');

  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    // Without waiting for the key's next submission: a fresh run with the old configuration takes the work over.
    expect((await resumeCoordinator(ctx.client, stubborn.coordinatorWorkflowId)).resumed).toBe(true);
    expect(await resumeCoordinator(ctx.client, stubborn.coordinatorWorkflowId)).toEqual({
      resumed: false,
      reason: 'already running',
    });
    const state = await waitForState(
      ctx.client,
      accepted.coordinatorWorkflowId,
      (s) => settled(s) && s.recent.length === 3,
      'all three taken over and closed',
      30_000,
    );
    const outcome = (id: string) => state.recent.find((r) => r.id === id);
    expect(outcome('q-1')?.outcome).toBe('completed'); // it ignored its cancellation
    expect(outcome('q-2')).toMatchObject({ outcome: 'dropped', supersededBy: 'q-3' });
    expect(outcome('q-3')?.outcome).toBe('completed');
    expect(state.counters.submitted).toBe(3);
    // From the children's own histories: never more than one open at once, across both coordinator runs.
    const timelines = await Promise.all(
      ['q-1', 'q-3'].map((id) => childTimeline(ctx.client, `${stubborn.coordinatorWorkflowId}/${id}`)),
    );
    expect(maxOpenChildren(timelines)).toBe(1);
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
