/**
 * The wire contract is usable without this library: submitting with the plain `temporal` CLI, exactly as
 * the wire contract (docs/wire-contract.md) shows, starts the child under the coordinator.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect, inject, it } from 'vitest';
import { settled, waitForState } from '../helpers/demo';
import { childTimeline } from '../helpers/histories';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

it('temporal workflow signal-with-start submits work', async () => {
  const taskQueue = uniqueName('cli');
  const policy = uniqueName('chat');
  const workflowId = `concurrency/${policy}/user-1`;
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const signalWithStart = (id: string) =>
      promisify(execFile)(inject('temporalCliPath'), [
        'workflow', 'signal-with-start',
        '--address', inject('temporalAddress'),
        '--workflow-id', workflowId,
        '--type', 'concurrencyCoordinator',
        '--task-queue', taskQueue,
        '--input', JSON.stringify({ policy, key: 'user-1', maxRuns: 1, limitStrategy: 'CANCEL_IN_PROGRESS' }),
        // SPEC's example says --signal; the CLI (1.5 and later) spells it --signal-name.
        '--signal-name', 'submit',
        '--signal-input', JSON.stringify({ id, workflowType: 'demoWork', args: [{ durationMs: 1000 }] }),
      ]); // prettier-ignore
    await signalWithStart('m-1');
    await waitForState(ctx.client, workflowId, (s) => s.running.some((r) => r.runId), 'm-1 started');
    await signalWithStart('m-2');

    const final = await waitForState(ctx.client, workflowId, settled, 'closed');
    expect(final.recent.map((r) => [r.id, r.outcome, r.supersededBy])).toEqual([
      ['m-1', 'cancelled', 'm-2'],
      ['m-2', 'completed', undefined],
    ]);
    expect((await childTimeline(ctx.client, `${workflowId}/m-2`)).closeType).toBe('completed');
  });
});
