/**
 * The strategies besides CANCEL_IN_PROGRESS, each a pure unit (`src/coordinator/core/strategies/`), checked on random
 * keys — running children (some cancelling), waiting submissions with priorities, any maxRuns, maxQueued and slot
 * release — against the rule each one states. Not yet offered by the coordinator's input check: they are wired to
 * the workflow behind a behaviour of their own.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { holdsSlot, isOpen } from '../../src/coordinator/core/state';
import { cancelNewest } from '../../src/coordinator/core/strategies/cancel-newest';
import {
  cancelQueuedExceptNewest,
  cancelQueuedExceptOldest,
} from '../../src/coordinator/core/strategies/cancel-queued';
import { groupRoundRobin } from '../../src/coordinator/core/strategies/group-round-robin';
import type { Plan, Strategy } from '../../src/coordinator/core/strategies/plan';
import { byQueueOrder } from '../../src/coordinator/core/strategies/queue-order';
import type { OpenSubmission } from '../../src/coordinator/messages';
import { at, childId, makeConfig } from './support';

const runArb = fc.record({
  open: fc.boolean(),
  cancelling: fc.boolean(),
  priority: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
});

const keyArb = fc.record({
  runs: fc.array(runArb, { maxLength: 25 }),
  maxRuns: fc.integer({ min: 1, max: 6 }),
  maxQueued: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  slotRelease: fc.constantFrom('on-cancel-request' as const, 'on-close' as const),
});

type KeySpec = typeof keyArb extends fc.Arbitrary<infer T> ? T : never;

function keyOf(spec: KeySpec) {
  const runs: OpenSubmission[] = spec.runs.map((run, seq) => ({
    id: `s${seq}`,
    seq,
    workflowId: childId(`s${seq}`),
    workflowType: 'demoWork',
    submittedAt: at(seq),
    ...(run.priority !== undefined && { priority: run.priority }),
    ...(run.open && { startedAt: at(seq), runId: `r${seq}` }),
    ...(run.open && run.cancelling && { cancelRequestedAt: at(seq), supersededBy: 'x' }),
  }));
  const config = makeConfig({
    maxRuns: spec.maxRuns,
    slotRelease: spec.slotRelease,
    ...(spec.maxQueued !== undefined && { maxQueued: spec.maxQueued }),
  });
  const waiting = runs.filter((run) => !isOpen(run));
  const free = Math.max(0, config.maxRuns - runs.filter((run) => holdsSlot(run, config)).length);
  return { runs, config, waiting, free };
}

/** What every strategy but CANCEL_IN_PROGRESS promises: nothing running is cancelled, the limit holds. */
function checkCommon(plan: Plan, key: ReturnType<typeof keyOf>): void {
  expect(plan.cancel).toEqual([]);
  expect(plan.start.length).toBeLessThanOrEqual(key.free);
  const waitingIds = new Set(key.waiting.map((run) => run.id));
  for (const id of [...plan.start, ...plan.drop.map((d) => d.id)]) expect(waitingIds.has(id)).toBe(true);
  const dropped = new Set(plan.drop.map((d) => d.id));
  expect(plan.start.filter((id) => dropped.has(id))).toEqual([]);
}

/** Starts are the first of the survivors in queue order: priority, then arrival. */
function checkStartOrder(plan: Plan, key: ReturnType<typeof keyOf>): void {
  const dropped = new Set(plan.drop.map((d) => d.id));
  const survivors = key.waiting.filter((run) => !dropped.has(run.id)).sort(byQueueOrder);
  expect(plan.start).toEqual(survivors.slice(0, key.free).map((run) => run.id));
}

const property = (strategy: Strategy, check: (plan: Plan, key: ReturnType<typeof keyOf>) => void) => () =>
  fc.assert(
    fc.property(keyArb, (spec) => {
      const key = keyOf(spec);
      const plan = strategy(key.runs, key.config);
      checkCommon(plan, key);
      checkStartOrder(plan, key);
      check(plan, key);
    }),
    { numRuns: 2000 },
  );

describe('GROUP_ROUND_ROBIN', () => {
  it(
    'starts waiting submissions in queue order as slots free, drops nothing',
    property(groupRoundRobin, (plan) => {
      expect(plan.drop).toEqual([]);
    }),
  );
});

describe('CANCEL_NEWEST', () => {
  it(
    'starts what fits at once and drops the rest, naming the rule',
    property(cancelNewest, (plan, key) => {
      expect(plan.start.length + plan.drop.length).toBe(key.waiting.length);
      for (const drop of plan.drop) expect(drop.reason).toMatch(/^queue full: CANCEL_NEWEST/);
    }),
  );
});

describe('CANCEL_QUEUED_EXCEPT_NEWEST / _OLDEST', () => {
  for (const [name, strategy, keep] of [
    ['NEWEST', cancelQueuedExceptNewest, 'newest'],
    ['OLDEST', cancelQueuedExceptOldest, 'oldest'],
  ] as const) {
    it(
      `${name}: at most maxQueued wait after the starts, and they are the ${keep} by arrival`,
      property(strategy, (plan, key) => {
        const limit = key.config.maxQueued ?? key.config.maxRuns;
        const dropped = new Set(plan.drop.map((d) => d.id));
        const started = new Set(plan.start);
        const stillWaiting = key.waiting.filter((run) => !dropped.has(run.id) && !started.has(run.id));
        expect(stillWaiting.length).toBeLessThanOrEqual(limit);
        const survivors = key.waiting.filter((run) => !dropped.has(run.id)).map((run) => run.seq);
        const byArrival = key.waiting.map((run) => run.seq);
        const expected =
          keep === 'newest' ? byArrival.slice(-(key.free + limit)) : byArrival.slice(0, key.free + limit);
        expect(survivors).toEqual(expected);
        for (const drop of plan.drop) expect(drop.reason).toContain(`CANCEL_QUEUED_EXCEPT_${name}`);
      }),
    );
  }
});
