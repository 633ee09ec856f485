/**
 * `npm run soak`: a long run on its own dev server — by default 20,000 submissions over 200 keys (maxRuns 3,
 * rollovers every 200 events) — then the same audit the fault tests use, computed from Temporal's own histories,
 * for every key. Prints the invariant summary and exits non-zero if any invariant broke.
 *
 * Options: `--submissions N`, `--keys K`, `--max-runs M`, `--concurrency C`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { defineConcurrencyPolicy, submit, type SubmitResult } from '../src/client';
import { stateQuery, type CoordinatorStateView } from '../src/coordinator/messages';
import { exampleWorkerOptions } from '../examples/worker-options';
import { createWorker } from '../src/worker';
import type { DemoWorkInput } from '../examples/workflows';
import { auditKey } from '../test/helpers/histories';
import { startDevServer } from './dev-server';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const total = option('submissions', 20_000);
  const keys = option('keys', 200);
  const maxRuns = option('max-runs', 3);
  const concurrency = option('concurrency', 50);
  const server = await startDevServer();
  const { client, nativeConnection } = server.env;
  const taskQueue = 'soak';
  const worker = await createWorker({
    connection: nativeConnection,
    taskQueue,
    maxCachedWorkflows: 2 * keys + 100,
    ...exampleWorkerOptions,
  });
  const started = Date.now();
  await worker.runUntil(async () => {
    const policy = defineConcurrencyPolicy({
      name: `soak-${started.toString(36)}`,
      maxRuns,
      limitStrategy: 'CANCEL_IN_PROGRESS',
      key: (input: DemoWorkInput) => (input.label ?? '').split(':')[0] ?? '',
      taskQueue,
      continueAsNewAfterEvents: 200,
      recentLimit: Math.ceil((total / keys) * 2),
    });
    const submitted: SubmitResult[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const key = `k${i % keys}`;
          submitted.push(
            await submit(client, {
              policy,
              workflow: 'demoWork',
              args: [{ durationMs: 100 + (i % 5) * 100, label: `${key}:${i}` }],
              id: `s-${i}`,
            }),
          );
          if (i % 2000 === 0)
            console.log(`submitted ${i}/${total} after ${((Date.now() - started) / 1000).toFixed(0)} s`);
        }
      }),
    );
    const submitSeconds = (Date.now() - started) / 1000;
    const coordinatorIds = [...new Set(submitted.map((s) => s.coordinatorWorkflowId))];
    const states = new Map<string, CoordinatorStateView>();
    for (;;) {
      for (const id of coordinatorIds) {
        if (states.has(id)) continue;
        // Under full load a query can time out before a worker takes it: ask again on the next round.
        const state = await client.workflow
          .getHandle(id)
          .query(stateQuery)
          .catch(() => undefined);
        if (state && state.running.length === 0 && state.queued.length === 0) states.set(id, state);
      }
      if (states.size === coordinatorIds.length) break;
      await sleep(1000);
    }
    const settleSeconds = (Date.now() - started) / 1000;

    const outcomes: Record<string, number> = {};
    let rollovers = 0;
    let worstLive = 0;
    let worstOpen = 0;
    const broken: string[] = [];
    const failures: string[] = [];
    for (const id of coordinatorIds) {
      const state = states.get(id) as CoordinatorStateView;
      for (const [name, value] of Object.entries(state.counters) as [string, number][])
        outcomes[name] = (outcomes[name] ?? 0) + value;
      rollovers += state.counters.continuedAsNew;
      const audit = await auditKey(client, id);
      worstLive = Math.max(worstLive, audit.maxLiveStarted);
      worstOpen = Math.max(worstOpen, audit.maxOpen);
      const accounted = state.recent.length;
      const expected = submitted.filter((s) => s.coordinatorWorkflowId === id).length;
      if (audit.maxLiveStarted > maxRuns) broken.push(`${id}: ${audit.maxLiveStarted} live started children`);
      if (new Set(audit.childIds).size !== audit.childIds.length) broken.push(`${id}: a submission started twice`);
      if (accounted !== expected) broken.push(`${id}: ${accounted} outcomes recorded for ${expected} submissions`);
      const newest = [...state.recent].sort((a, b) => b.seq - a.seq).slice(0, maxRuns);
      for (const run of newest.filter((r) => r.outcome !== 'completed')) {
        broken.push(`${id}: newest ${run.id} ended ${run.outcome}${run.reason ? ` (${run.reason})` : ''}`);
      }
      for (const run of state.recent.filter((r) => r.outcome === 'failed')) failures.push(`${run.id}: ${run.reason}`);
    }
    console.log(
      JSON.stringify(
        {
          submissions: total,
          keys,
          maxRuns,
          submitSeconds,
          settleSeconds,
          rollovers,
          outcomes,
          worstLiveStartedPerKey: worstLive,
          worstOpenPerKey: worstOpen,
          failures: failures.slice(0, 20),
          invariantsBroken: broken,
        },
        null,
        2,
      ),
    );
    if (broken.length > 0) process.exitCode = 1;
  });
  await server.env.teardown();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
