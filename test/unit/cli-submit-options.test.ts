/**
 * `submit`'s flags become the library's submit() options, checked by the library itself: what it refuses is a
 * ConcurrencyInputError naming the field (exit code 5), before any connection. `--dry-run` shows what would be sent.
 */
import { describe, expect, it } from 'vitest';
import { ConcurrencyInputError } from '../../src/client/errors';
import { ExitCode } from '../../src/cli/exit-codes';
import type { SubmitRequest } from '../../src/cli/program';
import { runCli } from '../../src/cli/run';
import { submitOptionsOf } from '../../src/cli/submit-options';
import { captureIo } from '../helpers/cli';

function request(overrides: Partial<SubmitRequest> = {}): SubmitRequest {
  return {
    policy: 'chat',
    key: 'user-1',
    workflowType: 'demoWork',
    maxRuns: '2',
    limitStrategy: 'CANCEL_IN_PROGRESS',
    json: false,
    dryRun: false,
    ...overrides,
  };
}

function inputError(overrides: Partial<SubmitRequest>): ConcurrencyInputError {
  try {
    submitOptionsOf(request(overrides));
  } catch (err) {
    if (err instanceof ConcurrencyInputError) return err;
    throw err;
  }
  throw new Error(`expected a ConcurrencyInputError for ${JSON.stringify(overrides)}`);
}

describe('submitOptionsOf', () => {
  it("builds a policy whose key is the command line's, whatever the arguments hold", () => {
    const options = submitOptionsOf(
      request({
        args: '[{"durationMs":5000,"label":"other-user"}]',
        id: 'm-1',
        workflowId: 'wf-1',
        taskQueue: 'children',
        slotRelease: 'on-close',
        coordinatorTaskQueue: 'coordinators',
        policyOptions: '{"idleTimeoutMs":60000,"recentLimit":10}',
      }),
    );
    expect(options).toMatchObject({
      workflow: 'demoWork',
      args: [{ durationMs: 5000, label: 'other-user' }],
      id: 'm-1',
      workflowId: 'wf-1',
      taskQueue: 'children',
      policy: {
        name: 'chat',
        maxRuns: 2,
        limitStrategy: 'CANCEL_IN_PROGRESS',
        slotRelease: 'on-close',
        taskQueue: 'coordinators',
        idleTimeoutMs: 60000,
        recentLimit: 10,
      },
    });
    expect(options.policy.key(options.args[0])).toBe('user-1');
  });

  it('leaves out what was not given, so the library applies its defaults', () => {
    const options = submitOptionsOf(request());
    expect(options.args).toEqual([]);
    expect(Object.keys(options).sort()).toEqual(['args', 'policy', 'workflow']);
    expect(options.policy).not.toHaveProperty('slotRelease');
    expect(options.policy).not.toHaveProperty('taskQueue');
  });

  it.each([
    [{ maxRuns: '0' }, 'maxRuns', 'maxRuns must be an integer >= 1'],
    [{ maxRuns: 'two' }, 'maxRuns', 'maxRuns must be an integer >= 1'],
    [{ maxRuns: '1.5' }, 'maxRuns', 'maxRuns'],
    [{ policy: 'a/b' }, 'name', "name must not contain '/'"],
    [{ args: '{"durationMs":' }, 'args', '--args must be JSON'],
    [
      { args: '{"durationMs":5}' },
      'args',
      `--args must be a JSON array of the workflow's arguments, e.g. '[{"durationMs":5}]'`,
    ],
    [{ policyOptions: '[1]' }, 'policyOptions', '--policy-options must be a JSON object'],
    [{ policyOptions: '{"maxRun":3}' }, 'policyOptions', 'unknown option maxRun'],
    [{ policyOptions: '{"idleTimeoutMs":-1}' }, 'idleTimeoutMs', 'idleTimeoutMs'],
    [{ coordinatorTaskQueue: '/_sys/x' }, 'taskQueue', 'taskQueue'],
  ])('refuses %j naming %s', (overrides, field, message) => {
    const error = inputError(overrides);
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });
});

describe('submit --dry-run', () => {
  it('prints the coordinator input and the submit signal without a server', async () => {
    const io = captureIo({ TEMPORAL_TASK_QUEUE: 'from-env', TEMPORAL_ADDRESS: '127.0.0.1:1' });
    const argv = ['submit', 'chat', 'user/1', '--workflow-type', 'demoWork', '--max-runs', '1', '--id', 'm-1'];
    const code = await runCli([...argv, '--args', '[{"durationMs":5}]', '--dry-run'], io);
    expect(io.stderr()).toBe('');
    expect(code).toBe(ExitCode.ok);
    expect(JSON.parse(io.stdout())).toMatchObject({
      submissionId: 'm-1',
      coordinatorWorkflowId: 'concurrency/chat/user%2F1',
      childWorkflowId: 'concurrency/chat/user%2F1/m-1',
      taskQueue: 'from-env',
      coordinatorInput: { policy: 'chat', key: 'user/1', maxRuns: 1, limitStrategy: 'CANCEL_IN_PROGRESS' },
      signal: 'submit',
      submission: { id: 'm-1', workflowType: 'demoWork', args: [{ durationMs: 5 }], config: { maxRuns: 1 } },
    });
  });

  it.each([
    [['--max-runs', '0'], 'maxRuns must be an integer >= 1'],
    [['--max-runs', '1', '--args', 'nope'], '--args must be JSON'],
    [['--max-runs', '1', '--id', 'x'.repeat(300)], 'id'],
  ])('exits 5 for %j, naming the field', async (flags, message) => {
    const io = captureIo();
    const code = await runCli(['submit', 'chat', 'u', '--workflow-type', 'demoWork', ...flags, '--dry-run'], io);
    expect(code).toBe(ExitCode.invalidInput);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toContain(message);
  });

  it('an empty key is refused like submit() refuses it', async () => {
    const io = captureIo();
    const code = await runCli(['submit', 'chat', '', '--workflow-type', 'w', '--max-runs', '1', '--dry-run'], io);
    expect(code).toBe(ExitCode.invalidInput);
    expect(io.stderr()).toContain('key(input) must return a non-empty');
  });

  it('an invalid TEMPORAL_TASK_QUEUE is input invalid too', async () => {
    const io = captureIo({ TEMPORAL_TASK_QUEUE: '/_sys/reserved' });
    const code = await runCli(['submit', 'chat', 'u', '--workflow-type', 'w', '--max-runs', '1', '--dry-run'], io);
    expect(code).toBe(ExitCode.invalidInput);
    expect(io.stderr()).toContain('TEMPORAL_TASK_QUEUE');
  });
});
