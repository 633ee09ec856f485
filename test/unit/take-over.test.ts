/**
 * Taking over an abandoned coordinator run (terminated with work open): the fresh run folds the facts of the old
 * run's history into its state, then decides as usual.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/coordinator/decide';
import { toCarried } from '../../src/coordinator/state';
import { ADOPTED_RUN_ID, takeOverAbandoned, type AbandonedFact } from '../../src/coordinator/take-over';
import { at, cancelsOf, childId, confirmations, makeState, startsOf, submitEvent } from './support';

const submitted = (id: string, second: number): AbandonedFact => ({
  type: 'submit',
  payload: { id, workflowType: 'demoWork', args: [{ label: id }] },
  at: at(second),
});

/** a started and confirmed, b's start issued but never confirmed (the run was terminated in between). */
const history: AbandonedFact[] = [
  submitted('a', 0),
  { type: 'startInitiated', workflowId: childId('a'), at: at(0) },
  { type: 'started', workflowId: childId('a'), runId: 'run-a', at: at(1) },
  submitted('b', 2),
  { type: 'startInitiated', workflowId: childId('b'), at: at(2) },
];

describe('takeOverAbandoned', () => {
  it('rebuilds the runs, counters and sequence numbers from the facts; an unconfirmed start is adopted', () => {
    const taken = takeOverAbandoned(makeState({ maxRuns: 2 }), { facts: history });
    expect(taken.runs.map((run) => [run.id, run.seq, run.runId, run.args])).toEqual([
      ['a', 1, 'run-a', undefined],
      ['b', 2, ADOPTED_RUN_ID, undefined],
    ]);
    expect(taken.nextSeq).toBe(3);
    expect(taken.seenIds).toEqual(['a', 'b']);
    expect(taken.counters).toMatchObject({ submitted: 2, started: 2 });
  });

  it('a submission no workflow task handled is decided by the fresh run: the oldest child is cancelled for it', () => {
    const taken = takeOverAbandoned(makeState({ maxRuns: 2 }), { facts: [...history, submitted('c', 3)] });
    const decision = decide(taken, [], at(5));
    expect(cancelsOf(decision.commands)).toEqual([
      { type: 'cancel', workflowId: childId('a'), submissionId: 'a', supersededBy: 'c' },
    ]);
    expect(startsOf(decision.commands).map((run) => run.id)).toEqual(['c']);
  });

  it('records closes, and cancellations already requested are not requested again', () => {
    const taken = takeOverAbandoned(makeState({ maxRuns: 1 }), {
      facts: [
        ...history,
        { type: 'closed', workflowId: childId('a'), outcome: 'completed', at: at(3) },
        submitted('c', 4),
        { type: 'superseded', workflowId: childId('b'), supersededBy: 'c' },
        { type: 'cancelRequested', workflowId: childId('b'), at: at(4) },
      ],
    });
    expect(taken.recent.map((run) => [run.id, run.outcome])).toEqual([['a', 'completed']]);
    expect(taken.counters).toMatchObject({ completed: 1, cancelRequested: 1 });
    const decision = decide(taken, [], at(5));
    expect(cancelsOf(decision.commands)).toEqual([]);
    expect(startsOf(decision.commands).map((run) => run.id)).toEqual(['c']);
  });

  it('starts from the state the abandoned run was continued with', () => {
    let carriedFrom = makeState({ maxRuns: 2 });
    const first = decide(carriedFrom, [submitEvent('x', at(0))], at(0));
    carriedFrom = decide(first.state, confirmations(first.commands, at(1)), at(1)).state;
    const taken = takeOverAbandoned(makeState({ maxRuns: 2 }), { carried: toCarried(carriedFrom), facts: [] });
    expect(taken.runs).toEqual(carriedFrom.runs);
    expect(taken.nextSeq).toBe(carriedFrom.nextSeq);
    expect(taken.counters).toEqual(carriedFrom.counters);
  });
});
