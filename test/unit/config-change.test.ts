/**
 * Configuration that changes on purpose: every submission carries its policy's configuration, a running coordinator
 * applies what changed at once (a worker's pinned policy wins), records each change as a notice, and the next
 * reconcile enforces the new `maxRuns` and `slotRelease`.
 */
import { describe, expect, it } from 'vitest';
import { applyConfig, tunableFieldsOf } from '../../src/coordinator/core/config-change';
import { NOTICE_LIMIT } from '../../src/coordinator/core/state';
import { decide } from '../../src/coordinator/core/decide';
import type { CoordinatorInput, SubmitterConfig } from '../../src/coordinator/messages';
import { holdsSlot, isOpen, toView, type CoordinatorState } from '../../src/coordinator/core/state';
import {
  at,
  cancelsOf,
  childId,
  closedEvent,
  confirmations,
  makeState,
  rawSubmit,
  startsOf,
  submitEvent,
} from './support';

/** Submits each id in its own decision and confirms its start, so every child is open and confirmed. */
function running(input: Partial<CoordinatorInput>, ids: readonly string[]): CoordinatorState {
  let state = makeState(input);
  ids.forEach((id, i) => {
    const decision = decide(state, [submitEvent(id, at(2 * i))], at(2 * i));
    state = decide(decision.state, confirmations(decision.commands, at(2 * i + 1)), at(2 * i + 1)).state;
  });
  return state;
}

function withConfig(id: string, time: string, config: SubmitterConfig) {
  return submitEvent(id, time, { config });
}

describe('tunableFieldsOf', () => {
  it('picks the tunable fields that are set, nothing else', () => {
    expect(tunableFieldsOf(undefined)).toEqual({});
    expect(
      tunableFieldsOf({
        maxRuns: 2,
        slotRelease: undefined,
        allowedWorkflowTypes: ['w'],
        policy: 'other',
      } as SubmitterConfig),
    ).toEqual({ maxRuns: 2 });
  });
});

describe('applyConfig', () => {
  it('returns the same state when nothing changes', () => {
    const state = makeState({ maxRuns: 2 });
    expect(applyConfig(state, { maxRuns: 2, slotRelease: 'on-cancel-request' }, 'submission a', at(1))).toBe(state);
    expect(applyConfig(state, {}, 'submission a', at(1))).toBe(state);
  });

  it('changes the configuration at once and records every changed field in one notice', () => {
    const state = makeState({ maxRuns: 1 });
    const changed = applyConfig(
      state,
      { maxRuns: 3, slotRelease: 'on-close', recentLimit: 100 },
      'submission a',
      at(5),
    );
    expect(changed.config).toMatchObject({ maxRuns: 3, slotRelease: 'on-close', recentLimit: 100 });
    expect(changed.notices).toEqual([
      {
        at: at(5),
        message: 'configuration changed by submission a: maxRuns 1 → 3, slotRelease on-cancel-request → on-close',
      },
    ]);
    // Policy and key are not tunable.
    expect(changed.config).toMatchObject({ policy: 'p', key: 'k' });
  });

  it('names an optional field that was unset before', () => {
    const changed = applyConfig(makeState(), { waitingChildTimeoutMs: 1000 }, 'submission a', at(1));
    expect(changed.notices[0]?.message).toBe(
      'configuration changed by submission a: waitingChildTimeoutMs undefined → 1000',
    );
  });

  it("lets the worker's pinned fields win over the submitter's", () => {
    const state = { ...makeState({ maxRuns: 2 }), pinned: { maxRuns: 2, allowedWorkflowTypes: ['demoWork'] } };
    expect(applyConfig(state, { maxRuns: 9 }, 'submission a', at(1))).toBe(state);
    const changed = applyConfig(state, { maxRuns: 9, slotRelease: 'on-close' }, 'submission a', at(1));
    expect(changed.config).toMatchObject({ maxRuns: 2, slotRelease: 'on-close' });
    expect(changed.config).not.toHaveProperty('allowedWorkflowTypes');
  });

  it('applies a pin that differs from the running configuration (as the shell does at start with an empty patch)', () => {
    const state = { ...makeState({ maxRuns: 5 }), pinned: { maxRuns: 1 } };
    const changed = applyConfig(state, {}, "the worker's pinned policy", at(1));
    expect(changed.config.maxRuns).toBe(1);
    expect(changed.notices.at(-1)?.message).toBe("configuration changed by the worker's pinned policy: maxRuns 5 → 1");
  });

  it(`keeps the last ${NOTICE_LIMIT} notices`, () => {
    let state = makeState();
    for (let i = 1; i <= NOTICE_LIMIT + 5; i++)
      state = applyConfig(state, { maxRuns: i + 1 }, `submission ${i}`, at(i));
    expect(state.notices).toHaveLength(NOTICE_LIMIT);
    expect(state.notices.at(-1)?.message).toBe(
      `configuration changed by submission ${NOTICE_LIMIT + 5}: maxRuns ${NOTICE_LIMIT + 5} → ${NOTICE_LIMIT + 6}`,
    );
    expect(state.notices[0]?.at).toBe(at(6));
  });
});

describe('a submission that carries a configuration', () => {
  it('lowering maxRuns cancels the oldest children at once, superseded by the ones that stay', () => {
    const state = running({ maxRuns: 3 }, ['a', 'b', 'c']);
    const { state: after, commands } = decide(state, [withConfig('d', at(10), { maxRuns: 1 })], at(10));
    expect(after.config.maxRuns).toBe(1);
    expect(cancelsOf(commands).map((c) => [c.submissionId, c.supersededBy])).toEqual([
      ['a', 'd'],
      ['b', 'd'],
      ['c', 'd'],
    ]);
    expect(startsOf(commands).map((run) => run.id)).toEqual(['d']);
    expect(after.runs.filter((run) => holdsSlot(run, after.config)).map((run) => run.id)).toEqual(['d']);
    expect(toView(after).maxRuns).toBe(1);
    expect(after.notices.at(-1)?.message).toBe('configuration changed by submission d: maxRuns 3 → 1');
  });

  it('lowering maxRuns under on-close keeps the newcomer queued until the cancelled children have closed', () => {
    const state = running({ maxRuns: 2, slotRelease: 'on-close' }, ['a', 'b']);
    const lowered = decide(state, [withConfig('c', at(10), { maxRuns: 1 })], at(10));
    expect(cancelsOf(lowered.commands).map((c) => c.submissionId)).toEqual(['a', 'b']);
    expect(startsOf(lowered.commands)).toEqual([]);
    // Two children are open over a limit of one: they are leaving, and nothing new starts until they have.
    expect(lowered.state.runs.filter(isOpen)).toHaveLength(2);

    const oneClosed = decide(lowered.state, [closedEvent(childId('a'), 'cancelled', at(11))], at(11));
    expect(oneClosed.commands).toEqual([]);
    const bothClosed = decide(oneClosed.state, [closedEvent(childId('b'), 'cancelled', at(12))], at(12));
    expect(startsOf(bothClosed.commands).map((run) => run.id)).toEqual(['c']);
  });

  it('lowering maxRuns keeps an unconfirmed child in its slot until its start is confirmed', () => {
    const first = decide(makeState({ maxRuns: 2 }), [submitEvent('a', at(1)), submitEvent('b', at(1))], at(1));
    const lowered = decide(first.state, [withConfig('c', at(2), { maxRuns: 1 })], at(2));
    // Neither start is confirmed: nothing can be cancelled, so nothing new starts.
    expect(lowered.commands).toEqual([]);
    const confirmed = decide(lowered.state, confirmations(first.commands, at(3)), at(3));
    expect(
      confirmed.commands.map((c) => (c.type === 'cancel' ? `cancel ${c.submissionId}` : `start ${c.run.id}`)),
    ).toEqual(['cancel a', 'cancel b', 'start c']);
  });

  it('raising maxRuns starts queued submissions at once', () => {
    const state = running({ maxRuns: 1, slotRelease: 'on-close' }, ['a']);
    const queued = decide(state, [submitEvent('b', at(10))], at(10));
    expect(cancelsOf(queued.commands).map((c) => c.submissionId)).toEqual(['a']);
    expect(startsOf(queued.commands)).toEqual([]);

    const raised = decide(queued.state, [withConfig('c', at(11), { maxRuns: 3 })], at(11));
    // a still holds its slot (on-close) but two are free: c and b start, newest first.
    expect(startsOf(raised.commands).map((run) => run.id)).toEqual(['c', 'b']);
    expect(cancelsOf(raised.commands)).toEqual([]);
  });

  it('flipping to on-close makes cancelled children hold their slots again', () => {
    const state = running({ maxRuns: 1 }, ['a']);
    const replaced = decide(state, [submitEvent('b', at(10))], at(10));
    // on-cancel-request: b starts in the same decision as a's cancellation.
    expect(startsOf(replaced.commands).map((run) => run.id)).toEqual(['b']);
    const afterB = decide(replaced.state, confirmations(replaced.commands, at(11)), at(11)).state;

    const flipped = decide(afterB, [withConfig('c', at(12), { slotRelease: 'on-close' })], at(12));
    expect(cancelsOf(flipped.commands).map((c) => c.submissionId)).toEqual(['b']);
    // a and b are both still open: c waits for both to close.
    expect(startsOf(flipped.commands)).toEqual([]);
    const aClosed = decide(flipped.state, [closedEvent(childId('a'), 'cancelled', at(13))], at(13));
    expect(aClosed.commands).toEqual([]);
    const bClosed = decide(aClosed.state, [closedEvent(childId('b'), 'cancelled', at(14))], at(14));
    expect(startsOf(bClosed.commands).map((run) => run.id)).toEqual(['c']);
  });

  it('flipping to on-cancel-request starts a submission that waited for a cancelled child to close', () => {
    const state = running({ maxRuns: 1, slotRelease: 'on-close' }, ['a']);
    const queued = decide(state, [submitEvent('b', at(10))], at(10)).state;
    const flipped = decide(queued, [withConfig('c', at(11), { slotRelease: 'on-cancel-request' })], at(11));
    // c is newest: it displaces the queued b and takes the slot a released by its cancellation request.
    expect(startsOf(flipped.commands).map((run) => run.id)).toEqual(['c']);
    expect(flipped.state.recent).toEqual([expect.objectContaining({ id: 'b', outcome: 'dropped', supersededBy: 'c' })]);
  });

  it('applies its configuration before its own admission', () => {
    const big = { args: ['a'.repeat(300_000)] };
    const refused = decide(makeState(), [submitEvent('a', at(1), big)], at(1));
    expect(refused.state.recent[0]).toMatchObject({ id: 'a', outcome: 'rejected' });
    const admitted = decide(
      makeState(),
      [submitEvent('a', at(1), { ...big, config: { maxArgsBytes: 400_000 } })],
      at(1),
    );
    expect(startsOf(admitted.commands).map((run) => run.id)).toEqual(['a']);
  });

  it('applies a configuration later in the same batch before deciding', () => {
    const { commands, state } = decide(
      makeState({ maxRuns: 1 }),
      [submitEvent('a', at(1)), submitEvent('b', at(1)), withConfig('c', at(1), { maxRuns: 3 })],
      at(1),
    );
    expect(startsOf(commands).map((run) => run.id)).toEqual(['c', 'b', 'a']);
    expect(state.counters.dropped).toBe(0);
  });

  it('ignores the configuration of a duplicate and of an invalid submission', () => {
    const state = running({ maxRuns: 2 }, ['a']);
    const duplicate = decide(state, [withConfig('a', at(10), { maxRuns: 5 })], at(10)).state;
    expect(duplicate.config.maxRuns).toBe(2);
    const invalid = decide(
      state,
      [rawSubmit({ id: 'b', workflowType: 'demoWork', config: { maxRuns: 5, slotRelease: 'never' } }, at(10))],
      at(10),
    ).state;
    expect(invalid.config.maxRuns).toBe(2);
    expect(invalid.notices).toEqual([]);
  });

  it("is overridden by the worker's pinned policy", () => {
    const state = { ...running({ maxRuns: 1 }, ['a']), pinned: { maxRuns: 1 } };
    const { state: after, commands } = decide(state, [withConfig('b', at(10), { maxRuns: 5 })], at(10));
    expect(after.config.maxRuns).toBe(1);
    expect(after.notices).toEqual([]);
    expect(cancelsOf(commands).map((c) => c.submissionId)).toEqual(['a']);
  });
});
