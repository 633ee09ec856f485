/**
 * Property tests of the pure CANCEL_IN_PROGRESS core. A model loop plays the workflow shell against `decide`:
 * random batches of submissions (duplicates and malformed ones included), start confirmations, failed starts
 * and closes of children that are actually open. The SPEC section 3 invariants are checked after every step,
 * and the bookkeeping ones after a final drain.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/coordinator/decide';
import { CLOSE_OUTCOMES, SLOT_RELEASES, type CloseOutcome, type Run } from '../../src/coordinator/messages';
import {
  holdsSlot,
  isOpen,
  type Command,
  type CoordinatorEvent,
  type CoordinatorState,
} from '../../src/coordinator/state';
import { at, cancelsOf, closedEvent, deepFreeze, makeState, startedEvent, startsOf } from './support';

type Action =
  | { kind: 'submit'; payload: unknown; valid: boolean }
  | { kind: 'confirm'; pick: number }
  | { kind: 'close'; pick: number; outcome: CloseOutcome }
  | { kind: 'startFailed'; pick: number };

// A small pool, so the same id is submitted again while running, after closing, and within one batch.
const idArb = fc.integer({ min: 0, max: 19 }).map((n) => `m${n}`);

const validSubmitArb = idArb.map((id): Action => ({
  kind: 'submit',
  payload: { id, workflowType: 'demoWork', args: [{ id }] },
  valid: true,
}));

// Malformed payloads, some carrying a pool id so a rejection and an acceptance can share an id.
const malformedSubmitArb = fc
  .oneof(
    fc.constant(null),
    fc.constant('not an object'),
    fc.constant({ id: 5, workflowType: 'demoWork' }),
    fc.constant({ id: '', workflowType: 'demoWork' }),
    idArb.map((id) => ({ id })),
    idArb.map((id) => ({ id, workflowType: 'demoWork', args: 'nope' })),
  )
  .map((payload): Action => ({ kind: 'submit', payload, valid: false }));

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: validSubmitArb },
  { weight: 1, arbitrary: malformedSubmitArb },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('confirm' as const), pick: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('close' as const),
      pick: fc.nat(),
      outcome: fc.constantFrom(...CLOSE_OUTCOMES),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('startFailed' as const), pick: fc.nat() }) },
);

const scenarioArb = fc.record({
  maxRuns: fc.integer({ min: 1, max: 4 }),
  slotRelease: fc.constantFrom(...SLOT_RELEASES),
  batches: fc.array(fc.array(actionArb, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 30 }),
});

type Scenario = typeof scenarioArb extends fc.Arbitrary<infer T> ? T : never;

/** What the test knows independently of the code under test: which submission got which seq. */
interface Model {
  nextSeq: number;
  /** Accepted submissions: id → seq (ids are unique, as the dedupe window exceeds the pool). */
  accepted: Map<string, number>;
  rejectedSeqs: Set<number>;
  duplicates: number;
  /** Ids a start command has been issued for. */
  started: Set<string>;
  /** Ids a cancel command has been issued for. */
  cancelled: Set<string>;
}

/** Turns a batch of actions into events against the current state: only open children are confirmed or closed. */
function eventsOf(state: CoordinatorState, actions: readonly Action[], model: Model, time: string): CoordinatorEvent[] {
  const events: CoordinatorEvent[] = [];
  const confirmed = new Set(state.runs.filter((run) => run.runId !== undefined).map((run) => run.workflowId));
  const ended = new Set<string>();
  const pick = (candidates: Run[], n: number) => candidates[n % candidates.length];
  for (const action of actions) {
    const open = state.runs.filter((run) => isOpen(run) && !ended.has(run.workflowId));
    const unconfirmed = open.filter((run) => !confirmed.has(run.workflowId));
    if (action.kind === 'submit') {
      events.push({ type: 'submit', payload: action.payload, at: time });
      const id = action.valid ? (action.payload as { id: string }).id : undefined;
      if (id === undefined) model.rejectedSeqs.add(model.nextSeq++);
      else if (model.accepted.has(id)) model.duplicates += 1;
      else model.accepted.set(id, model.nextSeq++);
    } else if (action.kind === 'confirm') {
      const run = pick(unconfirmed, action.pick);
      if (!run) continue;
      confirmed.add(run.workflowId);
      events.push(startedEvent(run.workflowId, time));
    } else if (action.kind === 'startFailed') {
      const run = pick(unconfirmed, action.pick);
      if (!run) continue;
      ended.add(run.workflowId);
      events.push({ type: 'childStartFailed', workflowId: run.workflowId, reason: 'start failed', at: time });
    } else {
      const run = pick(open, action.pick);
      if (!run) continue;
      // A child reports its close only after the server confirmed its start, as the shell's order guarantees.
      if (!confirmed.has(run.workflowId)) events.push(startedEvent(run.workflowId, time));
      confirmed.add(run.workflowId);
      ended.add(run.workflowId);
      events.push(closedEvent(run.workflowId, action.outcome, time));
    }
  }
  return events;
}

/** One decision, checked for determinism and purity, then against the per-step invariants. */
function step(state: CoordinatorState, events: CoordinatorEvent[], time: string, model: Model): CoordinatorState {
  const clonedState = structuredClone(state);
  const clonedEvents = structuredClone(events);
  const frozenState = deepFreeze(structuredClone(state));
  // (f) decide never writes to its input (a write to a frozen object throws) and is deterministic.
  const decision = decide(frozenState, deepFreeze(structuredClone(events)), time);
  expect(decide(clonedState, clonedEvents, time)).toEqual(decision);
  expect(frozenState).toEqual(state);

  checkStep(decision.state, decision.commands, model);
  return decision.state;
}

function seqOf(model: Model, id: string): number {
  const seq = model.accepted.get(id);
  expect(seq, `seq of accepted submission ${id}`).toBeDefined();
  return seq as number;
}

function checkStep(state: CoordinatorState, commands: Command[], model: Model): void {
  const { maxRuns, slotRelease } = state.config;

  // Every queued or open run is an accepted submission, with the seq the model gave it.
  for (const run of state.runs) expect(run.seq, run.id).toBe(seqOf(model, run.id));

  // (a) The limit, counted three ways.
  expect(state.runs.filter((run) => holdsSlot(run, state.config)).length).toBeLessThanOrEqual(maxRuns);
  const liveStarted = state.runs.filter((run) => isOpen(run) && run.cancelRequestedAt === undefined);
  expect(liveStarted.length).toBeLessThanOrEqual(maxRuns);
  if (slotRelease === 'on-close') expect(state.runs.filter(isOpen).length).toBeLessThanOrEqual(maxRuns);

  // Newest win: after reconciling, at most maxRuns submissions are still undisplaced...
  const undisplaced = state.runs.filter((run) => run.supersededBy === undefined);
  expect(undisplaced.length).toBeLessThanOrEqual(maxRuns);
  // ...and no slot stays idle while one of them waits.
  const slotsInUse = state.runs.filter((run) => holdsSlot(run, state.config)).length;
  if (slotsInUse < maxRuns) expect(undisplaced.filter((run) => !isOpen(run))).toEqual([]);

  // (c) A submission is only ever displaced by a newer one.
  for (const entry of [...state.runs, ...state.recent]) {
    if (entry.supersededBy !== undefined) expect(seqOf(model, entry.supersededBy)).toBeGreaterThan(entry.seq);
  }

  // (d) One start per submission, never one for a duplicate.
  for (const run of startsOf(commands)) {
    expect(model.started.has(run.id), `second start of ${run.id}`).toBe(false);
    expect(run.seq).toBe(seqOf(model, run.id));
    model.started.add(run.id);
  }

  // (e) Cancels name a newer submission, go out once, and only for a child whose start was confirmed.
  for (const cancel of cancelsOf(commands)) {
    expect(seqOf(model, cancel.supersededBy)).toBeGreaterThan(seqOf(model, cancel.submissionId));
    expect(model.cancelled.has(cancel.submissionId), `second cancel of ${cancel.submissionId}`).toBe(false);
    model.cancelled.add(cancel.submissionId);
    expect(state.runs.find((run) => run.id === cancel.submissionId)?.runId).toBeDefined();
  }
  // Cancels before starts, so the server never sees the key over its limit.
  const firstStart = commands.findIndex((command) => command.type === 'start');
  if (firstStart >= 0) expect(commands.slice(firstStart).every((command) => command.type === 'start')).toBe(true);
}

/** Closes every open child (as cancelled if its cancellation was requested) until nothing is left. */
function drain(state: CoordinatorState, model: Model, second: number): CoordinatorState {
  for (let round = 0; round < 100 && state.runs.length > 0; round++) {
    const time = at(second + round);
    const events = state.runs
      .filter(isOpen)
      .flatMap((run) => [
        ...(run.runId === undefined ? [startedEvent(run.workflowId, time)] : []),
        closedEvent(run.workflowId, run.cancelRequestedAt === undefined ? 'completed' : 'cancelled', time),
      ]);
    state = step(state, events, time, model);
  }
  expect(state.runs).toEqual([]);
  return state;
}

function run(scenario: Scenario): void {
  // Large windows, so nothing is trimmed and every outcome can be accounted for.
  let state = makeState({
    maxRuns: scenario.maxRuns,
    slotRelease: scenario.slotRelease,
    recentLimit: 100_000,
    dedupeWindow: 100_000,
  });
  const model: Model = {
    nextSeq: 1,
    accepted: new Map(),
    rejectedSeqs: new Set(),
    duplicates: 0,
    started: new Set(),
    cancelled: new Set(),
  };
  scenario.batches.forEach((actions, i) => {
    const time = at(i);
    state = step(state, eventsOf(state, actions, model, time), time, model);
  });
  state = drain(state, model, scenario.batches.length);

  // (b) Every handled submission ends in exactly one outcome: one entry per seq, none lost, none twice.
  const seqs = state.recent.map((entry) => entry.seq).sort((a, b) => a - b);
  expect(seqs).toEqual(Array.from({ length: model.nextSeq - 1 }, (_, i) => i + 1));
  expect(state.nextSeq).toBe(model.nextSeq);
  for (const entry of state.recent) {
    if (model.rejectedSeqs.has(entry.seq)) {
      expect(entry).toMatchObject({ outcome: 'rejected', reason: expect.any(String) as string });
    } else {
      expect(entry.outcome).not.toBe('rejected');
      expect(entry.seq).toBe(seqOf(model, entry.id));
    }
    if (entry.outcome === 'dropped') expect(entry.supersededBy).toBeDefined();
    // Only started submissions close with a child's outcome; dropped ones were never started.
    expect(model.started.has(entry.id) || entry.outcome === 'dropped' || entry.outcome === 'rejected').toBe(true);
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
  expect(counters.rejected).toBe(model.rejectedSeqs.size);
  expect(counters.duplicates).toBe(model.duplicates);
  expect(counters.started).toBe(model.started.size);
  expect(counters.started + counters.dropped).toBe(counters.submitted);
  expect(counters.cancelRequested).toBe(model.cancelled.size);

  // (c) The newest maxRuns accepted submissions are never cancelled or dropped.
  const newest = [...model.accepted.entries()].sort((a, b) => b[1] - a[1]).slice(0, scenario.maxRuns);
  for (const [id] of newest) {
    const entry = state.recent.find((r) => r.id === id && !model.rejectedSeqs.has(r.seq));
    expect(entry?.outcome, id).not.toBe('dropped');
    expect(entry?.supersededBy, id).toBeUndefined();
    expect(model.cancelled.has(id), id).toBe(false);
  }
}

describe('decide under random event sequences', () => {
  it('keeps the CANCEL_IN_PROGRESS invariants at every step and accounts for every submission', () => {
    fc.assert(fc.property(scenarioArb, run), { numRuns: 600 });
  });

  it('keeps them when every start is confirmed at once', () => {
    // Without confirmations the cancel path is rarely reached; here each batch first confirms all pending starts.
    const eager = scenarioArb.map((scenario) => ({
      ...scenario,
      batches: scenario.batches.map((actions): Action[] => [
        ...Array.from({ length: 4 }, (_, pick): Action => ({ kind: 'confirm', pick })),
        ...actions,
      ]),
    }));
    fc.assert(fc.property(eager, run), { numRuns: 300 });
  });
});
