/**
 * A stranger's application: the package packed with `npm pack`, installed from its tarball into a fresh directory
 * outside the repository with a chosen SDK version, compiled with `tsc --strict`. Installs come from the local npm
 * cache when it has the packages (`--prefer-offline`), so only the first run of a new SDK version downloads.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repoRoot = path.join(__dirname, '..', '..');
const appSources = path.join(__dirname, 'app');

/** The SDK packages the library takes as peer dependencies, which the application installs itself. */
const SDK_PACKAGES = ['activity', 'client', 'common', 'envconfig', 'proto', 'worker', 'workflow'];

export interface PackedTarball {
  path: string;
  /** Paths inside the tarball, without the leading `package/`. */
  files: string[];
  bytes: number;
}

/** `npm pack` into a temporary directory (runs `prepack`, the build). */
export async function packLibrary(): Promise<PackedTarball> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-concurrency-pack-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', dir], {
    cwd: repoRoot,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as {
    filename: string;
    size: number;
    files: { path: string }[];
  }[];
  if (!packed) throw new Error(`npm pack printed no result: ${stdout}`);
  return { path: path.join(dir, packed.filename), files: packed.files.map((f) => f.path), bytes: packed.size };
}

export interface ConsumerApp {
  dir: string;
  /** Runs `node dist/main.js ...args` in the app with the given environment; resolves with its stdout. */
  run(args: string[], env: NodeJS.ProcessEnv): Promise<string>;
  remove(): void;
}

/** A fresh application with the tarball and the given SDK version installed and its sources compiled. */
export async function createConsumerApp(tarball: string, sdkVersion: string): Promise<ConsumerApp> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `temporal-concurrency-consumer-${sdkVersion}-`));
  const devPackage = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
    devDependencies: Record<string, string>;
    overrides?: Record<string, string>;
  };
  const manifest = {
    name: 'preview-app',
    private: true,
    dependencies: {
      'temporal-concurrency': `file:${tarball}`,
      ...Object.fromEntries(SDK_PACKAGES.map((name) => [`@temporalio/${name}`, sdkVersion])),
    },
    devDependencies: {
      typescript: devPackage.devDependencies.typescript,
      '@types/node': devPackage.devDependencies['@types/node'],
    },
    // The same pin as the repository's (the registry lacks some platforms' builds of newer @swc/core releases).
    ...(devPackage.overrides && { overrides: devPackage.overrides }),
  };
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.cpSync(path.join(appSources, 'src'), path.join(dir, 'src'), { recursive: true });
  fs.copyFileSync(path.join(appSources, 'tsconfig.json'), path.join(dir, 'tsconfig.json'));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    maxBuffer: 16 * 1024 * 1024,
  });
  await run(path.join(dir, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json', '--strict'], { cwd: dir });
  return {
    dir,
    async run(args, env) {
      const { stdout } = await run(process.execPath, [path.join(dir, 'dist', 'main.js'), ...args], {
        cwd: dir,
        env: { ...process.env, ...env },
        maxBuffer: 16 * 1024 * 1024,
        timeout: 180_000,
      });
      return stdout;
    },
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
