/**
 * `temporal-concurrency` as a stranger runs it: a child process (tsx on the sources) configured by TEMPORAL_ADDRESS
 * alone, against the real dev server, with a test worker running `demoWork` bursts. Its output and exit codes are
 * judged against the coordinator's own `state` query.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { defineConcurrencyPolicy, submit, type SubmitResult } from '../../src/client';
import type { CoordinatorStateView } from '../../src/coordinator/messages';
import { queryState, settled, waitForState } from '../helpers/demo';
import { createTestWorker, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const root = path.join(__dirname, '..', '..');
const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
const main = path.join(root, 'src', 'cli', 'main.ts');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; resolves with its exit code and output whatever the code (a non-zero exit is an answer here). */
function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    execFile(
      tsx,
      [main, ...args],
      {
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          TEMPORAL_NAMESPACE: 'default',
          // No profile of the developer's, and no task queue from their shell.
          TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml',
          TEMPORAL_TASK_QUEUE: '',
          ...env,
        },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? error.code : 0;
        if (typeof code !== 'number') return reject(error ?? new Error('the CLI did not exit'));
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The CLI's JSON output; the exit code must be 0. */
function json<T>(run: CliRun): T {
  expect(run.stderr, run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

const started = (id: string) => (state: CoordinatorStateView) =>
  state.running.some((run) => run.id === id && run.runId !== undefined);

const ctx = useTestServer();

describe('a burst under a CANCEL_IN_PROGRESS policy', () => {
  it('submit, then status (table and --json), why names the superseder, resume restarts a terminated coordinator', async () => {
    const taskQueue = uniqueName('cli');
    const policyName = uniqueName('cli');
    const key = 'user 1/a';
    const flags = ['--workflow-type', 'demoWork', '--max-runs', '1', '--coordinator-task-queue', taskQueue];
    const worker = await createTestWorker(ctx, taskQueue);
    await worker.runUntil(async () => {
      // The first submission through the CLI: it prints where the submission went.
      const first = json<SubmitResult>(
        await cli(['submit', policyName, key, ...flags, '--args', '[{"durationMs":60000}]', '--id', 'm-1', '--json']),
      );
      const coordinatorId = `concurrency/${policyName}/user%201%2Fa`;
      expect(first).toEqual({
        submissionId: 'm-1',
        coordinatorWorkflowId: coordinatorId,
        childWorkflowId: `${coordinatorId}/m-1`,
      });
      await waitForState(ctx.client, coordinatorId, started('m-1'), 'm-1 started');

      const running = await cli(['status', policyName, key]);
      expect(running.code).toBe(0);
      expect(running.stdout).toMatch(/^running \(1\):$/m);
      expect(running.stdout).toMatch(new RegExp(`^m-1 +1 +running .*${coordinatorId}/m-1`, 'm'));

      // The burst, from application code with the same policy: each newer one displaces the older.
      const policy = defineConcurrencyPolicy({
        name: policyName,
        maxRuns: 1,
        limitStrategy: 'CANCEL_IN_PROGRESS',
        key: () => key,
        taskQueue,
      });
      for (const id of ['m-2', 'm-3']) {
        await submit(ctx.client, { policy, workflow: 'demoWork', args: [{ durationMs: 60_000 }], id });
      }
      // The newest, which surely runs, under a workflow ID of the submitter's choosing.
      const ownId = `${policyName}-own-m-4`;
      const args = [{ durationMs: 1500 }];
      await submit(ctx.client, { policy, workflow: 'demoWork', args, id: 'm-4', workflowId: ownId });
      const final = await waitForState(
        ctx.client,
        coordinatorId,
        (state) => settled(state) && state.recent.length === 4,
        'the burst settled',
      );
      // m-1 ran, so it was cancelled; by whichever newer submission the coordinator saw first (one task may see all).
      const m1 = final.recent.find((run) => run.id === 'm-1');
      expect(m1?.outcome).toBe('cancelled');
      expect(m1?.supersededBy).toMatch(/^m-[234]$/);
      const superseder = m1?.supersededBy ?? '';
      expect(final.recent.find((run) => run.id === 'm-4')).toMatchObject({ outcome: 'completed' });

      // --json prints the state query's view itself.
      expect(json<CoordinatorStateView>(await cli(['status', policyName, key, '--json']))).toEqual(
        await queryState(ctx.client, coordinatorId),
      );

      // The table: every outcome with its reason.
      const table = await cli(['status', policyName, key]);
      expect(table.code).toBe(0);
      expect(table.stdout).toMatch(/^running \(0\): none$/m);
      for (const run of final.recent) {
        const why = run.supersededBy ? ` +superseded by ${run.supersededBy}` : '';
        expect(table.stdout).toMatch(new RegExp(`^${run.id} +${run.seq} +${run.outcome} .*${why}`, 'm'));
      }
      expect(table.stdout).toMatch(/^answered by +its state query$/m);

      // why, by id within the key and by child workflow ID.
      const why = await cli(['why', 'm-1', '--policy', policyName, '--key', key]);
      expect(why.code).toBe(0);
      expect(why.stdout).toContain(`submission m-1: cancelled: superseded by the newer submission ${superseder}`);
      expect(why.stdout).toMatch(new RegExp(`^child workflow +${coordinatorId}/m-1 \\(run `, 'm'));
      expect(why.stdout).toMatch(/^answered by +the coordinator state query$/m);
      expect(json(await cli(['why', `${coordinatorId}/m-1`, '--json']))).toMatchObject({
        submissionId: 'm-1',
        status: 'cancelled',
        supersededBy: superseder,
        coordinatorWorkflowId: coordinatorId,
        childWorkflowId: `${coordinatorId}/m-1`,
        source: 'coordinator state query',
      });

      // A child ID of the submitter's choosing: its memo names the coordinator and the submission.
      expect(json(await cli(['why', ownId, '--json']))).toMatchObject({
        submissionId: 'm-4',
        status: 'completed',
        coordinatorWorkflowId: coordinatorId,
        childWorkflowId: ownId,
        source: 'coordinator state query',
      });

      // An id the key never had: not found.
      const unknown = await cli(['why', 'm-99', '--policy', policyName, '--key', key]);
      expect(unknown.code).toBe(3);
      expect(unknown.stdout).toBe('');
      expect(unknown.stderr).toContain(`no child workflow ${coordinatorId}/m-99`);

      // resume: a terminated coordinator gets a fresh run now; an open one is left alone.
      await ctx.client.workflow.getHandle(coordinatorId).terminate('test: resume');
      expect(json(await cli(['resume', policyName, key, '--json']))).toMatchObject({
        coordinatorWorkflowId: coordinatorId,
        resumed: true,
      });
      const again = await cli(['resume', policyName, key]);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('is already running');
      // The fresh run took over what the terminated one knew.
      const resumed = await waitForState(ctx.client, coordinatorId, (s) => s.recent.length === 4, 'resumed state');
      expect(resumed.recent.map((run) => run.id)).toEqual(final.recent.map((run) => run.id));
      await ctx.client.workflow.getHandle(coordinatorId).terminate('test over');
    });
  });

  it('why falls back to the child when the coordinator no longer holds the submission; an idle one answers from its result', async () => {
    const taskQueue = uniqueName('cli-forget');
    const policyName = uniqueName('cli');
    const key = 'user-2';
    const coordinatorId = `concurrency/${policyName}/${key}`;
    // The coordinator keeps one outcome and completes 2 s after it has nothing to do.
    const flags = ['--workflow-type', 'demoWork', '--max-runs', '1', '--coordinator-task-queue', taskQueue];
    const options = ['--policy-options', '{"recentLimit":1,"idleTimeoutMs":2000}'];
    const submitCli = (id: string, durationMs: number) =>
      cli(['submit', policyName, key, ...flags, ...options, '--id', id, '--args', JSON.stringify([{ durationMs }])]);
    const worker = await createTestWorker(ctx, taskQueue);
    let final: CoordinatorStateView | undefined;
    await worker.runUntil(async () => {
      const submitted = await submitCli('m-1', 60_000);
      expect(submitted.code).toBe(0);
      expect(submitted.stdout).toMatch(/^childWorkflowId +concurrency\/.*\/m-1$/m);
      await waitForState(ctx.client, coordinatorId, started('m-1'), 'm-1 started');
      expect((await submitCli('m-2', 60_000)).code).toBe(0);
      await waitForState(ctx.client, coordinatorId, started('m-2'), 'm-2 started');
      expect((await submitCli('m-3', 1000)).code).toBe(0);
      final = await waitForState(
        ctx.client,
        coordinatorId,
        (state) => settled(state) && state.counters.completed === 1 && state.counters.cancelled === 2,
        'the burst settled',
      );
      expect(final.recent.map((run) => run.id)).not.toContain('m-1');

      const whileRunning = json<Record<string, unknown>>(
        await cli(['why', 'm-1', '--policy', policyName, '--key', key, '--json']),
      );
      expect(whileRunning).toMatchObject({
        submissionId: 'm-1',
        status: 'cancelled',
        supersededBy: 'm-2',
        childWorkflowId: `${coordinatorId}/m-1`,
        source: 'child workflow',
      });
      expect(String(whileRunning.notes)).toContain('does not hold submission m-1');

      // Idle, the coordinator completes; its result still answers, without asking a worker.
      await ctx.client.workflow.getHandle(coordinatorId).result();
    });
    const status = await cli(['status', policyName, key]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^run +completed at .*\(idle\)/m);
    expect(status.stdout).toMatch(/^answered by +its final result$/m);
    const last = final?.recent[0];
    const fromResult = await cli(['why', `${coordinatorId}/${last?.id}`]);
    expect(fromResult.code).toBe(0);
    expect(fromResult.stdout).toContain(`submission ${last?.id}: ${last?.outcome}`);
    expect(fromResult.stdout).toMatch(/^answered by +the coordinator final result$/m);
    const fromChild = await cli(['why', `${coordinatorId}/m-1`]);
    expect(fromChild.code).toBe(0);
    expect(fromChild.stdout).toContain('submission m-1: cancelled: superseded by the newer submission m-2');
    expect(fromChild.stdout).toMatch(/^answered by +the child workflow$/m);
  });
});

describe('exit codes', () => {
  it('3: a key nothing was submitted to', async () => {
    const run = await cli(['status', uniqueName('cli-none'), 'nobody']);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('no coordinator concurrency/');
  });

  it('4: a coordinator no worker polls for', async () => {
    const taskQueue = uniqueName('cli-no-worker');
    const policyName = uniqueName('cli');
    const submitted = json<SubmitResult>(
      await cli(
        ['submit', policyName, 'k', '--workflow-type', 'demoWork', '--max-runs', '1', '--id', 'm-1', '--json'],
        {
          TEMPORAL_TASK_QUEUE: taskQueue,
        },
      ),
    );
    try {
      const status = await cli(['status', policyName, 'k']);
      expect(status.code).toBe(4);
      // Both fixes: a worker on the queue, or (a typo) moving the coordinator to the right one.
      expect(status.stderr).toContain(`If "${taskQueue}" is the right task queue, start a worker on it`);
      const move = `temporal-concurrency resume ${policyName} k --task-queue <right queue>`;
      expect(status.stderr).toContain(move);
      // Nothing started the child, so nobody else can answer either.
      const why = await cli(['why', submitted.childWorkflowId]);
      expect(why.code).toBe(4);
      expect(why.stderr).toContain(move);
    } finally {
      await ctx.client.workflow.getHandle(submitted.coordinatorWorkflowId).terminate('test over');
    }
  });

  it('5: input the library refuses, before any connection', async () => {
    const maxRuns = await cli(['submit', 'p', 'k', '--workflow-type', 'demoWork', '--max-runs', '0']);
    expect(maxRuns.code).toBe(5);
    expect(maxRuns.stderr).toContain('maxRuns must be an integer >= 1');
    const args = await cli(['submit', 'p', 'k', '--workflow-type', 'demoWork', '--max-runs', '1', '--args', '{x']);
    expect(args.code).toBe(5);
    expect(args.stderr).toContain('--args must be JSON');
  });

  it('2: a command line it does not understand', async () => {
    const run = await cli(['status', 'only-a-policy']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("missing required argument 'key'");
  });
});
