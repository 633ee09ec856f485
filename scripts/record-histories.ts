/**
 * `npm run record-histories`: records coordinator histories of real runs on a dev server into `test/histories/`,
 * which the replay test replays against the current code. Re-record only on purpose: the point of the committed
 * files is that coordinators running today replay new code (see "Changing coordinator code" in the README).
 *
 * Scenarios: a burst with cancellations (and its superseded first child), a rollover (continue-as-new), a sweep of a child terminated behind the
 * coordinator's back, a fresh run taking over a terminated one, a cancelled coordinator and the run that takes over
 * from it, a configuration change with a cancel-grace escalation, a resubmission after the coordinator went idle; plus one deliberately altered copy of the burst that
 * must fail with a determinism violation. `--only=<scenario>[,<scenario>]` records some and leaves the other files
 * as they are (to add a scenario without re-recording the old ones).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { defineConcurrencyPolicy, submit, type ConcurrencyPolicy } from '../src/client';
import { exampleActivities } from '../examples/activities';
import { createWorker } from '../src/worker';
import * as testActivities from '../test/fixtures/activities';
import type { DemoWorkInput } from '../examples/workflows';
import { startDevServer } from './dev-server';

const OUT = path.join(__dirname, '..', 'test', 'histories');
const ONLY = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (scenario: string) => !ONLY || ONLY.includes(scenario);
/**
 * `--set=NAME` records into test/histories/NAME/ and keeps the histories already there: each behaviour change behind
 * `patched()` adds a set recorded with it, and every set must keep replaying.
 */
const SET = process.argv.find((arg) => arg.startsWith('--set='))?.slice('--set='.length);
const fileOf = (name: string) => (SET ? `${SET}/${name}` : name);
const TASK_QUEUE = 'record-histories';
let cliPath = '';
let address = '';

function policy(name: string, tuning: Partial<ConcurrencyPolicy<DemoWorkInput>>) {
  return defineConcurrencyPolicy({
    name,
    maxRuns: 1,
    limitStrategy: 'CANCEL_IN_PROGRESS',
    key: () => 'k',
    taskQueue: TASK_QUEUE,
    idleTimeoutMs: 1500,
    ...tuning,
  });
}

async function waitClosed(client: Client, workflowId: string): Promise<void> {
  for (;;) {
    const { status } = await client.workflow.getHandle(workflowId).describe();
    if (status.name !== 'RUNNING') return;
    await sleep(250);
  }
}

/**
 * Saves every run of a workflow ID, oldest first, as `<name>-<n>.json`, in the JSON that `temporal workflow show
 * --output json` writes (and the Web UI downloads), which `Worker.runReplayHistories` reads.
 */
async function save(client: Client, workflowId: string, name: string): Promise<void> {
  const runs: string[] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const resolvedRunId = history.events?.[0]
      ? (runId ?? (await client.workflow.getHandle(workflowId).describe()).runId)
      : '';
    runs.unshift(
      execFileSync(
        cliPath,
        [
          'workflow',
          'show',
          '--address',
          address,
          '--workflow-id',
          workflowId,
          '--run-id',
          resolvedRunId,
          '--output',
          'json',
        ],
        {
          encoding: 'utf8',
        },
      ),
    );
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId ?? undefined;
    if (!runId) break;
  }
  fs.mkdirSync(path.join(OUT, SET ?? ''), { recursive: true });
  runs.forEach((json, i) => fs.writeFileSync(path.join(OUT, fileOf(`${name}-${i + 1}.json`)), json));
  // Replay needs the workflow ID: the coordinator derives its children's IDs from it.
  const idsFile = path.join(OUT, 'workflow-ids.json');
  const ids = fs.existsSync(idsFile) ? (JSON.parse(fs.readFileSync(idsFile, 'utf8')) as Record<string, string>) : {};
  runs.forEach((_, i) => (ids[fileOf(`${name}-${i + 1}.json`)] = workflowId));
  if (name === 'burst' && !SET) ids['altered-burst.json'] = workflowId;
  fs.writeFileSync(idsFile, `${JSON.stringify(ids, null, 2)}\n`);
  console.log(`recorded ${name}: ${runs.length} run(s)`);
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  fs.mkdirSync(OUT, { recursive: true });
  const server = await startDevServer();
  cliPath = server.cli?.path ?? 'temporal';
  address = server.address;
  const { client, nativeConnection } = server.env;
  // The test bundle: the library's workflows plus the misbehaving children some scenarios need (stubbornWork).
  const worker = await createWorker({
    connection: nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowsPath: path.join(__dirname, '..', 'test', 'fixtures', 'workflows.ts'),
    activities: { ...exampleActivities, ...testActivities },
    maxHeartbeatThrottleInterval: '500 milliseconds',
  });
  await worker.runUntil(async () => {
    if (wanted('burst')) await recordBurst(client);
    if (wanted('rollover')) await recordRollover(client);
    if (wanted('sweep')) await recordSweep(client);
    if (wanted('takeover')) await recordTakeover(client);
    if (wanted('cancel')) await recordCancel(client);
    if (wanted('config')) await recordConfigChange(client);
    if (wanted('resubmit')) await recordResubmit(client);
    if (wanted('queue')) await recordQueue(client);
  });
  await server.env.teardown();
}

async function recordBurst(client: Client): Promise<void> {
  const burst = policy('burst', {});
  let coordinatorId = '';
  for (const id of ['m-1', 'm-2', 'm-3', 'm-4']) {
    ({ coordinatorWorkflowId: coordinatorId } = await submit(client, {
      policy: burst,
      workflow: 'demoWork',
      args: [{ durationMs: 800, label: id }],
      id,
    }));
    await sleep(300);
  }
  await waitClosed(client, coordinatorId);
  await save(client, coordinatorId, 'burst');
  // A superseded child too: the library's interceptor runs inside it (the superseded signal, the timeline note, the
  // close report), so user workflows must replay across library versions as well.
  await save(client, `${coordinatorId}/m-1`, 'burst-child');
  // The altered copy: the first child is started under another workflow ID than the code would choose.
  if (SET) return;
  const recorded = fs.readFileSync(path.join(OUT, 'burst-1.json'), 'utf8');
  fs.writeFileSync(path.join(OUT, 'altered-burst.json'), recorded.replace('/k/m-1"', '/k/m-1-altered"'));
}

async function recordRollover(client: Client): Promise<void> {
  const rollover = policy('rollover', { continueAsNewAfterEvents: 30 });
  let coordinatorId = '';
  for (let i = 1; i <= 8; i++) {
    ({ coordinatorWorkflowId: coordinatorId } = await submit(client, {
      policy: rollover,
      workflow: 'demoWork',
      args: [{ durationMs: 300 }],
      id: `r-${i}`,
    }));
    await sleep(150);
  }
  await waitClosed(client, coordinatorId);
  await save(client, coordinatorId, 'rollover');
}

async function recordSweep(client: Client): Promise<void> {
  const swept = policy('sweep', { sweepIntervalMs: 500, slotRelease: 'on-close' });
  const long = await submit(client, {
    policy: swept,
    workflow: 'demoWork',
    args: [{ durationMs: 60_000 }],
    id: 'long',
  });
  await sleep(1500); // at least one periodic sweep finds it open
  await client.workflow.getHandle(long.childWorkflowId).terminate('recording a terminated child');
  await submit(client, { policy: swept, workflow: 'demoWork', args: [{ durationMs: 200 }], id: 'next' });
  await waitClosed(client, long.coordinatorWorkflowId);
  await save(client, long.coordinatorWorkflowId, 'sweep');
}

/** A coordinator terminated with a child running; the next submission's fresh run takes the child over. */
async function recordTakeover(client: Client): Promise<void> {
  const takeover = policy('takeover', { sweepIntervalMs: 500 });
  const first = await submit(client, { policy: takeover, workflow: 'demoWork', args: [{ durationMs: 1500 }], id: 'a' });
  await sleep(500);
  await client.workflow.getHandle(first.coordinatorWorkflowId).terminate('recording a take-over');
  await submit(client, { policy: takeover, workflow: 'demoWork', args: [{ durationMs: 200 }], id: 'b' });
  await waitClosed(client, first.coordinatorWorkflowId);
  await save(client, first.coordinatorWorkflowId, 'takeover');
}

/** A coordinator cancelled with a child running and one queued; the next submission's run takes over. */
async function recordCancel(client: Client): Promise<void> {
  const cancelled = policy('cancel', { sweepIntervalMs: 500, slotRelease: 'on-close', maxRuns: 2 });
  const first = await submit(client, {
    policy: cancelled,
    workflow: 'demoWork',
    args: [{ durationMs: 3000 }],
    id: 'a',
  });
  await submit(client, { policy: cancelled, workflow: 'demoWork', args: [{ durationMs: 3000 }], id: 'b' });
  await submit(client, { policy: cancelled, workflow: 'demoWork', args: [{ durationMs: 300 }], id: 'c' });
  await sleep(500);
  await client.workflow.getHandle(first.coordinatorWorkflowId).cancel();
  await waitClosed(client, first.coordinatorWorkflowId);
  await save(client, first.coordinatorWorkflowId, 'cancel');
  await submit(client, { policy: cancelled, workflow: 'demoWork', args: [{ durationMs: 200 }], id: 'd' });
  await sleep(500);
  await waitClosed(client, first.coordinatorWorkflowId);
  await save(client, first.coordinatorWorkflowId, 'cancel-resume');
}

/** A submitter raises maxRuns and switches to on-close mid-run; a child ignoring its cancellation is escalated. */
async function recordConfigChange(client: Client): Promise<void> {
  const before = policy('config', { sweepIntervalMs: 500, cancelGracePeriodMs: 1000 });
  const after = policy('config', {
    sweepIntervalMs: 500,
    cancelGracePeriodMs: 1000,
    maxRuns: 2,
    slotRelease: 'on-close',
  });
  const first = await submit(client, { policy: before, workflow: 'stubbornWork', args: [{ sleepMs: 4000 }], id: 'a' });
  await sleep(300);
  await submit(client, { policy: before, workflow: 'demoWork', args: [{ durationMs: 300 }], id: 'b' });
  await sleep(300);
  await submit(client, { policy: after, workflow: 'demoWork', args: [{ durationMs: 300 }], id: 'c' });
  await waitClosed(client, first.coordinatorWorkflowId);
  await save(client, first.coordinatorWorkflowId, 'config');
}

/** A submission id resubmitted after its coordinator went idle: its default child ID is in use, checked by memo. */
async function recordResubmit(client: Client): Promise<void> {
  const resubmit = policy('resubmit', { sweepIntervalMs: 500 });
  const first = await submit(client, { policy: resubmit, workflow: 'demoWork', args: [{ durationMs: 200 }], id: 'a' });
  await waitClosed(client, first.coordinatorWorkflowId);
  await submit(client, { policy: resubmit, workflow: 'demoWork', args: [{ durationMs: 200 }], id: 'a' });
  await sleep(500);
  await waitClosed(client, first.coordinatorWorkflowId);
  await save(client, first.coordinatorWorkflowId, 'resubmit');
}

/**
 * A FIFO queue with time in it (run behaviour 6): a debounced burst, a queued submission dropped at its schedule
 * timeout, priorities (the children's Temporal priority), and a switch to CANCEL_IN_PROGRESS on the live key.
 */
async function recordQueue(client: Client): Promise<void> {
  const queue = policy('queue', {
    limitStrategy: 'GROUP_ROUND_ROBIN',
    slotRelease: 'on-close',
    debounceMs: 400,
    debounceMaxWaitMs: 1200,
    scheduleTimeoutMs: 1500,
  });
  const send = (id: string, durationMs: number, priority?: number, tuned = queue) =>
    submit(client, {
      policy: tuned,
      workflow: 'demoWork',
      args: [{ durationMs, label: id }],
      id,
      ...(priority !== undefined && { priority }),
    });
  const first = await send('q-1', 2500, 2);
  await sleep(2000); // q-1 is quiet for its debounce (once the fresh run has prepared), and starts
  await send('q-2', 200);
  await send('q-3', 200, 1); // debounces q-2; eligible, then waits for q-1's slot past its schedule timeout
  await sleep(2500);
  await send('q-4', 300);
  await sleep(700);
  await send('q-5', 300, undefined, { ...queue, limitStrategy: 'CANCEL_IN_PROGRESS' });
  await waitClosed(client, first.coordinatorWorkflowId);
  await save(client, first.coordinatorWorkflowId, 'queue');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
