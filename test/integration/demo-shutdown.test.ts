/**
 * `npm run demo -- --keep` stops cleanly: Ctrl-C (SIGINT to the whole process group, as a terminal sends it) and
 * SIGINT or SIGTERM to the node process alone end with exit code 0, a "stopped." line, no IllegalStateError or stack
 * trace, and no dev server left behind (its process gone, its ports free).
 *
 * Each case runs the real demo with its own dev server on ports of its own (not the suite's shared server), a burst
 * of one message per user, and the Temporal CLI the global setup found.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';

const REPO_ROOT = path.join(__dirname, '..', '..');
const KEEPING = '--keep: server and worker stay up';

let cacheDir: string;
beforeAll(() => {
  // The demo's SQLite files go under the cache directory: a throwaway one, with the CLI passed in directly.
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-concurrency-demo-'));
});
afterAll(() => {
  fs.rmSync(cacheDir, { recursive: true, force: true });
});

/** What a case started, for cleanup when it fails halfway. */
let started: { demo?: ChildProcess; devServerPid?: number } = {};
afterEach(() => {
  const { demo, devServerPid } = started;
  started = {};
  if (demo?.pid !== undefined && demo.exitCode === null && demo.signalCode === null) {
    try {
      process.kill(-demo.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  if (devServerPid !== undefined && isAlive(devServerPid)) process.kill(devServerPid, 'SIGKILL');
});

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Something accepts connections on 127.0.0.1:port. */
async function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** The process exists and is not a zombie (a zombie has exited; only its exit status is left to collect). */
function isAlive(pid: number): boolean {
  const result = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
  const state = result.stdout.trim();
  return result.status === 0 && state !== '' && !state.startsWith('Z');
}

/** The `temporal server start-dev` child of the demo's node process. */
function devServerOf(demoPid: number): number | undefined {
  const { stdout } = spawnSync('ps', ['-A', '-o', 'pid=,ppid=,args='], { encoding: 'utf8' });
  for (const line of stdout.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (match && Number(match[2]) === demoPid && match[3]?.includes('server start-dev')) return Number(match[1]);
  }
  return undefined;
}

interface Stopped {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  devServerPid: number | undefined;
  ports: number[];
}

async function runDemoAndStop(signal: NodeJS.Signals, target: 'process group' | 'node process'): Promise<Stopped> {
  const [port, uiPort] = [await freePort(), await freePort()] as [number, number];
  const demo = spawn(
    process.execPath,
    ['--import', 'tsx', 'scripts/demo.ts', '--keep', '--port', `${port}`, '--ui-port', `${uiPort}`]
      // The shortest burst: the shutdown is what this tests.
      .concat(['--messages', '1', '--work-ms', '100']),
    {
      cwd: REPO_ROOT,
      // Its own process group, like a terminal's foreground job: -pid reaches node and the dev server both.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TEMPORAL_CLI_PATH: inject('temporalCliPath'), TEMPORAL_CONCURRENCY_CACHE: cacheDir },
    },
  );
  started.demo = demo;
  let output = '';
  demo.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    demo.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = demo.pid as number;

  const readyBy = Date.now() + 90_000;
  while (!output.includes(KEEPING)) {
    if (demo.exitCode !== null || demo.signalCode !== null || Date.now() > readyBy)
      throw new Error(`the demo never reached --keep:\n${output}`);
    await sleep(100);
  }
  const devServerPid = devServerOf(pid);
  started.devServerPid = devServerPid;
  expect(devServerPid, 'the dev server process, a child of the demo').toBeDefined();

  process.kill(target === 'process group' ? -pid : pid, signal);
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    exited,
    new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), 60_000))),
  ]);
  clearTimeout(timer);
  if (!result) throw new Error(`the demo did not exit within 60 s of ${signal}:\n${output}`);

  // Give a dev server the demo failed to stop a moment to go, so only a left-over one is reported.
  const goneBy = Date.now() + 5_000;
  const leftOver = async () => [
    ...(devServerPid !== undefined && isAlive(devServerPid) ? [devServerPid] : []),
    ...(await Promise.all([port, uiPort].map(async (p) => ((await isListening(p)) ? [p] : [])))).flat(),
  ];
  while ((await leftOver()).length > 0 && Date.now() < goneBy) await sleep(200);
  return { ...result, output, devServerPid, ports: [port, uiPort] };
}

describe('npm run demo -- --keep stops cleanly', () => {
  it.each([
    ['Ctrl-C: SIGINT to the process group', 'SIGINT', 'process group'],
    ['kill -INT: SIGINT to the node process alone', 'SIGINT', 'node process'],
    ['kill -TERM: SIGTERM to the node process alone', 'SIGTERM', 'node process'],
  ] as const)('%s', async (_name, signal, target) => {
    const { code, output, devServerPid, ports, ...rest } = await runDemoAndStop(signal, target);
    const afterKeep = output.slice(output.indexOf(KEEPING));
    expect(
      {
        code,
        signal: rest.signal,
        illegalStateError: output.includes('IllegalStateError'),
        stackTrace: /^\s+at .+:\d+:\d+\)?$/m.test(output),
        stoppedMessage: /^stopped\.$/m.test(afterKeep),
        devServerRunning: devServerPid !== undefined && isAlive(devServerPid),
        portsInUse: (await Promise.all(ports.map(async (p) => ((await isListening(p)) ? [p] : [])))).flat(),
      },
      `the demo's output after ${KEEPING}…:\n${afterKeep}`,
    ).toEqual({
      code: 0,
      signal: null,
      illegalStateError: false,
      stackTrace: false,
      stoppedMessage: true,
      devServerRunning: false,
      portsInUse: [],
    });
  });
});
