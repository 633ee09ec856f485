/**
 * One invocation of the CLI: parse, run the command, and turn what went wrong into an exit code and one line on
 * stderr. Never exits the process itself, so tests call it directly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CommanderError } from 'commander';
import { resume } from './commands/resume';
import { status } from './commands/status';
import { submit } from './commands/submit';
import { why } from './commands/why';
import { CannotConnectError } from './connect';
import { ExitCode, exitCodeOf } from './exit-codes';
import type { CliIo } from './io';
import { createProgram, type CliCommands } from './program';

/** The commands, talking to Temporal. */
export function temporalCommands(io: CliIo): CliCommands {
  return {
    status: (request, globals) => status(request, globals, io),
    submit: (request, globals) => submit(request, globals, io),
    resume: (request, globals) => resume(request, globals, io),
    why: (request, globals) => why(request, globals, io),
  };
}

/** The package's version, from its package.json (two levels up from both `src/cli` and `lib/cli`). */
function packageVersion(): string {
  try {
    const manifest = path.join(__dirname, '..', '..', 'package.json');
    return (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The stack of an error and of each of its causes. */
function detailsOf(err: unknown): string {
  const lines: string[] = [];
  // Bounded: a cause chain can be a cycle.
  for (let cause = err; cause instanceof Error && lines.length < 10; cause = cause.cause) {
    lines.push(cause.stack ?? cause.message);
  }
  return lines.join('\ncaused by: ');
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and resolves with its exit code (see `exit-codes.ts`).
 *
 * @param commands what each command does; tests pass their own to check the parsing alone
 */
export async function runCli(argv: string[], io: CliIo, commands = temporalCommands(io)): Promise<ExitCode> {
  try {
    await createProgram(commands, io, packageVersion()).parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (err) {
    const code = exitCodeOf(err);
    // Commander has printed its own message (and the help) already.
    if (err instanceof CommanderError) return code;
    io.err(`error: ${err instanceof Error ? err.message : String(err)}`);
    // An error nobody foresaw gets its stack and causes: it is a bug to report, or a cause to find.
    if (code === ExitCode.unexpected && !(err instanceof CannotConnectError)) io.err(detailsOf(err));
    return code;
  }
}
