/**
 * `npm run bench:semaphore`: a semaphore under sustained load — one constant key, GROUP_ROUND_ROBIN, `maxRuns` 50 —
 * fed by many concurrent callers, judged from Temporal's own histories: how many submitters were refused, how often
 * the coordinator rolled over, the most children open at once, whether children started in arrival order (FIFO), and
 * how long submissions waited in the queue. Prints the figures and saves them to bench/results/.
 *
 * Options: `--submissions N` (30000), `--callers C` (64), `--rate R` (100 submissions per second from all callers
 * together; 0 for as fast as they can), `--max-runs M` (50), `--work-ms W` (200, each child's duration), `--via update|signal` (update: `submit()` with `admission: 'update'`; signal: the plain wire signal, as
 * another SDK or the CLI sends it), `--address host:port` (an external server, e.g. ../shared/temporal-cluster; a
 * fresh dev server otherwise).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { defineConcurrencyPolicy, submit } from '../src/client';
import { CHILD_MEMO_KEY, COORDINATOR_WORKFLOW_TYPE, stateQuery, submitSignal } from '../src/coordinator/messages';
import { coordinatorInputOf } from '../src/client/policy';
import { concurrencySearchAttributes } from '../src/coordinator/search-attributes';
import { exampleWorkerOptions } from '../examples/worker-options';
import { createWorker } from '../src/worker';
import type { DemoWorkInput } from '../examples/workflows';
import { startDevServer } from '../scripts/dev-server';
import { percentile } from './stats';

function option(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? (process.argv[index + 1] ?? fallback) : fallback;
}

const total = Number(option('submissions', '30000'));
const callers = Number(option('callers', '64'));
const maxRuns = Number(option('max-runs', '50'));
const workMs = Number(option('work-ms', '200'));
const via = option('via', 'update') as 'update' | 'signal';
const address = option('address', '');
/** Submissions per second from all callers together: a sustained rate, not a burst (0: as fast as they can). */
const rate = Number(option('rate', '100'));

interface Sent {
  id: string;
  sentAtMs: number;
  ackMs?: number;
  refused?: string;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const server = address === '' ? await startDevServer() : undefined;
  const target = server?.address ?? address;
  const connection = server ? undefined : await Connection.connect({ address: target });
  const client = server?.env.client ?? new Client({ connection: connection as Connection });
  const nativeConnection = server?.env.nativeConnection ?? (await NativeConnection.connect({ address: target }));
  const run = Date.now().toString(36);
  const taskQueue = `semaphore-${run}`;
  const worker = await createWorker({ connection: nativeConnection, taskQueue, ...exampleWorkerOptions });
  const policy = defineConcurrencyPolicy({
    name: `semaphore-${run}`,
    maxRuns,
    limitStrategy: 'GROUP_ROUND_ROBIN',
    slotRelease: 'on-close',
    admission: via,
    key: (_input: DemoWorkInput) => 'api-quota',
    taskQueue,
    recentLimit: 100,
    dedupeWindow: 10_000,
    // demoWork returns a few bytes: a run may start 48 MiB / 64 KiB = 768 children before it must roll over.
    maxResultBytes: 64 * 1024,
  });
  const { input: coordinatorInput } = coordinatorInputOf(policy, 'api-quota', maxRuns);
  const sent: Sent[] = [];
  const startedAt = Date.now();
  let coordinatorWorkflowId = '';
  await worker.runUntil(async () => {
    let next = 0;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (next < total) {
          const i = next++;
          // Paced: submission i is due at i / rate seconds after the start.
          const dueAt = rate > 0 ? startedAt + (i / rate) * 1000 : 0;
          if (dueAt > Date.now()) await new Promise((resolve) => setTimeout(resolve, dueAt - Date.now()));
          const record: Sent = { id: `s${i}`, sentAtMs: Date.now() };
          sent.push(record);
          const args = [{ durationMs: workMs, label: `api-quota:s${i}` }];
          try {
            if (via === 'update') {
              ({ coordinatorWorkflowId } = await submit(client, { policy, workflow: 'demoWork', args, id: record.id }));
            } else {
              coordinatorWorkflowId = `concurrency/${policy.name}/api-quota`;
              await client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
                workflowId: coordinatorWorkflowId,
                taskQueue,
                args: [coordinatorInput],
                signal: submitSignal,
                signalArgs: [{ id: record.id, workflowType: 'demoWork', args }],
                typedSearchAttributes: concurrencySearchAttributes(policy.name, 'api-quota'),
              });
            }
            record.ackMs = Date.now();
          } catch (err) {
            const cause = err instanceof Error && err.cause instanceof Error ? ` (${err.cause.message})` : '';
            record.refused = err instanceof Error ? `${err.message}${cause}`.slice(0, 300) : String(err);
          }
        }
      }),
    );
    const submittedMs = Date.now() - startedAt;
    console.log(`sent ${total} in ${(submittedMs / 1000).toFixed(1)} s; waiting for the queue to drain…`);
    for (;;) {
      // A coordinator busy with the flood may let a query time out: ask again.
      const state = await client.workflow
        .getHandle(coordinatorWorkflowId)
        .query(stateQuery)
        .catch(() => undefined);
      if (state && state.running.length === 0 && state.queued.length === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    const figures = await judge(client, coordinatorWorkflowId, policy.name, sent, startedAt, submittedMs);
    const server = address === '' ? 'dev-server' : `external ${address}`;
    const result = { server, via, submissions: total, callers, rate, maxRuns, workMs, ...figures };
    console.log(JSON.stringify(result, null, 2));
    const dir = path.join(__dirname, 'results');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `semaphore-${address === '' ? 'dev' : 'cluster'}-${via}.json`);
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`saved ${file}`);
  });
  if (server) await server.env.teardown();
  else await nativeConnection.close();
}

function msOf(time: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  return Number(time?.seconds ?? 0) * 1000 + Math.floor((time?.nanos ?? 0) / 1e6);
}

/** The figures, from the coordinator's histories (starts in order) and visibility (each child's open interval). */
async function judge(
  client: Client,
  coordinatorWorkflowId: string,
  policyName: string,
  sent: Sent[],
  startedAt: number,
  submittedMs: number,
) {
  const refused = sent.filter((s) => s.refused !== undefined);
  const runs: string[] = [];
  for await (const execution of client.workflow.list({ query: `WorkflowId = '${coordinatorWorkflowId}'` })) {
    runs.push(execution.runId);
  }
  // Starts in the order the coordinator issued them, run by run (oldest run first), with each start's seq.
  const taskFailures = new Map<string, number>();
  const perRun: { startMs: number; starts: { seq: number; atMs: number; workflowId: string }[] }[] = [];
  for (const runId of runs) {
    const history = await client.workflow.getHandle(coordinatorWorkflowId, runId).fetchHistory();
    const events = history.events ?? [];
    const starts = events.flatMap((event) => {
      const started = event.startChildWorkflowExecutionInitiatedEventAttributes;
      if (!started?.workflowId) return [];
      const memo = started.memo?.fields?.[CHILD_MEMO_KEY];
      const decoded = memo?.data ? (JSON.parse(Buffer.from(memo.data).toString()) as { seq?: number }) : {};
      return [{ seq: decoded.seq ?? -1, atMs: msOf(event.eventTime), workflowId: started.workflowId }];
    });
    perRun.push({ startMs: msOf(events[0]?.eventTime), starts });
    for (const event of events) {
      const failed = event.workflowTaskFailedEventAttributes;
      if (!failed) continue;
      const why = `${String(failed.cause)}: ${failed.failure?.message?.slice(0, 160) ?? ''}`;
      taskFailures.set(why, (taskFailures.get(why) ?? 0) + 1);
    }
  }
  const starts = perRun.sort((a, b) => a.startMs - b.startMs).flatMap((r) => r.starts);
  let fifoViolations = 0;
  for (let i = 1; i < starts.length; i++) if (starts[i]!.seq < starts[i - 1]!.seq) fifoViolations++;
  // Each child's open interval, from visibility: the most open at once.
  const points: [number, number][] = [];
  for await (const child of client.workflow.list({
    query: `ConcurrencyPolicy = '${policyName}' AND WorkflowType = 'demoWork'`,
  })) {
    points.push([child.startTime.getTime(), 1]);
    points.push([(child.closeTime ?? new Date(8.64e15)).getTime(), -1]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let worstLive = 0;
  for (const [, delta] of points) worstLive = Math.max(worstLive, (open += delta));
  const sentAt = new Map(sent.map((s) => [s.id, s.sentAtMs]));
  const waits = starts
    .map((s) => s.atMs - (sentAt.get(s.workflowId.split('/').pop() ?? '') ?? s.atMs))
    .sort((a, b) => a - b);
  const acks = sent
    .filter((s) => s.ackMs !== undefined)
    .map((s) => (s.ackMs as number) - s.sentAtMs)
    .sort((a, b) => a - b);
  const state = await client.workflow.getHandle(coordinatorWorkflowId).query(stateQuery);
  return {
    refused: refused.length,
    refusedSample: [...new Set(refused.map((s) => s.refused))].slice(0, 3),
    acceptedPerSecond: Math.round(((sent.length - refused.length) / submittedMs) * 1000),
    submitAckMs: { p50: percentile(acks, 50), p99: percentile(acks, 99) },
    coordinatorRuns: runs.length,
    coordinatorTaskFailures: Object.fromEntries(taskFailures),
    rollovers: runs.length - 1,
    childrenStarted: starts.length,
    worstLive,
    fifoViolations,
    queueWaitMs: { p50: percentile(waits, 50), p99: percentile(waits, 99) },
    counters: state.counters,
    totalSeconds: Math.round((Date.now() - startedAt) / 1000),
  };
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
