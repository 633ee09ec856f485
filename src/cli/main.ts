#!/usr/bin/env node
/**
 * `npx temporal-concurrency <command>`: follow and submit work under temporal-concurrency policies from a shell.
 * `--help` lists the commands and the exit codes. The CLI uses the library; nothing in the library uses the CLI.
 *
 * @module
 */
import { processIo } from './io';
import { runCli } from './run';

async function main(): Promise<void> {
  // process.exitCode, not process.exit(): the output is flushed and the connection closed before the process ends.
  process.exitCode = await runCli(process.argv.slice(2), processIo);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
