/**
 * The figures of "Coordination for the price of a plain start", each next to its goal: the floors the latency goals
 * are built from (a raw client cancel, one workflow task, a plain start) are measured in the same run.
 */
import type { ScenarioSummary, Table } from './report';
import { fmtSpread } from './report';
import { round, type Spread } from './stats';

export interface GoalRow {
  figure: string;
  /** The figure before this work (bench run of 2026-11-23 at 5a4ff7f, as the issue quotes it). */
  before: string;
  measured: string;
  goal: string;
  /** undefined: not measured in this run (a scenario left out with --only). */
  met?: boolean;
}

export interface Floors {
  /** Client cancel() call → WorkflowExecutionCancelRequested, p50 (median over repetitions). */
  rawCancelP50?: number;
  /** One workflow task: the event that wakes a workflow → WorkflowTaskCompleted of the task handling it, p50. */
  workflowTaskP50?: number;
  /** The same task's WorkflowTaskScheduled → WorkflowTaskCompleted, p50. */
  workflowTaskScheduledP50?: number;
  /** Baseline (N plain starts, C in flight): start call → WorkflowExecutionStarted, p50. */
  baselineStartP50?: number;
  /** One plain start at a time (the raw-cancel scenario's starts): start call → started, p50. */
  sequentialStartP50?: number;
  supersedeGoalMs?: number;
  admissionGoalMs?: number;
}

const ms = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '?' : `${round(value)} ms`);

function median(s: Spread | undefined): number | undefined {
  return s && Number.isFinite(s.median) ? s.median : undefined;
}

function judge(value: number | undefined, ok: (v: number) => boolean): boolean | undefined {
  return value === undefined ? undefined : ok(value);
}

export function floorsOf(summaries: Map<string, ScenarioSummary>): Floors {
  const raw = summaries.get('raw-cancel');
  const baseline = summaries.get('baseline');
  const floors: Floors = {
    rawCancelP50: median(raw?.latency.rawCancelMs?.p50),
    workflowTaskP50: median(raw?.latency.wftMs?.p50),
    workflowTaskScheduledP50: median(raw?.latency.wftScheduledMs?.p50),
    baselineStartP50: median(baseline?.latency.admissionMs?.p50),
    sequentialStartP50: median(raw?.latency.admissionMs?.p50),
  };
  if (floors.rawCancelP50 !== undefined && floors.workflowTaskP50 !== undefined)
    floors.supersedeGoalMs = floors.rawCancelP50 + floors.workflowTaskP50;
  if (floors.baselineStartP50 !== undefined && floors.workflowTaskP50 !== undefined)
    floors.admissionGoalMs = floors.baselineStartP50 + floors.workflowTaskP50;
  return floors;
}

function strictAdmissionGoal(floors: Floors): number | undefined {
  return floors.sequentialStartP50 !== undefined && floors.workflowTaskP50 !== undefined
    ? floors.sequentialStartP50 + floors.workflowTaskP50
    : undefined;
}

export function goalRows(summaries: Map<string, ScenarioSummary>, settledRatio: Spread | undefined): GoalRow[] {
  const floors = floorsOf(summaries);
  const baseline = summaries.get('baseline');
  const many = summaries.get('many-keys');
  const one = summaries.get('one-per-key');
  const sequential = summaries.get('hot-key-sequential');
  const r = (s: Spread | undefined) => fmtSpread(s);
  const rows: GoalRow[] = [];

  rows.push({
    figure: `many keys (K=${many?.keysUsed ?? '?'}, maxRuns ${many?.maxRuns ?? '?'}): all children settled/s ÷ baseline settled/s`,
    before: '0.50–0.62',
    measured: settledRatio ? r(settledRatio) : 'not measured',
    goal: '≥ 0.8',
    met: judge(median(settledRatio), (v) => v >= 0.8),
  });
  rows.push({
    figure: 'coordinator history events per submission, many keys',
    before: '13.0',
    measured: many ? r(many.eventsPerSubmission) : 'not measured',
    goal: '≤ 8',
    met: judge(median(many?.eventsPerSubmission), (v) => v <= 8),
  });
  const o = one?.oneSubmission;
  rows.push({
    figure: `coordinator events for a key that sees one submission (K=${one?.keysUsed ?? '?'}, ${one?.concurrency ?? '?'} in flight)`,
    before: '25 (+16 in the child vs 11 plain)',
    measured: o
      ? `${r(o.eventsUntilChildClosed)} to the child's close handled (median key ${r(o.eventsUntilChildClosedMedian)}), ` +
        `${r(o.eventsWithIdleClose)} with the idle close (+${r(o.childEvents)} in the child vs ` +
        `${r(baseline?.childEvents)} plain)${o.keysSwept > 0 ? `; ${o.keysSwept} of ${o.keys} keys swept while their child ran` : ''}`
      : 'not measured',
    goal: '≤ 12',
    met: judge(median(o?.eventsUntilChildClosed), (v) => v <= 12),
  });
  const supersede = sequential?.latency.supersedeMs?.p50;
  rows.push({
    figure: 'supersede (newer signal → older child CancelRequested), hot key, one call in flight, p50',
    before: '131–136 ms',
    measured: supersede
      ? `${r(supersede)} ms (signal → coordinator's cancel command ` +
        `${r(sequential?.latency.supersedeDecideMs?.p50)} ms, command → child's CancelRequested ` +
        `${r(sequential?.latency.supersedeDeliverMs?.p50)} ms)`
      : 'not measured',
    goal:
      `≤ raw cancel p50 + one workflow task = ${ms(floors.rawCancelP50)} + ${ms(floors.workflowTaskP50)} = ` +
      ms(floors.supersedeGoalMs),
    met:
      floors.supersedeGoalMs === undefined
        ? undefined
        : judge(median(supersede), (v) => v <= (floors.supersedeGoalMs as number)),
  });
  const admission = sequential?.latency.admissionMs?.p50;
  rows.push({
    figure: 'admission without backlog (submit → child started), p50',
    before: '62–72 ms (baseline start 19–28 ms)',
    measured: admission ? `${r(admission)} ms` : 'not measured',
    goal:
      `≤ baseline p50 + one workflow task = ${ms(floors.baselineStartP50)} + ${ms(floors.workflowTaskP50)} = ` +
      `${ms(floors.admissionGoalMs)} (with one plain start at a time, p50 ${ms(floors.sequentialStartP50)}, as the ` +
      `floor: ${ms(strictAdmissionGoal(floors))})`,
    met:
      floors.admissionGoalMs === undefined
        ? undefined
        : judge(median(admission), (v) => v <= (floors.admissionGoalMs as number)),
  });
  const plain = median(baseline?.actionsPerSubmission);
  for (const [scenario, label] of [
    [one, 'a key that sees one submission, idle close included'],
    [many, 'many keys, coordinators terminated after the repetition (no idle close)'],
  ] as const) {
    const coordinated = median(scenario?.actionsPerSubmission);
    const ratio = coordinated !== undefined && plain !== undefined ? coordinated / plain : undefined;
    rows.push({
      figure: `estimated billable Actions per coordinated submission ÷ per plain start (${label})`,
      before: 'not measured',
      measured:
        ratio === undefined
          ? 'not measured'
          : `${round(ratio)} (${round(coordinated as number)} ÷ ${round(plain as number)})`,
      goal: '≤ 2',
      met: judge(ratio, (v) => v <= 2),
    });
  }
  return rows;
}

export function goalsTable(rows: GoalRow[]): Table {
  return {
    header: ['figure', 'before (2026-11-23, 5a4ff7f)', 'measured', 'goal', 'met'],
    rows: rows.map((row) => [
      row.figure,
      row.before,
      row.measured,
      row.goal,
      row.met === undefined ? 'not measured' : row.met ? 'met' : 'not met',
    ]),
  };
}

/** A one-submission key's coordinator history, task by task, as Markdown list lines. */
export function profileLines(summary: ScenarioSummary | undefined): string[] {
  const o = summary?.oneSubmission;
  const shape = o?.profiles[0];
  if (!o || !shape) return [];
  const lines = [
    `Most common shape (${shape.keys} of ${o.keysClosedIdle} keys closed idle): ` +
      `${shape.tasks.reduce((acc, t) => acc + t.after.length + t.taskEvents + t.commands.length, 0)} events in ` +
      `${shape.tasks.length} workflow tasks; each line: what woke the task, its task events, the commands it recorded.`,
  ];
  shape.tasks.forEach((task, i) => {
    const woke = task.after.length > 0 ? task.after.join(', ') : '–';
    const did = task.commands.length > 0 ? task.commands.join(', ') : 'no command';
    lines.push(`${i + 1}. after ${woke}; ${task.taskEvents} task events → ${did}`);
  });
  return lines;
}
