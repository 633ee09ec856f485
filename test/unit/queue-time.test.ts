/**
 * Time in the queue (run behaviour 6, timedQueue), through `decide()`: `scheduleTimeoutMs` drops what waited too long,
 * `debounceMs` / `debounceMaxWaitMs` hold a burst back and drop all but its newest, and the deadline the shell wakes
 * at, and why a queued submission waits. Without those options nothing here changes a decision (every other unit
 * and replay test says so).
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/coordinator/core/decide';
import { describeCoordinator } from '../../src/coordinator/core/details';
import { MAX_QUEUED_SUBMISSIONS } from '../../src/coordinator/core/limits';
import { nextQueueDeadline } from '../../src/coordinator/core/queue-time';
import { toView, type CoordinatorEvent, type CoordinatorState } from '../../src/coordinator/core/state';
import { whyWaiting } from '../../src/coordinator/core/why-waiting';
import { at, cancelsOf, childId, confirmations, makeState, startsOf, submitEvent } from './support';

function step(state: CoordinatorState, events: CoordinatorEvent[], second: number): CoordinatorState {
  const decided = decide(state, events, at(second));
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
const deadline = (state: CoordinatorState, second: number) =>
  nextQueueDeadline(state.runs, state.config, Date.parse(at(second)));

describe('scheduleTimeoutMs', () => {
  it('drops a submission not started within it, naming the rule, and wakes the run at its deadline', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'GROUP_ROUND_ROBIN', scheduleTimeoutMs: 30_000 });
    state = step(state, [submitEvent('a', at(0)), submitEvent('b', at(0))], 0);
    expect([running(state), queued(state)]).toEqual([['a'], ['b']]);
    expect(deadline(state, 0)).toBe(Date.parse(at(30)));
    state = step(state, [], 29);
    expect(queued(state)).toEqual(['b']);
    state = step(state, [], 30);
    expect(queued(state)).toEqual([]);
    expect(dropped(state)).toEqual([['b', 'not started within 30 s (scheduleTimeoutMs)']]);
    expect(deadline(state, 30)).toBeUndefined();
    expect(running(state)).toEqual(['a']); // running work is never touched
  });

  it('a submission that starts in time is not affected', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'GROUP_ROUND_ROBIN', scheduleTimeoutMs: 30_000 });
    state = step(state, [submitEvent('a', at(0)), submitEvent('b', at(0))], 0);
    state = step(state, [closed('a', 10)], 10);
    expect(running(state)).toEqual(['b']);
    state = step(state, [], 40);
    expect(dropped(state)).toEqual([]);
    expect(deadline(state, 40)).toBeUndefined();
  });
});

describe('debounceMs', () => {
  it('holds a burst back until the key is quiet, drops all but its newest, then starts it', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'GROUP_ROUND_ROBIN', debounceMs: 5_000 });
    state = step(state, [submitEvent('a', at(0))], 0);
    expect([running(state), queued(state)]).toEqual([[], ['a']]);
    expect(deadline(state, 0)).toBe(Date.parse(at(5)));
    state = step(state, [submitEvent('b', at(2))], 2);
    state = step(state, [submitEvent('c', at(4))], 4);
    expect(dropped(state)).toEqual([
      ['a', 'debounced by b'],
      ['b', 'debounced by c'],
    ]);
    expect(state.recent.map((r) => r.supersededBy)).toEqual(['b', 'c']);
    expect(deadline(state, 4)).toBe(Date.parse(at(9)));
    state = step(state, [], 8);
    expect(running(state)).toEqual([]);
    state = step(state, [], 9);
    expect(running(state)).toEqual(['c']);
  });

  it('debounceMaxWaitMs bounds the wait of a burst that never goes quiet', () => {
    let state = makeState({
      maxRuns: 1,
      limitStrategy: 'GROUP_ROUND_ROBIN',
      debounceMs: 5_000,
      debounceMaxWaitMs: 10_000,
    });
    for (let second = 0; second <= 8; second += 2) state = step(state, [submitEvent(`m${second}`, at(second))], second);
    expect(queued(state)).toEqual(['m8']);
    expect(deadline(state, 8)).toBe(Date.parse(at(10))); // the burst began at 0: 0 + 10 s, before 8 + 5 s
    state = step(state, [], 10);
    expect(running(state)).toEqual(['m8']);
  });

  it('under CANCEL_IN_PROGRESS a debounced submission cancels nothing until it is eligible', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'CANCEL_IN_PROGRESS', debounceMs: 5_000 });
    state = step(state, [submitEvent('a', at(0))], 0);
    state = step(state, [], 5);
    expect(running(state)).toEqual(['a']);
    const b = decide(state, [submitEvent('b', at(6))], at(6));
    expect(cancelsOf(b.commands)).toEqual([]);
    const eligible = decide(b.state, [], at(11));
    expect(cancelsOf(eligible.commands).map((c) => c.submissionId)).toEqual(['a']);
    expect(cancelsOf(eligible.commands)[0]?.supersededBy).toBe('b');
  });

  it('a debounced submission waits for a slot in the queue like any other', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'GROUP_ROUND_ROBIN', debounceMs: 1_000 });
    state = step(state, [submitEvent('a', at(0))], 0);
    state = step(state, [], 1);
    state = step(state, [submitEvent('b', at(2))], 2);
    state = step(state, [], 3);
    expect([running(state), queued(state)]).toEqual([['a'], ['b']]);
    expect(deadline(state, 3)).toBeUndefined(); // eligible, waiting for a slot: no timer
    const freed = decide(state, [closed('a', 4)], at(4));
    expect(startsOf(freed.commands).map((run) => run.id)).toEqual(['b']);
  });
});

describe('why a queued submission waits', () => {
  const waitingOf = (state: CoordinatorState, second: number) =>
    [...whyWaiting(state, Date.parse(at(second))).entries()].map(([id, why]) => [id, why.position, why.waitingFor]);

  it('names its place in the queue and the runs holding the slots', () => {
    let state = makeState({ maxRuns: 1, limitStrategy: 'GROUP_ROUND_ROBIN' });
    state = step(state, [submitEvent('a', at(0))], 0);
    state = step(state, [submitEvent('b', at(0)), submitEvent('c', at(0), { priority: 1 })], 0);
    expect(waitingOf(state, 1)).toEqual([
      ['c', 1, 'waits for a free slot (maxRuns 1, held by a)'],
      ['b', 2, 'waits for a free slot (maxRuns 1, held by a)'],
    ]);
    const view = toView(state, whyWaiting(state, Date.parse(at(1))));
    expect(view.queued.map((run) => [run.id, run.position])).toEqual([
      ['b', 2],
      ['c', 1],
    ]);
    expect(describeCoordinator(state, whyWaiting(state, Date.parse(at(1))))).toContain(
      '#1 · waits for a free slot (maxRuns 1, held by a)',
    );
  });

  it('says until when a debounce holds it, and when its schedule timeout drops it', () => {
    let state = makeState({
      maxRuns: 1,
      limitStrategy: 'GROUP_ROUND_ROBIN',
      debounceMs: 5_000,
      scheduleTimeoutMs: 60_000,
    });
    state = step(state, [submitEvent('a', at(0))], 0);
    expect(waitingOf(state, 1)).toEqual([
      [
        'a',
        1,
        'waits for its debounce: eligible at 00:00:05 UTC unless a newer submission arrives (debounceMs 5 s); ' +
          'dropped at 00:01:00 UTC unless started (scheduleTimeoutMs)',
      ],
    ]);
  });

  it('under CANCEL_IN_PROGRESS the newest kept submission is first', () => {
    let state = makeState({ maxRuns: 2, limitStrategy: 'CANCEL_IN_PROGRESS', slotRelease: 'on-close' });
    state = step(state, [submitEvent('a', at(0)), submitEvent('b', at(0))], 0);
    state = step(state, [submitEvent('c', at(1)), submitEvent('d', at(1))], 1);
    expect(waitingOf(state, 2).map(([id, position]) => [id, position])).toEqual([
      ['d', 1],
      ['c', 2],
    ]);
    expect(waitingOf(state, 2)[0]?.[2]).toBe(
      'waits for a free slot (maxRuns 2, held by a (cancelling), b (cancelling))',
    );
  });
});

describe('a bounded queue', () => {
  it('keeps at most MAX_QUEUED_SUBMISSIONS waiting: newer arrivals beyond it are dropped, saying so', () => {
    const state = makeState({ maxRuns: 1, limitStrategy: 'GROUP_ROUND_ROBIN' });
    const events = Array.from({ length: MAX_QUEUED_SUBMISSIONS + 3 }, (_, i) => submitEvent(`q${i}`, at(0)));
    const decided = decide(state, events, at(0)).state;
    expect(running(decided)).toEqual(['q0']);
    expect(queued(decided)).toHaveLength(MAX_QUEUED_SUBMISSIONS);
    expect(dropped(decided)).toEqual(
      [`q${MAX_QUEUED_SUBMISSIONS + 1}`, `q${MAX_QUEUED_SUBMISSIONS + 2}`].map((id) => [
        id,
        `queue full: ${MAX_QUEUED_SUBMISSIONS} submissions wait, the most one coordinator carries`,
      ]),
    );
    // A run from before the timedQueue behaviour kept them all, as it did.
    const legacy = decide({ ...state, vocabulary: 'strategy-set' }, events, at(0)).state;
    expect(queued(legacy)).toHaveLength(MAX_QUEUED_SUBMISSIONS + 2);
  });
});
