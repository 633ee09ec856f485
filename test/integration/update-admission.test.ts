/**
 * `admission: 'update'` end to end on the real dev server: submissions sent as the coordinator's `submit` Update with
 * Update-with-Start. Judged from Temporal's histories: a semaphore (constant key, GROUP_ROUND_ROBIN) fed by many
 * concurrent callers rolls over again and again while they keep coming, refuses none, runs each submission's child
 * exactly once, in arrival order, never more than maxRuns at once; the wire contract's Update takes one submission
 * or an array, and refuses an array it cannot bound.
 */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { defineConcurrencyPolicy, submit } from '../../src/client';
import { submitUpdate, type CoordinatorStateView } from '../../src/coordinator/messages';
import type { DemoWorkInput } from '../../examples/workflows';
import { queryState, settled, waitForState } from '../helpers/demo';
import { auditKey, historiesOfAllRuns } from '../helpers/histories';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

describe("admission: 'update'", () => {
  it('a semaphore fed by 32 concurrent callers rolls over while they keep coming, refuses none, runs each once in order', async () => {
    const taskQueue = uniqueName('semaphore');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = defineConcurrencyPolicy({
        name: uniqueName('sem'),
        maxRuns: 3,
        limitStrategy: 'GROUP_ROUND_ROBIN',
        slotRelease: 'on-close',
        admission: 'update',
        key: (_input: DemoWorkInput) => 'quota',
        taskQueue,
        continueAsNewAfterEvents: 60,
        idleTimeoutMs: 30_000,
        maxResultBytes: 64 * 1024,
      });
      const total = 150;
      let next = 0;
      let coordinatorWorkflowId = '';
      const refused: unknown[] = [];
      await Promise.all(
        Array.from({ length: 32 }, async () => {
          while (next < total) {
            const id = `u${next++}`;
            await new Promise((resolve) => setTimeout(resolve, 20)); // a sustained stream, not one burst
            try {
              ({ coordinatorWorkflowId } = await submit(ctx.client, {
                policy,
                workflow: 'demoWork',
                args: [{ durationMs: 30, label: `quota:${id}` }],
                id,
              }));
            } catch (err) {
              refused.push(err);
            }
          }
        }),
      );
      expect(refused).toEqual([]);
      const final = await waitForState(
        ctx.client,
        coordinatorWorkflowId,
        (s: CoordinatorStateView) => settled(s) && s.counters.completed === total,
        'all ran',
        120_000,
      );
      expect(final.counters).toMatchObject({ submitted: total, started: total, completed: total, dropped: 0 });
      const audit = await auditKey(ctx.client, coordinatorWorkflowId);
      expect(audit.runs).toBeGreaterThan(3); // rolled over while the callers kept submitting
      expect(audit.childIds).toHaveLength(total); // each child started once
      expect(new Set(audit.childIds).size).toBe(total);
      expect([...audit.timelines.values()].every((t) => t.closeType === 'completed')).toBe(true);
      expect(audit.maxOpen).toBeLessThanOrEqual(3);
      // FIFO: starts in the order the coordinator took the submissions (each start's memo has its seq).
      const seqs = (await historiesOfAllRuns(ctx.client, coordinatorWorkflowId)).flat().flatMap((event) => {
        const memo = event.startChildWorkflowExecutionInitiatedEventAttributes?.memo?.fields?.concurrency;
        return memo?.data ? [(JSON.parse(Buffer.from(memo.data).toString()) as { seq: number }).seq] : [];
      });
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    });
  });

  it('the wire Update takes one submission or an array, and refuses an empty or oversized array before taking any', async () => {
    const taskQueue = uniqueName('wire-update');
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      const policy = defineConcurrencyPolicy({
        name: uniqueName('wire'),
        maxRuns: 2,
        limitStrategy: 'GROUP_ROUND_ROBIN',
        admission: 'update',
        key: (_input: DemoWorkInput) => 'k',
        taskQueue,
        idleTimeoutMs: 30_000,
      });
      const first = await submit(ctx.client, {
        policy,
        workflow: 'demoWork',
        args: [{ durationMs: 50, label: 'k:w0' }],
        id: 'w0',
      });
      const handle = ctx.client.workflow.getHandle(first.coordinatorWorkflowId);
      const one = { id: 'w1', workflowType: 'demoWork', args: [{ durationMs: 50 }] };
      const ack = await handle.executeUpdate(submitUpdate, { args: [one] });
      expect(ack.submissionIds).toEqual(['w1']);
      const many = ['w2', 'w3'].map((id) => ({ id, workflowType: 'demoWork', args: [{ durationMs: 50 }] }));
      expect((await handle.executeUpdate(submitUpdate, { args: [many] })).submissionIds).toEqual(['w2', 'w3']);
      await expect(handle.executeUpdate(submitUpdate, { args: [[]] })).rejects.toBeInstanceOf(
        WorkflowUpdateFailedError,
      );
      const tooMany = Array.from({ length: 1001 }, (_, i) => ({ id: `x${i}`, workflowType: 'demoWork' }));
      await expect(handle.executeUpdate(submitUpdate, { args: [tooMany] })).rejects.toThrow(WorkflowUpdateFailedError);
      // An invalid submission inside an accepted Update is recorded rejected with its reason, as from a signal.
      await handle.executeUpdate(submitUpdate, { args: [{ id: 'bad', workflowType: '' }] });
      const final = await waitForState(
        ctx.client,
        first.coordinatorWorkflowId,
        (s) => settled(s) && s.recent.length === 5,
        'done',
      );
      const outcomes = Object.fromEntries(final.recent.map((r) => [r.id, r.outcome]));
      expect(outcomes).toEqual({ w0: 'completed', w1: 'completed', w2: 'completed', w3: 'completed', bad: 'rejected' });
      expect((await queryState(ctx.client, first.coordinatorWorkflowId)).recent.some((r) => r.id.startsWith('x'))).toBe(
        false,
      );
    });
  });
});
