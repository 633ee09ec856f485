/**
 * Children no history accounts for (run behaviour 3): adopted by memo, counted against the limit and handled by the
 * key's rules; a revived child's submission keeps one outcome. And the history budget on starts: a run starts only
 * as many children as its history can take the results of, and says how many it held back.
 */
import { describe, expect, it } from 'vitest';
import { adoptChildren } from '../../src/coordinator/core/adoption';
import { decide } from '../../src/coordinator/core/decide';
import {
  adoptedChild,
  at,
  cancelsOf,
  childId,
  closedEvent,
  confirmations,
  makeState,
  startsOf,
  submitEvent,
} from './support';

const orphan = adoptedChild;

describe('adoptChildren', () => {
  it('counts an orphan as running: a newer submission supersedes it under CANCEL_IN_PROGRESS', () => {
    const adopted = adoptChildren(makeState(), [orphan('s1', 7)], at(1));
    expect(adopted.runs.map((run) => [run.id, run.startedAt !== undefined])).toEqual([['s1', true]]);
    expect(adopted.nextSeq).toBe(8);
    expect(adopted.seenIds).toContain('s1');
    const decision = decide(adopted, [submitEvent('s2', at(2))], at(2));
    expect(cancelsOf(decision.commands).map((c) => [c.submissionId, c.supersededBy])).toEqual([['s1', 's2']]);
  });

  it('adopts nothing the state already holds, by workflow ID or submission id', () => {
    const state = decide(makeState(), [submitEvent('s1')], at(0)).state;
    expect(adoptChildren(state, [orphan('s1', 1), { ...orphan('x', 1), submissionId: 's1' }], at(1))).toBe(state);
  });

  it('a revived child closes with a notice, never a second outcome', () => {
    const first = decide(makeState(), [submitEvent('s1')], at(0));
    let state = decide(first.state, confirmations(first.commands), at(0)).state;
    state = decide(state, [closedEvent(childId('s1'), 'terminated', at(1))], at(1)).state;
    expect(state.recent.map((run) => run.outcome)).toEqual(['terminated']);
    const revived = adoptChildren(state, [orphan('s1', 1)], at(2));
    expect(revived.runs[0]?.revived).toBe(true);
    const closed = decide(revived, [closedEvent(childId('s1'), 'cancelled', at(3))], at(3)).state;
    expect(closed.recent.map((run) => run.outcome)).toEqual(['terminated']);
    expect(closed.counters.cancelled).toBe(0);
    expect(closed.notices.at(-1)?.message).toBe('revived child of s1 closed: cancelled');
  });

  it('a child seen running just before its submission closed is not revived', () => {
    let state = decide(makeState(), [submitEvent('s1')], at(0)).state;
    state = decide(state, [closedEvent(childId('s1'), 'completed', at(5))], at(5)).state;
    expect(adoptChildren(state, [orphan('s1', 1)], at(6), at(4))).toBe(state);
  });
});

describe('the history budget on starts', () => {
  it('starts at most the budget, keeps the rest queued and says how many it held back', () => {
    const events = ['a', 'b', 'c', 'd'].map((id, i) => submitEvent(id, at(i)));
    const decision = decide(makeState({ maxRuns: 4 }), events, at(4), { startBudget: 1 });
    expect(startsOf(decision.commands)).toHaveLength(1);
    expect(decision.startsWithheld).toBe(3);
    expect(decision.deferredStarts).toBe(0);
    expect(decision.state.runs.filter((run) => run.startedAt === undefined)).toHaveLength(3);
    // Without a budget (behaviours 1 and 2) all four start.
    expect(startsOf(decide(makeState({ maxRuns: 4 }), events, at(4)).commands)).toHaveLength(4);
  });
});
