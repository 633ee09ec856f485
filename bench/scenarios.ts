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
import { stateQuery, type CoordinatorCounters, type CoordinatorStateView } from '../src/coordinator/messages';
import type { DemoWorkInput } from '../examples/workflows';
import { mapLimit, readChild, readCoordinator, type ChildHistory, type CoordinatorHistory } from './histories';
import { percentiles, round, roundPercentiles, type Percentiles } from './stats';

export interface WorkerVariant {
  name: string;
  /** Worker options the bench passes on top of the library's `createWorker` defaults. */
  options: Partial<WorkerOptions>;
}

export interface ScenarioSpec {
  id: string;
  title: string;
  kind: 'baseline' | 'coordinated';
  n: number;
  /** Keys the submissions are spread over, round-robin (submission i → key i mod keys). */
  keys: number;
  maxRuns: number;
  concurrency: number;
  worker: WorkerVariant;
  /** The policy's `continueAsNewAfterEvents`, to make a key roll over within the run. */
  continueAsNewAfterEvents?: number;
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
  loadavg1: [number, number];
  /** One row per submission, ms since the first call; null where it does not apply. */
  raw: { columns: string[]; rows: (number | string | null)[][] };
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

const rel = (value: number | undefined, t0: number) =>
  value === undefined ? null : Math.round((value - t0) * 10) / 10;

export async function runRep(ctx: BenchContext, spec: ScenarioSpec, rep: number): Promise<RepResult> {
  const now = createClock();
  const repStart = now();
  const name = `${ctx.tag}-${spec.id}-r${rep}`;
  const taskQueue = ctx.taskQueues.get(spec.worker.name);
  if (!taskQueue) throw new Error(`no worker for variant ${spec.worker.name}`);
  const loadBefore = os.loadavg()[0] as number;
  const cpuBefore = process.cpuUsage();
  const serverCpuBefore = ctx.serverCpuMs();
  const keysUsed = Math.min(spec.keys, spec.n);
  const indices = Array.from({ length: spec.n }, (_, i) => i);
  const calls: { start: number; end: number; childId: string; coordinatorId?: string }[] = [];
  const policy = defineConcurrencyPolicy({
    name,
    maxRuns: spec.maxRuns,
    limitStrategy: 'CANCEL_IN_PROGRESS',
    key: (input: DemoWorkInput) => (input.label ?? '').split(':')[0] ?? '',
    taskQueue,
    ...(spec.continueAsNewAfterEvents !== undefined && { continueAsNewAfterEvents: spec.continueAsNewAfterEvents }),
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
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = {
      benchProcess: round((cpu.user + cpu.system) / 1000),
      devServer: round(ctx.serverCpuMs() - serverCpuBefore),
      settledAfterMs: round(now() - t0),
    };

    // Histories: the coordinators' (all runs), then every child that was started.
    const coordinators = await mapLimit(coordinatorIds, 16, (id) => readCoordinator(ctx.client, id));
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

    const admission: number[] = [];
    const admissionServer: number[] = [];
    const decision: number[] = [];
    const supersede: number[] = [];
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
      ]);
    });
    const childStarts = [...children.values()].map((c) => c.startedAtMs);
    const lastChildStartedMs = Math.max(...childStarts) - t0;
    const decidedTimes = coordinators.flatMap((h) => h.arrivals.flatMap((a) => (a.decidedAtMs ? [a.decidedAtMs] : [])));
    const childEvents = [...children.values()].reduce((acc, c) => acc + c.events, 0);
    const coordinated = spec.kind === 'coordinated';
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
        counters: sumCounters(states),
        coordinator: coordinatorFigures(coordinators, states, spec.n),
      }),
      outcomes,
      cpuMs,
      settledPerSec: round((spec.n / cpuMs.settledAfterMs) * 1000),
      cpuMsPerSubmission: round((cpuMs.benchProcess + cpuMs.devServer) / spec.n),
      childEventsMean: round(childEvents / Math.max(1, children.size)),
      loadavg1: [round(loadBefore), round(os.loadavg()[0] as number)],
      raw: {
        columns: [
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
        ],
        rows,
      },
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

/** Runs a repetition and stamps its wall time. */
export async function timedRep(ctx: BenchContext, spec: ScenarioSpec, rep: number): Promise<RepResult> {
  const started = Date.now();
  const result = await runRep(ctx, spec, rep);
  result.wallMs = Date.now() - started;
  return result;
}
