/**
 * Starts one real Temporal dev server for the whole integration run and bundles the workflows once. If the server
 * cannot start, this throws and every integration test fails: they never skip.
 *
 * The server registers the library's search attributes (as `startDevServer` always does) and serves its Web UI on a
 * free port, for the browser test (test/integration/web-ui.test.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { freePort, startDevServer, type DevServer } from '../scripts/dev-server';
import { withConcurrencyBundle } from '../src/worker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCliPath: string;
    /** The dev server's Web UI, e.g. `http://localhost:41234`. */
    temporalUiUrl: string;
    workflowBundlePath: string;
  }
}

let server: DevServer | undefined;
let bundleDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startDevServer({ uiPort: await freePort(), log: (line) => console.log(`[temporal-cli] ${line}`) });
  if (!server.uiUrl) throw new Error('the dev server started without its Web UI');
  if (!server.cli) throw new Error('integration tests need the Temporal CLI binary (for the CLI submit test)');
  const { code } = await bundleWorkflowCode(
    withConcurrencyBundle({
      workflowsPath: path.join(__dirname, 'fixtures', 'workflows.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    }),
  );
  bundleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-concurrency-bundle-'));
  const workflowBundlePath = path.join(bundleDir, 'workflows.js');
  fs.writeFileSync(workflowBundlePath, code);
  project.provide('temporalAddress', server.address);
  project.provide('temporalCliPath', server.cli.path);
  project.provide('temporalUiUrl', server.uiUrl);
  project.provide('workflowBundlePath', workflowBundlePath);
}

export async function teardown(): Promise<void> {
  await server?.env.teardown();
  if (bundleDir) fs.rmSync(bundleDir, { recursive: true, force: true });
}
