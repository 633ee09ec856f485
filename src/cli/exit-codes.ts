/**
 * The exit codes scripts can branch on, and which error means which. Listed in `--help` and in the README.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { CommanderError } from 'commander';
import { ConcurrencyInputError, ConcurrencyUnavailableError } from '../client/errors';

export const ExitCode = {
  ok: 0,
  /** Anything unforeseen: the server unreachable, a permission denied, a bug. */
  unexpected: 1,
  /** The command line itself: unknown command or option, a missing argument. */
  usage: 2,
  /** No coordinator for the key, or no such submission. */
  notFound: 3,
  /** No worker answers for the coordinator ({@link ConcurrencyUnavailableError}). */
  unavailable: 4,
  /** A value the library refuses ({@link ConcurrencyInputError}): it names the field. */
  invalidInput: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The lines `--help` ends with. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  unexpected error (e.g. the server cannot be reached)
  2  usage error (unknown command or option, missing argument)
  3  not found (no coordinator for the key, no such submission)
  4  coordinator unavailable (no worker polls its task queue or answers its query)
  5  input invalid (the library refuses a value, e.g. --max-runs 0)`;

/** Something the user asked about does not exist: exit code 3. */
export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

/** A command line that parses but asks for something the command does not take: exit code 2, like commander's. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code for an error a command threw, or commander's for a command line it refused. */
export function exitCodeOf(err: unknown): ExitCode {
  if (err instanceof CommanderError) {
    // Help asked for (`--help`, `help status`) and `--version` are successes; help shown because no command was
    // given comes with a non-zero code, like every other complaint about the command line.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return ExitCode.ok;
    if (err.code === 'commander.help') return err.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    return ExitCode.usage;
  }
  if (err instanceof UsageError) return ExitCode.usage;
  if (err instanceof ConcurrencyInputError) return ExitCode.invalidInput;
  if (err instanceof ConcurrencyUnavailableError) return ExitCode.unavailable;
  if (err instanceof NotFoundError || err instanceof WorkflowNotFoundError) return ExitCode.notFound;
  return ExitCode.unexpected;
}
