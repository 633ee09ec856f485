/**
 * The workflow bundle a chaos worker runs when no test setup provides one: test/fixtures/workflows.ts with the
 * library's interceptors, built the way test/global-setup.ts builds it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { withConcurrencyBundle } from '../../src/worker';

export async function bundleFixtures(): Promise<{ bundlePath: string; remove(): void }> {
  const { code } = await bundleWorkflowCode(
    withConcurrencyBundle({
      workflowsPath: path.join(__dirname, '..', 'fixtures', 'workflows.ts'),
      logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
    }),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-concurrency-chaos-'));
  const bundlePath = path.join(dir, 'workflows.js');
  fs.writeFileSync(bundlePath, code);
  return { bundlePath, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
