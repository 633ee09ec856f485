/**
 * Where a chaos run happens (server, CLI, bundle) and the mutable state of one run: the current policies, the worker
 * process and the ledger.
 */
import type { Client } from '@temporalio/client';
import type { Ledger } from './ledger';
import type { ChaosPolicy } from './policies';
import type { ChaosPlan, PolicySpec } from './types';
import { startWorkerProcess, type WorkerProcess } from './worker';

export interface ChaosEnvironment {
  client: Client;
  /** gRPC address of the dev server, for the worker process and the CLI. */
  address: string;
  /** The `temporal` CLI binary, for resets. */
  cliPath: string;
  /** A workflow bundle of test/fixtures/workflows.ts with the library's interceptors. */
  bundlePath: string;
  /** The worker's stderr: a file, or `inherit`. */
  workerLog: string;
  /** How long the settle phase waits for every key to settle. */
  settleTimeoutMs: number;
  /** Bystanders wait this long unless released: longer than the whole run. */
  bystanderMaxMs: number;
  log: (line: string) => void;
  verbose: boolean;
}

export interface RunState {
  env: ChaosEnvironment;
  plan: ChaosPlan;
  ledger: Ledger;
  /** Current policy (object and spec) per policy index; a config change replaces them. */
  policies: ChaosPolicy[];
  specs: PolicySpec[];
  worker?: WorkerProcess;
}

export async function ensureWorker(run: RunState): Promise<void> {
  if (run.worker?.alive) return;
  run.worker = await startWorkerProcess({
    address: run.env.address,
    taskQueue: run.ledger.taskQueue,
    bundlePath: run.env.bundlePath,
    logFile: run.env.workerLog,
  });
  const down = run.ledger.workerDowntime.at(-1);
  if (down && down.toMs === undefined) down.toMs = Date.now();
}

export async function killWorker(run: RunState): Promise<void> {
  if (run.worker?.alive) run.ledger.workerDowntime.push({ fromMs: Date.now() });
  await run.worker?.kill();
  run.worker = undefined;
}

export function workerIsUp(run: RunState): boolean {
  return run.worker?.alive === true;
}

/** The key's policy as its submitters know it now. */
export function policyOfKey(run: RunState, key: number): ChaosPolicy {
  const spec = run.plan.keys[key];
  if (!spec) throw new Error(`no key ${key}`);
  return run.policies[spec.policy] as ChaosPolicy;
}
