/**
 * The command line's grammar: commands, arguments, flags and help, on commander. It only parses: each command hands
 * its request to a {@link CliCommands} handler, so the grammar is tested without a server.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { LIMIT_STRATEGIES, SLOT_RELEASES } from '../coordinator/messages';
import { EXIT_CODES_HELP } from './exit-codes';
import type { CliIo } from './io';

/** Flags every command takes: overrides of what `TEMPORAL_ADDRESS` / `TEMPORAL_NAMESPACE` (or a profile) say. */
export interface GlobalOptions {
  address?: string;
  namespace?: string;
}

export interface StatusRequest {
  policy: string;
  key: string;
  json: boolean;
  /** How many of the newest recent outcomes the table shows. */
  recent: number;
}

/** Values stay as typed: the library checks them (exit code 5), not the parser. */
export interface SubmitRequest {
  policy: string;
  key: string;
  workflowType: string;
  /** JSON array of the workflow's arguments. */
  args?: string;
  id?: string;
  workflowId?: string;
  taskQueue?: string;
  maxRuns: string;
  limitStrategy: string;
  slotRelease?: string;
  coordinatorTaskQueue?: string;
  /** JSON object of further policy options (`idleTimeoutMs`, `recentLimit`, …). */
  policyOptions?: string;
  dryRun: boolean;
  json: boolean;
}

export interface ResumeRequest {
  policy: string;
  key: string;
  /** Move the coordinator to this task queue (the repair for a mistyped one). */
  taskQueue?: string;
  json: boolean;
}

export interface WhyRequest {
  /** A submission id (with `policy` and `key`), a default child workflow ID, or any child's workflow ID. */
  ref: string;
  policy?: string;
  key?: string;
  json: boolean;
}

/** What each command does once its command line is parsed. */
export interface CliCommands {
  status(request: StatusRequest, globals: GlobalOptions): Promise<void>;
  submit(request: SubmitRequest, globals: GlobalOptions): Promise<void>;
  resume(request: ResumeRequest, globals: GlobalOptions): Promise<void>;
  why(request: WhyRequest, globals: GlobalOptions): Promise<void>;
}

const CONNECTION_HELP = `
Connection, read by @temporalio/envconfig as the worker reads it: TEMPORAL_ADDRESS (default
localhost:7233), TEMPORAL_NAMESPACE (default "default"), TEMPORAL_API_KEY, TEMPORAL_TLS*,
TEMPORAL_PROFILE and the Temporal config file. TEMPORAL_TASK_QUEUE (default "concurrency") is
the coordinators' task queue for submit.`;

const SUBMIT_HELP = `
The submission carries the policy these flags describe (library defaults for the rest), and a
running coordinator for the key adopts it, as it does for submit() from code: pass the options
your application's policy has, or the key is reconfigured (a lower --max-runs cancels running
work at once). --dry-run prints what would be sent.

Example:
  temporal-concurrency submit chat user-1 --max-runs 1 --workflow-type demoWork \\
    --args '[{"durationMs":5000}]' --id m-1`;

const WHY_HELP = `
Name the submission by one of:
  why m-7 --policy chat --key user-1     its id, unique only within its key
  why concurrency/chat/user-1/m-7        its default child workflow ID (or the hashed form,
                                         concurrency/<policy>/~<hash>/<id>)
  why my-workflow-id                     the workflow ID it was submitted with (--workflow-id)
The coordinator's state answers while it remembers the submission (its recent outcomes are
bounded); otherwise the child workflow's own description and memo do. The output says which.`;

const RESUME_HELP = `
A coordinator whose last run was terminated, failed or cancelled leaves its children running
(ABANDON). The key's next submission starts a fresh run that takes that run's accepted work over;
resume starts it now, with the last run's configuration (resumeCoordinator()). It does nothing
to an open run ("already running") or an idle-completed one.

--task-queue moves the key's coordinator to another task queue, e.g. one started on a mistyped
queue that no worker polls: an open run on another queue is terminated ("moved to task queue
<queue> by resume"; its children keep running) and a fresh run on <queue> takes over its
submissions. Start a worker on <queue> first, and fix the submitters' TEMPORAL_TASK_QUEUE (or
the policy's taskQueue), or their next submission to a closed coordinator starts it on the old one.

Example:
  temporal-concurrency resume chat user-1 --task-queue concurrency`;

function integer(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('Not a non-negative integer.');
  return Number(value);
}

/** A request's flags as commander hands them over, without its arguments: a switch not given is absent, not false. */
type Flags<Request, Argument extends keyof Request> = Omit<Request, Argument | 'json' | 'dryRun'> & {
  json?: true;
  dryRun?: true;
};

function globalsOf(command: Command): GlobalOptions {
  const { address, namespace } = command.optsWithGlobals<GlobalOptions>();
  return { ...(address !== undefined && { address }), ...(namespace !== undefined && { namespace }) };
}

/**
 * The `temporal-concurrency` program. It never exits the process: commander's refusals and help are thrown as
 * `CommanderError` (see `exitCodeOf`), and its output goes to `io`.
 */
export function createProgram(commands: CliCommands, io: CliIo, version = '0.0.0'): Command {
  const program = new Command('temporal-concurrency')
    .description('Follow and submit work under temporal-concurrency policies (one coordinator per policy and key).')
    .version(version)
    .option('--address <host:port>', 'Temporal frontend address (overrides TEMPORAL_ADDRESS)')
    .option('--namespace <namespace>', 'Temporal namespace (overrides TEMPORAL_NAMESPACE)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `${CONNECTION_HELP}\n${EXIT_CODES_HELP}`);

  program
    .command('status')
    .description("what a key's coordinator runs and queues, and its recent outcomes with their reasons")
    .argument('<policy>', 'policy name')
    .argument('<key>', 'group key, as the policy computes it (not encoded)')
    .option('--json', "print the coordinator's `state` query result as JSON")
    .addOption(new Option('--recent <n>', 'newest recent outcomes to list').argParser(integer).default(20))
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (policy: string, key: string, options: Flags<StatusRequest, 'policy' | 'key'>, command: Command) => {
      await commands.status({ policy, key, ...options, json: options.json === true }, globalsOf(command));
    });

  program
    .command('submit')
    .description("submit a run of a workflow to a key's coordinator (the library's submit())")
    .argument('<policy>', 'policy name')
    .argument('<key>', 'group key')
    .requiredOption('--workflow-type <type>', 'workflow type of the run')
    .requiredOption('--max-runs <n>', "the policy's most runs per key at once")
    .option('--args <json>', 'JSON array of the workflow arguments', '[]')
    .option('--id <id>', 'submission id, the idempotency key (default: a random UUID)')
    .option('--workflow-id <id>', 'child workflow ID (default: <coordinator workflow ID>/<id>)')
    .option('--task-queue <queue>', "the run's task queue (default: the coordinator's)")
    .addOption(
      new Option('--limit-strategy <strategy>', 'what happens over the limit')
        .choices(LIMIT_STRATEGIES)
        .default('CANCEL_IN_PROGRESS'),
    )
    .addOption(
      new Option('--slot-release <when>', 'when a cancelled run frees its slot (default: on-cancel-request)').choices(
        SLOT_RELEASES,
      ),
    )
    .option('--coordinator-task-queue <queue>', "the coordinators' task queue (default: TEMPORAL_TASK_QUEUE)")
    .option('--policy-options <json>', 'further policy options as a JSON object, e.g. \'{"idleTimeoutMs":600000}\'')
    .option('--dry-run', 'check and print what would be sent, without connecting')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `${SUBMIT_HELP}\n${EXIT_CODES_HELP}`)
    .action(async (policy: string, key: string, options: Flags<SubmitRequest, 'policy' | 'key'>, command: Command) => {
      const switches = { dryRun: options.dryRun === true, json: options.json === true };
      await commands.submit({ policy, key, ...options, ...switches }, globalsOf(command));
    });

  program
    .command('resume')
    .description(
      "restart a key's terminated, failed or cancelled coordinator now, to take over its accepted work, or move it " +
        'to another task queue (--task-queue)',
    )
    .argument('<policy>', 'policy name')
    .argument('<key>', 'group key')
    .option('--task-queue <queue>', "move the coordinator to this task queue (default: its last run's)")
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `${RESUME_HELP}\n${EXIT_CODES_HELP}`)
    .action(async (policy: string, key: string, options: Flags<ResumeRequest, 'policy' | 'key'>, command: Command) => {
      await commands.resume({ policy, key, ...options, json: options.json === true }, globalsOf(command));
    });

  program
    .command('why')
    .description('what happened to a submission and why: superseded by which newer one, dropped, rejected…')
    .argument('<submission>', 'submission id (with --policy and --key), or its child workflow ID')
    .option('--policy <policy>', 'policy name, when <submission> is a submission id')
    .option('--key <key>', 'group key, when <submission> is a submission id')
    .option('--json', 'print the answer as JSON')
    .addHelpText('after', `${WHY_HELP}\n${EXIT_CODES_HELP}`)
    .action(async (ref: string, options: Flags<WhyRequest, 'ref'>, command: Command) => {
      if ((options.policy === undefined) !== (options.key === undefined)) {
        command.error('error: --policy and --key go together (a submission id is unique only within its key)');
      }
      await commands.why({ ref, ...options, json: options.json === true }, globalsOf(command));
    });

  return program;
}
