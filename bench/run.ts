/**
 * `npm run bench`: throughput and latency of per-key coordination against plain workflow starts, on the real
 * Temporal CLI dev server (started here, never a mock) with an in-process worker.
 *
 * Scenarios (each repeated, repetitions interleaved across scenarios so that drift in the machine's load spreads
 * over all of them):
 * 1. baseline — N `demoWork` children started directly with `client.workflow.start`;
 * 2. many keys — the same N through `submit()` over K keys, maxRuns 2;
 * 3. hot key — N submissions on one key, maxRuns 1: as a burst (C calls in flight), from one sequential producer,
 *    and from that producer with continue-as-new lowered so the key rolls over a few times;
 * 4. scaling — K in {1, 10, 100, 1000} keys at a fixed N (K=100 is the many-keys scenario itself);
 * 5. tuning — many keys and both hot keys again on a worker with tuned options (before/after);
 * 6. floors — a raw client cancel of a plain run (the floor of supersede) and the workflow task that handles it (the
 *    cost of one workflow task round trip), one at a time;
 * 7. one submission per key — K keys with one submission each, few calls in flight, coordinators left to close idle:
 *    the common chat case, with its coordinator history task by task.
 *
 * Every scenario also gets an estimate of billable Temporal Cloud Actions per submission from its histories
 * (bench/actions.ts), and the run ends with the goals table of bench/goals.ts.
 *
 * Writes bench/results/<date>.json (every raw number, machine, config, library commit), <date>.md and <date>.png;
 * a full run at the default output also refreshes the table in bench/RESULTS.md. `npm run bench -- --help` lists
 * the flags.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { startDevServer } from '../scripts/dev-server';
import { exampleActivities } from '../examples/activities';
import { createWorker, withConcurrencyBundle } from '../src/worker';
import { ACTIONS_SOURCE, selfCheckActions } from './actions';
import { drawLatencyChart } from './chart';
import { HELP_TEXT, parseConfig, type BenchConfig } from './config';
import { floorsOf, goalRows, goalsTable, profileLines } from './goals';
import {
  latencyBars,
  latencyTable,
  markdownTable,
  scalingTable,
  summarize,
  textTable,
  throughputTable,
  type ScenarioSummary,
} from './report';
import { timedRep, type BenchContext, type RepResult, type ScenarioSpec, type WorkerVariant } from './scenarios';
import { round, spread, type Spread } from './stats';

const RESULTS_MD = path.join(__dirname, 'RESULTS.md');
const TABLE_START = '<!-- bench:table:start -->';
const TABLE_END = '<!-- bench:table:end -->';

function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryGiB: round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadavgAtStart: os.loadavg().map(round),
  };
}

/** The dev server's process, found by its `--port` (it is the one this bench started). */
function devServerPid(address: string): number | undefined {
  const port = address.split(':').pop();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.includes('start-dev') && args[args.indexOf('--port') + 1] === port) return Number(entry);
    } catch {
      // the process went away meanwhile
    }
  }
  return undefined;
}

/** CPU time (user + system) of a process in ms, from /proc/<pid>/stat (clock ticks of 10 ms). */
function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** The library source the workflow bundle was built from: commit and uncommitted changes under src/ and examples/. */
function sourceInfo(): {
  commit: string;
  subject: string;
  uncommitted: string[];
  /** sha256 of `git diff HEAD -- src examples` (the workflow bundle and activities come from there), if any. */
  uncommittedDiffSha256?: string;
} {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  // Untracked files do not show in the diff; `uncommitted` lists them.
  const diff = git('diff', 'HEAD', '--', 'src', 'examples');
  return {
    commit: git('rev-parse', '--short', 'HEAD') || 'unknown',
    subject: git('log', '-1', '--format=%s'),
    uncommitted: git('status', '--porcelain', '--', 'src', 'examples').split('\n').filter(Boolean),
    ...(diff && { uncommittedDiffSha256: createHash('sha256').update(diff).digest('hex') }),
  };
}

function sdkVersion(): string {
  const pkg = JSON.parse(
    fs.readFileSync(path.join(path.dirname(require.resolve('@temporalio/worker')), '..', 'package.json'), 'utf8'),
  ) as { version: string };
  return pkg.version;
}

function localDate(date = new Date()): string {
  const pad = (v: number) => String(v).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function scenarioSpecs(config: BenchConfig): ScenarioSpec[] {
  const base: WorkerVariant = { name: 'default', options: {} };
  const tuned: WorkerVariant = { name: 'tuned', options: config.tunedWorkerOptions };
  const common = { concurrency: config.concurrency, worker: base };
  const specs: ScenarioSpec[] = [
    {
      ...common,
      id: 'baseline',
      title: 'baseline (client.workflow.start)',
      kind: 'baseline',
      n: config.n,
      keys: 1,
      maxRuns: 1,
    },
    {
      ...common,
      id: 'many-keys',
      title: `many keys (K=${config.manyKeys})`,
      kind: 'coordinated',
      n: config.n,
      keys: config.manyKeys,
      maxRuns: config.maxRuns,
    },
    {
      ...common,
      id: 'hot-key',
      title: 'hot key (K=1, maxRuns 1)',
      kind: 'coordinated',
      n: config.n,
      keys: 1,
      maxRuns: 1,
    },
    {
      ...common,
      // One producer that submits the moment its previous submit returns: arrivals spread out, so many children
      // start and are superseded (the burst above drops nearly everything unstarted).
      id: 'hot-key-sequential',
      title: 'hot key, 1 call in flight',
      kind: 'coordinated',
      n: config.n,
      keys: 1,
      maxRuns: 1,
      concurrency: 1,
    },
    {
      ...common,
      // The same with the policy's continueAsNewAfterEvents lowered, so the key rolls over a few times per
      // repetition (at the server's suggestion of 4,096 events it would take ~1,500 submissions).
      id: 'hot-key-rollover',
      title: `hot key, 1 call in flight, CAN at ${config.rolloverEvents} events`,
      kind: 'coordinated',
      n: config.n,
      keys: 1,
      maxRuns: 1,
      concurrency: 1,
      continueAsNewAfterEvents: config.rolloverEvents,
    },
    {
      ...common,
      id: 'raw-cancel',
      title: 'raw cancel (plain start, client cancel)',
      kind: 'raw-cancel',
      n: config.rawCancelN,
      keys: 1,
      maxRuns: 1,
      concurrency: 1,
      workMs: 60_000,
      cancelAfterMs: 100,
    },
    {
      ...common,
      id: 'one-per-key',
      title: `one submission per key (K=${config.onePerKey}, ${config.onePerKeyConcurrency} in flight)`,
      kind: 'coordinated',
      n: config.onePerKey,
      keys: config.onePerKey,
      maxRuns: 1,
      concurrency: config.onePerKeyConcurrency,
      // The defaults (sweep every 60 s, idle close after 300 s) scaled down, in the same order, so the idle close
      // takes the same events: the sweep alarm set while the child runs fires once while idle, then the idle alarm.
      // The sweep interval stays well above a child's lifetime even on a loaded machine (at 5 s, keys swept while
      // their child ran in a run at load average 4).
      idleClose: { idleTimeoutMs: 20_000, sweepIntervalMs: 15_000 },
    },
  ];
  // One scenario per strategy besides CANCEL_IN_PROGRESS (the scenarios above): 10 keys, 2 slots each, the same burst,
  // so queue wait (admission), events and Actions per submission compare with a plain start.
  for (const limitStrategy of [
    'GROUP_ROUND_ROBIN',
    'CANCEL_NEWEST',
    'CANCEL_QUEUED_EXCEPT_NEWEST',
    'CANCEL_QUEUED_EXCEPT_OLDEST',
  ] as const) {
    specs.push({
      ...common,
      id: `strategy-${limitStrategy.toLowerCase().replace(/_/g, '-')}`,
      title: `${limitStrategy} (K=10, maxRuns 2)`,
      kind: 'coordinated',
      n: config.n,
      keys: 10,
      maxRuns: 2,
      limitStrategy,
    });
  }
  for (const keys of config.scalingKeys) {
    // The many-keys scenario already is this point of the curve: reuse it rather than run it twice.
    if (keys === config.manyKeys && config.scalingN === config.n) continue;
    specs.push({
      ...common,
      id: `scaling-k${keys}`,
      title: `scaling K=${keys}`,
      kind: 'coordinated',
      n: config.scalingN,
      keys,
      maxRuns: config.maxRuns,
    });
  }
  if (config.tuning) {
    const [, manyKeys, hotKey, sequential] = specs as [ScenarioSpec, ScenarioSpec, ScenarioSpec, ScenarioSpec];
    specs.push({ ...manyKeys, id: 'many-keys-tuned', title: `${manyKeys.title}, tuned worker`, worker: tuned });
    specs.push({ ...hotKey, id: 'hot-key-tuned', title: `${hotKey.title}, tuned worker`, worker: tuned });
    specs.push({
      ...sequential,
      id: 'hot-key-sequential-tuned',
      title: `${sequential.title}, tuned worker`,
      worker: tuned,
    });
  }
  return config.only ? specs.filter((s) => config.only?.includes(s.id)) : specs;
}

/** The scenario that measured each point of the scaling curve. */
function scalingPoints(config: BenchConfig): { keys: number; id: string }[] {
  return config.scalingKeys.map((keys) => ({
    keys,
    id: keys === config.manyKeys && config.scalingN === config.n ? 'many-keys' : `scaling-k${keys}`,
  }));
}

function ratio(a: Spread, b: Spread): Spread {
  // Repetitions are interleaved, so rep i of one scenario ran next to rep i of another: pair them.
  return spread(a.reps.map((value, i) => value / (b.reps[i] ?? Number.NaN)));
}

function change(before: Spread | undefined, after: Spread | undefined): number {
  return before && after ? round(((after.median - before.median) / before.median) * 100) : Number.NaN;
}

function headline(summaries: Map<string, ScenarioSummary>) {
  const baseline = summaries.get('baseline');
  const many = summaries.get('many-keys');
  const hot = summaries.get('hot-key');
  const sequential = summaries.get('hot-key-sequential');
  if (!baseline || !many || !hot) return undefined;
  return {
    manyKeysAcceptedOverBaseline: ratio(many.acceptedPerSec, baseline.acceptedPerSec),
    // End to end: submissions the coordinators handled per second vs children the server started per second.
    manyKeysDecidedOverBaseline: ratio(many.decidedPerSec ?? many.startedPerSec, baseline.startedPerSec),
    // Whole job: first call until every child closed and every coordinator idle.
    manyKeysSettledOverBaseline: ratio(many.settledPerSec, baseline.settledPerSec),
    cpuMsPerSubmission: { baseline: baseline.cpuMsPerSubmission, manyKeys: many.cpuMsPerSubmission },
    hotKeyAcceptedPerSec: hot.acceptedPerSec,
    hotKeyDecidedPerSec: hot.decidedPerSec,
    admissionManyKeysMs: { p50: many.latency.admissionMs?.p50, p99: many.latency.admissionMs?.p99 },
    admissionBaselineMs: { p50: baseline.latency.admissionMs?.p50, p99: baseline.latency.admissionMs?.p99 },
    supersedeHotKeyMs: {
      samples: hot.latency.supersedeMs?.samples,
      p50: hot.latency.supersedeMs?.p50,
      p99: hot.latency.supersedeMs?.p99,
    },
    supersedeHotKeySequentialMs: {
      samples: sequential?.latency.supersedeMs?.samples,
      p50: sequential?.latency.supersedeMs?.p50,
      p99: sequential?.latency.supersedeMs?.p99,
    },
    hotKeySequentialAcceptedPerSec: sequential?.acceptedPerSec,
    admissionHotKeySequentialMs: {
      p50: sequential?.latency.admissionMs?.p50,
      p99: sequential?.latency.admissionMs?.p99,
    },
    hotKeySequentialEventsPerSubmission: sequential?.eventsPerSubmission,
    eventsPerSubmission: { manyKeys: many.eventsPerSubmission, hotKey: hot.eventsPerSubmission },
    hotKeyRollovers: hot.rollovers,
    floors: floorsOf(summaries),
    actionsPerSubmission: Object.fromEntries([...summaries.values()].map((s) => [s.id, s.actionsPerSubmission])),
    onePerKey: summaries.get('one-per-key')?.oneSubmission,
    rolloverScenario: summaries.get('hot-key-rollover') && {
      rollovers: summaries.get('hot-key-rollover')?.rollovers,
      eventsPerSubmission: summaries.get('hot-key-rollover')?.eventsPerSubmission,
      supersedeP50: summaries.get('hot-key-rollover')?.latency.supersedeMs?.p50,
      supersedeP99: summaries.get('hot-key-rollover')?.latency.supersedeMs?.p99,
      admissionP99: summaries.get('hot-key-rollover')?.latency.admissionMs?.p99,
    },
  };
}

function tuningComparison(summaries: Map<string, ScenarioSummary>, config: BenchConfig) {
  if (!config.tuning || !summaries.has('many-keys-tuned') || !summaries.has('many-keys')) return undefined;
  const pairs: [string, string][] = [
    ['many-keys', 'many-keys-tuned'],
    ['hot-key', 'hot-key-tuned'],
    ['hot-key-sequential', 'hot-key-sequential-tuned'],
  ];
  return {
    defaultWorkerOptions: 'createWorker() defaults (SDK defaults + maxHeartbeatThrottleInterval 1 s)',
    tunedWorkerOptions: config.tunedWorkerOptions,
    comparisons: pairs
      .filter(([beforeId, afterId]) => summaries.has(beforeId) && summaries.has(afterId))
      .map(([beforeId, afterId]) => {
        const before = summaries.get(beforeId) as ScenarioSummary;
        const after = summaries.get(afterId) as ScenarioSummary;
        const pick = (s: ScenarioSummary) => ({
          acceptedPerSec: s.acceptedPerSec,
          startedPerSec: s.startedPerSec,
          decidedPerSec: s.decidedPerSec,
          admissionP50: s.latency.admissionMs?.p50,
          admissionP99: s.latency.admissionMs?.p99,
          decisionP50: s.latency.decisionMs?.p50,
          decisionP99: s.latency.decisionMs?.p99,
          supersedeP50: s.latency.supersedeMs?.p50,
          supersedeP99: s.latency.supersedeMs?.p99,
        });
        const b = pick(before);
        const a = pick(after);
        return {
          scenario: beforeId,
          before: b,
          after: a,
          changePercent: Object.fromEntries(
            Object.keys(b).map((k) => [k, change(b[k as keyof typeof b], a[k as keyof typeof a])]),
          ),
        };
      }),
  };
}

function fmtMs(s: Spread | undefined): string {
  return s && Number.isFinite(s.median) ? `${round(s.median)} ms [${round(s.min)}–${round(s.max)}]` : 'no samples';
}

function msOrNone(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? 'not measured' : `${round(value)} ms`;
}

function headlineLines(h: ReturnType<typeof headline>, wallS: number): string[] {
  if (!h) return [`wall time ${round(wallS)} s (partial run: no headline)`];
  const r = (s: Spread | undefined) => (s ? `${round(s.median)} [${round(s.min)}–${round(s.max)}]` : '–');
  return [
    `many keys ÷ baseline, accepted calls/s: ${r(h.manyKeysAcceptedOverBaseline)}; decided/s ÷ baseline children started/s: ${r(h.manyKeysDecidedOverBaseline)}; ` +
      `settled/s (all children closed): ${r(h.manyKeysSettledOverBaseline)}; CPU ms per submission (bench process + dev server): ` +
      `baseline ${r(h.cpuMsPerSubmission.baseline)}, many keys ${r(h.cpuMsPerSubmission.manyKeys)}`,
    `hot key accepted submissions/s: ${r(h.hotKeyAcceptedPerSec)}; decided/s: ${r(h.hotKeyDecidedPerSec)}`,
    `admission (submit call → child started), many keys: p50 ${fmtMs(h.admissionManyKeysMs.p50)}, p99 ${fmtMs(h.admissionManyKeysMs.p99)} (baseline start call → started: p50 ${fmtMs(h.admissionBaselineMs.p50)}, p99 ${fmtMs(h.admissionBaselineMs.p99)}); ` +
      `without a backlog (hot key, 1 call in flight): p50 ${fmtMs(h.admissionHotKeySequentialMs.p50)}, p99 ${fmtMs(h.admissionHotKeySequentialMs.p99)}`,
    `supersede (newer submission's signal → older child's cancel request), hot key, 1 call in flight ` +
      `(${h.supersedeHotKeySequentialMs.samples ?? 0} samples): p50 ${fmtMs(h.supersedeHotKeySequentialMs.p50)}, ` +
      `p99 ${fmtMs(h.supersedeHotKeySequentialMs.p99)}; hot key burst (${h.supersedeHotKeyMs.samples ?? 0} samples, ` +
      `nearly all of a burst is dropped unstarted): p50 ${fmtMs(h.supersedeHotKeyMs.p50)}, p99 ${fmtMs(h.supersedeHotKeyMs.p99)}`,
    `coordinator history events per submission: many keys ${r(h.eventsPerSubmission.manyKeys)}, hot key burst ${r(h.eventsPerSubmission.hotKey)}, ` +
      `hot key 1 call in flight ${r(h.hotKeySequentialEventsPerSubmission)} (${r(h.hotKeySequentialAcceptedPerSec)} accepted/s); hot-key rollovers ${r(h.hotKeyRollovers)}`,
    `floors (one call in flight): raw cancel (cancel call → CancelRequested) p50 ${msOrNone(h.floors.rawCancelP50)}; ` +
      `one workflow task (CancelRequested → its WorkflowTaskCompleted) p50 ${msOrNone(h.floors.workflowTaskP50)}, ` +
      `scheduled → completed ${msOrNone(h.floors.workflowTaskScheduledP50)}; plain start call → started ` +
      `${msOrNone(h.floors.sequentialStartP50)}`,
    `one submission per key: ${h.onePerKey ? `${r(h.onePerKey.eventsUntilChildClosed)} coordinator events (${r(h.onePerKey.workflowTasksUntilChildClosed)} tasks) to the child's close handled, ${r(h.onePerKey.eventsWithIdleClose)} (${r(h.onePerKey.workflowTasksWithIdleClose)} tasks) with the idle close; child ${r(h.onePerKey.childEvents)} events` : 'not measured'}`,
    `estimated billable Actions per submission (per start for the plain runs): ` +
      Object.entries(h.actionsPerSubmission)
        .map(([id, s]) => `${id} ${r(s)}`)
        .join(', '),
    `rollovers: ${h.rolloverScenario ? `hot key with a lowered continue-as-new threshold: ${r(h.rolloverScenario.rollovers)} per repetition, ` + `${r(h.rolloverScenario.eventsPerSubmission)} events/sub, supersede p50 ${fmtMs(h.rolloverScenario.supersedeP50)}, p99 ${fmtMs(h.rolloverScenario.supersedeP99)}, admission p99 ${fmtMs(h.rolloverScenario.admissionP99)}` : 'not measured'}`,
    `wall time ${round(wallS)} s`,
  ];
}

async function updateResultsMd(markdown: string): Promise<void> {
  if (!fs.existsSync(RESULTS_MD)) return;
  const text = fs.readFileSync(RESULTS_MD, 'utf8');
  const start = text.indexOf(TABLE_START);
  const end = text.indexOf(TABLE_END);
  if (start < 0 || end < start) return;
  const updated = `${text.slice(0, start + TABLE_START.length)}\n\n${markdown}\n\n${text.slice(end)}`;
  // Keep the file as `npm run format:check` wants it.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(RESULTS_MD)) ?? {};
  fs.writeFileSync(RESULTS_MD, await prettier.format(updated, { ...options, filepath: RESULTS_MD }));
}

const CHART_TITLE = 'temporal-concurrency: latency percentiles per scenario';

/** `--redraw=<results.json>`: draws the chart again from a saved run (same data, current chart code). */
async function redraw(jsonPath: string): Promise<void> {
  const saved = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as {
    date: string;
    chartSubtitle?: string;
    summaries: ScenarioSummary[];
  };
  const pngPath = jsonPath.replace(/\.json$/, '.png');
  await drawLatencyChart(latencyBars(saved.summaries), CHART_TITLE, saved.chartSubtitle ?? saved.date, pngPath);
  console.log(`wrote ${pngPath}`);
}

async function main(): Promise<void> {
  const redrawFrom = process.argv.find((arg) => arg.startsWith('--redraw='));
  if (redrawFrom) return redraw(redrawFrom.slice('--redraw='.length));
  const config = parseConfig(process.argv.slice(2));
  if (config === 'help') {
    console.log(HELP_TEXT);
    return;
  }
  selfCheckActions();
  const benchStarted = Date.now();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const machine = machineInfo();
  const log = (line: string) => console.log(`[bench +${((Date.now() - benchStarted) / 1000).toFixed(0)}s] ${line}`);
  log(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryGiB} GiB, load ${machine.loadavgAtStart.join(' ')}`,
  );
  log(`config: ${JSON.stringify({ ...config, tunedWorkerOptions: undefined })}`);

  const source = sourceInfo();
  log(
    `source: ${source.commit} ${source.subject}${source.uncommitted.length ? ` (+${source.uncommitted.length} uncommitted in src/examples, diff sha256 ${source.uncommittedDiffSha256?.slice(0, 12) ?? '–'})` : ''}`,
  );
  const server = await startDevServer({ log });
  const workers: { worker: Worker; running: Promise<void> }[] = [];
  log(`dev server at ${server.address} (${server.cli?.version ?? 'SDK download'}, via ${server.cli?.route ?? 'SDK'})`);
  try {
    const bundleStarted = Date.now();
    const { code } = await bundleWorkflowCode(
      withConcurrencyBundle({
        workflowsPath: require.resolve('../examples/workflows'),
        logger: { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error },
      }),
    );
    log(`workflow bundle ready in ${Date.now() - bundleStarted} ms`);
    const tag = Date.now().toString(36);
    const specs = scenarioSpecs(config);
    // One long-lived worker per variant (as in production), each on its own task queue.
    const variants = [...new Map(specs.map((s) => [s.worker.name, s.worker])).values()];
    const taskQueues = new Map(variants.map((v) => [v.name, `bench-${tag}-${v.name}`]));
    for (const variant of variants) {
      const worker = await createWorker({
        connection: server.env.nativeConnection,
        taskQueue: taskQueues.get(variant.name) as string,
        workflowBundle: { code },
        activities: exampleActivities,
        ...variant.options,
      });
      workers.push({ worker, running: worker.run() });
    }
    const serverPid = devServerPid(server.address);
    const ctx: BenchContext = {
      client: server.env.client,
      taskQueues,
      tag,
      minDurationMs: config.minDurationMs,
      maxDurationMs: config.maxDurationMs,
      settleTimeoutMs: config.settleTimeoutMs,
      serverCpuMs: () => processCpuMs(serverPid),
      log,
    };

    // Warm-up of every worker (not recorded): JIT, the server's caches, the task queues' partitions.
    // The many-keys spec whatever --only picked (its position in the unfiltered list).
    const manyKeys = scenarioSpecs({ ...config, only: undefined })[1] as ScenarioSpec;
    for (const variant of variants) {
      await timedRep(
        ctx,
        { ...manyKeys, id: `warmup-${variant.name}`, n: Math.min(100, config.n), worker: variant },
        0,
      );
    }
    log('warm-up done');

    const reps = new Map<string, RepResult[]>(specs.map((s) => [s.id, []]));
    for (let rep = 1; rep <= config.reps; rep++) {
      for (const spec of specs) {
        const result = await timedRep(ctx, spec, rep);
        reps.get(spec.id)?.push(result);
        const lat = result.supersedeMs?.n ? ` supersede p50 ${result.supersedeMs.p50} ms` : '';
        log(
          `rep ${rep}/${config.reps} ${spec.id}: ${result.acceptedPerSec} accepted/s, ${result.startedPerSec} started/s, ` +
            `admission p50 ${result.admissionMs.p50} ms p99 ${result.admissionMs.p99} ms${lat}` +
            (result.coordinator
              ? `, ${result.coordinator.eventsPerSubmission} events/sub, task wait/run p50 ` +
                `${result.coordinator.wftScheduleToStartMs.p50}/${result.coordinator.wftStartToCompleteMs.p50} ms`
              : '') +
            (result.rawCancelMs
              ? `, cancel call → requested p50 ${result.rawCancelMs.p50} ms, its workflow task p50 ` +
                `${result.wftMs?.p50} ms (wait ${result.wftWaitMs?.p50} ms)`
              : '') +
            `, ${result.actions.perSubmission.total} Actions/sub` +
            `, cpu bench/server ${result.cpuMs.benchProcess}/${result.cpuMs.devServer} ms` +
            ` (${(result.wallMs / 1000).toFixed(1)} s)`,
        );
      }
    }

    const summaries = new Map(specs.map((spec) => [spec.id, summarize(spec, reps.get(spec.id) ?? [])]));
    const ordered = [...summaries.values()];
    const wallS = (Date.now() - benchStarted) / 1000;
    const head = headline(summaries);
    const goals = goalRows(summaries, head?.manyKeysSettledOverBaseline);
    const goalTable = goalsTable(goals);
    const profile = profileLines(summaries.get('one-per-key'));
    const tuning = tuningComparison(summaries, config);
    const throughput = throughputTable(ordered);
    const latency = latencyTable(ordered);
    const scaling = scalingTable(
      scalingPoints(config).flatMap(({ keys, id }) => {
        const summary = summaries.get(id);
        return summary ? [{ keys, summary }] : [];
      }),
    );
    const explorationPath = path.join(__dirname, 'results', 'exploration.json');
    const exploration: unknown = fs.existsSync(explorationPath)
      ? JSON.parse(fs.readFileSync(explorationPath, 'utf8'))
      : undefined;

    const date = localDate();
    fs.mkdirSync(config.outDir, { recursive: true });
    // A smoke run never overwrites the day's full run.
    const base = path.join(config.outDir, config.quick ? `${date}-quick` : date);
    const machineLine =
      `${machine.cpus} × ${machine.cpuModel}, ${machine.totalMemoryGiB} GiB RAM, ${machine.platform}, Node ${machine.node}, ` +
      `Temporal CLI ${server.cli?.version.replace('temporal version ', '') ?? '?'} dev server (loopback), SDK ${sdkVersion()}`;
    const chartSubtitle = `${machineLine}; N=${config.n}, ${config.reps} reps, ${date}`;
    await drawLatencyChart(latencyBars(ordered), CHART_TITLE, chartSubtitle, `${base}.png`);

    const lines = headlineLines(head, wallS);
    const markdown = [
      `Run ${date}, ${machineLine}. Library at ${source.commit}` +
        `${source.uncommitted.length ? ` plus uncommitted changes in ${source.uncommitted.length} src/examples files` : ''}. ` +
        `Load average at start ${machine.loadavgAtStart.join(' ')}. ` +
        `N=${config.n} (scaling N=${config.scalingN}), ${config.reps} interleaved repetitions, ${config.concurrency} client calls in flight, ` +
        `demoWork ${config.minDurationMs}–${config.maxDurationMs} ms. Cells: median [min–max] over repetitions; ` +
        `nearest-rank percentiles per repetition.`,
      '',
      ...lines.map((l) => `- ${l}`),
      '',
      '**Goals** (floors measured in this run; "met" compares the median over repetitions)',
      '',
      markdownTable(goalTable),
      '',
      ...(profile.length > 0
        ? ['**A key that sees one submission: its coordinator history by workflow task**', '', ...profile, '']
        : []),
      `Actions: estimated from histories with Temporal Cloud's published mapping (${ACTIONS_SOURCE.url}, read ` +
        `${ACTIONS_SOURCE.read}; rules and assumptions in bench/actions.ts).`,
      '',
      '**Throughput**',
      '',
      markdownTable(throughput),
      '',
      `**Scaling** (N=${config.scalingN}, maxRuns ${config.maxRuns}; keys used = min(K, N))`,
      '',
      markdownTable(scaling),
      '',
      '**Latency** (ms; "call" latencies compare the client clock with the server clock, same machine; "(server)" ones use only Temporal event times)',
      '',
      markdownTable(latency),
      '',
      `Chart: \`${base}.png\`. Raw numbers: \`${base}.json\`.`,
    ].join('\n');
    fs.writeFileSync(`${base}.md`, `# Benchmark ${date}\n\n${markdown}\n`);
    const json = {
      date,
      chartSubtitle,
      startedAt: new Date(benchStarted).toISOString(),
      wallTimeS: round(wallS),
      machine: { ...machine, loadavgAtEnd: os.loadavg().map(round) },
      server: {
        cli: server.cli?.version,
        cliRoute: server.cli?.route,
        sdk: sdkVersion(),
        address: server.address,
      },
      config,
      source,
      method: {
        percentiles: 'nearest rank, per repetition; spreads are min/median/max of the per-repetition figure',
        clocks:
          'call latencies: client wall clock (sub-ms, anchored per repetition) vs server event times; the dev server runs on the same machine over loopback',
        supersede:
          "displacing submission = the maxRuns-th newer submit signal on the key (exact for maxRuns 1); latency = its WorkflowExecutionSignaled → the older child's WorkflowExecutionCancelRequested",
        decision:
          'submit WorkflowExecutionSignaled → WorkflowTaskCompleted of the first coordinator task started after it',
      },
      headline: head,
      goals,
      floors: floorsOf(summaries),
      actionsSource: ACTIONS_SOURCE,
      scalingCurve: scalingPoints(config),
      tuning: tuning && { ...tuning, exploration },
      summaries: ordered,
      reps: Object.fromEntries(reps),
    };
    fs.writeFileSync(`${base}.json`, `${JSON.stringify(json, null, 1)}\n`);
    // Only a full run at the default output refreshes bench/RESULTS.md; smoke and profiling runs leave it alone.
    if (!config.quick && !config.only && path.resolve(config.outDir) === path.join(__dirname, 'results')) {
      await updateResultsMd(markdown);
    }

    console.log(`\n${textTable(throughput)}\n\n${textTable(scaling)}\n\n${textTable(latency)}\n`);
    for (const line of lines) console.log(line);
    if (profile.length > 0)
      console.log(`\none submission per key, coordinator history by workflow task:\n${profile.join('\n')}`);
    if (tuning) {
      for (const c of tuning.comparisons)
        console.log(`tuning ${c.scenario}: change % ${JSON.stringify(c.changePercent)}`);
    }
    console.log(`\nwrote ${base}.json, ${base}.md, ${base}.png`);
    console.log(
      `\nGoals (floors measured in this run; "met" compares the median over repetitions)\n${textTable(goalTable)}`,
    );
  } finally {
    for (const { worker } of workers) worker.shutdown();
    await Promise.allSettled(workers.map((w) => w.running));
    await server.env.teardown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
