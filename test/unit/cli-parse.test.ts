/**
 * The command line's grammar without a server: what each command hands its handler, which command lines are refused
 * (exit code 2), and which errors become which exit code.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { ConcurrencyInputError, ConcurrencyUnavailableError } from '../../src/client/errors';
import { ExitCode, NotFoundError, UsageError } from '../../src/cli/exit-codes';
import { runCli } from '../../src/cli/run';
import { captureIo, recordingCommands } from '../helpers/cli';

async function parse(argv: string[]) {
  const io = captureIo();
  const { commands, calls } = recordingCommands();
  const code = await runCli(argv, io, commands);
  return { code, calls, stdout: io.stdout(), stderr: io.stderr() };
}

describe('status', () => {
  it('takes policy and key, prints a table of the newest 20 outcomes by default', async () => {
    const { code, calls } = await parse(['status', 'chat', 'user 1/a']);
    expect(code).toBe(ExitCode.ok);
    expect(calls).toEqual([['status', { policy: 'chat', key: 'user 1/a', json: false, recent: 20 }, {}]]);
  });

  it('takes --json, --recent and the connection overrides before or after the command', async () => {
    const after = await parse([
      'status',
      'chat',
      'u',
      '--json',
      '--recent',
      '5',
      '--address',
      'h:1',
      '--namespace',
      'n',
    ]);
    const before = await parse([
      '--address',
      'h:1',
      '--namespace',
      'n',
      'status',
      'chat',
      'u',
      '--json',
      '--recent',
      '5',
    ]);
    for (const { code, calls } of [after, before]) {
      expect(code).toBe(ExitCode.ok);
      expect(calls).toEqual([
        ['status', { policy: 'chat', key: 'u', json: true, recent: 5 }, { address: 'h:1', namespace: 'n' }],
      ]);
    }
  });

  it('refuses a missing key and a --recent that is not a count', async () => {
    const missing = await parse(['status', 'chat']);
    expect(missing.code).toBe(ExitCode.usage);
    expect(missing.stderr).toContain("missing required argument 'key'");
    const recent = await parse(['status', 'chat', 'u', '--recent', 'many']);
    expect(recent.code).toBe(ExitCode.usage);
    expect(recent.calls).toEqual([]);
  });
});

describe('submit', () => {
  it('hands every flag over as typed, for the library to check', async () => {
    const { code, calls } = await parse([
      'submit', 'chat', 'user-1',
      '--workflow-type', 'demoWork', '--max-runs', '2', '--args', '[{"durationMs":5}]', '--id', 'm-1',
      '--workflow-id', 'wf-1', '--task-queue', 'children', '--slot-release', 'on-close',
      '--coordinator-task-queue', 'coordinators', '--policy-options', '{"idleTimeoutMs":1000}', '--json', '--dry-run',
    ]); // prettier-ignore
    expect(code).toBe(ExitCode.ok);
    expect(calls).toEqual([
      [
        'submit',
        {
          policy: 'chat',
          key: 'user-1',
          workflowType: 'demoWork',
          maxRuns: '2',
          args: '[{"durationMs":5}]',
          id: 'm-1',
          workflowId: 'wf-1',
          taskQueue: 'children',
          limitStrategy: 'CANCEL_IN_PROGRESS',
          slotRelease: 'on-close',
          coordinatorTaskQueue: 'coordinators',
          policyOptions: '{"idleTimeoutMs":1000}',
          json: true,
          dryRun: true,
        },
        {},
      ],
    ]);
  });

  it('defaults --args to no arguments and the strategy to CANCEL_IN_PROGRESS', async () => {
    const { calls } = await parse(['submit', 'chat', 'u', '--workflow-type', 'demoWork', '--max-runs', '1']);
    expect(calls[0]?.[1]).toEqual({
      policy: 'chat',
      key: 'u',
      workflowType: 'demoWork',
      maxRuns: '1',
      args: '[]',
      limitStrategy: 'CANCEL_IN_PROGRESS',
      json: false,
      dryRun: false,
    });
  });

  it.each([
    [['submit', 'chat', 'u', '--max-runs', '1'], "required option '--workflow-type <type>' not specified"],
    // Required on purpose: the submission reconfigures a running coordinator to it.
    [['submit', 'chat', 'u', '--workflow-type', 'demoWork'], "required option '--max-runs <n>' not specified"],
    [['submit', 'chat', 'u', '--workflow-type', 'w', '--max-runs', '1', '--slot-release', 'never'], 'Allowed choices'],
    [
      ['submit', 'chat', 'u', '--workflow-type', 'w', '--max-runs', '1', '--limit-strategy', 'QUEUE'],
      'Allowed choices',
    ],
    [['submit', 'chat', 'u', '--workflow-type', 'w', '--max-runs', '1', '--bogus'], "unknown option '--bogus'"],
  ])('refuses %j (exit code 2)', async (argv, message) => {
    const { code, calls, stderr } = await parse(argv);
    expect(code).toBe(ExitCode.usage);
    expect(calls).toEqual([]);
    expect(stderr).toContain(message);
  });
});

describe('resume and why', () => {
  it('resume takes policy and key', async () => {
    const { calls } = await parse(['resume', 'chat', 'u', '--json']);
    expect(calls).toEqual([['resume', { policy: 'chat', key: 'u', json: true }, {}]]);
  });

  it('resume takes --task-queue, the queue to move the coordinator to', async () => {
    const { calls } = await parse(['resume', 'chat', 'u', '--task-queue', 'concurrency']);
    expect(calls).toEqual([['resume', { policy: 'chat', key: 'u', taskQueue: 'concurrency', json: false }, {}]]);
  });

  it('why takes a child workflow ID alone, or a submission id with --policy and --key', async () => {
    const alone = await parse(['why', 'concurrency/chat/u/m-1']);
    expect(alone.calls).toEqual([['why', { ref: 'concurrency/chat/u/m-1', json: false }, {}]]);
    const within = await parse(['why', 'm-1', '--policy', 'chat', '--key', 'u', '--json']);
    expect(within.calls).toEqual([['why', { ref: 'm-1', policy: 'chat', key: 'u', json: true }, {}]]);
  });

  it('why refuses --policy without --key: a submission id is unique only within its key', async () => {
    const { code, calls, stderr } = await parse(['why', 'm-1', '--policy', 'chat']);
    expect(code).toBe(ExitCode.usage);
    expect(calls).toEqual([]);
    expect(stderr).toContain('--policy and --key go together');
  });
  it("why refuses a coordinator's workflow ID, before connecting", async () => {
    const io = captureIo({ TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(await runCli(['why', 'concurrency/chat/user-1'], io)).toBe(ExitCode.usage);
    expect(io.stderr()).toContain("concurrency/chat/user-1 is a coordinator's workflow ID");
  });
});

describe('the program', () => {
  it('--help lists the commands and the exit codes, and succeeds', async () => {
    const { code, stdout } = await parse(['--help']);
    expect(code).toBe(ExitCode.ok);
    for (const command of ['status', 'submit', 'resume', 'why']) expect(stdout).toContain(command);
    for (const line of [
      '0  success',
      '2  usage error',
      '3  not found',
      '4  coordinator unavailable',
      '5  input invalid',
    ]) {
      expect(stdout).toContain(line);
    }
    expect(stdout).toContain('TEMPORAL_ADDRESS');
  });

  it("each command's help lists the exit codes too", async () => {
    for (const command of ['status', 'submit', 'resume', 'why']) {
      const { code, stdout } = await parse([command, '--help']);
      expect(code).toBe(ExitCode.ok);
      expect(stdout).toContain('4  coordinator unavailable');
    }
    expect((await parse(['help', 'why'])).code).toBe(ExitCode.ok);
  });

  it('--version prints the package version', async () => {
    const { code, stdout } = await parse(['--version']);
    expect(code).toBe(ExitCode.ok);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('no command, or an unknown one, is a usage error with a suggestion', async () => {
    expect((await parse([])).code).toBe(ExitCode.usage);
    const typo = await parse(['stauts', 'chat', 'u']);
    expect(typo.code).toBe(ExitCode.usage);
    expect(typo.stderr).toContain('Did you mean status?');
  });
});

describe('exit codes of what a command throws', () => {
  it.each([
    [new ConcurrencyInputError('maxRuns', 'maxRuns must be an integer >= 1'), ExitCode.invalidInput],
    [new ConcurrencyUnavailableError('concurrency/p/k', 'q', 'no worker polls its task queue'), ExitCode.unavailable],
    [new NotFoundError('no coordinator concurrency/p/k'), ExitCode.notFound],
    [new WorkflowNotFoundError('not found', 'concurrency/p/k', undefined), ExitCode.notFound],
    [new UsageError('that is a coordinator workflow ID'), ExitCode.usage],
    [new Error('boom'), ExitCode.unexpected],
  ])('%s → %i, with its message on stderr', async (error, expected) => {
    const io = captureIo();
    const code = await runCli(['status', 'p', 'k'], io, recordingCommands(error).commands);
    expect(code).toBe(expected);
    expect(io.stdout()).toBe('');
    expect(io.stderr()).toContain(`error: ${error instanceof Error ? error.message : ''}`);
  });

  it('an unexpected error comes with its stack, a foreseen one without', async () => {
    const unexpected = captureIo();
    await runCli(['status', 'p', 'k'], unexpected, recordingCommands(new Error('boom')).commands);
    expect(unexpected.stderr()).toContain('cli-parse.test.ts');
    const foreseen = captureIo();
    await runCli(['status', 'p', 'k'], foreseen, recordingCommands(new NotFoundError('gone')).commands);
    expect(foreseen.stderr()).toBe('error: gone');
  });
});
