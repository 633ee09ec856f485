/**
 * Taking over an abandoned coordinator run (terminated, failed, timed out or cancelled with work open): the fresh run
 * folds the facts of the old run's history into the configuration and state it continues with, then decides as usual.
 */
import { describe, expect, it } from 'vitest';
import { COORDINATOR_CANCELLED_REASON, decide } from '../../src/coordinator/core/decide';
import type { CarriedState } from '../../src/coordinator/messages';
import { initialState, toCarried, type CoordinatorState } from '../../src/coordinator/core/state';
import {
  TakeOverFold,
  takeOverAbandoned,
  type AbandonedFact,
  type TakenOver,
} from '../../src/coordinator/core/take-over';
import type { CoordinatorConfig } from '../../src/coordinator/core/validation';
import {
  COORDINATOR_ID,
  at,
  cancelsOf,
  childId,
  confirmations,
  makeConfig,
  makeState,
  startedEvent,
  startsOf,
  submitEvent,
} from './support';

const submitted = (id: string, second: number, extra: Record<string, unknown> = {}): AbandonedFact => ({
  type: 'submit',
  payload: { id, workflowType: 'demoWork', args: [{ label: id }], ...extra },
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

function takeOver(config: CoordinatorConfig, facts: AbandonedFact[], carried?: CarriedState): TakenOver {
  return takeOverAbandoned(config, COORDINATOR_ID, { ...(carried && { carried }), facts }, at(100));
}

/** The state the fresh run starts from, as the workflow builds it. */
function fresh(taken: TakenOver): CoordinatorState {
  return initialState(taken.config, COORDINATOR_ID, taken.carried);
}

function runOf(taken: TakenOver, id: string) {
  return taken.carried.runs.find((run) => run.id === id);
}

describe('takeOverAbandoned', () => {
  it('rebuilds the runs, counters and sequence numbers from the facts', () => {
    const { config, carried } = takeOver(makeConfig({ maxRuns: 2 }), history);
    expect(config.maxRuns).toBe(2);
    expect(carried.runs.map((run) => [run.id, run.seq, run.runId, run.args, run.startedAt])).toEqual([
      ['a', 1, 'run-a', undefined, at(0)],
      ['b', 2, undefined, undefined, at(2)],
    ]);
    expect(carried.nextSeq).toBe(3);
    expect(carried.seenIds).toEqual(['a', 'b']);
    expect(carried.counters).toMatchObject({ submitted: 2, started: 2 });
  });

  it('marks a start it never saw confirmed as a conflict, to be verified by memo before it counts as ours', () => {
    const taken = takeOver(makeConfig({ maxRuns: 2 }), history);
    expect(runOf(taken, 'b')).toMatchObject({ conflict: true });
    expect(runOf(taken, 'a')).not.toHaveProperty('conflict');

    // Displaced, it holds its slot and is not cancelled while unverified...
    const state = fresh(taken);
    const displaced = decide(state, [submitEvent('c', at(101)), submitEvent('d', at(101))], at(101));
    expect(cancelsOf(displaced.commands).map((c) => c.submissionId)).toEqual(['a']);
    expect(startsOf(displaced.commands).map((run) => run.id)).toEqual(['d']);
    // ...until the memo check says it is this submission's child.
    const verified = decide(displaced.state, [startedEvent(childId('b'), at(102))], at(102));
    expect(cancelsOf(verified.commands).map((c) => c.submissionId)).toEqual(['b']);
    expect(startsOf(verified.commands).map((run) => run.id)).toEqual(['c']);
  });

  it('a submission no workflow task handled is decided by the fresh run: the oldest child is cancelled for it', () => {
    const taken = takeOver(makeConfig({ maxRuns: 2 }), [
      ...history,
      { type: 'started', workflowId: childId('b'), runId: 'run-b', at: at(3) },
      submitted('c', 4),
    ]);
    const decision = decide(fresh(taken), [], at(101));
    expect(cancelsOf(decision.commands)).toEqual([
      {
        type: 'cancel',
        workflowId: childId('a'),
        submissionId: 'a',
        runId: expect.any(String) as string,
        supersededBy: 'c',
      },
    ]);
    expect(startsOf(decision.commands).map((run) => run.id)).toEqual(['c']);
  });

  it('records closes, and cancellations already requested are not requested again', () => {
    const config = makeConfig({ maxRuns: 1, cancelGracePeriodMs: 60_000 });
    const taken = takeOver(config, [
      ...history,
      { type: 'started', workflowId: childId('b'), runId: 'run-b', at: at(3) },
      { type: 'closed', workflowId: childId('a'), outcome: 'completed', at: at(3) },
      submitted('c', 4),
      { type: 'superseded', workflowId: childId('b'), supersededBy: 'c' },
      { type: 'cancelRequested', workflowId: childId('b'), at: at(4) },
    ]);
    expect(taken.carried.recent.map((run) => [run.id, run.outcome])).toEqual([['a', 'completed']]);
    expect(taken.carried.counters).toMatchObject({ completed: 1, cancelRequested: 1 });
    // The grace period runs from the request in the old run.
    expect(runOf(taken, 'b')).toMatchObject({ cancelRequestedAt: at(4), terminateAfter: at(64) });
    const decision = decide(fresh(taken), [], at(101));
    expect(cancelsOf(decision.commands)).toEqual([]);
    expect(startsOf(decision.commands).map((run) => run.id)).toEqual(['c']);
  });

  it('counts a repeated cancellation request once', () => {
    const taken = takeOver(makeConfig({ maxRuns: 2 }), [
      ...history,
      { type: 'cancelRequested', workflowId: childId('a'), at: at(3) },
      { type: 'cancelRequested', workflowId: childId('a'), at: at(9) },
    ]);
    expect(runOf(taken, 'a')?.cancelRequestedAt).toBe(at(3));
  });

  it('records a failed start with its reason, and treats "already running" as a conflict to verify', () => {
    const taken = takeOver(makeConfig({ maxRuns: 2 }), [
      submitted('a', 0),
      submitted('b', 0),
      { type: 'startInitiated', workflowId: childId('a'), at: at(1) },
      { type: 'startInitiated', workflowId: childId('b'), at: at(1) },
      {
        type: 'startFailed',
        workflowId: childId('a'),
        alreadyRunning: false,
        reason: 'NAMESPACE_NOT_FOUND',
        at: at(2),
      },
      {
        type: 'startFailed',
        workflowId: childId('b'),
        alreadyRunning: true,
        reason: 'WORKFLOW_ALREADY_EXISTS',
        at: at(2),
      },
    ]);
    expect(taken.carried.recent).toEqual([
      expect.objectContaining({ id: 'a', outcome: 'failed', reason: 'NAMESPACE_NOT_FOUND' }),
    ]);
    expect(runOf(taken, 'b')).toMatchObject({ conflict: true });
    expect(runOf(taken, 'b')).not.toHaveProperty('runId');
  });

  it('starts from the state the abandoned run was continued with', () => {
    let carriedFrom = makeState({ maxRuns: 2 });
    const first = decide(carriedFrom, [submitEvent('x', at(0))], at(0));
    carriedFrom = decide(first.state, confirmations(first.commands, at(1)), at(1)).state;
    const taken = takeOver(makeConfig({ maxRuns: 2 }), [], toCarried(carriedFrom));
    expect(taken.carried.runs).toEqual(carriedFrom.runs);
    expect(taken.carried.nextSeq).toBe(carriedFrom.nextSeq);
    expect(taken.carried.counters).toEqual(carriedFrom.counters);
  });

  it('continues with the configuration the submissions set, the newest last', () => {
    const taken = takeOver(makeConfig({ maxRuns: 1 }), [
      submitted('a', 0, { config: { maxRuns: 3 } }),
      submitted('b', 1, { config: { maxRuns: 2, slotRelease: 'on-close' } }),
    ]);
    expect(taken.config).toMatchObject({ maxRuns: 2, slotRelease: 'on-close' });
    expect(taken.carried.notices?.map((notice) => notice.message)).toEqual([
      'configuration changed by submission a: maxRuns 1 → 3',
      'configuration changed by submission b: maxRuns 3 → 2, slotRelease on-cancel-request → on-close',
    ]);
    const decision = decide(fresh(taken), [], at(101));
    expect(startsOf(decision.commands).map((run) => run.id)).toEqual(['b', 'a']);
  });

  it('drops in the result what the strategy would drop anyway, so it carries no needless args', () => {
    const taken = takeOver(
      makeConfig({ maxRuns: 1 }),
      ['a', 'b', 'c'].map((id, i) => submitted(id, i)),
    );
    expect(taken.carried.runs.map((run) => run.id)).toEqual(['c']);
    expect(taken.carried.recent.map((run) => [run.id, run.outcome, run.supersededBy])).toEqual([
      ['a', 'dropped', 'c'],
      ['b', 'dropped', 'c'],
    ]);
  });
});

describe('taking over a run whose own cancellation was requested', () => {
  const cancelledHistory: AbandonedFact[] = [
    ...history,
    { type: 'started', workflowId: childId('b'), runId: 'run-b', at: at(3) },
    submitted('q', 4),
    { type: 'coordinatorCancelRequested', at: at(5) },
    submitted('late', 6),
  ];

  it('drops what was queued at the cancellation and marks open children for cancellation', () => {
    const taken = takeOver(makeConfig({ maxRuns: 2, slotRelease: 'on-close' }), cancelledHistory);
    // The abandoned run never decided q: it was still queued when the cancellation came.
    expect(taken.carried.recent.map((run) => [run.id, run.outcome, run.reason])).toEqual([
      ['q', 'dropped', COORDINATOR_CANCELLED_REASON],
    ]);
    expect(runOf(taken, 'a')).toMatchObject({ cancelReason: COORDINATOR_CANCELLED_REASON });
    expect(runOf(taken, 'b')).toMatchObject({ cancelReason: COORDINATOR_CANCELLED_REASON });
    expect(taken.carried.runs.every((run) => run.cancelRequestedAt === undefined)).toBe(true);
    // A submission that came after the cancellation is new work: it waits for the next run.
    expect(runOf(taken, 'late')).toMatchObject({ seq: 4, args: [{ label: 'late' }] });
    expect(runOf(taken, 'late')?.startedAt).toBeUndefined();
  });

  it('hands over a coordinator that is no longer cancelled: it cancels the children, then serves the key again', () => {
    const taken = takeOver(makeConfig({ maxRuns: 2 }), cancelledHistory);
    const state = fresh(taken);
    expect(state.cancelledAt).toBeUndefined();
    expect(taken.carried).not.toHaveProperty('cancelledAt');

    const decision = decide(state, [submitEvent('next', at(101))], at(101));
    expect(cancelsOf(decision.commands).map((c) => [c.submissionId, c.reason])).toEqual([
      ['a', COORDINATOR_CANCELLED_REASON],
      ['b', COORDINATOR_CANCELLED_REASON],
    ]);
    expect(startsOf(decision.commands).map((run) => run.id)).toEqual(['next', 'late']);
  });
});

describe('TakeOverFold', () => {
  it('applies the pinned policy to the configuration submissions set', () => {
    const fold = new TakeOverFold(makeConfig({ maxRuns: 1 }), COORDINATOR_ID, { maxRuns: 1 });
    fold.add(submitted('a', 0, { config: { maxRuns: 5, slotRelease: 'on-close' } }));
    expect(fold.result(at(10)).config).toMatchObject({ maxRuns: 1, slotRelease: 'on-close' });
  });

  it('starts from the configuration the abandoned run was started with', () => {
    const fold = new TakeOverFold(makeConfig({ maxRuns: 1 }), COORDINATOR_ID, undefined, {
      config: makeConfig({ maxRuns: 4 }),
    });
    expect(fold.result(at(10)).config.maxRuns).toBe(4);
  });

  it('rebases onto what the abandoned run itself took over, keeping the signals it got before', () => {
    // The abandoned run took over its own predecessor; the signals that arrived meanwhile precede that result.
    const predecessor = takeOver(makeConfig({ maxRuns: 2 }), history);
    const fold = new TakeOverFold(makeConfig({ maxRuns: 1 }), COORDINATOR_ID, undefined);
    fold.add(submitted('c', 10));
    fold.rebase(predecessor);
    const { config, carried } = fold.result(at(20));
    expect(config.maxRuns).toBe(2);
    expect(carried.runs.map((run) => [run.id, run.seq])).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    expect(carried.nextSeq).toBe(4);
  });

  it('keeps a submission the run got before its take-over completed, even after facts of a reset base run', () => {
    // Chaos seed 4242: a reset run's history first has what its base run did after the reset point (a close here),
    // then a submission, then its take-over's result; the rebase onto that result lost the submission.
    const base = takeOver(makeConfig({ maxRuns: 2 }), [submitted('a', 0)]);
    const fold = new TakeOverFold(makeConfig({ maxRuns: 2 }), COORDINATOR_ID, undefined);
    fold.add({ type: 'closed', workflowId: childId('gone'), outcome: 'completed', at: at(1) });
    fold.add(submitted('m34', 2));
    fold.rebase(base);
    const { carried } = fold.result(at(3));
    expect(carried.runs.map((run) => run.id)).toEqual(['a', 'm34']);
    expect(carried.seenIds).toEqual(['a', 'm34']);
  });

  it('keeps the children a reset base run started after the reset point when the reset run never prepared', () => {
    // Chaos seed 4242 (s661, s662, s665): a reset to the base run's first workflow task; the reset run never completed
    // one (its history: the base run's tail, the base run's signals again, its own cancellation) and the fold rebased
    // onto its predecessor's state, forgetting the base run's starts: the cancellation recorded them dropped.
    const predecessor = takeOver(makeConfig({ maxRuns: 4 }), []);
    const fold = new TakeOverFold(makeConfig({ maxRuns: 4 }), COORDINATOR_ID, undefined);
    fold.add(submitted('s657', 0));
    const start = (id: string, seq: number, second: number): AbandonedFact[] => [
      {
        type: 'startInitiated',
        workflowId: childId(id),
        at: at(second),
        submissionId: id,
        seq,
        workflowType: 'demoWork',
      },
      { type: 'started', workflowId: childId(id), runId: `run-${id}`, at: at(second) },
    ];
    const tail: AbandonedFact[] = [
      ...start('s657', 0, 1),
      ...start('s661', 1, 2),
      ...start('s662', 2, 3),
      ...start('s665', 3, 4),
      { type: 'closed', workflowId: childId('s665'), outcome: 'completed', at: at(5) },
    ];
    for (const fact of tail) fold.addFromBaseRun(fact);
    for (const id of ['s661', 's662', 's665']) fold.add(submitted(id, 6)); // the reset re-applies the base's signals
    fold.add({ type: 'coordinatorCancelRequested', at: at(7) });
    fold.rebase(predecessor, true);
    const { carried } = fold.result(at(8));
    expect(carried.recent.map((run) => [run.id, run.outcome])).toEqual([['s665', 'completed']]);
    expect(carried.runs.map((run) => [run.id, run.cancelReason])).toEqual([
      ['s657', COORDINATOR_CANCELLED_REASON],
      ['s661', COORDINATOR_CANCELLED_REASON],
      ['s662', COORDINATOR_CANCELLED_REASON],
    ]);
    expect(carried.counters).toMatchObject({ submitted: 1, started: 4, duplicates: 3, dropped: 0 });
  });

  it("a reset run that prepared read its base run whole: the base run's tail before the take-over is not applied twice", () => {
    const base = takeOver(makeConfig({ maxRuns: 2 }), history);
    const fold = new TakeOverFold(makeConfig({ maxRuns: 2 }), COORDINATOR_ID, undefined);
    fold.addFromBaseRun({ type: 'cancelRequested', workflowId: childId('a'), at: at(3) });
    fold.rebase(base);
    const { carried } = fold.result(at(4));
    expect(carried.counters.cancelRequested).toBe(0);
  });

  it('re-applies the abandoned run’s own cancellation after a rebase', () => {
    const predecessor = takeOver(makeConfig({ maxRuns: 2 }), history);
    const fold = new TakeOverFold(makeConfig({ maxRuns: 2 }), COORDINATOR_ID, undefined);
    fold.add({ type: 'coordinatorCancelRequested', at: at(10) });
    fold.rebase(predecessor);
    const { carried } = fold.result(at(20));
    expect(carried.runs.map((run) => [run.id, run.cancelReason])).toEqual([
      ['a', COORDINATOR_CANCELLED_REASON],
      ['b', COORDINATOR_CANCELLED_REASON],
    ]);
  });

  it('settling where a workflow task completed, before its start events, drops nothing that task started', () => {
    // readAbandonedRun settles at each WorkflowTaskCompleted event; the task's commands follow that event. Five
    // submissions of 250 KB with maxRuns 5: the abandoned run started four in that task (the 1 MiB start budget) and
    // the fifth in the next one.
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const args = ['x'.repeat(250_000 - 4)];
    const fold = new TakeOverFold(makeConfig({ maxRuns: 5 }), COORDINATOR_ID, undefined);
    for (const id of ids) fold.add(submitted(id, 1, { args }));
    fold.settle(at(1));
    for (const id of ['e', 'd', 'c', 'b']) {
      fold.add({ type: 'startInitiated', workflowId: childId(id), at: at(1) });
      fold.add({ type: 'started', workflowId: childId(id), runId: `run-${id}`, at: at(1) });
    }
    fold.settle(at(2));
    fold.add({ type: 'startInitiated', workflowId: childId('a'), at: at(2) });
    fold.add({ type: 'started', workflowId: childId('a'), runId: 'run-a', at: at(2) });
    const { carried } = fold.result(at(3));
    expect(carried.recent).toEqual([]);
    expect(carried.runs.map((run) => [run.id, run.runId])).toEqual(ids.map((id) => [id, `run-${id}`]));
    expect(carried.counters).toMatchObject({ submitted: 5, started: 5, dropped: 0 });
  });

  it('takes back a drop it decided when the history shows the child started, and keeps the counters consistent', () => {
    // Settled between x, w and y, the fold dropped x (maxRuns 1); the abandoned run saw y's maxRuns 3 in the same
    // task and started all three.
    const fold = new TakeOverFold(makeConfig({ maxRuns: 1 }), COORDINATOR_ID, undefined);
    fold.add(submitted('x', 1));
    fold.add(submitted('w', 1));
    fold.settle(at(1));
    fold.add(submitted('y', 1, { config: { maxRuns: 3 } }));
    for (const id of ['y', 'w', 'x']) {
      fold.add({ type: 'startInitiated', workflowId: childId(id), at: at(2) });
      fold.add({ type: 'started', workflowId: childId(id), runId: `run-${id}`, at: at(2) });
    }
    const { carried } = fold.result(at(3));
    expect(carried.runs.map((run) => [run.id, run.seq, run.runId])).toEqual([
      ['x', 1, 'run-x'],
      ['w', 2, 'run-w'],
      ['y', 3, 'run-y'],
    ]);
    expect(carried.recent).toEqual([]);
    expect(carried.counters).toMatchObject({ submitted: 3, started: 3, dropped: 0 });
  });

  it('remembers the id of a child it follows by its memo alone, so a repeat of that submission starts nothing', () => {
    // Chaos seed 2026: after two terminates the fold knew s211 only from its start's memo; s211 was sent again, the
    // fresh run started it, found its ID taken by s211's own child, adopted it, and recorded 'cancelled' twice.
    const fold = new TakeOverFold(makeConfig({ maxRuns: 2 }), COORDINATOR_ID, undefined);
    fold.add({
      type: 'startInitiated',
      workflowId: childId('q'),
      at: at(1),
      submissionId: 'q',
      seq: 7,
      workflowType: 'demoWork',
    });
    fold.add({ type: 'started', workflowId: childId('q'), runId: 'run-q', at: at(1) });
    const taken = fold.result(at(2));
    expect(taken.carried.seenIds).toContain('q');
    expect(taken.carried.nextSeq).toBe(8);
    const repeat = decide(fresh(taken), [submitEvent('q', at(3))], at(3));
    expect(startsOf(repeat.commands)).toEqual([]);
    expect(repeat.state.counters.duplicates).toBe(1);
    const closed = decide(
      repeat.state,
      [{ type: 'childClosed', workflowId: childId('q'), outcome: 'cancelled', at: at(4) }],
      at(4),
    );
    expect(closed.state.recent.filter((run) => run.id === 'q').map((run) => run.outcome)).toEqual(['cancelled']);
  });

  it('gives the same result whether settled at every decision of the abandoned run or only at the end', () => {
    // The abandoned run decided after each signal: a started, then b displaced a, then c displaced b.
    const facts: AbandonedFact[] = [
      submitted('a', 0),
      { type: 'startInitiated', workflowId: childId('a'), at: at(0) },
      { type: 'started', workflowId: childId('a'), runId: 'run-a', at: at(1) },
      submitted('b', 2),
      { type: 'superseded', workflowId: childId('a'), supersededBy: 'b' },
      { type: 'cancelRequested', workflowId: childId('a'), at: at(2) },
      { type: 'startInitiated', workflowId: childId('b'), at: at(2) },
      submitted('c', 3),
    ];
    const settledOnce = takeOver(makeConfig(), facts);
    const fold = new TakeOverFold(makeConfig(), COORDINATOR_ID, undefined);
    facts.forEach((fact, i) => {
      fold.add(fact);
      fold.settle(at(i));
    });
    // Settling now and then may only change when a drop is recorded, never what happens.
    const stepwise = fold.result(at(100));
    expect(stepwise.carried.runs).toEqual(settledOnce.carried.runs);
    expect(stepwise.carried.recent.map((run) => [run.id, run.outcome])).toEqual(
      settledOnce.carried.recent.map((run) => [run.id, run.outcome]),
    );
  });
});

describe('a start the abandoned run issued but never saw confirmed', () => {
  it('is checked by memo in the fresh run, and redone with its kept arguments if it never took place', () => {
    const config = makeConfig();
    const taken = takeOverAbandoned(
      config,
      COORDINATOR_ID,
      {
        facts: [
          { type: 'submit', payload: { id: 'a', workflowType: 'demoWork', args: [{ n: 1 }] }, at: at(1) },
          { type: 'startInitiated', workflowId: childId('a'), at: at(2), args: [{ n: 1 }] },
        ],
      },
      at(3),
    );
    const run = taken.carried.runs[0];
    expect(run).toMatchObject({ id: 'a', conflict: true, args: [{ n: 1 }] });
    const fresh = initialState(taken.config, COORDINATOR_ID, taken.carried);
    const redone = decide(fresh, [{ type: 'childNeverStarted', workflowId: childId('a'), at: at(4) }], at(4));
    expect(redone.commands).toEqual([
      { type: 'start', run: expect.objectContaining({ id: 'a', args: [{ n: 1 }] }) as unknown },
    ]);
  });
});
