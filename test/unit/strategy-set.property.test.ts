/**
 * The strategy set through `decide()`, on random histories of a key: submissions with priorities, configuration
 * changes that switch the strategy and move maxRuns, maxQueued, debounce and schedule timeout on a live key, start
 * confirmations that come late, closes, and time passing. Checked after every decision, independently of the
 * strategies' code:
 * - a decision that starts anything leaves at most maxRuns children holding a slot;
 * - only CANCEL_IN_PROGRESS displaces running work: under the others a cancel command only carries out a displacement
 *   decided earlier (under CANCEL_IN_PROGRESS) for a start that was confirmed only now;
 * - every accepted submission is in exactly one place (open, or closed with one outcome), and a dropped one names
 *   the rule that dropped it;
 * - under GROUP_ROUND_ROBIN with one priority and no time options from the start, children start in arrival order.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/coordinator/core/decide';
import { LIMIT_STRATEGIES, type LimitStrategy, type SubmitterConfig } from '../../src/coordinator/messages';
import { holdsSlot, type CoordinatorEvent, type CoordinatorState } from '../../src/coordinator/core/state';
import { at, cancelsOf, confirmations, makeState, startsOf, submitEvent } from './support';

type Action =
  | { kind: 'submit'; priority?: number; config?: SubmitterConfig }
  | { kind: 'confirm' }
  | { kind: 'close'; pick: number }
  | { kind: 'wait'; seconds: number };

const configArb: fc.Arbitrary<SubmitterConfig> = fc.record(
  {
    limitStrategy: fc.constantFrom(...LIMIT_STRATEGIES),
    maxRuns: fc.integer({ min: 1, max: 4 }),
    maxQueued: fc.integer({ min: 1, max: 3 }),
    slotRelease: fc.constantFrom('on-cancel-request' as const, 'on-close' as const),
    debounceMs: fc.constantFrom(1_000, 3_000),
    debounceMaxWaitMs: fc.constant(5_000),
    scheduleTimeoutMs: fc.constantFrom(4_000, 20_000),
  },
  { requiredKeys: [] },
);

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        kind: fc.constant('submit' as const),
        priority: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        config: fc.option(configArb, { nil: undefined, freq: 3 }),
      },
      { requiredKeys: ['kind'] },
    ),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'confirm' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('wait' as const), seconds: fc.integer({ min: 1, max: 6 }) }) },
);

/** Which rule a dropped submission's reason must name, by what could have dropped it. */
const DROP_REASON =
  /^(superseded by |queue full: |debounced by |not started within |the coordinator was cancelled|queued arguments exceeded)/;

function check(actions: Action[], initial: LimitStrategy, fifoOnly: boolean): void {
  let state: CoordinatorState = makeState({ maxRuns: 2, limitStrategy: initial });
  let second = 0;
  let pendingConfirm: CoordinatorEvent[] = [];
  let submitted = 0;
  const startOrder: number[] = [];
  for (const action of actions) {
    const events: CoordinatorEvent[] = [];
    if (action.kind === 'submit') {
      const id = `s${submitted++}`;
      const extra = {
        ...(!fifoOnly && action.priority !== undefined && { priority: action.priority }),
        ...(!fifoOnly && action.config !== undefined && { config: action.config }),
      };
      events.push(submitEvent(id, at(second), extra));
    } else if (action.kind === 'confirm') {
      events.push(...pendingConfirm.map((event) => ({ ...event, at: at(second) })));
      pendingConfirm = [];
    } else if (action.kind === 'close') {
      const open = state.runs.filter((run) => run.runId !== undefined);
      const run = open[action.pick % Math.max(1, open.length)];
      if (run) events.push({ type: 'childClosed', workflowId: run.workflowId, outcome: 'completed', at: at(second) });
    } else {
      second += action.seconds;
    }
    const before = state;
    const decision = decide(state, events, at(second));
    state = decision.state;
    const starts = startsOf(decision.commands);
    if (starts.length > 0) {
      expect(state.runs.filter((run) => holdsSlot(run, state.config)).length).toBeLessThanOrEqual(state.config.maxRuns);
    }
    // A displacement decided now happens only under CANCEL_IN_PROGRESS.
    const configuredNow = state.config.limitStrategy;
    for (const cancel of cancelsOf(decision.commands)) {
      const was = before.runs.find((run) => run.id === cancel.submissionId);
      if (configuredNow !== 'CANCEL_IN_PROGRESS') expect(was?.supersededBy ?? was?.cancelReason).toBeDefined();
    }
    for (const run of starts) startOrder.push(run.seq);
    pendingConfirm.push(...confirmations(decision.commands, at(second)));
    second += 1;
  }
  // Every accepted submission in exactly one place, with one outcome.
  const open = state.runs.map((run) => run.id);
  const closed = state.recent.map((run) => run.id);
  expect(new Set([...open, ...closed]).size).toBe(open.length + closed.length);
  expect(open.length + closed.length).toBe(submitted);
  for (const run of state.recent) if (run.outcome === 'dropped') expect(run.reason).toMatch(DROP_REASON);
  if (fifoOnly) expect(startOrder).toEqual([...startOrder].sort((a, b) => a - b));
}

describe('the strategy set through decide()', () => {
  it('holds the limit, displaces running work only under CANCEL_IN_PROGRESS, and accounts for every submission, through strategy changes on a live key', () => {
    fc.assert(
      fc.property(fc.constantFrom(...LIMIT_STRATEGIES), fc.array(actionArb, { maxLength: 60 }), (initial, actions) =>
        check(actions, initial, false),
      ),
      { numRuns: 1500 },
    );
  });

  it('GROUP_ROUND_ROBIN starts in arrival order', () => {
    fc.assert(
      fc.property(fc.array(actionArb, { maxLength: 60 }), (actions) => check(actions, 'GROUP_ROUND_ROBIN', true)),
      { numRuns: 1000 },
    );
  });
});
