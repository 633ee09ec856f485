/**
 * `npm run chaos -- --seed N --steps M [--keys K] [--kinds a,b,…] [--strategies all|cancel-in-progress] [--settle-ms T] [--dump FILE] [--verbose]`: a
 * seeded, randomized hostile run on its own dev server (see test/chaos/), then the independent checker over
 * Temporal's histories. Prints the figures and every violation; on failure, the line with the exact command that
 * replays the seed, and exits non-zero. Without `--seed` a random seed is drawn (and printed).
 *
 * The dev server goes with the run, and a replay meets other timings: so on failure (or always, with `--dump`) the
 * evidence the checker judged (every history it read, the ledger, the violations) is written to a JSON file.
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { bundleFixtures } from '../test/chaos/bundle';
import { DEFAULT_KEYS } from '../test/chaos/report';
import { runChaos, type ChaosResult } from '../test/chaos/run';
import { STEP_KINDS, type StepKind } from '../test/chaos/types';
import { startDevServer } from './dev-server';

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

function numberOption(name: string, fallback: number): number {
  const value = option(name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0)
    throw new Error(`--${name} must be a non-negative integer, got ${value}`);
  return parsed;
}

function kindsOption(): StepKind[] {
  const value = option('kinds');
  if (value === undefined) return [...STEP_KINDS];
  const kinds = value.split(',').filter(Boolean);
  const unknown = kinds.filter((kind) => !(STEP_KINDS as readonly string[]).includes(kind));
  if (unknown.length > 0) throw new Error(`unknown --kinds ${unknown.join(', ')}; known: ${STEP_KINDS.join(', ')}`);
  return kinds as StepKind[];
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const seed = numberOption('seed', Math.floor(Math.random() * 1_000_000));
  const options = {
    seed,
    steps: numberOption('steps', 60),
    keys: numberOption('keys', DEFAULT_KEYS),
    kinds: kindsOption(),
    // `--strategies cancel-in-progress` replays a seed as it ran before the strategy set was drawn.
    strategies: option('strategies') === 'cancel-in-progress' ? ('cancel-in-progress' as const) : ('all' as const),
  };
  if (options.keys < 1) throw new Error('--keys must be at least 1');
  const verbose = process.argv.includes('--verbose');
  const workerLog = verbose ? 'inherit' : path.join(os.tmpdir(), `chaos-${seed}-${process.pid}-worker.log`);
  console.log(`chaos seed ${seed}, ${options.steps} steps, ${options.keys} keys; starting a dev server`);
  const server = await startDevServer();
  const bundle = await bundleFixtures();
  try {
    if (!server.cli) throw new Error('the chaos run needs the Temporal CLI binary (for resets)');
    const result = await runChaos(
      {
        client: server.env.client,
        address: server.address,
        cliPath: server.cli.path,
        bundlePath: bundle.bundlePath,
        workerLog,
        settleTimeoutMs: numberOption('settle-ms', 90_000),
        bystanderMaxMs: 30 * 60_000,
        log: (line) => console.log(line),
        verbose,
      },
      options,
    );
    console.log(result.summary);
    const dump =
      option('dump') ??
      (result.failure ? path.join(os.tmpdir(), `chaos-${seed}-${process.pid}-evidence.json`) : undefined);
    if (dump !== undefined) {
      writeFileSync(dump, JSON.stringify(evidenceDump(result)));
      console.log(`evidence: ${dump}`);
    }
    if (result.failure) {
      if (!verbose) console.log(`worker log: ${workerLog}`);
      console.log(result.failure);
      process.exitCode = 1;
    }
  } finally {
    bundle.remove();
    await server.env.teardown();
  }
}

/** What the checker judged, as plain JSON: the plan, the ledger, the violations and every history read. */
function evidenceDump(result: ChaosResult): unknown {
  const { evidence, violations } = result.report;
  const executions = Object.fromEntries(
    [...evidence.executions].map(([workflowId, runs]) => [
      workflowId,
      runs.map(({ memo: _memo, input: _input, ...run }) => run),
    ]),
  );
  return { plan: result.plan, ledger: result.ledger, violations, missing: evidence.missing, executions };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
