/** Where the CLI writes and what environment it reads: the process's, or a test's. */
export interface CliIo {
  /** Results: what a script reads (tables, JSON). */
  out(text: string): void;
  /** Errors, warnings and notes about where an answer came from. */
  err(text: string): void;
  env: NodeJS.ProcessEnv;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
};
