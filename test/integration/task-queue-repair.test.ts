/**
 * Issue 15 item 9: a coordinator started on a mistyped task queue (`TEMPORAL_TASK_QUEUE=concurrencyy` in the app) is
 * repairable. Its status names both fixes, the `resume --task-queue` one included; `resume --task-queue <right>` moves
 * the open run, and the fresh run on the right queue takes over the submissions that reached the mistyped one.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ConcurrencyInputError,
  ConcurrencyUnavailableError,
  getSubmissionStatus,
  resumeCoordinator,
} from '../../src/client';
import { runCli } from '../../src/cli/run';
import { movedReason } from '../../src/client/resume';
import { captureIo } from '../helpers/cli';
import { demoPolicy, submitDemo, waitForState } from '../helpers/demo';
import { connectToTestServer, createTestWorker, uniqueName, type TemporalTestContext } from '../helpers/temporal';

let ctx: TemporalTestContext;
beforeAll(async () => {
  ctx = await connectToTestServer();
});
afterAll(async () => {
  await ctx?.close();
});

/** The CLI in process, against the test server. */
async function cli(args: string[]) {
  const io = captureIo({ TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_NAMESPACE: 'default' });
  const code = await runCli(args, io);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

describe('a coordinator on a mistyped task queue', () => {
  it('status gives the resume command; resume --task-queue moves it and s1, s2 run on the right queue', async () => {
    const rightQueue = uniqueName('repair');
    const typo = `${rightQueue}y`;
    // maxRuns 2: both submissions are kept, so both must run once the coordinator is served.
    const policy = demoPolicy(typo, 2);
    const s1 = await submitDemo(ctx.client, policy, 'user', 's1', 200);
    await submitDemo(ctx.client, policy, 'user', 's2', 200);
    const coordinatorId = s1.coordinatorWorkflowId;

    // Nothing polls the typo: the error names the queue and both fixes, and does not only say "start a worker on it".
    const error = await getSubmissionStatus(ctx.client, s1).then(
      () => undefined,
      (err: unknown) => err,
    );
    if (!(error instanceof ConcurrencyUnavailableError))
      throw new Error('expected ConcurrencyUnavailableError', { cause: error });
    expect(error.taskQueue).toBe(typo);
    const command = `temporal-concurrency resume ${policy.name} user --task-queue <right queue>`;
    expect(error.message).toContain(command);
    expect(error.message).toContain(`resumeCoordinator(client, "${coordinatorId}", { taskQueue: '<right queue>' })`);
    const status = await cli(['status', policy.name, 'user']);
    expect(status.code).toBe(4);
    expect(status.stderr).toContain(command);

    // A bad queue name is refused before any call, with the field named.
    await expect(resumeCoordinator(ctx.client, coordinatorId, { taskQueue: '/_sys/x' })).rejects.toThrow(
      ConcurrencyInputError,
    );
    const refused = await cli(['resume', policy.name, 'user', '--task-queue', '']);
    expect(refused.code).toBe(5);

    const worker = await createTestWorker(ctx, rightQueue);
    await worker.runUntil(async () => {
      const moved = await cli(['resume', policy.name, 'user', '--task-queue', rightQueue, '--json']);
      expect(moved.stderr).toBe('');
      expect(JSON.parse(moved.stdout)).toMatchObject({
        coordinatorWorkflowId: coordinatorId,
        resumed: true,
        taskQueue: rightQueue,
        moved: { fromTaskQueue: typo },
      });
      const { moved: from } = JSON.parse(moved.stdout) as { moved: { runId: string } };
      const old = await ctx.client.workflow.getHandle(coordinatorId, from.runId).describe();
      expect(old.status.name).toBe('TERMINATED');
      const { events } = await ctx.client.workflow.getHandle(coordinatorId, from.runId).fetchHistory();
      expect(events?.at(-1)?.workflowExecutionTerminatedEventAttributes?.reason).toBe(movedReason(rightQueue));

      // The fresh run took the typo'd run's submissions over: both ran, on the right queue.
      const state = await waitForState(
        ctx.client,
        coordinatorId,
        (s) => s.recent.filter((run) => run.outcome === 'completed').length === 2,
        's1 and s2 completed',
        30_000,
      );
      expect(state.recent.map((run) => [run.id, run.outcome]).sort()).toEqual([
        ['s1', 'completed'],
        ['s2', 'completed'],
      ]);
      expect((await ctx.client.workflow.getHandle(s1.childWorkflowId).describe()).taskQueue).toBe(rightQueue);
      expect(await getSubmissionStatus(ctx.client, s1)).toMatchObject({ status: 'completed' });

      // On the right queue already: left alone, as without --task-queue.
      expect(await resumeCoordinator(ctx.client, coordinatorId, { taskQueue: rightQueue })).toEqual({
        resumed: false,
        reason: 'already running',
      });
      await ctx.client.workflow.getHandle(coordinatorId).terminate('test over');
    });
  });
});
