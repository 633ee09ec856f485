/**
 * The chaos run's worker, in its own process so a step can SIGKILL it (test/fixtures/worker-process.ts, as the
 * fault tests use). It runs the coordinators, the children and the bystanders of the run's task queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface WorkerProcess {
  /** Resolves once the process has exited. */
  kill(): Promise<void>;
  readonly alive: boolean;
}

export interface WorkerProcessOptions {
  address: string;
  taskQueue: string;
  bundlePath: string;
  /** Where the worker's stderr (its WARN logs) goes; `inherit` shows it. */
  logFile: string;
}

const READY_TIMEOUT_MS = 60_000;

export function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const stderr = options.logFile === 'inherit' ? 'inherit' : fs.openSync(options.logFile, 'a');
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(__dirname, '..', 'fixtures', 'worker-process.ts')],
    {
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: options.address,
        TEMPORAL_TASK_QUEUE: options.taskQueue,
        WORKFLOW_BUNDLE_PATH: options.bundlePath,
      },
      stdio: ['ignore', 'pipe', stderr],
    },
  );
  if (typeof stderr === 'number') fs.closeSync(stderr); // the child holds its own copy
  let alive = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      alive = false;
      resolve();
    }),
  );
  const handle: WorkerProcess = {
    get alive() {
      return alive;
    },
    async kill() {
      if (alive) child.kill('SIGKILL');
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker process not ready after ${READY_TIMEOUT_MS} ms`));
    }, READY_TIMEOUT_MS);
    child.stdout?.on('data', (data: Buffer) => {
      if (!data.toString().includes('ready')) return;
      clearTimeout(timer);
      resolve(handle);
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`worker process exited before it was ready (code ${child.exitCode})`));
    });
  });
}
