/** Summaries over repetitions, the printed tables and the Markdown report. */
import type { LatencyBar } from './chart';
import type { TaskStep } from './histories';
import type { RepResult, ScenarioSpec } from './scenarios';
import { percentiles, round, roundPercentiles, spread, type Percentiles, type Spread } from './stats';

export const LATENCY_MEASURES = {
  admissionMs: 'call → child started',
  admissionServerMs: 'signaled → child started (server)',
  decisionMs: 'signaled → coordinator task done (server)',
  supersedeMs: 'newer signaled → older cancel-requested (server)',
  supersedeDecideMs: '… of which newer signaled → coordinator cancel command (server)',
  supersedeDeliverMs: '… and coordinator cancel command → older cancel-requested (server)',
  rawCancelMs: 'cancel call → cancel-requested',
  wftMs: 'cancel-requested → its workflow task done (server)',
  wftScheduledMs: 'workflow task scheduled → completed (server)',
} as const;
export type LatencyMeasure = keyof typeof LATENCY_MEASURES;

export interface LatencySummary {
  /** Samples over all repetitions. */
  samples: number;
  p50: Spread;
  p95: Spread;
  p99: Spread;
  /** Percentiles of all repetitions' samples together. */
  pooled: Percentiles;
}

export interface ScenarioSummary {
  id: string;
  title: string;
  kind: ScenarioSpec['kind'];
  n: number;
  keys: number;
  keysUsed: number;
  maxRuns: number;
  concurrency: number;
  worker: ScenarioSpec['worker'];
  reps: number;
  acceptedPerSec: Spread;
  startedPerSec: Spread;
  decidedPerSec?: Spread;
  settledPerSec: Spread;
  cpuMsPerSubmission: Spread;
  latency: Partial<Record<LatencyMeasure, LatencySummary>>;
  eventsPerSubmission?: Spread;
  workflowTasksPerSubmission?: Spread;
  submitsPerDecidingTask?: Spread;
  rollovers?: Spread;
  /** Estimated billable Actions per submission (per start for the baseline), coordinators' and children's. */
  actionsPerSubmission: Spread;
  coordinatorActionsPerSubmission: Spread;
  childActionsPerSubmission: Spread;
  /** Actions per submission by kind, and the events not counted, over all repetitions together. */
  actionsByKindPerSubmission: Record<string, number>;
  actionsNotCountedPerSubmission: Record<string, number>;
  childEvents: Spread;
  oneSubmission?: OneSubmissionSummary;
  /** Outcomes summed over repetitions. */
  outcomes: Record<string, number>;
  wallMs: Spread;
}

export interface OneSubmissionSummary {
  /** Keys measured, all repetitions. */
  keys: number;
  eventsUntilChildClosed: Spread;
  eventsUntilChildClosedMedian: Spread;
  workflowTasksUntilChildClosed: Spread;
  keysClosedIdle: number;
  /** Keys whose coordinator swept while its child ran (all repetitions). */
  keysSwept: number;
  eventsWithIdleClose: Spread;
  workflowTasksWithIdleClose: Spread;
  childEvents: Spread;
  eventsUntilChildClosedHistogram: Record<string, number>;
  /** Per key, mean over repetitions. */
  eventsByTypePerKey: Record<string, number>;
  /** Most common shapes of a key's coordinator history, all repetitions. */
  profiles: { keys: number; tasks: TaskStep[] }[];
}

function summarizeOneSubmission(reps: RepResult[]): OneSubmissionSummary | undefined {
  const figures = reps.flatMap((r) => (r.oneSubmission ? [r.oneSubmission] : []));
  if (figures.length === 0) return undefined;
  const histogram: Record<string, number> = {};
  const shapes = new Map<string, { keys: number; tasks: TaskStep[] }>();
  for (const f of figures) {
    for (const [events, keys] of Object.entries(f.eventsUntilChildClosedHistogram))
      histogram[events] = (histogram[events] ?? 0) + keys;
    for (const shape of f.profiles) {
      const key = JSON.stringify(shape.tasks);
      const merged = shapes.get(key) ?? { keys: 0, tasks: shape.tasks };
      merged.keys += shape.keys;
      shapes.set(key, merged);
    }
  }
  return {
    keys: figures.reduce((acc, f) => acc + f.keys, 0),
    eventsUntilChildClosed: spread(figures.map((f) => f.eventsUntilChildClosed)),
    eventsUntilChildClosedMedian: spread(figures.map((f) => f.eventsUntilChildClosedMedian)),
    workflowTasksUntilChildClosed: spread(figures.map((f) => f.workflowTasksUntilChildClosed)),
    keysClosedIdle: figures.reduce((acc, f) => acc + f.keysClosedIdle, 0),
    keysSwept: figures.reduce((acc, f) => acc + f.keysSwept, 0),
    eventsWithIdleClose: spread(figures.map((f) => f.eventsWithIdleClose)),
    workflowTasksWithIdleClose: spread(figures.map((f) => f.workflowTasksWithIdleClose)),
    childEvents: spread(figures.map((f) => f.childEvents)),
    eventsUntilChildClosedHistogram: histogram,
    eventsByTypePerKey: pooledPerSubmission(figures.map((f) => f.eventsByTypePerKey)),
    profiles: [...shapes.values()].sort((a, b) => b.keys - a.keys).slice(0, 3),
  };
}

/** Per-submission counts over all repetitions together (each rep's per-submission figure, averaged). */
function pooledPerSubmission(records: Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const record of records)
    for (const [kind, value] of Object.entries(record)) total[kind] = (total[kind] ?? 0) + value;
  return Object.fromEntries(
    Object.entries(total)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, value]) => [kind, round(value / Math.max(1, records.length))]),
  );
}

/** Samples of one latency measure, recomputed from the raw rows (ms since the first call, 0.1 ms resolution). */
function samplesOf(rep: RepResult, measure: LatencyMeasure): number[] {
  const col = (name: string) => rep.raw.columns.indexOf(name);
  const [
    start,
    signaled,
    decided,
    childStarted,
    cancelRequested,
    displacer,
    cancelCall,
    taskScheduled,
    taskDone,
    cancelInitiated,
  ] = [
    col('callStart'),
    col('signaled'),
    col('decided'),
    col('childStarted'),
    col('childCancelRequested'),
    col('displacerSignaled'),
    col('cancelCall'),
    col('cancelTaskScheduled'),
    col('cancelTaskDone'),
    col('cancelInitiated'),
  ];
  const pairs: Record<LatencyMeasure, [number, number]> = {
    admissionMs: [start, childStarted],
    admissionServerMs: [signaled, childStarted],
    decisionMs: [signaled, decided],
    supersedeMs: [displacer, cancelRequested],
    supersedeDecideMs: [displacer, cancelInitiated],
    supersedeDeliverMs: [cancelInitiated, cancelRequested],
    rawCancelMs: [cancelCall, cancelRequested],
    wftMs: [cancelRequested, taskDone],
    wftScheduledMs: [taskScheduled, taskDone],
  };
  const [from, to] = pairs[measure];
  if (from < 0 || to < 0) return [];
  return rep.raw.rows.flatMap((row) => {
    const a = row[from];
    const b = row[to];
    return typeof a === 'number' && typeof b === 'number' ? [b - a] : [];
  });
}

export function summarize(spec: ScenarioSpec, reps: RepResult[]): ScenarioSummary {
  const latency: Partial<Record<LatencyMeasure, LatencySummary>> = {};
  for (const measure of Object.keys(LATENCY_MEASURES) as LatencyMeasure[]) {
    const perRep = reps.map((r) => r[measure]).filter((p): p is Percentiles => p !== undefined);
    if (perRep.length === 0) continue;
    latency[measure] = {
      samples: perRep.reduce((acc, p) => acc + p.n, 0),
      p50: spread(perRep.map((p) => p.p50)),
      p95: spread(perRep.map((p) => p.p95)),
      p99: spread(perRep.map((p) => p.p99)),
      pooled: roundPercentiles(percentiles(reps.flatMap((r) => samplesOf(r, measure)))),
    };
  }
  const outcomes: Record<string, number> = {};
  for (const rep of reps)
    for (const [name, count] of Object.entries(rep.outcomes)) outcomes[name] = (outcomes[name] ?? 0) + count;
  const coordinated = spec.kind === 'coordinated';
  const coord = (f: (c: NonNullable<RepResult['coordinator']>) => number) =>
    spread(reps.map((r) => (r.coordinator ? f(r.coordinator) : Number.NaN)));
  return {
    id: spec.id,
    title: spec.title,
    kind: spec.kind,
    n: spec.n,
    keys: spec.keys,
    keysUsed: Math.min(spec.keys, spec.n),
    maxRuns: spec.maxRuns,
    concurrency: spec.concurrency,
    worker: spec.worker,
    reps: reps.length,
    acceptedPerSec: spread(reps.map((r) => r.acceptedPerSec)),
    startedPerSec: spread(reps.map((r) => r.startedPerSec)),
    settledPerSec: spread(reps.map((r) => r.settledPerSec)),
    cpuMsPerSubmission: spread(reps.map((r) => r.cpuMsPerSubmission)),
    ...(coordinated && {
      decidedPerSec: spread(reps.map((r) => r.decidedPerSec ?? Number.NaN)),
      eventsPerSubmission: coord((c) => c.eventsPerSubmission),
      workflowTasksPerSubmission: coord((c) => c.workflowTasksPerSubmission),
      submitsPerDecidingTask: coord((c) => c.submitsPerDecidingTask),
      rollovers: coord((c) => c.rollovers),
    }),
    actionsPerSubmission: spread(reps.map((r) => r.actions.perSubmission.total)),
    coordinatorActionsPerSubmission: spread(reps.map((r) => r.actions.coordinatorPerSubmission)),
    childActionsPerSubmission: spread(reps.map((r) => r.actions.childrenPerSubmission)),
    actionsByKindPerSubmission: pooledPerSubmission(
      reps.map((r) => r.actions.perSubmission.byKind as Record<string, number>),
    ),
    actionsNotCountedPerSubmission: pooledPerSubmission(
      reps.map((r) => r.actions.perSubmission.notCounted as Record<string, number>),
    ),
    childEvents: spread(reps.map((r) => r.childEventsMean)),
    ...(summarizeOneSubmission(reps) && { oneSubmission: summarizeOneSubmission(reps) }),
    latency,
    outcomes,
    wallMs: spread(reps.map((r) => r.wallMs)),
  };
}

function fmt(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toPrecision(2);
}

/** "median [min–max]" */
export function fmtSpread(s: Spread | undefined): string {
  if (!s || !Number.isFinite(s.median)) return '–';
  return `${fmt(s.median)} [${fmt(s.min)}–${fmt(s.max)}]`;
}

export interface Table {
  header: string[];
  rows: string[][];
}

export function throughputTable(summaries: ScenarioSummary[]): Table {
  return {
    header: [
      'scenario',
      'N',
      'keys',
      'maxRuns',
      'worker',
      'reps',
      'accepted/s',
      'children started/s',
      'decided/s',
      'settled/s',
      'CPU ms/sub',
      'coord. events/sub',
      'coord. tasks/sub',
      'rollovers',
      'child events',
      'Actions/sub (coord. + children)',
      'outcomes (all reps)',
    ],
    rows: summaries.map((s) => [
      s.title,
      String(s.n),
      s.kind === 'coordinated' ? String(s.keysUsed) : '–',
      s.kind === 'coordinated' ? String(s.maxRuns) : '–',
      s.worker.name,
      String(s.reps),
      fmtSpread(s.acceptedPerSec),
      fmtSpread(s.startedPerSec),
      fmtSpread(s.decidedPerSec),
      fmtSpread(s.settledPerSec),
      fmtSpread(s.cpuMsPerSubmission),
      fmtSpread(s.eventsPerSubmission),
      fmtSpread(s.workflowTasksPerSubmission),
      fmtSpread(s.rollovers),
      fmtSpread(s.childEvents),
      s.kind === 'coordinated'
        ? `${fmtSpread(s.actionsPerSubmission)} (${fmtSpread(s.coordinatorActionsPerSubmission)} + ${fmtSpread(s.childActionsPerSubmission)})`
        : fmtSpread(s.actionsPerSubmission),
      Object.entries(s.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
    ]),
  };
}

/** Throughput and admission latency against the number of keys, at a fixed N. */
export function scalingTable(points: { keys: number; summary: ScenarioSummary }[]): Table {
  return {
    header: [
      'K',
      'keys used',
      'scenario',
      'accepted/s',
      'decided/s',
      'children started/s',
      'settled/s',
      'admission p50 ms',
      'admission p99 ms',
      'events/sub',
    ],
    rows: points.map(({ keys, summary: s }) => [
      String(keys),
      String(s.keysUsed),
      s.id,
      fmtSpread(s.acceptedPerSec),
      fmtSpread(s.decidedPerSec),
      fmtSpread(s.startedPerSec),
      fmtSpread(s.settledPerSec),
      fmtSpread(s.latency.admissionMs?.p50),
      fmtSpread(s.latency.admissionMs?.p99),
      fmtSpread(s.eventsPerSubmission),
    ]),
  };
}

export function latencyTable(summaries: ScenarioSummary[]): Table {
  const rows: string[][] = [];
  for (const s of summaries) {
    for (const [measure, label] of Object.entries(LATENCY_MEASURES) as [LatencyMeasure, string][]) {
      const l = s.latency[measure];
      if (!l || l.samples === 0) continue;
      rows.push([
        s.title,
        label,
        String(l.samples),
        fmtSpread(l.p50),
        fmtSpread(l.p95),
        fmtSpread(l.p99),
        `${fmt(l.pooled.min)} / ${fmt(l.pooled.p50)} / ${fmt(l.pooled.max)}`,
      ]);
    }
  }
  return {
    header: ['scenario', 'latency (ms)', 'samples', 'p50', 'p95', 'p99', 'pooled min / median / max'],
    rows,
  };
}

export function textTable(table: Table): string {
  const widths = table.header.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('  ');
  return [line(table.header), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

export function markdownTable(table: Table): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|');
  return [
    `| ${table.header.map(esc).join(' | ')} |`,
    `| ${table.header.map(() => '---').join(' | ')} |`,
    ...table.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** Bars for the chart: the headline latency of each scenario, p50/p95/p99 median over repetitions. */
export function latencyBars(summaries: ScenarioSummary[]): LatencyBar[] {
  const bars: LatencyBar[] = [];
  for (const s of summaries) {
    const measures: LatencyMeasure[] =
      s.kind === 'baseline'
        ? ['admissionMs']
        : s.kind === 'raw-cancel'
          ? ['rawCancelMs', 'wftMs']
          : ['admissionMs', 'supersedeMs'];
    for (const measure of measures) {
      const l = s.latency[measure];
      if (!l || l.samples === 0) continue;
      const what =
        measure === 'supersedeMs'
          ? 'supersede'
          : measure === 'rawCancelMs'
            ? 'cancel call → cancel-requested'
            : measure === 'wftMs'
              ? 'one workflow task'
              : s.kind === 'baseline'
                ? 'start call → started'
                : 'submit → started';
      const label = `${s.title}: ${what} (n=${l.samples})`;
      for (const p of ['p50', 'p95', 'p99'] as const) {
        bars.push({ label, percentile: p, median: round(l[p].median), min: round(l[p].min), max: round(l[p].max) });
      }
    }
  }
  return bars;
}
