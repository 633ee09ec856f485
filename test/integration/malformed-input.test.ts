/**
 * Bad input never wedges a key: malformed `submit` signals sent with the raw client are recorded as rejected
 * with a reason, and the coordinator keeps working for the next valid submission.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { expect, it } from 'vitest';
import { coordinatorWorkflowId } from '../../src/client';
import { COORDINATOR_WORKFLOW_TYPE, type CoordinatorInput } from '../../src/coordinator/messages';
import { queryState, settled, waitForState } from '../helpers/demo';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

it('records malformed submissions as rejected and keeps serving the key', async () => {
  const taskQueue = uniqueName('malformed');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const input: CoordinatorInput = {
      policy: uniqueName('raw'),
      key: 'k',
      maxRuns: 1,
      limitStrategy: 'CANCEL_IN_PROGRESS',
    };
    const workflowId = coordinatorWorkflowId(input.policy, input.key);
    // The raw client, by name: no types stand between us and the wire.
    await ctx.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [input],
      signal: 'submit',
      signalArgs: [{ id: 5, workflowType: 'demoWork' }],
    });
    const handle = ctx.client.workflow.getHandle(workflowId);
    await handle.signal('submit', { id: 'no-type' });
    await handle.signal('submit', 'not an object');
    await handle.signal('submit', { id: 'bad-args', workflowType: 'demoWork', args: 'nope' });
    await handle.signal('submit', null);
    await handle.signal('submit');
    await handle.signal('runClosed', { workflowId: 42 });
    await handle.signal('submit', { id: 'good', workflowType: 'demoWork', args: [{ durationMs: 100 }] });

    const state = await waitForState(ctx.client, workflowId, (s) => s.recent.some((r) => r.id === 'good'), 'good done');
    expect(state.recent.find((r) => r.id === 'good')?.outcome).toBe('completed');
    const rejected = state.recent.filter((r) => r.outcome === 'rejected');
    expect(rejected.map((r) => r.reason)).toEqual([
      'id must be a non-empty string, got number 5',
      'workflowType must be a non-empty string, got undefined',
      'submission must be an object, got string "not an object"',
      'args must be an array, got string "nope"',
      'submission must be an object, got null',
      'submission must be an object, got undefined',
    ]);
    expect(rejected.map((r) => r.id)).toEqual(['5', 'no-type', '(invalid)', 'bad-args', '(invalid)', '(invalid)']);
    expect(state.counters).toMatchObject({ rejected: 6, submitted: 1, completed: 1 });
    expect(settled(await queryState(ctx.client, workflowId))).toBe(true);
  });
});

it('fails a coordinator started with an invalid configuration no submission repairs, naming the field', async () => {
  const taskQueue = uniqueName('bad-config');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const workflowId = coordinatorWorkflowId(uniqueName('raw'), 'k');
    const handle = await ctx.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
      workflowId,
      taskQueue,
      args: [{ policy: 'p', key: 'k', maxRuns: 0, limitStrategy: 'CANCEL_IN_PROGRESS' }],
      signal: 'submit',
      signalArgs: [{ id: 's-1', workflowType: 'demoWork', args: [{ durationMs: 100 }] }],
    });
    const failure: unknown = await handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(String((failure as WorkflowFailedError).cause?.message)).toBe(
      // Its submission carries no configuration to run with instead (trusted-histories.test.ts shows one that does).
      'invalid coordinator input: maxRuns must be an integer >= 1, got number 0; no submission carried a valid configuration',
    );
  });
});
