/** An in-memory `CliIo` for running the CLI inside a test, and commands that only record what they were asked. */
import type { CliIo } from '../../src/cli/io';
import type { CliCommands, GlobalOptions } from '../../src/cli/program';

export interface CapturedIo extends CliIo {
  stdout(): string;
  stderr(): string;
}

/** Output kept in memory; the environment holds no Temporal config file, so a developer's profile cannot leak in. */
export function captureIo(env: NodeJS.ProcessEnv = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: { TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml', ...env },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

export type RecordedCall = [command: keyof CliCommands, request: object, globals: GlobalOptions];

/** Commands that record their parsed request, or throw `error` (to check how errors become exit codes). */
export function recordingCommands(error?: Error): { commands: CliCommands; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const record =
    (name: keyof CliCommands) =>
    // eslint-disable-next-line @typescript-eslint/require-await
    async (request: object, globals: GlobalOptions): Promise<void> => {
      calls.push([name, request, globals]);
      if (error !== undefined) throw error;
    };
  return {
    commands: { status: record('status'), submit: record('submit'), resume: record('resume'), why: record('why') },
    calls,
  };
}
