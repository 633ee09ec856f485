/**
 * The pure core under hostile conditions: starts split across decisions, byte budgets, child IDs held by
 * another workflow, children that do not get going, the coordinator's own cancellation, and the grace period after
 * which a child that ignores its cancellation is terminated. The test plays the workflow shell as in decide.test.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  COORDINATOR_CANCELLED_REASON,
  applyEvent,
  decide,
  settleWithoutCommands,
} from '../../src/coordinator/core/decide';
import { MAX_START_BYTES_PER_TASK, MAX_STARTS_PER_TASK } from '../../src/coordinator/core/limits';
import type { CoordinatorInput, OpenSubmission } from '../../src/coordinator/messages';
import {
  holdsSlot,
  initialState,
  isConfirmed,
  toCarried,
  toView,
  type CoordinatorState,
} from '../../src/coordinator/core/state';
import {
  COORDINATOR_ID,
  at,
  cancelsOf,
  childId,
  closedEvent,
  confirmations,
  expectNoChange,
  conflictEvent,
  coordinatorCancelledEvent,
  foreignEvent,
  makeState,
  startedEvent,
  startsOf,
  submitEvent,
  waitingEvent,
} from './support';

/** Submits each id in its own decision and confirms its start. */
function running(input: Partial<CoordinatorInput>, ids: readonly string[]): CoordinatorState {
  let state = makeState(input);
  ids.forEach((id, i) => {
    const decision = decide(state, [submitEvent(id, at(2 * i))], at(2 * i));
    state = decide(decision.state, confirmations(decision.commands, at(2 * i + 1)), at(2 * i + 1)).state;
  });
  return state;
}

/** Args whose JSON is exactly `bytes` bytes long. */
function argsOf(bytes: number): unknown[] {
  return ['a'.repeat(bytes - 4)];
}

function runOf(state: CoordinatorState, id: string) {
  return state.runs.find((run) => run.id === id);
}

describe('starts split across decisions', () => {
  it(`starts at most ${MAX_STARTS_PER_TASK} children in one decision and the rest in the next`, () => {
    const ids = Array.from({ length: 150 }, (_, i) => `s${i}`);
    const first = decide(
      makeState({ maxRuns: 150 }),
      ids.map((id) => submitEvent(id, at(1))),
      at(1),
    );
    expect(startsOf(first.commands)).toHaveLength(MAX_STARTS_PER_TASK);
    // Newest first.
    expect(startsOf(first.commands)[0]?.id).toBe('s149');
    expect(first.state.counters.started).toBe(MAX_STARTS_PER_TASK);
    // The shell learns that starts are left, so it neither idles nor continues as new before issuing them.
    expect(first.deferredStarts).toBe(50);

    const second = decide(first.state, [], at(2));
    expect(second.deferredStarts ?? 0).toBe(0);
    expect(startsOf(second.commands).map((run) => run.id)).toEqual(ids.slice(0, 50).reverse());
    expect(second.state.counters).toMatchObject({ submitted: 150, started: 150, dropped: 0 });
  });

  it('keeps the args started in one decision within the byte cap', () => {
    // Five submissions of 250,000 bytes: four fit in 1 MiB, the oldest starts in the next decision.
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const first = decide(
      makeState({ maxRuns: 5 }),
      ids.map((id) => submitEvent(id, at(1), { args: argsOf(250_000) })),
      at(1),
    );
    expect(startsOf(first.commands).map((run) => run.id)).toEqual(['e', 'd', 'c', 'b']);
    expect(first.deferredStarts).toBe(1);
    const bytes = startsOf(first.commands).reduce((sum, run) => sum + JSON.stringify(run.args).length, 0);
    expect(bytes).toBeLessThanOrEqual(MAX_START_BYTES_PER_TASK);
    // The one left keeps its args until it starts.
    expect(runOf(first.state, 'a')).toMatchObject({ argsBytes: 250_000, args: argsOf(250_000) });

    const second = decide(first.state, confirmations(first.commands, at(2)), at(2));
    expect(startsOf(second.commands)).toEqual([
      expect.objectContaining({ id: 'a', args: argsOf(250_000), startedAt: at(2) }),
    ]);
    expect(runOf(second.state, 'a')).not.toHaveProperty('args');
    expect(runOf(second.state, 'a')).not.toHaveProperty('argsBytes');
  });

  it('never drops a deferred start for the queued-args budget: it already has its slot', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const first = decide(
      makeState({ maxRuns: 5, maxQueuedBytes: 1000 }),
      ids.map((id) => submitEvent(id, at(1), { args: argsOf(250_000) })),
      at(1),
    );
    expect(first.state.recent).toEqual([]);
    expect(runOf(first.state, 'a')).toMatchObject({ argsBytes: 250_000 });
    expect(startsOf(decide(first.state, [], at(2)).commands).map((run) => run.id)).toEqual(['a']);
  });

  it('always starts at least one, however large', () => {
    const input = { maxRuns: 2, maxArgsBytes: 1024 * 1024 };
    const events = ['a', 'b'].map((id) => submitEvent(id, at(1), { args: argsOf(1024 * 1024) }));
    const first = decide(makeState(input), events, at(1));
    expect(startsOf(first.commands).map((run) => run.id)).toEqual(['b']);
    expect(startsOf(decide(first.state, [], at(2)).commands).map((run) => run.id)).toEqual(['a']);
  });
});

describe('maxQueuedBytes', () => {
  it('drops the oldest queued submissions once their args exceed the budget, with a reason', () => {
    const state = running({ maxRuns: 3, slotRelease: 'on-close', maxQueuedBytes: 250 }, ['a', 'b', 'c']);
    const { state: after, commands } = decide(
      state,
      ['d', 'e', 'f'].map((id) => submitEvent(id, at(10), { args: argsOf(100) })),
      at(10),
    );
    // a, b, c are cancelled but hold their slots (on-close); d, e, f wait with 300 bytes of args.
    expect(cancelsOf(commands).map((c) => c.submissionId)).toEqual(['a', 'b', 'c']);
    expect(startsOf(commands)).toEqual([]);
    expect(after.recent).toEqual([
      expect.objectContaining({
        id: 'd',
        outcome: 'dropped',
        reason: 'queued arguments exceeded maxQueuedBytes (250 bytes)',
      }),
    ]);
    expect(after.recent[0]).not.toHaveProperty('supersededBy');
    expect(after.runs.filter((run) => run.startedAt === undefined).map((run) => run.id)).toEqual(['e', 'f']);
    expect(after.counters.dropped).toBe(1);
  });

  it('counts only what is still queued after this decision’s starts', () => {
    const { state, commands } = decide(
      makeState({ maxRuns: 3, maxQueuedBytes: 150 }),
      ['a', 'b', 'c'].map((id) => submitEvent(id, at(1), { args: argsOf(100) })),
      at(1),
    );
    expect(startsOf(commands)).toHaveLength(3);
    expect(state.recent).toEqual([]);
  });

  it('drops a queued submission larger than the whole budget at once', () => {
    const state = running({ maxRuns: 1, slotRelease: 'on-close', maxQueuedBytes: 50 }, ['a']);
    const after = decide(state, [submitEvent('b', at(10), { args: argsOf(60) })], at(10)).state;
    expect(after.recent).toEqual([expect.objectContaining({ id: 'b', outcome: 'dropped' })]);
    // a was displaced by b all the same: newest wins even when the newest cannot wait.
    expect(runOf(after, 'a')).toMatchObject({ supersededBy: 'b', cancelRequestedAt: at(10) });
  });
});

describe('a child workflow ID already in use', () => {
  it('holds its slot and is not cancelled until the memo check confirms it as this submission’s child', () => {
    const first = decide(makeState(), [submitEvent('a', at(1))], at(1));
    const conflicted = decide(first.state, [conflictEvent(childId('a'), at(2))], at(2));
    expect(runOf(conflicted.state, 'a')).toMatchObject({ conflict: true });
    expect(runOf(conflicted.state, 'a')).not.toHaveProperty('runId');
    expect(isConfirmed(runOf(conflicted.state, 'a') as never)).toBe(false);
    expect(holdsSlot(runOf(conflicted.state, 'a') as never, conflicted.state.config)).toBe(true);

    const displaced = decide(conflicted.state, [submitEvent('b', at(3))], at(3));
    expect(displaced.commands).toEqual([]);
    expect(runOf(displaced.state, 'a')).toMatchObject({ supersededBy: 'b', conflict: true });

    const ours = decide(displaced.state, [startedEvent(childId('a'), at(4))], at(4));
    expect(runOf(ours.state, 'a')).not.toHaveProperty('conflict');
    expect(ours.commands.map((c) => (c.type === 'cancel' ? `cancel ${c.submissionId}` : `start ${c.run.id}`))).toEqual([
      'cancel a',
      'start b',
    ]);
  });

  it('a foreign workflow holding the ID is rejected with the reason, never cancelled, and frees the slot', () => {
    const first = decide(makeState(), [submitEvent('a', at(1), { workflowId: 'payments/charge-42' })], at(1));
    const conflicted = decide(first.state, [conflictEvent('payments/charge-42', at(2))], at(2)).state;
    const displaced = decide(conflicted, [submitEvent('b', at(3))], at(3)).state;
    const reason = 'workflow payments/charge-42 was not started by this coordinator';
    const { state, commands } = decide(displaced, [foreignEvent('payments/charge-42', reason, at(4))], at(4));
    expect(cancelsOf(commands)).toEqual([]);
    expect(startsOf(commands).map((run) => run.id)).toEqual(['b']);
    expect(state.recent).toEqual([
      expect.objectContaining({ id: 'a', outcome: 'rejected', reason, workflowId: 'payments/charge-42' }),
    ]);
    expect(state.counters).toMatchObject({ rejected: 1, cancelRequested: 0, started: 2 });
  });

  it('ignores a conflict reported for a submission that is only queued', () => {
    const state = running({ slotRelease: 'on-close' }, ['a']);
    const queued = decide(state, [submitEvent('b', at(10))], at(10)).state;
    expectNoChange(decide(queued, [conflictEvent(childId('b'), at(11))], at(11)), queued);
  });
});

describe('children that have not got going', () => {
  it('shows why a started child waits, and clears it once it runs', () => {
    const state = running({}, ['a']);
    const waiting = decide(state, [waitingEvent(childId('a'), 'no poller on task queue previewz', at(10))], at(10));
    expect(waiting.commands).toEqual([]);
    expect(runOf(waiting.state, 'a')).toMatchObject({ waiting: 'no poller on task queue previewz' });
    expect(toView(waiting.state).running[0]).toMatchObject({ waiting: 'no poller on task queue previewz' });

    const got = decide(waiting.state, [waitingEvent(childId('a'), undefined, at(11))], at(11)).state;
    expect(runOf(got, 'a')).not.toHaveProperty('waiting');
  });

  it('keeps waiting children in their slots and leaves waiting out of the closed record', () => {
    const state = running({}, ['a']);
    const waiting = decide(state, [waitingEvent(childId('a'), 'no poller', at(10))], at(10)).state;
    const closed = decide(waiting, [closedEvent(childId('a'), 'failed', at(11))], at(11)).state;
    expect(closed.recent[0]).not.toHaveProperty('waiting');
  });

  it('ignores waiting reports for unknown or queued submissions', () => {
    const state = running({ slotRelease: 'on-close' }, ['a']);
    const queued = decide(state, [submitEvent('b', at(10))], at(10)).state;
    const events = [waitingEvent(childId('b'), 'x', at(11)), waitingEvent('nobody', 'x', at(11))];
    expectNoChange(decide(queued, events, at(11)), queued);
  });
});

describe('cancellation grace period', () => {
  it('sets terminateAfter to the cancellation request plus cancelGracePeriodMs', () => {
    const state = running({ cancelGracePeriodMs: 30_000 }, ['a']);
    const { state: after } = decide(state, [submitEvent('b', at(10))], at(10));
    expect(runOf(after, 'a')).toMatchObject({ cancelRequestedAt: at(10), terminateAfter: at(40) });
  });

  it('counts a termination at or after terminateAfter as escalated, and only that', () => {
    const state = running({ maxRuns: 3, cancelGracePeriodMs: 30_000 }, ['a', 'b', 'c']);
    const cancelled = decide(
      state,
      ['d', 'e', 'f'].map((id) => submitEvent(id, at(10))),
      at(10),
    ).state;
    const closes = [
      closedEvent(childId('a'), 'terminated', at(39)),
      closedEvent(childId('b'), 'terminated', at(40)),
      closedEvent(childId('c'), 'cancelled', at(41)),
    ];
    const closed = decide(cancelled, closes, at(41)).state;
    expect(closed.counters).toMatchObject({ terminated: 2, cancelled: 1, escalated: 1 });
    // The grace period is state, not history: the closed record keeps when it was requested, not the deadline.
    expect(closed.recent[0]).toMatchObject({ id: 'a', cancelRequestedAt: at(10) });
    expect(closed.recent[0]).not.toHaveProperty('terminateAfter');
  });

  it('shows the grace period in the state view', () => {
    expect(toView(makeState({ cancelGracePeriodMs: 1234 })).cancelGracePeriodMs).toBe(1234);
  });
});

describe('the coordinator itself is cancelled', () => {
  /** maxRuns 2, on-close: a was superseded by c (cancel requested, still open), b runs, c waits for a's slot. */
  function busy(): CoordinatorState {
    const state = running({ maxRuns: 2, slotRelease: 'on-close' }, ['a', 'b']);
    return decide(state, [submitEvent('c', at(10))], at(10)).state;
  }

  it('drops what is queued, cancels what runs, and records when', () => {
    const { state, commands } = decide(busy(), [coordinatorCancelledEvent(at(20))], at(20));
    expect(commands).toEqual([
      {
        type: 'cancel',
        workflowId: childId('b'),
        submissionId: 'b',
        runId: expect.any(String) as string,
        reason: COORDINATOR_CANCELLED_REASON,
      },
    ]);
    expect(state.recent).toEqual([
      expect.objectContaining({ id: 'c', outcome: 'dropped', reason: COORDINATOR_CANCELLED_REASON, closedAt: at(20) }),
    ]);
    expect(runOf(state, 'b')).toMatchObject({ cancelReason: COORDINATOR_CANCELLED_REASON, cancelRequestedAt: at(20) });
    // a's cancellation was requested before; it is not requested again.
    expect(runOf(state, 'a')).toMatchObject({ supersededBy: 'c', cancelRequestedAt: at(10) });
    expect(state.cancelledAt).toBe(at(20));
    expect(toView(state).cancelledAt).toBe(at(20));
    expect(state.notices.at(-1)).toEqual({
      at: at(20),
      message: `${COORDINATOR_CANCELLED_REASON}: open children cancelled, queued ones dropped`,
    });
    expect(state.counters).toMatchObject({ dropped: 1, cancelRequested: 2 });
  });

  it('starts nothing afterwards; later submissions wait for the next run, which starts them', () => {
    const cancelled = decide(busy(), [coordinatorCancelledEvent(at(20))], at(20)).state;
    const closed = decide(cancelled, [closedEvent(childId('a'), 'cancelled', at(21))], at(21));
    expect(closed.commands).toEqual([]);

    const late = decide(closed.state, [submitEvent('d', at(22)), submitEvent('e', at(22))], at(22));
    expect(late.commands).toEqual([]);
    expect(late.state.runs.map((run) => [run.id, run.seq, run.startedAt])).toEqual([
      ['b', 2, at(2)],
      ['d', 4, undefined],
      ['e', 5, undefined],
    ]);
    expect(late.state.counters.submitted).toBe(5);
    // Remembered: a retried signal of the same submission is a duplicate.
    const retried = decide(late.state, [submitEvent('d', at(23))], at(23));
    expect(retried.commands).toEqual([]);
    expect(retried.state.counters.duplicates).toBe(1);

    // The shell continues as new with them; the next run is no longer cancelled and decides as usual. b, cancelled
    // but still open, holds one of the two slots (on-close): the newest takes the other, d follows once b closed.
    const next = initialState(late.state.config, COORDINATOR_ID, toCarried(retried.state));
    const resumed = decide(next, [], at(30));
    expect(resumed.commands).toEqual([{ type: 'start', run: expect.objectContaining({ id: 'e' }) as OpenSubmission }]);
    const afterB = decide(resumed.state, [closedEvent(childId('b'), 'cancelled', at(31))], at(31));
    expect(startsOf(afterB.commands).map((run) => run.id)).toEqual(['d']);
  });

  it('keeps what waits for the next run to the newest maxRuns, as any queue', () => {
    const cancelled = decide(makeState({ maxRuns: 1 }), [coordinatorCancelledEvent(at(1))], at(1)).state;
    const { state, commands } = decide(
      cancelled,
      ['a', 'b', 'c'].map((id) => submitEvent(id, at(2))),
      at(2),
    );
    expect(commands).toEqual([]);
    expect(state.runs.map((run) => run.id)).toEqual(['c']);
    expect(state.recent.map((entry) => [entry.id, entry.outcome, entry.supersededBy])).toEqual([
      ['a', 'dropped', 'c'],
      ['b', 'dropped', 'c'],
    ]);
  });

  it('keeps the args of what waits for the next run within maxQueuedBytes (they are carried in one payload)', () => {
    const input = { maxRuns: 3, maxQueuedBytes: 1000 };
    const cancelled = decide(makeState(input), [coordinatorCancelledEvent(at(1))], at(1)).state;
    const { state } = decide(
      cancelled,
      ['a', 'b', 'c'].map((id) => submitEvent(id, at(2), { args: argsOf(600) })),
      at(2),
    );
    expect(state.runs.map((run) => run.id)).toEqual(['c']);
    expect(state.recent.map((entry) => [entry.id, entry.outcome, entry.reason])).toEqual([
      ['a', 'dropped', 'queued arguments exceeded maxQueuedBytes (1000 bytes)'],
      ['b', 'dropped', 'queued arguments exceeded maxQueuedBytes (1000 bytes)'],
    ]);
  });

  it('cancels a child whose start was not confirmed yet as soon as it is', () => {
    const started = decide(makeState(), [submitEvent('a', at(1))], at(1)).state;
    const cancelled = decide(started, [coordinatorCancelledEvent(at(2))], at(2));
    expect(cancelled.commands).toEqual([]);
    expect(runOf(cancelled.state, 'a')).toMatchObject({ cancelReason: COORDINATOR_CANCELLED_REASON });
    const confirmed = decide(cancelled.state, [startedEvent(childId('a'), at(3))], at(3));
    expect(confirmed.commands).toEqual([
      {
        type: 'cancel',
        workflowId: childId('a'),
        submissionId: 'a',
        runId: expect.any(String) as string,
        reason: COORDINATOR_CANCELLED_REASON,
      },
    ]);
  });

  it('never cancels a child whose ID turns out to be held by a foreign workflow', () => {
    const started = decide(makeState(), [submitEvent('a', at(1), { workflowId: 'other' })], at(1)).state;
    const conflicted = decide(started, [conflictEvent('other', at(2))], at(2)).state;
    const cancelled = decide(conflicted, [coordinatorCancelledEvent(at(3))], at(3));
    expect(cancelled.commands).toEqual([]);
    const foreign = decide(cancelled.state, [foreignEvent('other', 'foreign', at(4))], at(4));
    expect(foreign.commands).toEqual([]);
    expect(foreign.state.runs).toEqual([]);
    expect(foreign.state.recent).toEqual([expect.objectContaining({ id: 'a', outcome: 'rejected' })]);
  });

  it('is idempotent', () => {
    const once = decide(busy(), [coordinatorCancelledEvent(at(20))], at(20)).state;
    expectNoChange(decide(once, [coordinatorCancelledEvent(at(21))], at(21)), once);
  });

  it('drops a submission of the same batch that came before the cancellation, and keeps one that came after', () => {
    const { state, commands } = decide(
      makeState(),
      [submitEvent('a', at(1)), coordinatorCancelledEvent(at(1)), submitEvent('b', at(1))],
      at(1),
    );
    expect(commands).toEqual([]);
    expect(state.recent.map((entry) => [entry.id, entry.outcome, entry.reason])).toEqual([
      ['a', 'dropped', COORDINATOR_CANCELLED_REASON],
    ]);
    expect(state.runs.map((run) => run.id)).toEqual(['b']);
  });
});

describe('settleWithoutCommands', () => {
  it('drops displaced queued submissions and marks displaced children, but issues nothing', () => {
    const state = running({ maxRuns: 1 }, ['a']);
    // What a take-over folds: two submissions no decision has handled yet.
    const withQueued = [submitEvent('b', at(10)), submitEvent('c', at(10))].reduce(applyEvent, state);
    const settled = settleWithoutCommands(withQueued, at(11));
    expect(runOf(settled, 'a')).toMatchObject({ supersededBy: 'c' });
    expect(runOf(settled, 'a')).not.toHaveProperty('cancelRequestedAt');
    expect(runOf(settled, 'c')?.startedAt).toBeUndefined();
    expect(settled.recent).toEqual([expect.objectContaining({ id: 'b', outcome: 'dropped', supersededBy: 'c' })]);
    expect(settled.counters).toMatchObject({ started: 1, cancelRequested: 0 });
  });

  it('starts nothing and requests no cancellation for a cancelled coordinator', () => {
    const started = decide(makeState({ maxRuns: 2 }), [submitEvent('a', at(1)), submitEvent('b', at(1))], at(1));
    const confirmed = decide(started.state, [startedEvent(childId('a'), at(2))], at(2)).state;
    const cancelled = applyEvent(confirmed, coordinatorCancelledEvent(at(3)));
    const settled = settleWithoutCommands(cancelled, at(4));
    expect(settled.runs.map((run) => [run.id, run.cancelReason, run.cancelRequestedAt])).toEqual([
      ['a', COORDINATOR_CANCELLED_REASON, undefined],
      ['b', COORDINATOR_CANCELLED_REASON, undefined],
    ]);
    expect(settled.counters).toEqual(cancelled.counters);
  });
});

describe('state carried across continue-as-new', () => {
  it('carries notices and restores them', () => {
    const changed = decide(makeState(), [submitEvent('a', at(1), { config: { maxRuns: 2 } })], at(1)).state;
    const carried = toCarried(changed);
    expect(carried.notices).toEqual(changed.notices);
    expect(initialState(changed.config, COORDINATOR_ID, carried).notices).toEqual(changed.notices);
  });

  it('starts counters added later at zero for state carried by an older run', () => {
    const carried = { nextSeq: 1, runs: [], recent: [], seenIds: [], counters: { submitted: 3 } as never };
    const state = initialState(makeState().config, COORDINATOR_ID, carried);
    expect(state.counters).toMatchObject({ submitted: 3, escalated: 0, continuedAsNew: 0 });
    expect(state.notices).toEqual([]);
  });

  it('keeps queued args out of the state view', () => {
    const state = running({ slotRelease: 'on-close' }, ['a']);
    const queued = decide(state, [submitEvent('b', at(10), { args: [{ secret: 1 }] })], at(10)).state;
    expect(toView(queued).queued).toEqual([expect.not.objectContaining({ args: expect.anything() as unknown })]);
  });
});
