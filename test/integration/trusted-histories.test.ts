/**
 * A run believes only what Temporal's histories prove (run behaviour 3): not the start input's `carried`, not that
 * its own workflow ID is the key's, not that the run before it handed everything over. Each test is an attack or an
 * operator mistake that lost work or broke the limit before, judged from the children's
 * own histories and the `state` query.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { expect, it } from 'vitest';
import { coordinatorWorkflowId, getSubmissionStatus } from '../../src/client';
import { COORDINATOR_WORKFLOW_TYPE, stateQuery, type CoordinatorStateView } from '../../src/coordinator/messages';
import { waitForState } from '../helpers/demo';
import { childTimeline, maxOpenChildren } from '../helpers/histories';
import {
  eventsOf,
  keyedPolicy,
  rawInputOf,
  submitKeyed,
  waitForStatus,
  workflowTaskFailures,
} from '../helpers/hostile';
import { createTestWorker, eventually, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

function outcomeOf(state: CoordinatorStateView, id: string) {
  return state.recent.find((run) => run.id === id);
}

/** Waits until the coordinator's latest run has no workflow task in flight and none failed, then its history. */
async function startChildCount(workflowId: string): Promise<number> {
  const events = await eventsOf(ctx.client, workflowId);
  return events.filter((event) => event.startChildWorkflowExecutionInitiatedEventAttributes).length;
}

it('1. two terminates in a row while the worker is down: the third run takes over the first run’s child through the second, which never ran', async () => {
  const taskQueue = uniqueName('double-terminate');
  const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000, slotRelease: 'on-close' });
  const s1 = await (async () => {
    const worker = await createTestWorker(ctx, taskQueue);
    return worker.runUntil(async () => {
      const submitted = await submitKeyed(ctx.client, policy, 'k', 's1', 'sleepyWork', { sleepMs: 120_000 });
      await waitForState(ctx.client, submitted.coordinatorWorkflowId, (s) => s.running[0]?.runId !== undefined, 's1');
      return submitted;
    });
  })();
  // The worker is gone. An operator terminates run A; s2 starts run B, which no worker picks up; B is terminated too.
  const coordinatorId = s1.coordinatorWorkflowId;
  await ctx.client.workflow.getHandle(coordinatorId).terminate('test: operator terminates A');
  await submitKeyed(ctx.client, policy, 'k', 's2', 'sleepyWork', { sleepMs: 200 });
  await ctx.client.workflow.getHandle(coordinatorId).terminate('test: operator terminates B');

  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const s3 = await submitKeyed(ctx.client, policy, 'k', 's3', 'sleepyWork', { sleepMs: 200 });
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => ['s1', 's2', 's3'].every((id) => outcomeOf(s, id)) && s.running.length === 0,
      's1 cancelled, s2 dropped, s3 completed by run C',
      30_000,
    );
    expect(outcomeOf(state, 's1')?.outcome).toBe('cancelled');
    expect(outcomeOf(state, 's1')?.supersededBy).toBe('s2'); // s2 displaced it when it arrived, in run B
    expect(outcomeOf(state, 's2')?.outcome).toBe('dropped');
    expect(outcomeOf(state, 's3')?.outcome).toBe('completed');
    expect(state.counters.submitted).toBe(3);
    // From the children's own histories: s1 was asked to cancel, and never two ran at once.
    const timelines = await Promise.all([s1, s3].map((s) => childTimeline(ctx.client, s.childWorkflowId)));
    expect(timelines[0]!.cancelRequestedAtMs).toBeDefined();
    expect(maxOpenChildren(timelines)).toBe(1);
  });
});

it("2. a coordinator under a non-canonical ID for its key (Python's quote() writes ' as %27) refuses to run anything, naming the canonical ID", async () => {
  const taskQueue = uniqueName('non-canonical');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    const key = "it's";
    const canonical = coordinatorWorkflowId(policy.name, key);
    expect(canonical).toBe(`concurrency/${policy.name}/it's`);
    const canonicalRun = await submitKeyed(ctx.client, policy, key, 'c-1', 'sleepyWork', { sleepMs: 30_000 });
    await waitForState(ctx.client, canonical, (s) => s.running[0]?.runId !== undefined, 'c-1 started');

    const pythonId = `concurrency/${policy.name}/it%27s`;
    await ctx.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
      workflowId: pythonId,
      taskQueue,
      args: [rawInputOf(policy, key)],
      signal: 'submit',
      signalArgs: [{ id: 'p-1', workflowType: 'sleepyWork', args: [{ key, sleepMs: 200 }] }],
    });
    await waitForStatus(ctx.client, pythonId, 'FAILED', 15_000);
    const failure: unknown = await ctx.client.workflow
      .getHandle(pythonId)
      .result()
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as { type?: string; message: string };
    expect(cause.type).toBe('NonCanonicalCoordinatorId');
    expect(cause.message).toContain(canonical);
    // It started nothing, and its submitter reads why.
    expect(await startChildCount(pythonId)).toBe(0);
    const refused = await ctx.client.workflow.getHandle(pythonId).query(stateQuery);
    expect(outcomeOf(refused, 'p-1')?.outcome).toBe('rejected');
    expect(outcomeOf(refused, 'p-1')?.reason).toContain(canonical);
    // The canonical coordinator's child ran on, never cancelled.
    expect((await childTimeline(ctx.client, canonicalRun.childWorkflowId)).cancelRequestedAtMs).toBeUndefined();
    await ctx.client.workflow.getHandle(canonicalRun.childWorkflowId).terminate('test: done');
  });
});

it('3. an invalid start input (maxRuns 0) costs only itself: the valid submissions that reached its run are handled', async () => {
  const taskQueue = uniqueName('invalid-start');
  const policy = keyedPolicy(taskQueue, 2, { sweepIntervalMs: 1000 });
  const coordinatorId = coordinatorWorkflowId(policy.name, 'k');
  // With no worker yet: one signalWithStart carries maxRuns 0; g1 and g2 arrive through submit() meanwhile.
  await ctx.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
    workflowId: coordinatorId,
    taskQueue,
    args: [rawInputOf(policy, 'k', { maxRuns: 0 })],
    signal: 'submit',
    signalArgs: [{ id: 'bad', workflowType: 'sleepyWork', args: [{ key: 'k', sleepMs: 200 }] }],
  });
  const g1 = await submitKeyed(ctx.client, policy, 'k', 'g1', 'sleepyWork', { sleepMs: 200 });
  await submitKeyed(ctx.client, policy, 'k', 'g2', 'sleepyWork', { sleepMs: 200 });
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => ['bad', 'g1', 'g2'].every((id) => outcomeOf(s, id)),
      'bad, g1 and g2 recorded',
      30_000,
    );
    expect(outcomeOf(state, 'g1')?.outcome).toBe('completed');
    expect(outcomeOf(state, 'g2')?.outcome).toBe('completed');
    // A valid submission too (only the start input was wrong), displaced by the two newer ones.
    expect(outcomeOf(state, 'bad')?.outcome).toBe('dropped');
    expect(state.maxRuns).toBe(2);
    expect(state.notices.map((n) => n.message).join('\n')).toMatch(/maxRuns must be an integer >= 1.*submission g1/);
    expect((await getSubmissionStatus(ctx.client, g1)).status).toBe('completed');
    expect(workflowTaskFailures(await eventsOf(ctx.client, coordinatorId))).toEqual([]);
  });
});

it('3b. an invalid start input with no valid configuration anywhere fails visibly, and its submissions read as rejected, never unknown', async () => {
  const taskQueue = uniqueName('invalid-start-alone');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    const coordinatorId = coordinatorWorkflowId(policy.name, 'k');
    // The plain CLI's way: no `config` in the submission.
    await ctx.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
      workflowId: coordinatorId,
      taskQueue,
      args: [rawInputOf(policy, 'k', { maxRuns: 0 })],
      signal: 'submit',
      signalArgs: [{ id: 'cli-1', workflowType: 'sleepyWork', args: [{ key: 'k', sleepMs: 200 }] }],
    });
    await waitForStatus(ctx.client, coordinatorId, 'FAILED', 15_000);
    const submitted = { submissionId: 'cli-1', coordinatorWorkflowId: coordinatorId, childWorkflowId: '' };
    const status = await getSubmissionStatus(ctx.client, submitted);
    expect(status.status).toBe('rejected');
    expect(status.status === 'rejected' && status.run.reason).toMatch(/maxRuns must be an integer >= 1/);

    // The key's next (valid) submission starts a fresh run that keeps the record, and runs.
    await submitKeyed(ctx.client, policy, 'k', 'next', 'sleepyWork', { sleepMs: 200 });
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => outcomeOf(s, 'next')?.outcome === 'completed',
      'next completed by a fresh run',
      30_000,
    );
    expect(outcomeOf(state, 'cli-1')?.outcome).toBe('rejected');
  });
});

it('4. a forged carried in a start input is ignored: no unrelated workflow is cancelled, a terminated run is still taken over, a malformed run cannot wedge the key', async () => {
  const taskQueue = uniqueName('forged-carried');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000, slotRelease: 'on-close' });
    // (a) carried.runs names an unrelated running workflow and its run ID.
    const bystander = await ctx.client.workflow.start('sleepyWork', {
      workflowId: uniqueName('bystander'),
      taskQueue,
      args: [{ sleepMs: 60_000 }],
    });
    const forgedRun = {
      id: 'ghost',
      seq: 1,
      workflowId: bystander.workflowId,
      runId: bystander.firstExecutionRunId,
      workflowType: 'sleepyWork',
      submittedAt: new Date().toISOString(),
      startedAt: new Date().toISOString(),
    };
    const carried = (runs: unknown[]) => ({ nextSeq: 2, runs, recent: [], seenIds: [], counters: {} });
    const forgedId = coordinatorWorkflowId(policy.name, 'a');
    await ctx.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
      workflowId: forgedId,
      taskQueue,
      args: [{ ...rawInputOf(policy, 'a'), carried: carried([forgedRun]) }],
      signal: 'submit',
      signalArgs: [{ id: 'a-1', workflowType: 'sleepyWork', args: [{ key: 'a', sleepMs: 200 }] }],
    });
    const a = await waitForState(ctx.client, forgedId, (s) => outcomeOf(s, 'a-1')?.outcome === 'completed', 'a-1');
    expect(a.running).toEqual([]);
    expect((await childTimeline(ctx.client, bystander.workflowId)).cancelRequestedAtMs).toBeUndefined();
    expect(a.notices.map((n) => n.message).join('\n')).toMatch(/ignored the carried state/);
    await bystander.terminate('test: done');

    // (b) an empty carried after a terminate must not skip the take-over.
    const b1 = await submitKeyed(ctx.client, policy, 'b', 'b-1', 'sleepyWork', { sleepMs: 60_000 });
    await waitForState(ctx.client, b1.coordinatorWorkflowId, (s) => s.running[0]?.runId !== undefined, 'b-1');
    await ctx.client.workflow.getHandle(b1.coordinatorWorkflowId).terminate('test: operator');
    await ctx.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
      workflowId: b1.coordinatorWorkflowId,
      taskQueue,
      args: [{ ...rawInputOf(policy, 'b'), carried: carried([]) }],
      signal: 'submit',
      signalArgs: [{ id: 'b-2', workflowType: 'sleepyWork', args: [{ key: 'b', sleepMs: 200 }] }],
    });
    const b = await waitForState(
      ctx.client,
      b1.coordinatorWorkflowId,
      (s) => outcomeOf(s, 'b-1') !== undefined && outcomeOf(s, 'b-2')?.outcome === 'completed',
      'b-1 superseded, b-2 completed',
      30_000,
    );
    expect(outcomeOf(b, 'b-1')?.outcome).toBe('cancelled');
    const timelines = await Promise.all(
      ['b-1', 'b-2'].map((id) => childTimeline(ctx.client, `${b1.coordinatorWorkflowId}/${id}`)),
    );
    expect(maxOpenChildren(timelines)).toBe(1);

    // (c) runs: [null] and a run without runId: no workflow task fails, the key works.
    const cId = coordinatorWorkflowId(policy.name, 'c');
    await ctx.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
      workflowId: cId,
      taskQueue,
      args: [{ ...rawInputOf(policy, 'c'), carried: carried([null, { ...forgedRun, runId: undefined }]) }],
      signal: 'submit',
      signalArgs: [{ id: 'c-1', workflowType: 'sleepyWork', args: [{ key: 'c', sleepMs: 200 }] }],
    });
    await waitForState(ctx.client, cId, (s) => outcomeOf(s, 'c-1')?.outcome === 'completed', 'c-1 completed');
    expect(workflowTaskFailures(await eventsOf(ctx.client, cId))).toEqual([]);
  });
});

it('6. a deleted coordinator: the fresh run finds the running child by its memo and the key’s limit holds', async () => {
  const taskQueue = uniqueName('deleted-coordinator');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000, slotRelease: 'on-close' });
    const s1 = await submitKeyed(ctx.client, policy, 'k', 's1', 'sleepyWork', { sleepMs: 120_000 });
    const coordinatorId = s1.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.runId !== undefined, 's1 started');
    const { runId } = await ctx.client.workflow.getHandle(coordinatorId).describe();
    await ctx.client.workflowService.deleteWorkflowExecution({
      namespace: ctx.client.options.namespace,
      workflowExecution: { workflowId: coordinatorId, runId },
    });
    await eventually(
      async () => {
        const runs = [];
        for await (const info of ctx.client.workflow.list({ query: `WorkflowId = ${JSON.stringify(coordinatorId)}` }))
          runs.push(info);
        return runs.length === 0 ? true : undefined;
      },
      { what: 'the coordinator deleted', timeoutMs: 20_000 },
    );

    const s2 = await submitKeyed(ctx.client, policy, 'k', 's2', 'sleepyWork', { sleepMs: 200 });
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => outcomeOf(s, 's1') !== undefined && outcomeOf(s, 's2')?.outcome === 'completed',
      's1 adopted and superseded, s2 completed',
      30_000,
    );
    expect(outcomeOf(state, 's1')?.outcome).toBe('cancelled');
    const timelines = await Promise.all([s1, s2].map((s) => childTimeline(ctx.client, s.childWorkflowId)));
    expect(timelines[0]!.cancelRequestedAtMs).toBeDefined();
    expect(maxOpenChildren(timelines)).toBe(1);
  });
});

it("7. thirty children returning 1.9 MB each at once never push the coordinator's history past the server's limit, and the queue starts by itself", async () => {
  const taskQueue = uniqueName('big-results');
  const childTaskQueue = uniqueName('big-results-children');
  const policy = keyedPolicy(taskQueue, 30, { sweepIntervalMs: 2000, slotRelease: 'on-close', childTaskQueue });
  const coordinatorId = coordinatorWorkflowId(policy.name, 'k');
  const ids = Array.from({ length: 30 }, (_, i) => `big-${i}`);
  const queued = Array.from({ length: 5 }, (_, i) => `after-${i}`);
  const untilMs = Date.now() + 20_000;
  const children = await createTestWorker(ctx, childTaskQueue);
  await children.runUntil(async () => {
    const big = await (
      await createTestWorker(ctx, taskQueue)
    ).runUntil(async () => {
      // They ignore their cancellation (so under on-close they keep their slots) and all return at `untilMs`.
      const submitted = await Promise.all(
        ids.map((id) =>
          submitKeyed(ctx.client, policy, 'k', id, 'bigResultWork', { untilMs, bytes: 1_900_000, ignoreCancel: true }),
        ),
      );
      await waitForState(ctx.client, coordinatorId, (s) => s.running.filter((r) => r.runId).length === 30, '30 up');
      // Five more wait for slots; nobody submits after them.
      for (const id of queued) await submitKeyed(ctx.client, policy, 'k', id, 'sleepyWork', { sleepMs: 100 });
      await waitForState(ctx.client, coordinatorId, (s) => s.queued.length === 5, 'five queued');
      return submitted;
    });
    // The coordinators' worker is away while all thirty return: their results reach the server at once.
    await eventually(
      async () => {
        const timelines = await Promise.all(big.map((s) => childTimeline(ctx.client, s.childWorkflowId)));
        return timelines.every((timeline) => timeline.closeType) ? true : undefined;
      },
      { what: 'all thirty children closed', timeoutMs: 60_000 },
    );
    await (
      await createTestWorker(ctx, taskQueue)
    ).runUntil(async () => {
      const state = await waitForState(
        ctx.client,
        coordinatorId,
        (s) => [...ids, ...queued].every((id) => outcomeOf(s, id)) && s.running.length === 0 && s.queued.length === 0,
        'all 35 recorded',
        90_000,
      );
      expect([...ids, ...queued].map((id) => outcomeOf(state, id)?.outcome)).toEqual(Array(35).fill('completed'));
    });
    // From the coordinator's own runs: none was terminated for its history's size.
    const statuses: string[] = [];
    for await (const info of ctx.client.workflow.list({ query: `WorkflowId = ${JSON.stringify(coordinatorId)}` })) {
      statuses.push(info.status.name);
    }
    expect(statuses).not.toContain('TERMINATED');
    const timelines = await Promise.all(big.map((s) => childTimeline(ctx.client, s.childWorkflowId)));
    expect(maxOpenChildren(timelines)).toBeLessThanOrEqual(30);
  });
});

it('8. a closed child revived by a reset is found by its memo, counted, and cancelled by the newer work; its submission keeps one outcome', async () => {
  const taskQueue = uniqueName('revived-child');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    const s1 = await submitKeyed(ctx.client, policy, 'k', 's1', 'sleepyWork', { sleepMs: 120_000 });
    const coordinatorId = s1.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.runId !== undefined, 's1 started');
    await ctx.client.workflow.getHandle(s1.childWorkflowId).terminate('test: operator');
    await waitForState(ctx.client, coordinatorId, (s) => outcomeOf(s, 's1')?.outcome === 'terminated', 's1 recorded');
    const s2 = await submitKeyed(ctx.client, policy, 'k', 's2', 'sleepyWork', { sleepMs: 120_000 });
    await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.id === 's2' && !!s.running[0].runId, 's2');

    // The operator resets s1 to undo the terminate: it runs again under its default child ID.
    const events = await eventsOf(ctx.client, s1.childWorkflowId);
    const firstTask = events.find((event) => event.workflowTaskCompletedEventAttributes)!;
    const { runId } = await ctx.client.workflowService.resetWorkflowExecution({
      namespace: ctx.client.options.namespace,
      workflowExecution: { workflowId: s1.childWorkflowId },
      workflowTaskFinishEventId: firstTask.eventId,
      requestId: uniqueName('reset'),
      reason: 'test: undo the terminate',
    });
    const revivedCancelled = await eventually(
      async () => {
        const revived = await eventsOf(ctx.client, s1.childWorkflowId, runId);
        return revived.some((event) => event.workflowExecutionCancelRequestedEventAttributes) ? revived : undefined;
      },
      { what: "the revived s1's cancellation request", timeoutMs: 30_000 },
    );
    expect(revivedCancelled.length).toBeGreaterThan(0);
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.notices.some((n) => /revived child of s1 closed/.test(n.message)),
      "the revived s1's close noted",
      30_000,
    );
    // Its submission keeps its one outcome; s2, the newer work, was never touched.
    expect(state.recent.filter((run) => run.id === 's1').map((run) => run.outcome)).toEqual(['terminated']);
    expect(state.running.map((run) => run.id)).toEqual(['s2']);
    expect((await childTimeline(ctx.client, s2.childWorkflowId)).cancelRequestedAtMs).toBeUndefined();
    await ctx.client.workflow.getHandle(s2.childWorkflowId).terminate('test: done');
  });
});

it('9. the coordinator reset to the task that started a child, then cancelled: that submission ends as its child did, never “dropped” (behaviour 4)', async () => {
  const taskQueue = uniqueName('reset-coordinator');
  // on-close: s1 waits queued until s0, which it supersedes, has closed; the task that then starts s1 is the reset point.
  const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000, slotRelease: 'on-close' });
  const coordinatorId = coordinatorWorkflowId(policy.name, 'k');
  const { s1, resetPoint } = await (async () => {
    const worker = await createTestWorker(ctx, taskQueue);
    return worker.runUntil(async () => {
      await submitKeyed(ctx.client, policy, 'k', 's0', 'sleepyWork', { sleepMs: 120_000 });
      await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.runId !== undefined, 's0 started');
      const submitted = await submitKeyed(ctx.client, policy, 'k', 's1', 'sleepyWork', { sleepMs: 120_000 });
      await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.id === 's1' && !!s.running[0].runId, 's1');
      const events = await eventsOf(ctx.client, coordinatorId);
      const s1Start = events.find(
        (event) => event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId === submitted.childWorkflowId,
      )!;
      const task = events
        .filter((e) => e.workflowTaskCompletedEventAttributes && e.eventId! < s1Start.eventId!)
        .at(-1)!;
      return { s1: submitted, resetPoint: task.eventId };
    });
  })();
  // With the coordinators' worker away, the operator resets the coordinator to the task that started s1 (that start
  // is cut from the new run's history) and cancels it: the reset run sees s1 queued and its own cancellation at once.
  await ctx.client.workflowService.resetWorkflowExecution({
    namespace: ctx.client.options.namespace,
    workflowExecution: { workflowId: coordinatorId },
    workflowTaskFinishEventId: resetPoint,
    requestId: uniqueName('reset'),
    reason: 'test: reset the task that started s1',
  });
  await ctx.client.workflow.getHandle(coordinatorId).cancel();

  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    // The reset run finds s1's child by its memo before it ends, and cancels it with the rest of the key's work.
    await waitForStatus(ctx.client, coordinatorId, 'CANCELLED', 30_000);
    const s1Life = await eventually(
      async () => {
        const timeline = await childTimeline(ctx.client, s1.childWorkflowId);
        return timeline.closeType !== undefined ? timeline : undefined;
      },
      { what: "s1's child closed", timeoutMs: 30_000 },
    );
    expect(s1Life.cancelRequestedAtMs).toBeDefined();
    const cancelledRun = await ctx.client.workflow.getHandle(coordinatorId).query(stateQuery);
    expect(outcomeOf(cancelledRun, 's1')?.outcome).not.toBe('dropped');

    // The key's next run takes the cancelled run over, through the reset: s1 is recorded as its child ended.
    const s2 = await submitKeyed(ctx.client, policy, 'k', 's2', 'sleepyWork', { sleepMs: 100 });
    const state = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => outcomeOf(s, 's1') !== undefined && outcomeOf(s, 's2')?.outcome === 'completed',
      's1 and s2 recorded by the next run',
      30_000,
    );
    expect(state.recent.filter((run) => run.id === 's1').map((run) => run.outcome)).toEqual(['cancelled']);
    expect(state.counters.dropped).toBe(0);
    expect(maxOpenChildren([s1Life, await childTimeline(ctx.client, s2.childWorkflowId)])).toBe(1);
  });
});
