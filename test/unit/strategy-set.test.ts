/**
 * The strategy set wired into `decide()` (run behaviour 5, strategySet): each strategy's rule as the coordinator
 * applies it to real events, a submission's `priority`, and a run from before the set that parses as it did then.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/coordinator/core/decide';
import type { CoordinatorEvent, CoordinatorState } from '../../src/coordinator/core/state';
import { at, cancelsOf, childId, confirmations, makeState, startsOf, submitEvent } from './support';

/** Decides the events and confirms every start, as the shell does once the server answers. */
function step(state: CoordinatorState, events: CoordinatorEvent[], second: number): CoordinatorState {
  const decided = decide(state, events, at(second));
  expect(cancelsOf(decided.commands)).toEqual([]);
  const confirmed = confirmations(decided.commands, at(second));
  return confirmed.length > 0 ? decide(decided.state, confirmed, at(second)).state : decided.state;
}

const closed = (id: string, second: number): CoordinatorEvent => ({
  type: 'childClosed',
  workflowId: childId(id),
  outcome: 'completed',
  at: at(second),
});

const running = (state: CoordinatorState) => state.runs.filter((r) => r.startedAt !== undefined).map((r) => r.id);
const queued = (state: CoordinatorState) => state.runs.filter((r) => r.startedAt === undefined).map((r) => r.id);
const dropped = (state: CoordinatorState) =>
  state.recent.filter((r) => r.outcome === 'dropped').map((r) => [r.id, r.reason]);

describe('GROUP_ROUND_ROBIN: a FIFO queue per key', () => {
  it('starts in arrival order as slots free and cancels nothing', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'GROUP_ROUND_ROBIN' });
    state = step(
      state,
      ['a', 'b', 'c'].map((id) => submitEvent(id, at(1))),
      1,
    );
    expect([running(state), queued(state)]).toEqual([['a'], ['b', 'c']]);
    state = step(state, [closed('a', 2)], 2);
    expect([running(state), queued(state)]).toEqual([['b'], ['c']]);
    state = step(state, [closed('b', 3)], 3);
    expect([running(state), queued(state)]).toEqual([['c'], []]);
    expect(state.recent.map((r) => [r.id, r.outcome])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
    ]);
  });

  it('orders the queue by priority, then arrival', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'GROUP_ROUND_ROBIN' });
    state = step(
      state,
      [
        submitEvent('a', at(1)),
        submitEvent('b', at(1), { priority: 4 }),
        submitEvent('c', at(1)),
        submitEvent('d', at(1), { priority: 1 }),
      ],
      1,
    );
    // Decided together, d (priority 1) takes the free slot; the rest wait by priority, then arrival.
    expect([running(state), queued(state)]).toEqual([['d'], ['a', 'b', 'c']]);
    const order: string[] = [];
    for (const second of [2, 3, 4]) {
      state = step(state, [closed(running(state)[0] as string, second)], second);
      order.push(...running(state));
    }
    expect(order).toEqual(['a', 'c', 'b']);
  });
});

describe('CANCEL_NEWEST', () => {
  it('drops what does not fit a free slot at once, naming the rule, and never cancels', () => {
    let state = makeState({ maxRuns: 2, limitStrategy: 'CANCEL_NEWEST' });
    state = step(
      state,
      ['a', 'b', 'c'].map((id) => submitEvent(id, at(1))),
      1,
    );
    expect(running(state)).toEqual(['a', 'b']);
    expect(dropped(state)).toEqual([['c', 'queue full: CANCEL_NEWEST (maxRuns 2)']]);
  });
});

describe('CANCEL_QUEUED_EXCEPT_NEWEST / _OLDEST', () => {
  it('NEWEST keeps the newest maxQueued waiting: a trailing run with the latest input', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'CANCEL_QUEUED_EXCEPT_NEWEST', maxQueued: 1 });
    state = step(state, [submitEvent('a', at(1))], 1);
    state = step(
      state,
      ['b', 'c', 'd'].map((id) => submitEvent(id, at(2))),
      2,
    );
    expect([running(state), queued(state)]).toEqual([['a'], ['d']]);
    expect(dropped(state).map(([id]) => id)).toEqual(['b', 'c']);
    expect(state.recent.find((r) => r.id === 'b')?.supersededBy).toBe('d');
  });

  it('OLDEST keeps the oldest maxQueued waiting; newer arrivals are dropped', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'CANCEL_QUEUED_EXCEPT_OLDEST', maxQueued: 1 });
    state = step(state, [submitEvent('a', at(1))], 1);
    state = step(
      state,
      ['b', 'c', 'd'].map((id) => submitEvent(id, at(2))),
      2,
    );
    expect([running(state), queued(state)]).toEqual([['a'], ['b']]);
    expect(dropped(state).map(([id]) => id)).toEqual(['c', 'd']);
  });
});

describe('priority under CANCEL_IN_PROGRESS', () => {
  it('ranks priority first: a newer, lower-priority submission does not displace a priority-1 one', () => {
    const first = decide(makeState({ maxRuns: 1 }), [submitEvent('a', at(1), { priority: 1 })], at(1));
    const state = decide(first.state, confirmations(first.commands, at(1)), at(1)).state;
    const next = decide(state, [submitEvent('b', at(2))], at(2));
    expect(cancelsOf(next.commands)).toEqual([]);
    expect(next.state.recent.map((r) => [r.id, r.outcome, r.supersededBy])).toEqual([['b', 'dropped', 'a']]);
  });

  it('in a run from before the strategy set, priority is ignored as it was: the newest wins', () => {
    const legacy: CoordinatorState = { ...makeState({ maxRuns: 1 }), vocabulary: 'cancel-in-progress' };
    const first = decide(legacy, [submitEvent('a', at(1), { priority: 1 })], at(1));
    expect(first.state.runs[0]?.priority).toBeUndefined();
    const state = decide(first.state, confirmations(first.commands, at(1)), at(1)).state;
    const next = decide(state, [submitEvent('b', at(2))], at(2));
    expect(cancelsOf(next.commands).map((c) => [c.submissionId, c.supersededBy])).toEqual([['a', 'b']]);
  });

  it('in a run from before the strategy set, a submission asking for another strategy is rejected', () => {
    const legacy: CoordinatorState = { ...makeState({ maxRuns: 1 }), vocabulary: 'cancel-in-progress' };
    const next = decide(legacy, [submitEvent('a', at(1), { config: { limitStrategy: 'GROUP_ROUND_ROBIN' } })], at(1));
    expect(next.state.recent.map((r) => [r.id, r.outcome])).toEqual([['a', 'rejected']]);
    expect(startsOf(next.commands)).toEqual([]);
  });
});
