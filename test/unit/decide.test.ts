/**
 * Example-based tests of the pure CANCEL_IN_PROGRESS core: `decide(state, events, at)` and its parts. The test
 * plays the workflow shell: it confirms starts with `childStarted` and reports closes with `childClosed`.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent, decide, reconcile } from '../../src/coordinator/core/decide';
import type { CoordinatorInput, OpenSubmission } from '../../src/coordinator/messages';
import {
  holdsSlot,
  type CoordinatorEvent,
  type CoordinatorState,
  type Decision,
} from '../../src/coordinator/core/state';
import {
  at,
  cancelsOf,
  childId,
  closedEvent,
  confirmations,
  expectNoChange,
  makeState,
  rawSubmit,
  startedEvent,
  startFailedEvent,
  startsOf,
  submitEvent,
} from './support';

/** Submits each id in its own decision and confirms every start before the next one, as a real server would. */
function submitOneByOne(
  state: CoordinatorState,
  ids: readonly string[],
): { state: CoordinatorState; decisions: Decision[] } {
  const decisions: Decision[] = [];
  ids.forEach((id, i) => {
    const decision = decide(state, [submitEvent(id, at(2 * i))], at(2 * i));
    decisions.push(decision);
    state = decide(decision.state, confirmations(decision.commands, at(2 * i + 1)), at(2 * i + 1)).state;
  });
  return { state, decisions };
}

function startedWith(input: Partial<CoordinatorInput>, ids: readonly string[]): CoordinatorState {
  return submitOneByOne(makeState(input), ids).state;
}

describe('newest wins with maxRuns 1', () => {
  it('cancels each run when the next one arrives in a later decision', () => {
    const { state, decisions } = submitOneByOne(makeState(), ['m1', 'm2', 'm3', 'm4', 'm5']);

    const cancels = decisions.flatMap((d) => cancelsOf(d.commands));
    expect(cancels).toEqual([
      {
        type: 'cancel',
        workflowId: childId('m1'),
        submissionId: 'm1',
        runId: expect.any(String) as string,
        supersededBy: 'm2',
      },
      {
        type: 'cancel',
        workflowId: childId('m2'),
        submissionId: 'm2',
        runId: expect.any(String) as string,
        supersededBy: 'm3',
      },
      {
        type: 'cancel',
        workflowId: childId('m3'),
        submissionId: 'm3',
        runId: expect.any(String) as string,
        supersededBy: 'm4',
      },
      {
        type: 'cancel',
        workflowId: childId('m4'),
        submissionId: 'm4',
        runId: expect.any(String) as string,
        supersededBy: 'm5',
      },
    ]);
    expect(decisions.map((d) => startsOf(d.commands).map((run) => run.id))).toEqual([
      ['m1'],
      ['m2'],
      ['m3'],
      ['m4'],
      ['m5'],
    ]);
    // The cancelled children stay in `runs` until they close; only m5 is still live.
    expect(state.runs.filter((run) => run.cancelRequestedAt === undefined).map((run) => run.id)).toEqual(['m5']);
    expect(state.counters).toMatchObject({ submitted: 5, started: 5, cancelRequested: 4 });
  });

  it('starts only the newest of one batch and drops the others without cancelling anything', () => {
    const ids = ['m1', 'm2', 'm3', 'm4', 'm5'];
    const { state, commands } = decide(
      makeState(),
      ids.map((id) => submitEvent(id, at(1))),
      at(1),
    );

    expect(commands.map((c) => c.type)).toEqual(['start']);
    expect(startsOf(commands)[0]).toMatchObject({ id: 'm5', seq: 5, workflowId: childId('m5'), startedAt: at(1) });
    const dropped = state.recent.filter((r) => r.outcome === 'dropped');
    expect(dropped.map((r) => r.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    for (const entry of dropped) {
      // Displaced by a newer submission of the same batch; never started, so no start time.
      expect(entry.supersededBy).toBeDefined();
      expect(ids.indexOf(entry.supersededBy as string)).toBeGreaterThan(ids.indexOf(entry.id));
      expect(entry.reason).toBe(`superseded by ${entry.supersededBy} before it started`);
      expect(entry.startedAt).toBeUndefined();
      expect(entry.closedAt).toBe(at(1));
    }
    expect(state.runs.map((run) => run.id)).toEqual(['m5']);
    expect(state.counters).toMatchObject({ submitted: 5, started: 1, dropped: 4, cancelRequested: 0 });
  });

  it('holds the slot of a displaced child until its start is confirmed, then cancels it', () => {
    // Cancelling an unconfirmed start is impossible, so the replacement must wait: no instant with two live runs.
    const first = decide(makeState(), [submitEvent('m1', at(1))], at(1));
    const second = decide(first.state, [submitEvent('m2', at(2))], at(2));
    expect(second.commands).toEqual([]);
    expect(second.state.runs.find((run) => run.id === 'm1')).toMatchObject({ supersededBy: 'm2' });
    expect(second.state.runs.find((run) => run.id === 'm1')?.cancelRequestedAt).toBeUndefined();

    const third = decide(second.state, [startedEvent(childId('m1'), at(3))], at(3));
    expect(third.commands.map((c) => [c.type, c.type === 'cancel' ? c.submissionId : c.run.id])).toEqual([
      ['cancel', 'm1'],
      ['start', 'm2'],
    ]);
    expect(third.state.counters.cancelRequested).toBe(1);
  });
});

describe('newest wins with maxRuns 10', () => {
  it('cancels the 5 oldest of 15 submissions and keeps the 10 newest', () => {
    const ids = Array.from({ length: 15 }, (_, i) => `s${i + 1}`);
    const { state, decisions } = submitOneByOne(makeState({ maxRuns: 10 }), ids);

    const cancels = decisions.flatMap((d) => cancelsOf(d.commands));
    expect(cancels.map((c) => [c.submissionId, c.supersededBy])).toEqual([
      ['s1', 's11'],
      ['s2', 's12'],
      ['s3', 's13'],
      ['s4', 's14'],
      ['s5', 's15'],
    ]);
    const live = state.runs.filter((run) => run.cancelRequestedAt === undefined).map((run) => run.id);
    expect(live).toEqual(ids.slice(5));
    expect(state.runs.filter((run) => holdsSlot(run, state.config))).toHaveLength(10);
  });
});

describe('idempotent submission ids', () => {
  it('starts nothing for a repeated id of a running submission', () => {
    const state = startedWith({}, ['a']);
    const { state: after, commands } = decide(state, [submitEvent('a', at(10))], at(10));
    expect(commands).toEqual([]);
    expect(after.runs).toEqual(state.runs);
    expect(after.nextSeq).toBe(state.nextSeq);
    expect(after.counters).toEqual({ ...state.counters, duplicates: 1 });
  });

  it('starts nothing for a repeated id within one batch', () => {
    const { state, commands } = decide(makeState(), [submitEvent('a', at(1)), submitEvent('a', at(1))], at(1));
    expect(startsOf(commands).map((run) => run.id)).toEqual(['a']);
    expect(state.counters).toMatchObject({ submitted: 1, duplicates: 1, started: 1 });
  });

  it('starts nothing for an id that already closed but is still in the dedupe window', () => {
    const running = startedWith({}, ['a']);
    const closed = decide(running, [closedEvent(childId('a'), 'completed', at(5))], at(5)).state;
    expect(closed.runs).toEqual([]);
    expect(closed.seenIds).toContain('a');

    const { state, commands } = decide(closed, [submitEvent('a', at(6))], at(6));
    expect(commands).toEqual([]);
    expect(state.runs).toEqual([]);
    expect(state.counters).toMatchObject({ submitted: 1, duplicates: 1, started: 1, completed: 1 });
    expect(state.recent.map((r) => [r.id, r.outcome])).toEqual([['a', 'completed']]);
  });

  it('starts nothing for the id of a running submission that has left the dedupe window', () => {
    // The window bounds remembered ids, but a submission still queued or running is never started twice.
    const state = startedWith({ maxRuns: 2, dedupeWindow: 1 }, ['a', 'b']);
    expect(state.seenIds).toEqual(['b']);
    const { state: after, commands } = decide(state, [submitEvent('a', at(10))], at(10));
    expect(commands).toEqual([]);
    expect(after.counters.duplicates).toBe(1);
  });

  it('accepts an id again once it has left the dedupe window', () => {
    // The window bounds the state carried across continue-as-new; older ids are forgotten on purpose.
    let state = makeState({ dedupeWindow: 2, maxRuns: 3 });
    state = decide(
      state,
      ['a', 'b', 'c'].map((id) => submitEvent(id, at(1))),
      at(1),
    ).state;
    expect(state.seenIds).toEqual(['b', 'c']);
    state = decide(
      state,
      ['a', 'b', 'c'].map((id) => closedEvent(childId(id), 'completed', at(2))),
      at(2),
    ).state;

    const { commands } = decide(state, [submitEvent('a', at(3)), submitEvent('c', at(3))], at(3));
    expect(startsOf(commands).map((run) => [run.id, run.seq])).toEqual([['a', 4]]);
  });
});

describe('malformed submissions', () => {
  const cases: [string, unknown, string][] = [
    ['null', null, 'submission must be an object, got null'],
    ['a string', 'hello', 'submission must be an object, got string "hello"'],
    ['a numeric id', { id: 5, workflowType: 'demoWork' }, 'id must be a non-empty string, got number 5'],
    ['no workflowType', { id: 'x' }, 'workflowType must be a non-empty string, got undefined'],
    ['args not an array', { id: 'x', workflowType: 'demoWork', args: { a: 1 } }, 'args must be an array, got object'],
    ['an empty id', { id: '', workflowType: 'demoWork' }, 'id must be a non-empty string, got string ""'],
    [
      'an id over 200 characters',
      { id: 'x'.repeat(201), workflowType: 'demoWork' },
      'id must be at most 200 characters, got 201',
    ],
    // Everything the server would refuse in a start command (and so fail the workflow task on every retry).
    [
      'a workflowType over 255 characters',
      { id: 'x', workflowType: 'w'.repeat(256) },
      'workflowType must be at most 255 characters, got 256',
    ],
    [
      'a workflowId over 255 characters',
      { id: 'x', workflowType: 'demoWork', workflowId: 'i'.repeat(256) },
      'workflowId must be at most 255 characters, got 256',
    ],
    [
      'a taskQueue over 255 characters',
      { id: 'x', workflowType: 'demoWork', taskQueue: 'q'.repeat(256) },
      'taskQueue must be at most 255 characters, got 256',
    ],
    [
      'a reserved /_sys/ task queue',
      { id: 'x', workflowType: 'demoWork', taskQueue: '/_sys/tq' },
      'taskQueue must not start with /_sys/ (reserved by the server)',
    ],
    [
      "the coordinator's own workflow ID",
      { id: 'x', workflowType: 'demoWork', workflowId: 'concurrency/p/k' },
      'workflowId must not start with concurrency/ (reserved for coordinators and their default child IDs)',
    ],
    [
      "another submission's default child ID",
      { id: 'x', workflowType: 'demoWork', workflowId: 'concurrency/p/k/a' },
      'workflowId must not start with concurrency/ (reserved for coordinators and their default child IDs)',
    ],
    [
      'a workflowType with a lone surrogate',
      { id: 'x', workflowType: 'demo\uD800' },
      'workflowType must be well-formed Unicode, got a string with a lone UTF-16 surrogate',
    ],
    [
      'an invalid config field',
      { id: 'x', workflowType: 'demoWork', config: { maxRuns: 0 } },
      'config.maxRuns must be an integer >= 1, got number 0',
    ],
  ];

  it.each(cases)('rejects %s with a reason naming the field, and keeps serving the key', (_, payload, reason) => {
    const rejected = decide(makeState(), [rawSubmit(payload, at(1))], at(1));
    expect(rejected.commands).toEqual([]);
    expect(rejected.state.runs).toEqual([]);
    expect(rejected.state.recent).toEqual([expect.objectContaining({ seq: 1, outcome: 'rejected', reason })]);
    expect(rejected.state.counters).toMatchObject({ rejected: 1, submitted: 0 });
    // The rejection consumed a seq, so the order of handling stays visible.
    expect(rejected.state.nextSeq).toBe(2);

    const next = decide(rejected.state, [submitEvent('good', at(2))], at(2));
    expect(startsOf(next.commands)).toEqual([expect.objectContaining({ id: 'good', seq: 2 })]);
  });

  it('records a best-effort id for a rejected submission', () => {
    const { state } = decide(
      makeState(),
      [rawSubmit({ id: 5 }), rawSubmit({ id: 'named' }), rawSubmit(null), rawSubmit({ id: '' })],
      at(1),
    );
    expect(state.recent.map((r) => [r.id, r.seq])).toEqual([
      ['5', 1],
      ['named', 2],
      ['(invalid)', 3],
      ['(invalid)', 4],
    ]);
  });

  it('does not remember a rejected id, so a corrected resubmission is accepted', () => {
    const rejected = decide(makeState(), [rawSubmit({ id: 'x', workflowType: '' })], at(1)).state;
    const { commands } = decide(rejected, [submitEvent('x', at(2))], at(2));
    expect(startsOf(commands).map((run) => run.id)).toEqual(['x']);
  });
});

describe("slotRelease: 'on-close'", () => {
  it('keeps the replacement queued until the cancelled child has closed', () => {
    const running = startedWith({ slotRelease: 'on-close' }, ['m1']);

    const cancelled = decide(running, [submitEvent('m2', at(10))], at(10));
    expect(cancelled.commands).toEqual([
      {
        type: 'cancel',
        workflowId: childId('m1'),
        submissionId: 'm1',
        runId: expect.any(String) as string,
        supersededBy: 'm2',
      },
    ]);
    expect(cancelled.state.runs.find((run) => run.id === 'm2')?.startedAt).toBeUndefined();

    // Nothing else frees the slot: a confirmation or an unrelated event changes nothing.
    const unrelated = decide(cancelled.state, [closedEvent('someone/else', 'completed', at(11))], at(11));
    expect(unrelated.commands).toEqual([]);

    const closed = decide(unrelated.state, [closedEvent(childId('m1'), 'cancelled', at(12))], at(12));
    expect(closed.commands).toEqual([
      { type: 'start', run: expect.objectContaining({ id: 'm2', startedAt: at(12) }) as OpenSubmission },
    ]);
    expect(closed.state.recent).toEqual([
      expect.objectContaining({ id: 'm1', outcome: 'cancelled', supersededBy: 'm2', cancelRequestedAt: at(10) }),
    ]);
  });

  it('drops a queued replacement that is itself superseded before the slot frees', () => {
    const running = startedWith({ slotRelease: 'on-close' }, ['m1']);
    const cancelled = decide(running, [submitEvent('m2', at(10))], at(10)).state;
    const displaced = decide(cancelled, [submitEvent('m3', at(11))], at(11));
    expect(displaced.commands).toEqual([]);
    expect(displaced.state.recent).toEqual([
      expect.objectContaining({ id: 'm2', outcome: 'dropped', supersededBy: 'm3' }),
    ]);

    const closed = decide(displaced.state, [closedEvent(childId('m1'), 'cancelled', at(12))], at(12));
    expect(startsOf(closed.commands).map((run) => run.id)).toEqual(['m3']);
  });
});

describe("slotRelease: 'on-cancel-request'", () => {
  it('starts the replacement in the same decision as the cancel, cancels first', () => {
    const running = startedWith({ slotRelease: 'on-cancel-request' }, ['m1']);
    const { commands, state } = decide(running, [submitEvent('m2', at(10))], at(10));
    expect(commands).toEqual([
      {
        type: 'cancel',
        workflowId: childId('m1'),
        submissionId: 'm1',
        runId: expect.any(String) as string,
        supersededBy: 'm2',
      },
      { type: 'start', run: expect.objectContaining({ id: 'm2', startedAt: at(10) }) as OpenSubmission },
    ]);
    expect(state.runs.find((run) => run.id === 'm1')?.cancelRequestedAt).toBe(at(10));
  });

  it('lists every cancel before every start when several runs are displaced at once', () => {
    const running = startedWith({ maxRuns: 2 }, ['a', 'b']);
    const { commands } = decide(running, [submitEvent('c', at(10)), submitEvent('d', at(10))], at(10));
    expect(commands.map((c) => c.type)).toEqual(['cancel', 'cancel', 'start', 'start']);
    expect(cancelsOf(commands).map((c) => c.submissionId)).toEqual(['a', 'b']);
    // Newest first: if only one slot were free, the newest would get it.
    expect(startsOf(commands).map((run) => run.id)).toEqual(['d', 'c']);
  });
});

describe('child closes', () => {
  it('changes nothing for an unknown workflowId', () => {
    const state = startedWith({}, ['a']);
    const decision = decide(state, [closedEvent('concurrency/p/k/nobody', 'completed', at(10))], at(10));
    expectNoChange(decision, state);
  });

  it('changes nothing for a repeated close', () => {
    // The handle's result and the interceptor's runClosed signal may both report the same close.
    const state = startedWith({}, ['a']);
    const once = decide(state, [closedEvent(childId('a'), 'completed', at(10))], at(10)).state;
    const twice = decide(once, [closedEvent(childId('a'), 'failed', at(11))], at(11));
    expectNoChange(twice, once);
    expect(once.recent).toEqual([expect.objectContaining({ id: 'a', outcome: 'completed', closedAt: at(10) })]);
  });

  it('ignores a close for a submission that is only queued', () => {
    // A child that never started cannot have closed; the close must not lose the queued submission.
    const running = startedWith({ slotRelease: 'on-close' }, ['a']);
    const queued = decide(running, [submitEvent('b', at(10))], at(10)).state;
    const after = decide(queued, [closedEvent(childId('b'), 'completed', at(11))], at(11));
    expectNoChange(after, queued);
  });

  it('records a failed start with its reason and frees the slot', () => {
    const first = decide(makeState(), [submitEvent('a', at(1))], at(1)).state;
    const waiting = decide(first, [submitEvent('b', at(2))], at(2));
    expect(waiting.commands).toEqual([]);

    const failed = decide(
      waiting.state,
      [startFailedEvent(childId('a'), 'WorkflowExecutionAlreadyStarted', at(3))],
      at(3),
    );
    expect(failed.state.recent).toEqual([
      expect.objectContaining({
        id: 'a',
        outcome: 'failed',
        reason: 'WorkflowExecutionAlreadyStarted',
        closedAt: at(3),
      }),
    ]);
    expect(startsOf(failed.commands).map((run) => run.id)).toEqual(['b']);
    expect(failed.state.counters).toMatchObject({ failed: 1, started: 2, cancelRequested: 0 });
  });

  it('counts each close outcome', () => {
    const state = startedWith({ maxRuns: 5 }, ['a', 'b', 'c', 'd', 'e']);
    const outcomes = ['completed', 'failed', 'cancelled', 'terminated', 'timedOut'] as const;
    const closes = outcomes.map((outcome, i) => closedEvent(childId(['a', 'b', 'c', 'd', 'e'][i] as string), outcome));
    const { counters, recent, runs } = decide(state, closes, at(20)).state;
    expect(runs).toEqual([]);
    expect(recent.map((r) => r.outcome)).toEqual([...outcomes]);
    expect(counters).toMatchObject({ completed: 1, failed: 1, cancelled: 1, terminated: 1, timedOut: 1 });
  });
});

describe('child workflow IDs', () => {
  it('defaults to <coordinator id>/<submission id>', () => {
    const { commands } = decide(makeState(), [submitEvent('m-1', at(1))], at(1));
    expect(startsOf(commands)[0]?.workflowId).toBe('concurrency/p/k/m-1');
  });

  it('uses a custom workflowId and task queue', () => {
    const { commands } = decide(
      makeState(),
      [submitEvent('m-1', at(1), { workflowId: 'mine', taskQueue: 'q' })],
      at(1),
    );
    expect(startsOf(commands)[0]).toMatchObject({ workflowId: 'mine', taskQueue: 'q' });
  });

  it('rejects a custom workflowId that a live run already uses', () => {
    const first = decide(makeState({ maxRuns: 2 }), [submitEvent('a', at(1), { workflowId: 'reply-a' })], at(1));
    const state = decide(first.state, confirmations(first.commands, at(2)), at(2)).state;
    const { state: after, commands } = decide(
      state,
      [submitEvent('b', at(10), { workflowId: 'reply-a' }), submitEvent('c', at(10))],
      at(10),
    );
    expect(after.recent).toEqual([
      expect.objectContaining({
        id: 'b',
        seq: 2,
        outcome: 'rejected',
        workflowId: 'reply-a',
        reason: 'workflowId reply-a is already used by submission a',
      }),
    ]);
    // The clash displaced nothing: a keeps running, and c (seq 3) takes the second slot.
    expect(commands).toEqual([{ type: 'start', run: expect.objectContaining({ id: 'c', seq: 3 }) as OpenSubmission }]);
    expect(after.runs.map((run) => run.id)).toEqual(['a', 'c']);
  });

  it('rejects a custom workflowId clashing with a queued run too', () => {
    const running = startedWith({ slotRelease: 'on-close' }, ['a']);
    const queued = decide(running, [submitEvent('b', at(10), { workflowId: 'shared' })], at(10)).state;
    const { state } = decide(queued, [submitEvent('c', at(11), { workflowId: 'shared' })], at(11));
    expect(state.recent.map((r) => [r.id, r.outcome])).toEqual([['c', 'rejected']]);
  });
});

describe('state size', () => {
  it('hands args to the start command and drops them from the state', () => {
    const args = [{ text: 'hello', n: 1 }];
    const { state, commands } = decide(makeState(), [submitEvent('a', at(1), { args })], at(1));
    expect(startsOf(commands)[0]?.args).toEqual(args);
    expect(state.runs[0]).not.toHaveProperty('args');
  });

  it('keeps args only while a run is queued', () => {
    const running = startedWith({ slotRelease: 'on-close' }, ['a']);
    const queued = decide(running, [submitEvent('b', at(10), { args: [1, 2] })], at(10)).state;
    expect(queued.runs.find((run) => run.id === 'b')?.args).toEqual([1, 2]);
  });

  it('defaults missing args to an empty list for the start command', () => {
    const { commands } = decide(makeState(), [rawSubmit({ id: 'a', workflowType: 'demoWork' })], at(1));
    expect(startsOf(commands)[0]?.args).toEqual([]);
  });

  it('bounds recent by recentLimit while the counters keep the full totals', () => {
    const ids = Array.from({ length: 10 }, (_, i) => `m${i + 1}`);
    const events: CoordinatorEvent[] = [rawSubmit(null), ...ids.map((id) => submitEvent(id))];
    const { state } = decide(makeState({ recentLimit: 3 }), events, at(1));
    expect(state.recent.map((r) => r.id)).toEqual(['m7', 'm8', 'm9']);
    expect(state.counters).toMatchObject({ submitted: 10, dropped: 9, rejected: 1, started: 1 });
  });
});

describe('applyEvent and reconcile', () => {
  it('applyEvent records a submission without deciding anything', () => {
    const state = applyEvent(makeState(), submitEvent('a', at(1)));
    expect(state.runs).toEqual([
      {
        id: 'a',
        seq: 1,
        workflowId: childId('a'),
        workflowType: 'demoWork',
        args: [{ label: 'a' }],
        // The JSON size of the args, counted against maxQueuedBytes while it waits.
        argsBytes: JSON.stringify([{ label: 'a' }]).length,
        submittedAt: at(1),
      },
    ]);
    expect(state.nextSeq).toBe(2);
    expect(state.counters.started).toBe(0);
  });

  it('applyEvent stores the run ID of a confirmed start', () => {
    const started = decide(makeState(), [submitEvent('a', at(1))], at(1)).state;
    const confirmed = applyEvent(started, startedEvent(childId('a'), at(2)));
    expect(confirmed.runs[0]).toMatchObject({ id: 'a', runId: `run-of-${childId('a')}` });
  });

  it('reconcile of a settled state is a no-op', () => {
    const state = startedWith({ maxRuns: 2 }, ['a', 'b']);
    expectNoChange(reconcile(state, at(30)), state);
  });

  it('decide is applyEvent for each event, then one reconcile', () => {
    const events = [submitEvent('a', at(1)), submitEvent('b', at(1)), rawSubmit(7, at(1))];
    const folded = events.reduce(applyEvent, makeState({ maxRuns: 2 }));
    expect(decide(makeState({ maxRuns: 2 }), events, at(1))).toEqual(reconcile(folded, at(1)));
  });
});
