/**
 * Property tests of the pure CANCEL_IN_PROGRESS core. A model loop plays the workflow shell against `decide`:
 * random batches of submissions (duplicates, malformed ones, large args, args over the limit, configuration changes
 * raising or lowering maxRuns and flipping slotRelease), start confirmations, failed starts, child IDs found in use
 * and resolved either way (ours, or a foreign workflow's), waiting reports, closes of children that are actually open,
 * terminations after the grace period, and the coordinator's own cancellation. The model knows independently which
 * submission got which seq and what the configuration is; the invariants of docs/guarantees.md are checked after every
 * decision, the bookkeeping ones after a final drain.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COORDINATOR_CANCELLED_REASON, decide } from '../../src/coordinator/core/decide';
import { MAX_START_BYTES_PER_TASK, MAX_STARTS_PER_TASK } from '../../src/coordinator/core/limits';
import {
  CLOSE_OUTCOMES,
  SLOT_RELEASES,
  type CloseOutcome,
  type OpenSubmission,
  type SlotRelease,
  type SubmitterConfig,
} from '../../src/coordinator/messages';
import {
  holdsSlot,
  initialState,
  isLive,
  isOpen,
  toCarried,
  type CoordinatorEvent,
  type CoordinatorState,
  type Decision,
} from '../../src/coordinator/core/state';
import {
  COORDINATOR_ID,
  at,
  cancelsOf,
  childId,
  closedEvent,
  deepFreeze,
  makeState,
  startedEvent,
  startsOf,
} from './support';

const GRACE_MS = 3000; // three batches: children cancelled early in a scenario can be escalated later in it
const DEFAULT_MAX_ARGS = 256 * 1024;
const RAISED_MAX_ARGS = 1024 * 1024;

/** Args sizes: most small; large ones fill the start and queue budgets; `over` exceeds the default maxArgsBytes. */
const SIZES = { small: 0, large: 150_000, huge: 250_000, over: 400_000 } as const;
type Size = keyof typeof SIZES;

type Action =
  | { kind: 'submit'; id: string; size: Size; config?: SubmitterConfig }
  | { kind: 'malformed'; payload: unknown }
  | { kind: 'confirm'; pick: number }
  | { kind: 'conflict'; pick: number }
  | { kind: 'foreign'; pick: number }
  | { kind: 'startFailed'; pick: number }
  | { kind: 'close'; pick: number; outcome: CloseOutcome }
  | { kind: 'waiting'; pick: number; reason: string | undefined }
  | { kind: 'cancelCoordinator' };

// A small pool, so the same id is submitted again while running, after closing, and within one batch.
const idArb = fc.integer({ min: 0, max: 19 }).map((n) => `m${n}`);

const configArb: fc.Arbitrary<SubmitterConfig> = fc.record(
  {
    maxRuns: fc.integer({ min: 1, max: 6 }),
    slotRelease: fc.constantFrom(...SLOT_RELEASES),
    maxArgsBytes: fc.constantFrom(DEFAULT_MAX_ARGS, RAISED_MAX_ARGS),
  },
  { requiredKeys: [] },
);

/** `arbitrary`'s value `percent` % of the time, else undefined. */
function sometimes<T>(arbitrary: fc.Arbitrary<T>, percent: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 100 - percent, arbitrary: fc.constant(undefined) }, { weight: percent, arbitrary });
}

/**
 * Submissions, `bigPercent` of them with large args (few in most scenarios: each costs milliseconds to measure) and
 * `configPercent` of them carrying a configuration.
 */
function submitArbOf(bigPercent: number, configPercent = 20): fc.Arbitrary<Action> {
  const size = fc.oneof(
    { weight: 100 - bigPercent, arbitrary: fc.constant<Size>('small') },
    { weight: bigPercent, arbitrary: fc.constantFrom<Size>('large', 'huge', 'over') },
  );
  return fc.record(
    {
      kind: fc.constant('submit' as const),
      id: idArb,
      size,
      config: sometimes(configArb, configPercent),
    },
    { requiredKeys: ['kind', 'id', 'size'] },
  );
}

// Malformed payloads, some carrying a pool id so a rejection and an acceptance can share an id.
const malformedArb: fc.Arbitrary<Action> = fc
  .oneof(
    fc.constant(null),
    fc.constant('not an object'),
    fc.constant({ id: 5, workflowType: 'demoWork' }),
    fc.constant({ id: '', workflowType: 'demoWork' }),
    fc.constant({ id: 'x'.repeat(201), workflowType: 'demoWork' }),
    fc.constant({ id: 'm\uD800', workflowType: 'demoWork' }),
    idArb.map((id) => ({ id })),
    idArb.map((id) => ({ id, workflowType: 'demoWork', args: 'nope' })),
    idArb.map((id) => ({ id, workflowType: 'w'.repeat(256) })),
    idArb.map((id) => ({ id, workflowType: 'demoWork', taskQueue: '/_sys/q' })),
    idArb.map((id) => ({ id, workflowType: 'demoWork', workflowId: 'concurrency/p/k' })),
    // An invalid config rejects the whole submission, and changes nothing.
    idArb.map((id) => ({ id, workflowType: 'demoWork', config: { maxRuns: 0 } })),
    idArb.map((id) => ({ id, workflowType: 'demoWork', config: { maxRuns: 2, slotRelease: 'later' } })),
  )
  .map((payload): Action => ({ kind: 'malformed', payload }));

const pickArb = <K extends 'confirm' | 'conflict' | 'foreign' | 'startFailed'>(kind: K) =>
  fc.record({ kind: fc.constant(kind), pick: fc.nat() });

function actionArbOf(submit: fc.Arbitrary<Action>): fc.Arbitrary<Action> {
  return fc.oneof(
    { weight: 60, arbitrary: submit },
    { weight: 10, arbitrary: malformedArb },
    { weight: 30, arbitrary: pickArb('confirm') },
    { weight: 10, arbitrary: pickArb('conflict') },
    { weight: 10, arbitrary: pickArb('foreign') },
    { weight: 10, arbitrary: pickArb('startFailed') },
    {
      weight: 30,
      arbitrary: fc.record({
        kind: fc.constant('close' as const),
        pick: fc.nat(),
        outcome: fc.constantFrom(...CLOSE_OUTCOMES),
      }),
    },
    {
      weight: 10,
      arbitrary: fc.record({
        kind: fc.constant('waiting' as const),
        pick: fc.nat(),
        reason: fc.constantFrom('no poller on its task queue', undefined),
      }),
    },
    // Rare, so most scenarios run long before (or without) the coordinator's cancellation.
    { weight: 1, arbitrary: fc.constant<Action>({ kind: 'cancelCoordinator' }) },
  );
}

function scenarioArbOf(actions: fc.Arbitrary<Action>, maxRuns = { min: 1, max: 4 }, maxBatches = 30, batchSize = 5) {
  return fc.record({
    maxRuns: fc.integer(maxRuns),
    slotRelease: fc.constantFrom(...SLOT_RELEASES),
    maxQueuedBytes: fc.constantFrom(1024 * 1024, 200_000),
    maxArgsBytes: fc.constantFrom(DEFAULT_MAX_ARGS, RAISED_MAX_ARGS),
    batches: fc.array(fc.array(actions, { minLength: 1, maxLength: batchSize }), {
      minLength: 1,
      maxLength: maxBatches,
    }),
  });
}

const scenarioArb = scenarioArbOf(actionArbOf(submitArbOf(1)));

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** What the test knows independently of the code under test. */
interface Model {
  /** Decide each step twice and compare (skipped where args are megabytes: measuring them dominates the cost). */
  checkDeterminism: boolean;
  nextSeq: number;
  maxRuns: number;
  slotRelease: SlotRelease;
  maxArgsBytes: number;
  /** The smallest maxRuns the key ever had: the newest that many submissions are never displaced. */
  minMaxRuns: number;
  /**
   * Children that were open when maxRuns was lowered or the slot release flipped to on-close: they may hold more
   * slots than the new limit allows until they are cancelled or close. While none of them holds a slot, the limit
   * holds exactly as if the configuration had never changed.
   */
  grandfathered: Set<string>;
  /** Ids the coordinator remembers (accepted, refused by admission, dropped after its cancellation): id → seq. */
  seen: Map<string, number>;
  /** Submissions that became runs: id → seq. */
  accepted: Map<string, number>;
  argsBytes: Map<string, number>;
  /** Seqs of submissions refused for their shape. */
  malformedSeqs: Set<number>;
  /** Ids refused by admission (args over maxArgsBytes). */
  refused: Set<string>;
  /** Ids accepted while the coordinator was cancelled: they wait for its next run. */
  late: Set<string>;
  duplicates: number;
  /** Ids a start command has been issued for. */
  started: Set<string>;
  /** Child workflow IDs whose start the shell reported as confirmed (directly or by the memo check). */
  confirmed: Set<string>;
  /** Child workflow IDs found in use and not checked yet. */
  conflicted: Set<string>;
  /** Ids whose child ID turned out to be held by a foreign workflow. */
  foreign: Set<string>;
  /** Ids a cancel command has been issued for, and when. */
  cancelled: Map<string, string>;
  /** Ids cancelled as superseded (not for the coordinator's cancellation). */
  supersededCancels: Set<string>;
  escalated: number;
  waiting: Map<string, string>;
  /** Set while the current coordinator run is cancelled (until it continues as new). */
  cancelledAt?: string;
  everCancelled: boolean;
}

function newModel(scenario: Scenario, checkDeterminism: boolean): Model {
  return {
    checkDeterminism,
    nextSeq: 1,
    maxRuns: scenario.maxRuns,
    slotRelease: scenario.slotRelease,
    maxArgsBytes: scenario.maxArgsBytes,
    minMaxRuns: scenario.maxRuns,
    grandfathered: new Set(),
    seen: new Map(),
    accepted: new Map(),
    argsBytes: new Map(),
    malformedSeqs: new Set(),
    refused: new Set(),
    late: new Set(),
    duplicates: 0,
    started: new Set(),
    confirmed: new Set(),
    conflicted: new Set(),
    foreign: new Set(),
    cancelled: new Map(),
    supersededCancels: new Set(),
    escalated: 0,
    everCancelled: false,
    waiting: new Map(),
  };
}

const idOf = (workflowId: string) => workflowId.slice(childId('').length);

function argsFor(id: string, size: Size): unknown[] {
  return SIZES[size] === 0 ? [{ id }] : [{ id, blob: 'x'.repeat(SIZES[size]) }];
}

/** The model's side of a valid submission: duplicate, configuration, cancelled coordinator, admission. */
function modelSubmit(
  model: Model,
  id: string,
  args: unknown[],
  config: SubmitterConfig | undefined,
  open: readonly OpenSubmission[],
): void {
  if (model.seen.has(id)) {
    model.duplicates += 1;
    return;
  }
  const lowered = config?.maxRuns !== undefined && config.maxRuns < model.maxRuns;
  const toOnClose = config?.slotRelease === 'on-close' && model.slotRelease !== 'on-close';
  if (lowered || toOnClose) for (const run of open) model.grandfathered.add(run.id);
  if (config?.maxRuns !== undefined) {
    model.maxRuns = config.maxRuns;
    model.minMaxRuns = Math.min(model.minMaxRuns, config.maxRuns);
  }
  if (config?.slotRelease !== undefined) model.slotRelease = config.slotRelease;
  if (config?.maxArgsBytes !== undefined) model.maxArgsBytes = config.maxArgsBytes;
  const seq = model.nextSeq++;
  model.seen.set(id, seq);
  const bytes = Buffer.byteLength(JSON.stringify(args));
  if (bytes > model.maxArgsBytes) model.refused.add(id);
  else {
    model.accepted.set(id, seq);
    model.argsBytes.set(id, bytes);
    if (model.cancelledAt !== undefined) model.late.add(id);
  }
}

/** Turns a batch of actions into events against the current state: only open children are confirmed or closed. */
function eventsOf(state: CoordinatorState, actions: readonly Action[], model: Model, time: string): CoordinatorEvent[] {
  const events: CoordinatorEvent[] = [];
  const ended = new Set<string>();
  const pick = (candidates: OpenSubmission[], n: number) => candidates[n % candidates.length];
  const confirm = (workflowId: string) => {
    events.push(startedEvent(workflowId, time));
    model.confirmed.add(workflowId);
    model.conflicted.delete(workflowId);
  };
  const end = (workflowId: string) => {
    ended.add(workflowId);
    model.waiting.delete(workflowId);
    model.conflicted.delete(workflowId);
  };
  for (const action of actions) {
    const open = state.runs.filter((run) => isOpen(run) && !ended.has(run.workflowId));
    const unconfirmed = open.filter((run) => !model.confirmed.has(run.workflowId));
    const unchecked = unconfirmed.filter((run) => !model.conflicted.has(run.workflowId));
    switch (action.kind) {
      case 'submit': {
        const args = argsFor(action.id, action.size);
        const payload = {
          id: action.id,
          workflowType: 'demoWork',
          args,
          ...(action.config && { config: action.config }),
        };
        events.push({ type: 'submit', payload, at: time });
        modelSubmit(model, action.id, args, action.config, open);
        break;
      }
      case 'malformed':
        events.push({ type: 'submit', payload: action.payload, at: time });
        model.malformedSeqs.add(model.nextSeq++);
        break;
      case 'confirm': {
        const run = pick(unconfirmed, action.pick);
        if (run) confirm(run.workflowId);
        break;
      }
      case 'conflict': {
        const run = pick(unchecked, action.pick);
        if (!run) break;
        events.push({ type: 'childStartConflict', workflowId: run.workflowId, at: time });
        model.conflicted.add(run.workflowId);
        break;
      }
      case 'foreign': {
        const run = pick(
          open.filter((r) => model.conflicted.has(r.workflowId)),
          action.pick,
        );
        if (!run) break;
        events.push({
          type: 'childStartFailed',
          workflowId: run.workflowId,
          outcome: 'rejected',
          reason: 'its workflow ID is held by a workflow this coordinator did not start',
          at: time,
        });
        model.foreign.add(run.id);
        end(run.workflowId);
        break;
      }
      case 'startFailed': {
        const run = pick(unchecked, action.pick);
        if (!run) break;
        events.push({ type: 'childStartFailed', workflowId: run.workflowId, reason: 'start failed', at: time });
        end(run.workflowId);
        break;
      }
      case 'close': {
        const run = pick(open, action.pick);
        if (!run) break;
        // A child reports its close only after the server confirmed its start (or the memo check claimed it).
        if (!model.confirmed.has(run.workflowId)) confirm(run.workflowId);
        events.push(closedEvent(run.workflowId, action.outcome, time));
        const requested = model.cancelled.get(run.id);
        if (
          action.outcome === 'terminated' &&
          requested !== undefined &&
          Date.parse(time) - Date.parse(requested) >= GRACE_MS
        )
          model.escalated += 1;
        end(run.workflowId);
        break;
      }
      case 'waiting': {
        const run = pick(
          open.filter((r) => model.confirmed.has(r.workflowId)),
          action.pick,
        );
        if (!run) break;
        events.push({
          type: 'childWaiting',
          workflowId: run.workflowId,
          ...(action.reason && { reason: action.reason }),
          at: time,
        });
        if (action.reason === undefined) model.waiting.delete(run.workflowId);
        else model.waiting.set(run.workflowId, action.reason);
        break;
      }
      case 'cancelCoordinator':
        events.push({ type: 'coordinatorCancelled', at: time });
        model.cancelledAt ??= time;
        model.everCancelled = true;
        break;
    }
  }
  return events;
}

/**
 * A per-step check. Plain throws instead of `expect`, which costs too much at tens of thousands of steps; fast-check
 * reports the failing scenario with the message either way.
 */
function check(condition: boolean, message: () => string): void {
  if (!condition) throw new Error(message());
}

/** Deep equality at the speed of node:util, with vitest's diff when it fails. */
function same(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

/** One decision, checked for determinism and purity, then against the per-step invariants. */
function step(state: CoordinatorState, events: CoordinatorEvent[], time: string, model: Model): CoordinatorState {
  const frozenState = deepFreeze(structuredClone(state));
  // decide never writes to its input (a write to a frozen object throws) and is deterministic.
  const decision = decide(frozenState, deepFreeze(structuredClone(events)), time);
  if (model.checkDeterminism) same(decide(structuredClone(state), structuredClone(events), time), decision);
  same(frozenState, state);

  checkStep(state, decision, time, model);
  return decision.state;
}

function seqOf(model: Model, id: string | undefined): number {
  const seq = id === undefined ? undefined : model.accepted.get(id);
  check(seq !== undefined, () => `${id} is not an accepted submission`);
  return seq as number;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function checkStep(before: CoordinatorState, decision: Decision, time: string, model: Model): void {
  const { state, commands } = decision;
  const { config } = state;
  const { maxRuns } = config;
  const starts = startsOf(commands);
  const cancels = cancelsOf(commands);
  const deferred = decision.deferredStarts ?? 0;
  const bytesOf = (id: string) => model.argsBytes.get(id) as number;

  // The configuration is the one the model expects: every valid, new submission's config applied at once.
  same(
    { maxRuns, slotRelease: config.slotRelease, maxArgsBytes: config.maxArgsBytes, cancelledAt: state.cancelledAt },
    {
      maxRuns: model.maxRuns,
      slotRelease: model.slotRelease,
      maxArgsBytes: model.maxArgsBytes,
      cancelledAt: model.cancelledAt,
    },
  );
  check(state.notices.length <= 20, () => `${state.notices.length} notices`);

  // Every queued or open run is an accepted submission, with the seq and args size the model gave it.
  for (const run of state.runs) {
    check(run.seq === seqOf(model, run.id), () => `seq of ${run.id}`);
    if (isOpen(run)) check(run.args === undefined && run.argsBytes === undefined, () => `args kept by ${run.id}`);
    else check(run.argsBytes === model.argsBytes.get(run.id), () => `argsBytes of ${run.id}`);
    check((run.conflict === true) === model.conflicted.has(run.workflowId), () => `conflict of ${run.id}`);
    check(run.waiting === model.waiting.get(run.workflowId), () => `waiting of ${run.id}`);
  }

  // (a) The limit. Live (not displaced, not cancelled) runs never exceed maxRuns, started or not...
  const live = state.runs.filter(isLive).length;
  check(live <= maxRuns, () => `${live} live runs over maxRuns ${maxRuns}`);
  const slotHolders = state.runs.filter((run) => holdsSlot(run, config));
  // ...no start ever brings the children holding a slot over the current maxRuns...
  check(starts.length === 0 || slotHolders.length <= maxRuns, () => `started with ${slotHolders.length} slots held`);
  // ...and without a start no child gains a slot: only a lowered maxRuns or a flip to on-close can leave more
  // children holding slots than maxRuns, and only until they are cancelled (on-cancel-request) or close (on-close).
  const heldBefore = new Set(before.runs.filter((run) => holdsSlot(run, config)).map((run) => run.id));
  const startedNow = new Set(starts.map((run) => run.id));
  for (const run of slotHolders) {
    check(heldBefore.has(run.id) || startedNow.has(run.id), () => `${run.id} gained a slot without starting`);
  }
  if (!slotHolders.some((run) => model.grandfathered.has(run.id))) {
    const uncancelled = state.runs.filter((run) => isOpen(run) && run.cancelRequestedAt === undefined).length;
    const open = state.runs.filter(isOpen).length;
    check(slotHolders.length <= maxRuns, () => `${slotHolders.length} slots held over maxRuns ${maxRuns}`);
    check(uncancelled <= maxRuns, () => `${uncancelled} uncancelled children over maxRuns ${maxRuns}`);
    check(config.slotRelease !== 'on-close' || open <= maxRuns, () => `${open} open children over maxRuns`);
  }

  // Newest win: no slot stays idle while a kept submission waits (unless the coordinator is cancelled), except when
  // this decision's start budget ran out; the starts left over are reported, so the shell issues them next.
  const waiting = state.runs.filter((run) => !isOpen(run)).reverse(); // newest first
  const free = maxRuns - slotHolders.length;
  const idleOk = model.cancelledAt !== undefined || free <= 0 || deferred === Math.min(waiting.length, free);
  check(idleOk, () => `${free} slots idle, deferred ${deferred}`);
  check(deferred <= waiting.length, () => `deferred ${deferred} of ${waiting.length} waiting`);
  const startBytes = sum(starts.map((run) => bytesOf(run.id)));
  if (deferred > 0) {
    const next = bytesOf((waiting[0] as OpenSubmission).id);
    const capped = starts.length === MAX_STARTS_PER_TASK || startBytes + next > MAX_START_BYTES_PER_TASK;
    check(capped, () => `${deferred} starts deferred after ${starts.length} starts of ${startBytes} bytes`);
  }
  // The budgets: starts per decision, and args held by queued submissions (those deferred already have a slot).
  check(starts.length <= MAX_STARTS_PER_TASK, () => `${starts.length} starts`);
  check(starts.length <= 1 || startBytes <= MAX_START_BYTES_PER_TASK, () => `${startBytes} bytes started`);
  const queuedBytes = sum(waiting.slice(deferred).map((run) => run.argsBytes ?? 0));
  check(queuedBytes <= config.maxQueuedBytes, () => `${queuedBytes} bytes queued`);

  // Once the coordinator is cancelled nothing starts, every open child is on its way out, and only submissions that
  // arrived afterwards wait (for the run it continues as).
  if (model.cancelledAt !== undefined) {
    check(starts.length === 0, () => 'a start after the coordinator was cancelled');
    check(!state.runs.some((run) => isOpen(run) && isLive(run)), () => 'a live child after the cancellation');
    for (const run of waiting) check(model.late.has(run.id), () => `${run.id} still waits after the cancellation`);
  }

  // (c) A submission is only ever displaced by a newer one.
  for (const entry of [...state.runs, ...state.recent]) {
    if (entry.supersededBy === undefined) continue;
    check(seqOf(model, entry.supersededBy) > entry.seq, () => `${entry.id} displaced by older ${entry.supersededBy}`);
  }

  // (d) One start per submission, never one for a duplicate, with the args it was submitted with.
  for (const run of starts) {
    check(!model.started.has(run.id), () => `second start of ${run.id}`);
    check(run.seq === seqOf(model, run.id), () => `start of ${run.id} with seq ${run.seq}`);
    check(Buffer.byteLength(JSON.stringify(run.args)) === bytesOf(run.id), () => `args of ${run.id}`);
    model.started.add(run.id);
  }

  // (e) Cancels go out once per submission, only for a child whose start was confirmed (never for an unchecked
  // ID conflict, never for a foreign workflow), naming a newer submission or the coordinator's cancellation.
  const terminateAfter = new Date(Date.parse(time) + GRACE_MS).toISOString();
  for (const cancel of cancels) {
    const id = cancel.submissionId;
    check(!model.cancelled.has(id), () => `second cancel of ${id}`);
    check(idOf(cancel.workflowId) === id, () => `cancel of ${cancel.workflowId} for ${id}`);
    check(model.confirmed.has(cancel.workflowId), () => `cancel of unconfirmed ${id}`);
    check(!model.conflicted.has(cancel.workflowId), () => `cancel of unchecked ${id}`);
    if (cancel.supersededBy !== undefined) {
      check(seqOf(model, cancel.supersededBy) > seqOf(model, id), () => `${id} cancelled for older`);
      model.supersededCancels.add(id);
    } else {
      check(cancel.reason === COORDINATOR_CANCELLED_REASON && model.everCancelled, () => `cancel of ${id}`);
    }
    model.cancelled.set(id, time);
    const run = state.runs.find((r) => r.id === id);
    check(run?.cancelRequestedAt === time && run.terminateAfter === terminateAfter, () => `grace period of ${id}`);
  }
  // Cancels before starts, so the server never sees the key over its limit.
  const firstStart = commands.findIndex((command) => command.type === 'start');
  check(firstStart < 0 || commands.slice(firstStart).every((c) => c.type === 'start'), () => 'a cancel after a start');
}

/** Closes every open child (as cancelled if its cancellation was requested) until nothing is left. */
function drain(state: CoordinatorState, model: Model, second: number): CoordinatorState {
  for (let round = 0; round < 100 && state.runs.length > 0; round++) {
    const time = at(second + round);
    const actions = state.runs.filter(isOpen).map((run): Action => ({
      kind: 'close',
      pick: 0,
      outcome: run.cancelRequestedAt === undefined ? 'completed' : 'cancelled',
    }));
    // Close the open children one by one, oldest first: `pick: 0` is the oldest still open.
    state = rollOver(step(state, eventsOf(state, actions, model, time), time, model), model);
  }
  expect(state.runs).toEqual([]);
  return state;
}

/**
 * A cancelled coordinator closes once its children have: as the shell does, it continues as new (or its next run takes
 * over its history), and that run is not cancelled. Only carried state survives.
 */
function rollOver(state: CoordinatorState, model: Model): CoordinatorState {
  if (state.cancelledAt === undefined || state.runs.some(isOpen)) return state;
  model.cancelledAt = undefined;
  return initialState(state.config, COORDINATOR_ID, toCarried(state));
}

function run(scenario: Scenario, checkDeterminism = true): void {
  // Windows large enough that nothing is trimmed: every outcome can be accounted for.
  let state = makeState({
    maxRuns: scenario.maxRuns,
    slotRelease: scenario.slotRelease,
    maxQueuedBytes: scenario.maxQueuedBytes,
    maxArgsBytes: scenario.maxArgsBytes,
    cancelGracePeriodMs: GRACE_MS,
    recentLimit: 1000,
    dedupeWindow: 10_000,
  });
  const model = newModel(scenario, checkDeterminism);
  scenario.batches.forEach((actions, i) => {
    const time = at(i);
    state = rollOver(step(state, eventsOf(state, actions, model, time), time, model), model);
  });
  state = drain(state, model, scenario.batches.length);
  // At most 30 batches of 5 submissions: recentLimit 1000 kept every outcome.
  expect(model.nextSeq - 1).toBeLessThanOrEqual(1000);

  // (b) Every handled submission ends in exactly one outcome: one entry per seq, none lost, none twice.
  const seqs = state.recent.map((entry) => entry.seq).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: model.nextSeq - 1 }, (_, i) => i + 1));
  expect(state.nextSeq).toBe(model.nextSeq);
  for (const entry of state.recent) {
    const { id, outcome } = entry;
    if (model.malformedSeqs.has(entry.seq)) {
      expect(entry).toMatchObject({ outcome: 'rejected', reason: expect.any(String) as string });
      continue;
    }
    expect(entry.seq).toBe(model.seen.get(id));
    if (model.refused.has(id)) {
      expect(entry).toMatchObject({ outcome: 'rejected' });
      expect(entry.reason).toMatch(/^args must be at most \d+ bytes as JSON \(maxArgsBytes\)/);
    } else if (model.foreign.has(id)) {
      expect(entry).toMatchObject({ outcome: 'rejected', reason: expect.any(String) as string });
      expect(model.started.has(id)).toBe(true);
    } else if (outcome === 'dropped') {
      // Never started, and dropped for one of three reasons.
      expect(model.started.has(id)).toBe(false);
      if (entry.supersededBy !== undefined)
        expect(entry.reason).toBe(`superseded by ${entry.supersededBy} before it started`);
      else if (entry.reason === COORDINATOR_CANCELLED_REASON) expect(model.everCancelled).toBe(true);
      else expect(entry.reason).toBe(`queued arguments exceeded maxQueuedBytes (${state.config.maxQueuedBytes} bytes)`);
    } else {
      // A child's outcome: only started submissions have one.
      expect(outcome).not.toBe('rejected');
      expect(model.started.has(id), id).toBe(true);
    }
  }

  const { counters } = state;
  const finals =
    counters.completed +
    counters.failed +
    counters.cancelled +
    counters.terminated +
    counters.timedOut +
    counters.dropped +
    counters.rejected;
  expect(finals).toBe(state.recent.length);
  expect(counters.submitted).toBe(model.accepted.size);
  expect(counters.rejected).toBe(model.malformedSeqs.size + model.refused.size + model.foreign.size);
  expect(counters.duplicates).toBe(model.duplicates);
  expect(counters.started).toBe(model.started.size);
  // Every accepted submission either started or was dropped, including those that came after a cancellation.
  expect(counters.started + counters.dropped).toBe(counters.submitted);
  for (const id of model.late) expect(state.recent.some((entry) => entry.id === id)).toBe(true);
  expect(counters.cancelRequested).toBe(model.cancelled.size);
  expect(counters.escalated).toBe(model.escalated);

  // (c) The newest submissions, as many as the smallest maxRuns the key ever had, are never displaced.
  const newest = [...model.accepted.entries()].sort((a, b) => b[1] - a[1]).slice(0, model.minMaxRuns);
  for (const [id] of newest) {
    const entry = state.recent.find((r) => r.id === id && r.seq === model.accepted.get(id));
    expect(entry?.supersededBy, id).toBeUndefined();
    expect(model.supersededCancels.has(id), id).toBe(false);
  }
}

describe('decide under random event sequences', () => {
  it('keeps the CANCEL_IN_PROGRESS invariants at every step and accounts for every submission', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => run(scenario)),
      { numRuns: 400 },
    );
  });

  it('keeps them when every start is confirmed at once', () => {
    // Without confirmations the cancel path is rarely reached; here each batch first confirms all pending starts.
    const eager = scenarioArb.map((scenario) => ({
      ...scenario,
      batches: scenario.batches.map((actions): Action[] => [
        ...Array.from({ length: 6 }, (_, pick): Action => ({ kind: 'confirm', pick })),
        ...actions,
      ]),
    }));
    fc.assert(
      fc.property(eager, (scenario) => run(scenario)),
      { numRuns: 200 },
    );
  });

  it('keeps them when the configuration changes with every submission and the coordinator is cancelled', () => {
    const churn = scenarioArbOf(
      fc.oneof(
        { weight: 2, arbitrary: submitArbOf(1, 100) },
        { weight: 1, arbitrary: pickArb('confirm') },
        { weight: 2, arbitrary: actionArbOf(submitArbOf(1)) },
      ),
      { min: 1, max: 4 },
      25,
    );
    const scenarios = fc.tuple(churn, fc.nat({ max: 30 })).map(([scenario, cancelAt]) => ({
      ...scenario,
      batches: scenario.batches.map((actions, i): Action[] =>
        i === cancelAt ? [...actions, { kind: 'cancelCoordinator' }] : actions,
      ),
    }));
    fc.assert(
      fc.property(scenarios, (scenario) => run(scenario)),
      { numRuns: 200 },
    );
  });

  it('keeps them with large args: starts split across decisions, queued args within budget', () => {
    // Batches of up to six submissions of 150-400 KB, every start confirmed at once so slots keep freeing up: more
    // args than the start budget of 1 MiB come due in one decision.
    const heavySubmit = fc.record(
      {
        kind: fc.constant('submit' as const),
        id: idArb,
        size: fc.constantFrom<Size>('large', 'huge', 'over', 'over'),
        config: sometimes(configArb, 10),
      },
      { requiredKeys: ['kind', 'id', 'size'] },
    );
    const heavy = scenarioArbOf(
      fc.oneof({ weight: 6, arbitrary: heavySubmit }, { weight: 1, arbitrary: actionArbOf(submitArbOf(0)) }),
      { min: 4, max: 6 },
      8,
      6,
    ).map((scenario) => ({
      ...scenario,
      maxArgsBytes: RAISED_MAX_ARGS,
      batches: scenario.batches.map((actions): Action[] => [
        ...Array.from({ length: 6 }, (_, pick): Action => ({ kind: 'confirm', pick })),
        ...actions,
      ]),
    }));
    fc.assert(
      fc.property(heavy, (scenario) => run(scenario, false)),
      { numRuns: 30 },
    );
  });
});
