/**
 * Durable coordinators: many continue-as-new rollovers under a stream of submissions, a thousand concurrent
 * signalWithStart calls, children terminated behind the coordinator's back and children nobody can run. Each
 * test ends with an audit computed from Temporal's own histories.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import { defineConcurrencyPolicy, submit, type SubmitResult } from '../../src/client';
import { stateQuery, type CoordinatorStateView } from '../../src/coordinator/messages';
import { demoPolicy, settled, submitDemo, waitForState } from '../helpers/demo';
import { auditKey } from '../helpers/histories';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

/** Runs `tasks` with at most `limit` in flight. */
async function inParallel<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await (tasks[index] as () => Promise<T>)();
      }
    }),
  );
  return results;
}

const FINAL = ['completed', 'failed', 'cancelled', 'terminated', 'timedOut', 'dropped', 'rejected'] as const;

/** Every accepted submission reached exactly one final outcome, and the newest maxRuns were never displaced. */
function expectAccounted(state: CoordinatorStateView, submitted: SubmitResult[]): void {
  const counted = FINAL.reduce((sum, outcome) => sum + state.counters[outcome], 0);
  expect(counted).toBe(state.counters.submitted + state.counters.rejected);
  expect(state.counters.submitted).toBe(new Set(submitted.map((s) => s.submissionId)).size);
  const ids = state.recent.map((r) => r.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(new Set(ids)).toEqual(new Set(submitted.map((s) => s.submissionId)));
  const newest = [...state.recent].sort((a, b) => b.seq - a.seq).slice(0, state.maxRuns);
  for (const run of newest) {
    expect(run.supersededBy, run.id).toBeUndefined();
    expect(run.outcome, run.id).toBe('completed');
  }
}

it('500 submissions on one key with maxRuns 3 and rollovers every 60 events', async () => {
  const taskQueue = uniqueName('rollover');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, 3, undefined, { continueAsNewAfterEvents: 60, recentLimit: 1000 });
    const tasks = Array.from({ length: 500 }, (_, i) => () => submitDemo(ctx.client, policy, 'hot', `s-${i}`, 300));
    // Few calls in flight: a steady stream, so the coordinator handles small batches and rolls over often.
    const submitted = await inParallel(2, tasks);
    const coordinatorId = submitted[0]!.coordinatorWorkflowId;
    const state = await waitForState(ctx.client, coordinatorId, settled, 'all closed', 180_000);
    const failures = state.recent.filter((r) => r.outcome === 'failed').map((r) => `${r.id}: ${r.reason}`);
    if (failures.length > 0) console.log('rollover: failed submissions', failures);
    expectAccounted(state, submitted);

    const audit = await auditKey(ctx.client, coordinatorId);
    expect(audit.runs).toBeGreaterThan(5);
    // The key may still roll over once after it settled (the last closes land in a long history): bracket the audit.
    const later = await ctx.client.workflow.getHandle(coordinatorId).query(stateQuery);
    expect(state.counters.continuedAsNew).toBeLessThanOrEqual(audit.runs - 1);
    expect(later.counters.continuedAsNew).toBeGreaterThanOrEqual(audit.runs - 1);
    expect(new Set(audit.childIds).size).toBe(audit.childIds.length); // no submission started twice
    expect(audit.childIds.length).toBe(state.counters.started);
    expect(audit.maxLiveStarted).toBeLessThanOrEqual(3);
    console.log(
      `rollover: ${audit.runs - 1} rollovers, ${state.counters.submitted} submissions, outcomes`,
      JSON.stringify(state.counters),
      `worst live started ${audit.maxLiveStarted}, worst open ${audit.maxOpen}`,
      failures,
    );
  });
});

it('1,000 concurrent signalWithStart calls on one key: every accepted submission is accounted for', async () => {
  const taskQueue = uniqueName('thousand');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, 2, undefined, { continueAsNewAfterEvents: 500, recentLimit: 1000 });
    const tasks = Array.from({ length: 1000 }, (_, i) => () => submitDemo(ctx.client, policy, 'hot', `c-${i}`, 200));
    const submitted = await inParallel(200, tasks);
    const coordinatorId = submitted[0]!.coordinatorWorkflowId;
    const state = await waitForState(ctx.client, coordinatorId, settled, 'all closed', 180_000);
    expectAccounted(state, submitted);
    const audit = await auditKey(ctx.client, coordinatorId);
    expect(audit.maxLiveStarted).toBeLessThanOrEqual(2);
    expect(new Set(audit.childIds).size).toBe(audit.childIds.length);
  });
});

it('a child terminated from the temporal CLI after a rollover is found by the sweep; the queued one starts', async () => {
  const taskQueue = uniqueName('terminate');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = defineConcurrencyPolicy({
      name: uniqueName('stubborn'),
      maxRuns: 1,
      limitStrategy: 'CANCEL_IN_PROGRESS',
      slotRelease: 'on-close',
      key: () => 'k',
      taskQueue,
      sweepIntervalMs: 1000,
      continueAsNewAfterEvents: 15,
    });
    // It ignores cancellation, so under on-close it holds the slot until it is terminated.
    const stubborn = await submit(ctx.client, {
      policy,
      workflow: 'stubbornWork',
      args: [{ sleepMs: 600_000 }],
      id: 'stubborn',
    });
    const coordinatorId = stubborn.coordinatorWorkflowId;
    await waitForState(ctx.client, coordinatorId, (s) => s.running[0]?.runId !== undefined, 'stubborn started');
    for (const id of ['n-1', 'n-2', 'n-3']) {
      await submit(ctx.client, { policy, workflow: 'demoWork', args: [{ durationMs: 100 }], id });
    }
    // The child was started by an earlier run: no handle here, only the sweep can notice the termination.
    // Submissions that came during the rollover show as queued until the new run decides them (n-2 is then dropped).
    const carried = await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.counters.continuedAsNew >= 1 && s.queued.length === 1,
      'rollover, with n-1 and n-2 decided',
    );
    expect(carried.queued.map((r) => r.id)).toEqual(['n-3']);

    await promisify(execFile)(inject('temporalCliPath'), [
      'workflow', 'terminate', '--address', inject('temporalAddress'),
      '--workflow-id', stubborn.childWorkflowId, '--reason', 'operator terminated it',
    ]); // prettier-ignore

    const state = await waitForState(ctx.client, coordinatorId, settled, 'n-3 done', 30_000);
    const outcome = (id: string) => state.recent.find((r) => r.id === id)?.outcome;
    expect([outcome('stubborn'), outcome('n-1'), outcome('n-2'), outcome('n-3')]).toEqual([
      'terminated',
      'dropped',
      'dropped',
      'completed',
    ]);
    expect((await auditKey(ctx.client, coordinatorId)).maxOpen).toBe(1);
  });
});

it('a submission whose workflow type no worker registers ends failed with a reason and frees its slot', async () => {
  const taskQueue = uniqueName('unknown-type');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, 1, 'on-close', { sweepIntervalMs: 1000 });
    const ghost = await submit(ctx.client, {
      policy,
      workflow: 'noSuchWorkflow',
      args: [{ durationMs: 0, label: 'u:ghost' }],
      id: 'ghost',
    });
    await waitForState(ctx.client, ghost.coordinatorWorkflowId, (s) => s.running[0]?.runId !== undefined, 'started');
    // Under on-close the ghost keeps the slot after its cancellation is requested: nobody runs it to cancel it.
    const next = await submitDemo(ctx.client, policy, 'u', 'after', 100);
    expect(next.coordinatorWorkflowId).toBe(ghost.coordinatorWorkflowId);
    const state = await waitForState(ctx.client, ghost.coordinatorWorkflowId, settled, 'ghost gone', 60_000);
    const recorded = state.recent.find((r) => r.id === 'ghost');
    expect(recorded?.outcome).toBe('failed');
    expect(recorded?.reason).toMatch(/noSuchWorkflow/);
    expect(state.recent.find((r) => r.id === 'after')?.outcome).toBe('completed');
  });
});
