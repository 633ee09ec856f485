/**
 * The consumer test's driver: runs one worker shape, sends a burst of edits for two documents, waits until every
 * submission has an outcome, prints them as one JSON line. Usage: node dist/main.js shared|dedicated <tag>
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { loadConnectionSettings, type SubmitResult } from 'temporal-concurrency';
import { onDocumentEdited, previewStatus } from './submit-edit';
import { createSharedWorker } from './worker-shared';
import { createDedicatedWorkers } from './workers-dedicated';

const FINAL = new Set(['completed', 'failed', 'cancelled', 'dropped', 'rejected', 'terminated', 'timedOut']);

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function main(): Promise<void> {
  const [shape, tag] = process.argv.slice(2);
  if ((shape !== 'shared' && shape !== 'dedicated') || !tag) throw new Error('usage: main.js shared|dedicated <tag>');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const settings = loadConnectionSettings();
  const native = await NativeConnection.connect(settings.connectionOptions);
  const workers: Worker[] =
    shape === 'shared'
      ? [await createSharedWorker(native)]
      : await createDedicatedWorkers(native, process.env.PREVIEW_TASK_QUEUE ?? 'previews');
  const connection = await Connection.connect(settings.connectionOptions);
  const client = new Client({ connection, namespace: settings.namespace });
  const running = workers.map((worker) => worker.run());
  try {
    const submitted: { docId: string; edit: number; result: SubmitResult }[] = [];
    for (const doc of ['doc-1', 'doc-2']) {
      const docId = `${doc}-${tag}`;
      for (let edit = 1; edit <= 4; edit++) {
        const result = await onDocumentEdited(client, docId, `edit ${edit}`);
        submitted.push({ docId, edit, result });
        // The first edit's preview is rendering when the next edits arrive: they cancel it, and it cleans up.
        if (edit === 1) await until(async () => (await previewStatus(client, result)) === 'running');
      }
    }
    const outcomes = new Map<string, string>();
    const deadline = Date.now() + 90_000;
    while (outcomes.size < submitted.length) {
      if (Date.now() > deadline) throw new Error(`not settled: ${JSON.stringify([...outcomes])}`);
      for (const { result } of submitted) {
        if (outcomes.has(result.submissionId)) continue;
        const status = await previewStatus(client, result);
        if (FINAL.has(status)) outcomes.set(result.submissionId, status);
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const report = submitted.map(({ docId, edit, result }) => ({
      docId,
      edit,
      ...result,
      outcome: outcomes.get(result.submissionId),
    }));
    console.log(JSON.stringify({ submissions: report }));
  } finally {
    for (const worker of workers) worker.shutdown();
    await Promise.all(running);
    await connection.close();
    await native.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
