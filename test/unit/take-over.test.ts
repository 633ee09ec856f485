/**
 * Taking over an abandoned coordinator run (terminated with work open): the fresh run continues from the abandoned
 * run's state, then handles the submissions that run accepted but never handled, and decides as usual.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/coordinator/decide';
import { toCarried } from '../../src/coordinator/state';
import { ADOPTED_RUN_ID, takeOverAbandoned } from '../../src/coordinator/take-over';
import { at, cancelsOf, childId, confirmations, makeState, startsOf, submitEvent } from './support';

/** An abandoned run (maxRuns 2) with `a` running and confirmed, and `b` whose start was issued but not confirmed. */
function abandonedState() {
  let state = makeState({ maxRuns: 2 });
  const first = decide(state, [submitEvent('a', at(0))], at(0));
  state = decide(first.state, confirmations(first.commands, at(1)), at(1)).state;
  state = decide(state, [submitEvent('b', at(2))], at(2)).state; // start of b never confirmed
  return state;
}

describe('takeOverAbandoned', () => {
  it('keeps the abandoned run’s runs, outcomes, idempotency window, counters and sequence numbers', () => {
    const abandoned = abandonedState();
    const taken = takeOverAbandoned(makeState({ maxRuns: 2 }), { carried: toCarried(abandoned), unhandledSubmits: [] });
    expect(taken.nextSeq).toBe(abandoned.nextSeq);
    expect(taken.seenIds).toEqual(abandoned.seenIds);
    expect(taken.counters).toEqual(abandoned.counters);
    expect(taken.runs.map((run) => [run.id, run.runId])).toEqual([
      ['a', abandoned.runs[0]?.runId],
      ['b', ADOPTED_RUN_ID], // its start command went out: the child exists, followed by workflow ID
    ]);
  });

  it('handles the never-handled submissions after the known ones, skipping those handled after all', () => {
    const abandoned = abandonedState();
    const taken = takeOverAbandoned(makeState({ maxRuns: 2 }), {
      carried: toCarried(abandoned),
      unhandledSubmits: [
        { payload: { id: 'b', workflowType: 'demoWork' }, at: at(3) },
        { payload: { id: 'c', workflowType: 'demoWork' }, at: at(4) },
      ],
    });
    expect(taken.runs.map((run) => run.id)).toEqual(['a', 'b', 'c']);
    expect(taken.counters.submitted).toBe(3);
    expect(taken.counters.duplicates).toBe(0);

    // The usual decision follows: c is newest, so a (the oldest) is cancelled, and c starts in its place.
    const decision = decide(taken, [], at(5));
    expect(cancelsOf(decision.commands)).toEqual([
      { type: 'cancel', workflowId: childId('a'), submissionId: 'a', supersededBy: 'c' },
    ]);
    expect(startsOf(decision.commands).map((run) => run.id)).toEqual(['c']);
  });

  it('an empty abandoned run changes nothing but what it carried', () => {
    const fresh = makeState();
    const taken = takeOverAbandoned(fresh, { carried: toCarried(fresh), unhandledSubmits: [] });
    expect(taken).toEqual(fresh);
  });
});
