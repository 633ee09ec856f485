/**
 * One repetition of one benchmark scenario on the long-lived worker of its variant: N submissions from a bounded
 * pool of concurrent client calls, a wait until every child has closed and every coordinator is idle, then the
 * figures, read from Temporal's histories.
 */
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import { defineConcurrencyPolicy, submit } from '../src/client';
import {
  stateQuery,
  type CoordinatorCounters,
  type CoordinatorStateView,
  type LimitStrategy,
} from '../src/coordinator/messages';
import type { DemoWorkInput } from '../examples/workflows';
import { addEstimates, emptyEstimate, perSubmission, type ActionEstimate } from './actions';
import {
  mapLimit,
  readChild,
  readCoordinator,
  type ChildHistory,
  type CoordinatorHistory,
  type TaskStep,
} from './histories';
import { percentiles, round, roundPercentiles, type Percentiles } from './stats';

export interface WorkerVariant {
  name: string;
  /** Worker options the bench passes on top of the library's `createWorker` defaults. */
  options: Partial<WorkerOptions>;
}

export interface ScenarioSpec {
  id: string;
  title: string;
  /**
   * baseline: plain `client.workflow.start`; coordinated: `submit()`; raw-cancel: one plain start at a time, each
   * cancelled by the client `cancelAfterMs` after its first workflow task is done (the floors of supersede latency
   * and of one workflow task).
   */
  kind: 'baseline' | 'coordinated' | 'raw-cancel';
  n: number;
  /** Keys the submissions are spread over, round-robin (submission i → key i mod keys). */
  keys: number;
  maxRuns: number;
  concurrency: number;
  worker: WorkerVariant;
  /** Coordinated: the policy's strategy. @default 'CANCEL_IN_PROGRESS' */
  limitStrategy?: LimitStrategy;
  /** The policy's `continueAsNewAfterEvents`, to make a key roll over within the run. */
  continueAsNewAfterEvents?: number;
  /**
   * Let every coordinator close idle (with these policy settings) instead of terminating it after the repetition,
   * and report the per-key figures of keys that see one submission each ({@link OneSubmissionFigures}).
   */
  idleClose?: { idleTimeoutMs: number; sweepIntervalMs: number };
  /** raw-cancel: the demoWork duration, long enough that every run is still working when it is cancelled. */
  workMs?: number;
  /** raw-cancel: how long after its first workflow task completed a run is cancelled. */
  cancelAfterMs?: number;
}

export interface BenchContext {
  client: Client;
  /** Task queue of the long-lived worker of each variant (by name). */
  taskQueues: Map<string, string>;
  /** Makes task queues, policies and workflow IDs unique to this bench run. */
  tag: string;
  minDurationMs: number;
  maxDurationMs: number;
  settleTimeoutMs: number;
  /** CPU time the dev server process has used so far (NaN when unknown). */
  serverCpuMs: () => number;
  log: (line: string) => void;
}

export interface CoordinatorFigures {
  coordinators: number;
  /** Coordinator runs summed over keys (1 + rollovers each). */
  runs: number;
  /** Sum of `counters.continuedAsNew` from the state queries. */
  rollovers: number;
  events: number;
  eventsPerSubmission: number;
  /** History events per submission, by event type. */
  eventsByTypePerSubmission: Record<string, number>;
  workflowTasks: number;
  workflowTasksPerSubmission: number;
  /** Submit signals handled per workflow task that handled any (batching). */
  submitsPerDecidingTask: number;
  runClosedSignals: number;
  wftScheduleToStartMs: Percentiles;
  wftStartToCompleteMs: Percentiles;
  wftSticky: number;
  wftNormal: number;
}

export interface RepResult {
  scenario: string;
  rep: number;
  taskQueue: string;
  /** Distinct keys actually used: min(keys, n). */
  keysUsed: number;
  startedAt: string;
  /** The whole repetition, worker start to worker shutdown. */
  wallMs: number;
  /** First call issued → last call resolved (client clock). */
  submitPhaseMs: number;
  /** Calls the server accepted per second of the submit phase: starts/s (baseline), submissions/s (coordinated). */
  acceptedPerSec: number;
  /** First call issued → last child's WorkflowExecutionStarted. */
  lastChildStartedMs: number;
  /** Children started per second, first call → last child start. */
  startedPerSec: number;
  /** Coordinated: submissions decided per second, first call → the workflow task that handled the last one. */
  decidedPerSec?: number;
  /** Duration of each client call (start or submit). */
  callMs: Percentiles;
  /** Client call issued → child's WorkflowExecutionStarted (client clock vs server clock, same machine). */
  admissionMs: Percentiles;
  /** Coordinated: coordinator's WorkflowExecutionSignaled → child's WorkflowExecutionStarted (server clock only). */
  admissionServerMs?: Percentiles;
  /** Coordinated: WorkflowExecutionSignaled → completion of the coordinator workflow task that handled it. */
  decisionMs?: Percentiles;
  /** Coordinated: displacing submission's WorkflowExecutionSignaled → older child's WorkflowExecutionCancelRequested. */
  supersedeMs?: Percentiles;
  /** The first leg of supersede: the displacing signal → the coordinator's cancel command for the older child. */
  supersedeDecideMs?: Percentiles;
  /** The second leg: the coordinator's cancel command → the older child's WorkflowExecutionCancelRequested. */
  supersedeDeliverMs?: Percentiles;
  /** Final outcome of each submission, from the histories. */
  outcomes: Record<string, number>;
  counters?: CoordinatorCounters;
  coordinator?: CoordinatorFigures;
  /**
   * CPU time from the first call until everything settled: this process (client + worker, all threads) and the
   * dev server process.
   */
  cpuMs: { benchProcess: number; devServer: number; settledAfterMs: number };
  /** Submissions fully processed per second: first call → every child closed and every coordinator idle. */
  settledPerSec: number;
  /** CPU ms per submission, this process (client + worker) plus the dev server, first call → settled. */
  cpuMsPerSubmission: number;
  childEventsMean: number;
  /**
   * Estimated billable Actions (bench/actions.ts) per submission: coordinators' histories (all runs) plus the
   * children's; for the baseline, per plain start. Coordinators terminated at the end of a repetition have no idle
   * close in their history (scenarios with `idleClose` do).
   */
  actions: { perSubmission: ActionEstimate; coordinatorPerSubmission: number; childrenPerSubmission: number };
  /** raw-cancel: client `cancel()` call → the run's WorkflowExecutionCancelRequested (client vs server clock). */
  rawCancelMs?: Percentiles;
  /** raw-cancel: WorkflowExecutionCancelRequested → WorkflowTaskCompleted of the task that handled it (server). */
  wftMs?: Percentiles;
  /** raw-cancel: that task's WorkflowTaskScheduled → WorkflowTaskCompleted (server). */
  wftScheduledMs?: Percentiles;
  /** raw-cancel: of which WorkflowTaskScheduled → WorkflowTaskStarted (waiting for the worker's poll). */
  wftWaitMs?: Percentiles;
  /** Scenarios with `idleClose`: per-key figures of keys that saw one submission each. */
  oneSubmission?: OneSubmissionFigures;
  loadavg1: [number, number];
  /** One row per submission, ms since the first call; null where it does not apply. */
  raw: { columns: string[]; rows: (number | string | null)[][] };
}

/** Per-key figures of keys that each saw exactly one submission, through the coordinator's idle close. */
export interface OneSubmissionFigures {
  /** Keys with one coordinator run and one child (the others are left out of the means). */
  keys: number;
  /** Coordinator events per key up to the task that handled the child's close (its commands included). */
  eventsUntilChildClosed: number;
  workflowTasksUntilChildClosed: number;
  /** Keys whose coordinator completed idle within the wait, and their events and tasks in all. */
  keysClosedIdle: number;
  eventsWithIdleClose: number;
  workflowTasksWithIdleClose: number;
  /** Median over keys of eventsUntilChildClosed (robust to the odd key whose task timed out under load). */
  eventsUntilChildClosedMedian: number;
  /** Distribution of eventsUntilChildClosed over keys (events → keys). */
  eventsUntilChildClosedHistogram: Record<string, number>;
  /** Keys whose coordinator swept (sweepChildren) while its child ran: the child outlived the sweep interval. */
  keysSwept: number;
  childEvents: number;
  /** Coordinator events per key by type, idle close included. */
  eventsByTypePerKey: Record<string, number>;
  /** The coordinators' histories grouped by workflow task, most common shapes first (up to 3). */
  profiles: { keys: number; tasks: TaskStep[] }[];
}

/** Epoch milliseconds with sub-millisecond resolution, anchored to the wall clock at a millisecond tick. */
function createClock(): () => number {
  const first = Date.now();
  let tick = first;
  while (tick === first) tick = Date.now();
  const anchor = performance.now();
  return () => tick + (performance.now() - anchor);
}

function durationOf(i: number, ctx: BenchContext): number {
  // Deterministic spread over [min, max]: the same N children in every scenario.
  const span = ctx.maxDurationMs - ctx.minDurationMs;
  return ctx.minDurationMs + ((i * 37) % (span + 1));
}

async function waitForBaseline(ctx: BenchContext, ids: string[]): Promise<void> {
  await mapLimit(ids, 32, (id) =>
    ctx.client.workflow
      .getHandle(id)
      .result()
      .catch(() => undefined),
  );
}

async function waitForCoordinators(ctx: BenchContext, coordinatorIds: string[], n: number, policy: string) {
  const deadline = Date.now() + ctx.settleTimeoutMs;
  const openChildren = `WorkflowType = "demoWork" AND ExecutionStatus = "Running" AND WorkflowId STARTS_WITH "concurrency/${policy}/"`;
  for (;;) {
    const { count } = await ctx.client.workflow.count(openChildren);
    if (count === 0) {
      const states = await mapLimit(coordinatorIds, 16, (id) => ctx.client.workflow.getHandle(id).query(stateQuery));
      const handled = states.reduce(
        (acc, s) => acc + s.counters.submitted + s.counters.duplicates + s.counters.rejected,
        0,
      );
      if (handled >= n && states.every((s) => s.running.length === 0 && s.queued.length === 0)) return states;
    }
    if (Date.now() > deadline) throw new Error(`${policy}: not settled after ${ctx.settleTimeoutMs} ms`);
    await sleep(200);
  }
}

/** Waits until every coordinator has closed (idle), or the deadline passes; returns how many did. */
async function waitForClosed(ctx: BenchContext, coordinatorIds: string[], timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await mapLimit(
      coordinatorIds,
      16,
      async (id) => (await ctx.client.workflow.getHandle(id).describe()).status.name,
    );
    const closed = statuses.filter((status) => status !== 'RUNNING').length;
    if (closed === coordinatorIds.length || Date.now() > deadline) return closed;
    await sleep(500);
  }
}

function sumCounters(states: CoordinatorStateView[]): CoordinatorCounters {
  const total = {} as Record<string, number>;
  for (const state of states)
    for (const [name, value] of Object.entries(state.counters) as [string, number][])
      total[name] = (total[name] ?? 0) + value;
  return total as unknown as CoordinatorCounters;
}

function coordinatorFigures(
  histories: CoordinatorHistory[],
  states: CoordinatorStateView[],
  n: number,
): CoordinatorFigures {
  const events = histories.reduce((acc, h) => acc + h.events, 0);
  const byType: Record<string, number> = {};
  for (const h of histories)
    for (const [type, count] of Object.entries(h.eventsByType)) byType[type] = (byType[type] ?? 0) + count;
  const perSubmission = Object.fromEntries(
    Object.entries(byType)
      .sort((a, b) => b[1] - a[1])
      .map(([type, count]) => [type, round(count / n)]),
  );
  const workflowTasks = histories.reduce((acc, h) => acc + h.workflowTasksCompleted, 0);
  const decidingTasks = new Set(
    histories.flatMap((h) => h.arrivals.map((a) => `${h.workflowId}@${a.decidedAtMs ?? 'pending'}`)),
  ).size;
  return {
    coordinators: histories.length,
    runs: histories.reduce((acc, h) => acc + h.runs, 0),
    rollovers: states.reduce((acc, s) => acc + s.counters.continuedAsNew, 0),
    events,
    eventsPerSubmission: round(events / n),
    eventsByTypePerSubmission: perSubmission,
    workflowTasks,
    workflowTasksPerSubmission: round(workflowTasks / n),
    submitsPerDecidingTask: round(n / Math.max(1, decidingTasks)),
    runClosedSignals: histories.reduce((acc, h) => acc + h.runClosedSignals, 0),
    wftScheduleToStartMs: roundPercentiles(percentiles(histories.flatMap((h) => h.wftScheduleToStartMs))),
    wftStartToCompleteMs: roundPercentiles(percentiles(histories.flatMap((h) => h.wftStartToCompleteMs))),
    wftSticky: histories.reduce((acc, h) => acc + h.wftSticky, 0),
    wftNormal: histories.reduce((acc, h) => acc + h.wftNormal, 0),
  };
}

/**
 * Columns of a repetition's raw rows (ms since the first call). cancelCall, cancelTaskScheduled and cancelTaskDone are
 * raw-cancel's; cancelInitiated is the coordinator's cancel command for the row's child (its
 * RequestCancelExternalWorkflowExecutionInitiated event).
 */
const RAW_COLUMNS = [
  'i',
  'key',
  'callStart',
  'callEnd',
  'signaled',
  'decided',
  'childStarted',
  'childCancelRequested',
  'childClosed',
  'displacerSignaled',
  'outcome',
  'cancelCall',
  'cancelTaskScheduled',
  'cancelTaskDone',
  'cancelInitiated',
];

function profileKey(tasks: TaskStep[]): string {
  return JSON.stringify(tasks);
}

function oneSubmissionFigures(
  coordinators: CoordinatorHistory[],
  children: Map<string, ChildHistory>,
): OneSubmissionFigures {
  const single = coordinators.filter((h) => h.runs === 1 && h.childIds.length === 1 && h.untilLastChildClosed);
  const closed = single.filter((h) => h.completed);
  const mean = (values: number[]) => round(values.reduce((acc, v) => acc + v, 0) / Math.max(1, values.length));
  const histogram: Record<string, number> = {};
  for (const h of single) {
    const events = String(h.untilLastChildClosed?.events);
    histogram[events] = (histogram[events] ?? 0) + 1;
  }
  const byType: Record<string, number> = {};
  for (const h of closed)
    for (const [type, count] of Object.entries(h.eventsByType)) byType[type] = (byType[type] ?? 0) + count;
  const shapes = new Map<string, { keys: number; tasks: TaskStep[] }>();
  for (const h of closed) {
    const tasks = h.profile ?? [];
    const key = profileKey(tasks);
    const shape = shapes.get(key) ?? { keys: 0, tasks };
    shape.keys += 1;
    shapes.set(key, shape);
  }
  const childEvents = single.flatMap((h) => {
    const child = children.get(h.childIds[0] as string);
    return child ? [child.events] : [];
  });
  return {
    keys: single.length,
    eventsUntilChildClosed: mean(single.map((h) => h.untilLastChildClosed?.events ?? 0)),
    workflowTasksUntilChildClosed: mean(single.map((h) => h.untilLastChildClosed?.workflowTasks ?? 0)),
    keysClosedIdle: closed.length,
    eventsWithIdleClose: mean(closed.map((h) => h.events)),
    workflowTasksWithIdleClose: mean(closed.map((h) => h.workflowTasksCompleted)),
    eventsUntilChildClosedMedian: round(percentiles(single.map((h) => h.untilLastChildClosed?.events ?? 0)).p50),
    eventsUntilChildClosedHistogram: histogram,
    keysSwept: single.filter((h) => (h.eventsByType.ACTIVITY_TASK_SCHEDULED ?? 0) > 1).length,
    childEvents: mean(childEvents),
    eventsByTypePerKey: Object.fromEntries(
      Object.entries(byType)
        .sort((a, b) => b[1] - a[1])
        .map(([type, count]) => [type, round(count / Math.max(1, closed.length))]),
    ),
    profiles: [...shapes.values()].sort((a, b) => b.keys - a.keys).slice(0, 3),
  };
}

const rel = (value: number | undefined, t0: number) =>
  value === undefined ? null : Math.round((value - t0) * 10) / 10;

/**
 * What every repetition measures around its work: its clock and start, its name and task queue, the CPU the bench
 * process and the dev server spent since it began, and the load average before and after.
 */
function startRep(ctx: BenchContext, spec: ScenarioSpec, rep: number) {
  const now = createClock();
  const repStart = now();
  const taskQueue = ctx.taskQueues.get(spec.worker.name);
  if (!taskQueue) throw new Error(`no worker for variant ${spec.worker.name}`);
  const loadBefore = os.loadavg()[0] as number;
  const cpuBefore = process.cpuUsage();
  const serverCpuBefore = ctx.serverCpuMs();
  return {
    now,
    repStart,
    name: `${ctx.tag}-${spec.id}-r${rep}`,
    taskQueue,
    /** CPU since the repetition began, and the time from `t0` until now (when its work settled). */
    cpuMsSince: (t0: number) => {
      const cpu = process.cpuUsage(cpuBefore);
      return {
        benchProcess: round((cpu.user + cpu.system) / 1000),
        devServer: round(ctx.serverCpuMs() - serverCpuBefore),
        settledAfterMs: round(now() - t0),
      };
    },
    loadavg1: (): [number, number] => [round(loadBefore), round(os.loadavg()[0] as number)],
  };
}

export async function runRep(ctx: BenchContext, spec: ScenarioSpec, rep: number): Promise<RepResult> {
  const { now, repStart, name, taskQueue, cpuMsSince, loadavg1 } = startRep(ctx, spec, rep);
  const keysUsed = Math.min(spec.keys, spec.n);
  const indices = Array.from({ length: spec.n }, (_, i) => i);
  const calls: { start: number; end: number; childId: string; coordinatorId?: string }[] = [];
  const policy = defineConcurrencyPolicy({
    name,
    maxRuns: spec.maxRuns,
    limitStrategy: spec.limitStrategy ?? 'CANCEL_IN_PROGRESS',
    key: (input: DemoWorkInput) => (input.label ?? '').split(':')[0] ?? '',
    taskQueue,
    ...(spec.continueAsNewAfterEvents !== undefined && { continueAsNewAfterEvents: spec.continueAsNewAfterEvents }),
    ...spec.idleClose,
  });
  let coordinatorIds: string[] = [];
  let states: CoordinatorStateView[] = [];
  try {
    const t0 = now();
    await mapLimit(indices, spec.concurrency, async (i) => {
      const input: DemoWorkInput = { durationMs: durationOf(i, ctx), label: `k${i % spec.keys}:s${i}` };
      const start = now();
      if (spec.kind === 'baseline') {
        const childId = `bench/${name}/s${i}`;
        await ctx.client.workflow.start('demoWork', { taskQueue, workflowId: childId, args: [input] });
        calls[i] = { start, end: now(), childId };
      } else {
        const result = await submit(ctx.client, { policy, workflow: 'demoWork', args: [input], id: `s${i}` });
        calls[i] = { start, end: now(), childId: result.childWorkflowId, coordinatorId: result.coordinatorWorkflowId };
      }
    });
    const submitPhaseMs = Math.max(...calls.map((c) => c.end)) - t0;

    if (spec.kind === 'baseline')
      await waitForBaseline(
        ctx,
        calls.map((c) => c.childId),
      );
    else {
      coordinatorIds = [...new Set(calls.map((c) => c.coordinatorId as string))];
      states = await waitForCoordinators(ctx, coordinatorIds, spec.n, name);
    }
    const cpuMs = cpuMsSince(t0);
    if (spec.idleClose) {
      const closed = await waitForClosed(ctx, coordinatorIds, spec.idleClose.idleTimeoutMs + 60_000);
      if (closed < coordinatorIds.length) ctx.log(`${name}: ${coordinatorIds.length - closed} coordinators still open`);
    }

    // Histories: the coordinators' (all runs), then every child that was started.
    const coordinators = await mapLimit(coordinatorIds, 16, (id) =>
      readCoordinator(ctx.client, id, { profile: spec.idleClose !== undefined }),
    );
    const childIds = spec.kind === 'baseline' ? calls.map((c) => c.childId) : coordinators.flatMap((h) => h.childIds);
    const children = new Map<string, ChildHistory>();
    for (const child of await mapLimit([...new Set(childIds)], 16, (id) => readChild(ctx.client, id))) {
      children.set(child.workflowId, child);
    }
    const arrivalOf = new Map<string, { signaledAtMs: number; decidedAtMs?: number; displacerAtMs?: number }>();
    for (const h of coordinators) {
      h.arrivals.forEach((arrival, position) => {
        // The displacing submission: the maxRuns-th newer arrival on this key (exact for maxRuns 1; for more, an
        // earlier bound when newer runs closed first, so the latency it gives is an upper bound).
        const displacer = h.arrivals[position + spec.maxRuns];
        arrivalOf.set(`${h.workflowId}/${arrival.submissionId}`, {
          signaledAtMs: arrival.signaledAtMs,
          ...(arrival.decidedAtMs !== undefined && { decidedAtMs: arrival.decidedAtMs }),
          ...(displacer && { displacerAtMs: displacer.signaledAtMs }),
        });
      });
    }

    const cancelInitiatedAt = new Map(coordinators.flatMap((h) => [...h.cancelInitiatedAtMs]));
    const admission: number[] = [];
    const admissionServer: number[] = [];
    const decision: number[] = [];
    const supersede: number[] = [];
    const supersedeDecide: number[] = [];
    const supersedeDeliver: number[] = [];
    const outcomes: Record<string, number> = {};
    const rows: (number | string | null)[][] = [];
    calls.forEach((call, i) => {
      const child = children.get(call.childId);
      const arrival = call.coordinatorId ? arrivalOf.get(`${call.coordinatorId}/s${i}`) : undefined;
      if (child) admission.push(child.startedAtMs - call.start);
      if (child && arrival) admissionServer.push(child.startedAtMs - arrival.signaledAtMs);
      if (arrival?.decidedAtMs !== undefined) decision.push(arrival.decidedAtMs - arrival.signaledAtMs);
      if (child?.cancelRequestedAtMs !== undefined && arrival?.displacerAtMs !== undefined) {
        supersede.push(child.cancelRequestedAtMs - arrival.displacerAtMs);
        const initiated = cancelInitiatedAt.get(call.childId);
        if (initiated !== undefined) {
          supersedeDecide.push(initiated - arrival.displacerAtMs);
          supersedeDeliver.push(child.cancelRequestedAtMs - initiated);
        }
      }
      const outcome = child ? (child.closeType ?? 'open') : 'dropped';
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
      rows.push([
        i,
        i % spec.keys,
        rel(call.start, t0),
        rel(call.end, t0),
        rel(arrival?.signaledAtMs, t0),
        rel(arrival?.decidedAtMs, t0),
        rel(child?.startedAtMs, t0),
        rel(child?.cancelRequestedAtMs, t0),
        rel(child?.closedAtMs, t0),
        rel(arrival?.displacerAtMs, t0),
        outcome,
        null,
        null,
        null,
        rel(cancelInitiatedAt.get(call.childId), t0),
      ]);
    });
    const childStarts = [...children.values()].map((c) => c.startedAtMs);
    const lastChildStartedMs = Math.max(...childStarts) - t0;
    const decidedTimes = coordinators.flatMap((h) => h.arrivals.flatMap((a) => (a.decidedAtMs ? [a.decidedAtMs] : [])));
    const childEvents = [...children.values()].reduce((acc, c) => acc + c.events, 0);
    const coordinated = spec.kind === 'coordinated';
    const coordinatorActions = coordinators.reduce((acc, h) => addEstimates(acc, h.actions), emptyEstimate());
    const childActions = [...children.values()].reduce((acc, c) => addEstimates(acc, c.actions), emptyEstimate());
    const allActions = addEstimates(addEstimates(emptyEstimate(), coordinatorActions), childActions);
    const result: RepResult = {
      scenario: spec.id,
      rep,
      taskQueue,
      keysUsed,
      startedAt: new Date(repStart).toISOString(),
      wallMs: 0,
      submitPhaseMs: round(submitPhaseMs),
      acceptedPerSec: round((spec.n / submitPhaseMs) * 1000),
      lastChildStartedMs: round(lastChildStartedMs),
      startedPerSec: round((children.size / lastChildStartedMs) * 1000),
      ...(coordinated && { decidedPerSec: round((spec.n / (Math.max(...decidedTimes) - t0)) * 1000) }),
      callMs: roundPercentiles(percentiles(calls.map((c) => c.end - c.start))),
      admissionMs: roundPercentiles(percentiles(admission)),
      ...(coordinated && {
        admissionServerMs: roundPercentiles(percentiles(admissionServer)),
        decisionMs: roundPercentiles(percentiles(decision)),
        supersedeMs: roundPercentiles(percentiles(supersede)),
        supersedeDecideMs: roundPercentiles(percentiles(supersedeDecide)),
        supersedeDeliverMs: roundPercentiles(percentiles(supersedeDeliver)),
        counters: sumCounters(states),
        coordinator: coordinatorFigures(coordinators, states, spec.n),
      }),
      outcomes,
      cpuMs,
      settledPerSec: round((spec.n / cpuMs.settledAfterMs) * 1000),
      cpuMsPerSubmission: round((cpuMs.benchProcess + cpuMs.devServer) / spec.n),
      childEventsMean: round(childEvents / Math.max(1, children.size)),
      actions: {
        perSubmission: perSubmission(allActions, spec.n),
        coordinatorPerSubmission: round(coordinatorActions.total / spec.n),
        childrenPerSubmission: round(childActions.total / spec.n),
      },
      ...(spec.idleClose && { oneSubmission: oneSubmissionFigures(coordinators, children) }),
      loadavg1: loadavg1(),
      raw: { columns: RAW_COLUMNS, rows },
    };
    return result;
  } finally {
    // Idle coordinators would wait out their idle timeout; end them so they cost nothing in later repetitions.
    await mapLimit(coordinatorIds, 32, (id) =>
      ctx.client.workflow
        .getHandle(id)
        .terminate('benchmark repetition done')
        .catch(() => undefined),
    );
  }
}

/**
 * The floors of supersede and of a workflow task: N plain `demoWork` runs, one at a time, each cancelled by the
 * client `cancelAfterMs` after its first workflow task completed (it is then working in its activity, as a superseded
 * child is). Measures the cancel call → the run's WorkflowExecutionCancelRequested, the task that handles the request
 * (request → WorkflowTaskCompleted, and its scheduled → completed), and the plain start with one call in flight.
 */
export async function runRawCancelRep(ctx: BenchContext, spec: ScenarioSpec, rep: number): Promise<RepResult> {
  const { now, repStart, name, taskQueue, cpuMsSince, loadavg1 } = startRep(ctx, spec, rep);
  const calls: { start: number; end: number; cancelAt: number; cancelEnd: number; childId: string }[] = [];
  const t0 = now();
  for (let i = 0; i < spec.n; i++) {
    const childId = `bench/${name}/c${i}`;
    const start = now();
    const handle = await ctx.client.workflow.start('demoWork', {
      taskQueue,
      workflowId: childId,
      args: [{ durationMs: spec.workMs ?? 60_000, label: `c${i}` } satisfies DemoWorkInput],
    });
    const end = now();
    // Running: its first workflow task completed (the activity is scheduled).
    const deadline = Date.now() + ctx.settleTimeoutMs;
    for (;;) {
      const history = await handle.fetchHistory();
      if ((history.events ?? []).some((event) => event.workflowTaskCompletedEventAttributes)) break;
      if (Date.now() > deadline) throw new Error(`${childId}: no workflow task completed`);
      await sleep(5);
    }
    // Let it work a while, as a superseded child has (the children work 50–200 ms); cancelling at once would also
    // make its cancellation task queue behind the tail of the previous run's cleanup.
    await sleep(spec.cancelAfterMs ?? 0);
    const cancelAt = now();
    await handle.cancel();
    calls.push({ start, end, cancelAt, cancelEnd: now(), childId });
  }
  const submitPhaseMs = Math.max(...calls.map((c) => c.cancelEnd)) - t0;
  await waitForBaseline(
    ctx,
    calls.map((c) => c.childId),
  );
  const cpuMs = cpuMsSince(t0);
  const children = await mapLimit(calls, 16, (c) => readChild(ctx.client, c.childId));
  const admission: number[] = [];
  const rawCancel: number[] = [];
  const wft: number[] = [];
  const wftScheduled: number[] = [];
  const wftWait: number[] = [];
  const outcomes: Record<string, number> = {};
  const rows: (number | string | null)[][] = [];
  const actions = emptyEstimate();
  calls.forEach((call, i) => {
    const child = children[i] as ChildHistory;
    addEstimates(actions, child.actions);
    admission.push(child.startedAtMs - call.start);
    if (child.cancelRequestedAtMs !== undefined) rawCancel.push(child.cancelRequestedAtMs - call.cancelAt);
    if (child.cancelTask) {
      wft.push(child.cancelTask.requestToCompletedMs);
      wftScheduled.push(child.cancelTask.scheduledToCompletedMs);
      wftWait.push(child.cancelTask.scheduledToStartedMs);
    }
    const outcome = child.closeType ?? 'open';
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    const taskDone =
      child.cancelTask && child.cancelRequestedAtMs !== undefined
        ? child.cancelRequestedAtMs + child.cancelTask.requestToCompletedMs
        : undefined;
    rows.push([
      i,
      null,
      rel(call.start, t0),
      rel(call.end, t0),
      null,
      null,
      rel(child.startedAtMs, t0),
      rel(child.cancelRequestedAtMs, t0),
      rel(child.closedAtMs, t0),
      null,
      outcome,
      rel(call.cancelAt, t0),
      rel(taskDone === undefined ? undefined : taskDone - (child.cancelTask?.scheduledToCompletedMs ?? 0), t0),
      rel(taskDone, t0),
      null,
    ]);
  });
  const lastChildStartedMs = Math.max(...children.map((c) => c.startedAtMs)) - t0;
  return {
    scenario: spec.id,
    rep,
    taskQueue,
    keysUsed: 0,
    startedAt: new Date(repStart).toISOString(),
    wallMs: 0,
    submitPhaseMs: round(submitPhaseMs),
    acceptedPerSec: round((spec.n / submitPhaseMs) * 1000),
    lastChildStartedMs: round(lastChildStartedMs),
    startedPerSec: round((spec.n / lastChildStartedMs) * 1000),
    callMs: roundPercentiles(percentiles(calls.map((c) => c.cancelEnd - c.cancelAt))),
    admissionMs: roundPercentiles(percentiles(admission)),
    rawCancelMs: roundPercentiles(percentiles(rawCancel)),
    wftMs: roundPercentiles(percentiles(wft)),
    wftScheduledMs: roundPercentiles(percentiles(wftScheduled)),
    wftWaitMs: roundPercentiles(percentiles(wftWait)),
    outcomes,
    cpuMs,
    settledPerSec: round((spec.n / cpuMs.settledAfterMs) * 1000),
    cpuMsPerSubmission: round((cpuMs.benchProcess + cpuMs.devServer) / spec.n),
    childEventsMean: round(children.reduce((acc, c) => acc + c.events, 0) / Math.max(1, children.length)),
    actions: {
      perSubmission: perSubmission(actions, spec.n),
      coordinatorPerSubmission: 0,
      childrenPerSubmission: round(actions.total / spec.n),
    },
    loadavg1: loadavg1(),
    raw: { columns: RAW_COLUMNS, rows },
  };
}

/** Runs a repetition and stamps its wall time. */
export async function timedRep(ctx: BenchContext, spec: ScenarioSpec, rep: number): Promise<RepResult> {
  const started = Date.now();
  const result = spec.kind === 'raw-cancel' ? await runRawCancelRep(ctx, spec, rep) : await runRep(ctx, spec, rep);
  result.wallMs = Date.now() - started;
  return result;
}
