/**
 * Issue 15 items 9 and 10: `temporal-concurrency-worker` prints its usage on --help (exit 0) instead of trying to
 * connect, starts with one line naming the task queue, namespace and address it serves, and ends a failed connection
 * with one line naming the address and what to check (exit 1), not a raw TransportError.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConnectionSettings } from '../../src/connection';
import { connectionFailureLine, parseWorkerArgs, startLine, WORKER_USAGE } from '../../src/worker-program';

const root = path.join(__dirname, '..', '..');
const isolated = { TEMPORAL_CONFIG_FILE: '/nonexistent/temporal.toml' };

/** The worker program on the sources, as `npm run worker` runs it. */
function worker(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const options = { env: { PATH: process.env.PATH, ...isolated, ...env }, timeout: 30_000 };
    execFile(tsx, [path.join(root, 'src', 'worker.ts'), ...args], options, (error, stdout, stderr) => {
      const code = error ? error.code : 0;
      if (typeof code !== 'number') return reject(error ?? new Error('the worker did not exit'));
      resolve({ code, stdout, stderr });
    });
  });
}

describe('parseWorkerArgs', () => {
  it('asks for usage on --help or -h, runs on nothing, refuses anything else', () => {
    expect(parseWorkerArgs(['--help'])).toEqual({ action: 'help' });
    expect(parseWorkerArgs(['-h'])).toEqual({ action: 'help' });
    expect(parseWorkerArgs([])).toEqual({ action: 'run' });
    expect(parseWorkerArgs(['--task-queue', 'x'])).toMatchObject({ action: 'refuse' });
  });
});

describe('the usage', () => {
  it('names every variable the worker reads', () => {
    for (const variable of [
      'TEMPORAL_ADDRESS',
      'TEMPORAL_NAMESPACE',
      'TEMPORAL_TASK_QUEUE',
      'TEMPORAL_CONCURRENCY_METRICS_ADDRESS',
      'TEMPORAL_API_KEY',
      'TEMPORAL_TLS',
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'TEMPORAL_PROFILE',
    ]) {
      expect(WORKER_USAGE).toContain(variable);
    }
  });
});

describe('startLine and connectionFailureLine', () => {
  const settings = loadConnectionSettings({
    ...isolated,
    TEMPORAL_ADDRESS: 'temporal.internal:7233',
    TEMPORAL_NAMESPACE: 'prod',
    TEMPORAL_TASK_QUEUE: 'concurrencyy',
  });

  it('names the task queue, namespace and address in one line', () => {
    const line = startLine(settings);
    expect(line).toBe(
      'temporal-concurrency-worker: serving task queue concurrencyy in namespace prod at temporal.internal:7233',
    );
  });

  it('names the address, the first line of the reason and what to check, in one line', () => {
    const line = connectionFailureLine(settings, new Error('tcp connect error\n    at stack'));
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain('cannot connect to Temporal at temporal.internal:7233 (without TLS): tcp connect error.');
    expect(line).toContain('TEMPORAL_ADDRESS');
    expect(line).toContain('TEMPORAL_API_KEY');
  });
});

describe('temporal-concurrency-worker as a program', () => {
  it('--help prints the usage and exits 0 without connecting', async () => {
    const run = await worker(['--help'], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(run).toEqual({ code: 0, stdout: WORKER_USAGE, stderr: '' });
  });

  it('a server it cannot reach: the start line, then one line naming the address, exit 1', async () => {
    const run = await worker([], { TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_TASK_QUEUE: 'q-1' });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      'temporal-concurrency-worker: serving task queue q-1 in namespace default at 127.0.0.1:1\n',
    );
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^temporal-concurrency-worker: cannot connect to Temporal at 127\.0\.0\.1:1 \(without TLS\): /,
    );
    expect(run.stderr).not.toContain('TransportError');
  });
});
