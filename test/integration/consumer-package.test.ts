/**
 * The package as a stranger gets it: `npm pack`, the tarball installed into a fresh application outside the
 * repository (test/consumer/app: its own `renderPreview` workflow, heartbeating activity and cleanup on cancel), compiled
 * with `tsc --strict`, run with its own workers in both documented shapes, on the SDK version the repository develops
 * on and on the oldest one the package supports. Temporal's histories judge the outcome.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerApp, packLibrary, type ConsumerApp, type PackedTarball } from '../consumer/consumer-app';
import { auditKey } from '../helpers/histories';
import { connectToTestServer, uniqueName, type TemporalTestContext } from '../helpers/temporal';

/** The SDK versions the package is verified against: the development one and the oldest in its peer range. */
const SDK_VERSIONS = ['1.24.0', '1.13.2'];

interface ReportedSubmission {
  docId: string;
  edit: number;
  submissionId: string;
  coordinatorWorkflowId: string;
  childWorkflowId: string;
  outcome: string;
}

let context: TemporalTestContext;
let tarball: PackedTarball;

beforeAll(async () => {
  context = await connectToTestServer();
  tarball = await packLibrary();
}, 120_000);

afterAll(async () => {
  await context?.close();
});

it('the tarball holds the built library, README, LICENSE and package.json only', () => {
  const unexpected = tarball.files.filter(
    (file) => !['README.md', 'LICENSE', 'package.json'].includes(file) && !/^lib\/.+\.(js|d\.ts)$/.test(file),
  );
  expect(unexpected).toEqual([]);
  const entries = [
    'lib/index.js',
    'lib/worker.js',
    'lib/cli/main.js',
    'lib/workflows/index.js',
    'lib/interceptors/run-closed.js',
  ];
  for (const entry of entries) {
    expect(tarball.files).toContain(entry);
  }
  // Nothing of the examples or the demo ships: production workers get the coordinator and its activities only.
  expect(tarball.files.filter((file) => /demo|chat|example/i.test(file))).toEqual([]);
});

describe.each(SDK_VERSIONS)('an application on SDK %s', (sdkVersion) => {
  let app: ConsumerApp;

  beforeAll(async () => {
    app = await createConsumerApp(tarball.path, sdkVersion);
  }, 300_000);

  afterAll(() => app?.remove());

  it("installs one copy of the SDK: the application's", () => {
    const nested = path.join(app.dir, 'node_modules', 'temporal-concurrency', 'node_modules', '@temporalio');
    expect(fs.existsSync(nested)).toBe(false);
    const workflowPackage = path.join(app.dir, 'node_modules', '@temporalio', 'workflow', 'package.json');
    expect((JSON.parse(fs.readFileSync(workflowPackage, 'utf8')) as { version: string }).version).toBe(sdkVersion);
  });

  async function runBurst(shape: 'shared' | 'dedicated', env: NodeJS.ProcessEnv): Promise<ReportedSubmission[]> {
    const stdout = await app.run([shape, uniqueName('t')], { TEMPORAL_ADDRESS: inject('temporalAddress'), ...env });
    const line = stdout.split('\n').find((l) => l.startsWith('{"submissions"'));
    if (!line) throw new Error(`the app printed no report:\n${stdout}`);
    return (JSON.parse(line) as { submissions: ReportedSubmission[] }).submissions;
  }

  it('runs the dedicated coordinator worker as a program: npx temporal-concurrency-worker', async () => {
    const taskQueue = uniqueName('consumer-bin');
    const bin = spawn(path.join(app.dir, 'node_modules', '.bin', 'temporal-concurrency-worker'), [], {
      cwd: app.dir,
      env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress'), TEMPORAL_TASK_QUEUE: taskQueue },
    });
    try {
      let output = '';
      await new Promise<void>((resolve, reject) => {
        bin.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes(`worker polling task queue ${taskQueue}`)) resolve();
        });
        bin.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
        bin.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      });
      // The published worker runs the coordinators only: the examples stay in the repository.
      expect(output).not.toContain('examples');
    } finally {
      bin.kill('SIGINT');
    }
  });

  /** What Temporal's histories say of one document's edits, checked against what the app reported. */
  async function expectNewestWins(submissions: ReportedSubmission[], childTaskQueue: string): Promise<void> {
    const byDoc = new Map<string, ReportedSubmission[]>();
    for (const submission of submissions)
      byDoc.set(submission.docId, [...(byDoc.get(submission.docId) ?? []), submission]);
    expect(byDoc.size).toBe(2);
    for (const edits of byDoc.values()) {
      const audit = await auditKey(context.client, edits[0]!.coordinatorWorkflowId);
      expect(audit.maxLiveStarted).toBeLessThanOrEqual(1);
      for (const edit of edits) {
        const timeline = audit.timelines.get(edit.childWorkflowId);
        if (edit.edit === 4) {
          expect(edit.outcome).toBe('completed');
          expect(timeline?.closeType).toBe('completed');
        } else if (edit.edit === 1) {
          // It was running when the newer edits came: cancelled, and its cleanup ran.
          expect(edit.outcome).toBe('cancelled');
          expect(timeline?.closeType).toBe('cancelled');
          expect(timeline?.activityTypes).toContain('discardPartialPreview');
        } else {
          expect(['dropped', 'cancelled']).toContain(edit.outcome);
          expect(timeline?.closeType).toBe(edit.outcome === 'dropped' ? undefined : 'cancelled');
        }
      }
      const last = edits.find((e) => e.edit === 4)!;
      const description = await context.client.workflow.getHandle(last.childWorkflowId).describe();
      expect(description.taskQueue).toBe(childTaskQueue);
    }
  }

  it('(a) its own worker runs the coordinators and renderPreview: the newest edit of each document wins', async () => {
    const taskQueue = uniqueName('consumer-shared');
    const submissions = await runBurst('shared', { TEMPORAL_TASK_QUEUE: taskQueue });
    await expectNewestWins(submissions, taskQueue);
  });

  it('(b) a dedicated coordinator worker and its own preview worker: the newest edit of each document wins', async () => {
    const taskQueue = uniqueName('consumer-coordinators');
    const previewTaskQueue = uniqueName('consumer-previews');
    const submissions = await runBurst('dedicated', {
      TEMPORAL_TASK_QUEUE: taskQueue,
      PREVIEW_TASK_QUEUE: previewTaskQueue,
    });
    await expectNewestWins(submissions, previewTaskQueue);
  });
});
