/**
 * Run behaviour 4 (one outcome, the true one), on the pure core:
 * - a start that never took place, of a submission displaced meanwhile, is recorded dropped (behaviour 3 queued it
 *   again, superseded, where nothing ever started or dropped it: no outcome, a coordinator that never idles);
 * - a `dropped` record whose child ran, started by a run this history does not show (a reset of the coordinator), is
 *   corrected: reopened when the child is found running, given the child's outcome when it reports its close.
 * Each case also shows what the event does without the behaviour's flag, as recorded histories of earlier runs need.
 */
import { describe, expect, it } from 'vitest';
import { adoptChildren } from '../../src/coordinator/core/adoption';
import { decide } from '../../src/coordinator/core/decide';
import { initialState, type CoordinatorEvent, type CoordinatorState } from '../../src/coordinator/core/state';
import { takeOverAbandoned } from '../../src/coordinator/core/take-over';
import {
  COORDINATOR_ID,
  adoptedChild,
  at,
  childId,
  closedEvent,
  makeConfig,
  makeState,
  startsOf,
  submitEvent,
} from './support';

/**
 * A run took over s1's start, issued by an abandoned run and never seen confirmed (its arguments kept, so it can be
 * redone); then s2 supersedes it before the sweep has checked it: s1 is only marked.
 */
function takenOverS1(): CoordinatorState {
  const taken = takeOverAbandoned(
    makeConfig(),
    COORDINATOR_ID,
    {
      facts: [
        { type: 'submit', payload: { id: 's1', workflowType: 'demoWork', args: [{ n: 1 }] }, at: at(0) },
        { type: 'startInitiated', workflowId: childId('s1'), at: at(1), args: [{ n: 1 }] },
      ],
    },
    at(1),
  );
  return initialState(taken.config, COORDINATOR_ID, taken.carried);
}

function supersededUnconfirmed(): CoordinatorState {
  const superseded = decide(takenOverS1(), [submitEvent('s2', at(2))], at(2)).state;
  expect(superseded.runs.find((run) => run.id === 's1')).toMatchObject({ supersededBy: 's2', conflict: true });
  return superseded;
}

const neverStarted = (id: string, dropDisplaced?: boolean): CoordinatorEvent => ({
  type: 'childNeverStarted',
  workflowId: childId(id),
  at: at(3),
  ...(dropDisplaced !== undefined && { dropDisplaced }),
});

/** Every submission the coordinator accepted has one record, or is still open or queued and live. */
function accountedFor(state: CoordinatorState, ids: string[]) {
  return ids.map((id) => {
    const record = state.recent.filter((run) => run.id === id);
    const open = state.runs.find((run) => run.id === id);
    if (record.length > 0) return [id, record.map((run) => run.outcome).join('+')];
    if (!open) return [id, 'none'];
    if (open.startedAt !== undefined) return [id, 'open'];
    return [id, open.supersededBy === undefined && open.cancelReason === undefined ? 'queued' : 'stranded'];
  });
}

describe('a displaced start that never took place (dropDisplacedNeverStarted)', () => {
  it('is recorded dropped, superseded by the newer submission, and no longer counted as started', () => {
    const state = supersededUnconfirmed();
    const decision = decide(state, [neverStarted('s1', true)], at(3));
    const s1 = decision.state.recent.find((run) => run.id === 's1');
    expect(s1).toMatchObject({ outcome: 'dropped', supersededBy: 's2', reason: 'superseded by s2 before it started' });
    expect(s1?.startedAt).toBeUndefined();
    expect(decision.state.counters.dropped).toBe(1);
    // Started counts only starts that took place (or may have): s2's, if it went out, not s1's.
    expect(decision.state.counters.started).toBe(decision.state.runs.filter((run) => run.startedAt).length);
    expect(accountedFor(decision.state, ['s1', 's2'])).toEqual([
      ['s1', 'dropped'],
      ['s2', 'open'],
    ]);
  });

  it('without the flag (behaviour 3, for replay) it goes back to the queue still superseded: no outcome', () => {
    const decision = decide(supersededUnconfirmed(), [neverStarted('s1')], at(3));
    expect(accountedFor(decision.state, ['s1'])).toEqual([['s1', 'stranded']]);
  });

  it('a live one is still redone from its kept arguments', () => {
    const redone = decide(takenOverS1(), [neverStarted('s1', true)], at(3));
    expect(startsOf(redone.commands).map((run) => run.id)).toEqual(['s1']);
    expect(redone.state.recent).toEqual([]);
  });

  it('one displaced by the coordinator cancellation is dropped with that reason', () => {
    const cancelled = decide(takenOverS1(), [{ type: 'coordinatorCancelled', at: at(2) }], at(2)).state;
    const decision = decide(cancelled, [neverStarted('s1', true)], at(3));
    expect(decision.state.recent.map((run) => [run.id, run.outcome, run.reason])).toEqual([
      ['s1', 'dropped', 'the coordinator was cancelled'],
    ]);
  });
});

/** s1 and s2 at once under maxRuns 1: s1 is dropped before it started, s2 starts. */
function droppedS1(): CoordinatorState {
  const state = decide(makeState(), [submitEvent('s1', at(0)), submitEvent('s2', at(0))], at(0)).state;
  expect(state.recent.map((run) => [run.id, run.outcome])).toEqual([['s1', 'dropped']]);
  return state;
}

const childOf = adoptedChild;

describe('a dropped record whose child runs (correctDroppedThatRan)', () => {
  it('is withdrawn when the child is found running: the submission is open again and ends with its outcome', () => {
    const state = droppedS1();
    const adopted = adoptChildren(state, [childOf('s1', 0)], at(1), undefined, true);
    expect(adopted.recent).toEqual([]);
    expect(adopted.counters.dropped).toBe(0);
    expect(adopted.runs.find((run) => run.id === 's1')).toMatchObject({ startedAt: at(0), runId: 'run-s1' });
    expect(adopted.runs.find((run) => run.id === 's1')?.revived).toBeUndefined();
    expect(adopted.notices.at(-1)?.message).toContain('s1 (recorded dropped, yet started by a run');
    const closed = decide(adopted, [closedEvent(childId('s1'), 'completed', at(2))], at(2)).state;
    expect(accountedFor(closed, ['s1', 's2'])).toEqual([
      ['s1', 'completed'],
      ['s2', 'open'],
    ]);
  });

  it('through the childrenAdopted event, with the flag the shell sets', () => {
    const event: CoordinatorEvent = {
      type: 'childrenAdopted',
      children: [childOf('s1', 0)],
      lookedAt: at(1),
      at: at(1),
      reopenDropped: true,
    };
    const decision = decide(droppedS1(), [event], at(1));
    expect(decision.state.runs.map((run) => run.id)).toContain('s1');
    expect(decision.state.recent).toEqual([]);
  });

  it('without the flag the child counts as revived and the dropped record stands (behaviour 3)', () => {
    const adopted = adoptChildren(droppedS1(), [childOf('s1', 0)], at(1));
    expect(adopted.runs.find((run) => run.id === 's1')?.revived).toBe(true);
    expect(adopted.recent.map((run) => run.outcome)).toEqual(['dropped']);
  });

  it('a child of a submission that closed with a real outcome is still revived, never reopened', () => {
    const state = droppedS1();
    const closed = decide(state, [closedEvent(childId('s2'), 'completed', at(1))], at(1)).state;
    const again = adoptChildren(closed, [childOf('s2', 1)], at(2), undefined, true);
    expect(again.runs.find((run) => run.id === 's2')?.revived).toBe(true);
    expect(again.recent.map((run) => [run.id, run.outcome])).toEqual([
      ['s1', 'dropped'],
      ['s2', 'completed'],
    ]);
  });

  it('takes the outcome the child closed with, once, when the child is found closed', () => {
    const state = droppedS1();
    const ran: CoordinatorEvent = {
      type: 'droppedChildRan',
      workflowId: childId('s1'),
      outcome: 'completed',
      at: at(2),
    };
    const corrected = decide(state, [ran], at(2)).state;
    expect(corrected.recent.map((run) => [run.id, run.outcome, run.reason, run.supersededBy])).toEqual([
      ['s1', 'completed', undefined, undefined],
    ]);
    expect(corrected.counters).toMatchObject({ dropped: 0, completed: 1 });
    expect(corrected.notices.at(-1)?.message).toMatch(/s1 was recorded dropped .* ran and closed \(completed\)/);
    // A second report changes nothing: the record is no longer a dropped one.
    expect(decide(corrected, [ran], at(3)).state.recent).toEqual(corrected.recent);
  });
});
