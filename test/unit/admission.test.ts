/**
 * `admit()`: the checks of a well-formed submission that depend on its key and policy (default child ID length,
 * argument size, a worker's allow-lists), and how the coordinator records what it refuses.
 */
import { describe, expect, it } from 'vitest';
import { admit, defaultChildWorkflowId, type AdmissionContext } from '../../src/coordinator/core/admission';
import { decide } from '../../src/coordinator/core/decide';
import type { Submission } from '../../src/coordinator/messages';
import { COORDINATOR_ID, at, makeState, startsOf, submitEvent } from './support';

const context: AdmissionContext = { coordinatorWorkflowId: COORDINATOR_ID, maxArgsBytes: 100 };

function submission(overrides: Partial<Submission> = {}): Submission {
  return { id: 'm-1', workflowType: 'demoWork', ...overrides };
}

describe('admit: the child workflow ID', () => {
  it('defaults to <coordinator ID>/<submission id>', () => {
    expect(defaultChildWorkflowId('concurrency/p/k', 'm-1')).toBe('concurrency/p/k/m-1');
    expect(admit(submission(), context)).toEqual({ ok: true, workflowId: 'concurrency/p/k/m-1', argsBytes: 2 });
  });

  it('accepts a default ID of exactly 255 characters and refuses 256, naming the id', () => {
    // 'concurrency/p/k/' is 16 characters.
    expect(admit(submission({ id: 'x'.repeat(239) }), context)).toMatchObject({ ok: true });
    expect(admit(submission({ id: 'x'.repeat(240) }), context)).toEqual({
      ok: false,
      problem: {
        field: 'id',
        message:
          'id makes the default child workflow ID 256 bytes long (the limit is 255); ' +
          'use a shorter id or pass a workflowId',
      },
    });
  });

  it('does not measure the default ID when the submitter chose one', () => {
    const admitted = admit(submission({ id: 'x'.repeat(240), workflowId: 'mine' }), context);
    expect(admitted).toMatchObject({ ok: true, workflowId: 'mine' });
  });

  it('makes a long hashed coordinator ID refuse ids that a short one accepts', () => {
    const hashed = { ...context, coordinatorWorkflowId: `concurrency/${'p'.repeat(100)}/~${'0'.repeat(32)}` };
    expect(admit(submission({ id: 'x'.repeat(120) }), context).ok).toBe(true);
    expect(admit(submission({ id: 'x'.repeat(120) }), hashed).ok).toBe(false);
  });
});

describe('admit: the size of the args', () => {
  it('measures the args as JSON, in UTF-8 bytes', () => {
    expect(admit(submission({ args: [{ text: 'é' }] }), context)).toMatchObject({ ok: true, argsBytes: 15 });
  });

  it('accepts args of exactly maxArgsBytes and refuses one byte more', () => {
    // ["…"] is the string plus 4 bytes.
    expect(admit(submission({ args: ['a'.repeat(96)] }), context)).toMatchObject({ ok: true, argsBytes: 100 });
    expect(admit(submission({ args: ['a'.repeat(97)] }), context)).toEqual({
      ok: false,
      problem: { field: 'args', message: 'args must be at most 100 bytes as JSON (maxArgsBytes), got 101' },
    });
  });

  it('refuses args JSON cannot encode', () => {
    expect(admit(submission({ args: [1n] }), context)).toEqual({
      ok: false,
      problem: { field: 'args', message: 'args must be JSON-serializable' },
    });
  });

  it('checks the ID before the args', () => {
    const admitted = admit(submission({ id: 'x'.repeat(240), args: ['a'.repeat(500)] }), context);
    expect(!admitted.ok && admitted.problem.field).toBe('id');
  });
});

describe("admit: a worker's pinned allow-lists", () => {
  const pinned: AdmissionContext = {
    ...context,
    coordinatorTaskQueue: 'concurrency',
    pinned: { allowedWorkflowTypes: ['demoWork'], allowedTaskQueues: ['children'] },
  };

  it('admits what the lists allow', () => {
    expect(admit(submission({ taskQueue: 'children' }), pinned).ok).toBe(true);
  });

  it('refuses another workflow type, naming workflowType', () => {
    expect(admit(submission({ workflowType: 'chargeCard' }), pinned)).toEqual({
      ok: false,
      problem: {
        field: 'workflowType',
        message: "workflow type chargeCard is not allowed by the worker's pinned policy",
      },
    });
  });

  it('refuses another task queue, naming taskQueue', () => {
    expect(admit(submission({ taskQueue: 'payments' }), pinned)).toEqual({
      ok: false,
      problem: { field: 'taskQueue', message: "task queue payments is not allowed by the worker's pinned policy" },
    });
  });

  it("always allows the coordinator's own task queue", () => {
    expect(admit(submission({ taskQueue: 'concurrency' }), pinned).ok).toBe(true);
    // No queue named and no childTaskQueue: the child runs on the coordinator's queue.
    expect(admit(submission(), pinned).ok).toBe(true);
  });

  it("checks the policy's childTaskQueue when the submission names none", () => {
    expect(admit(submission(), { ...pinned, defaultTaskQueue: 'children' }).ok).toBe(true);
    expect(admit(submission(), { ...pinned, defaultTaskQueue: 'elsewhere' })).toMatchObject({
      ok: false,
      problem: { field: 'taskQueue' },
    });
  });

  it('lets everything through without a pinned policy, or with a pin that has no lists', () => {
    expect(admit(submission({ workflowType: 'x', taskQueue: 'y' }), context).ok).toBe(true);
    expect(admit(submission({ workflowType: 'x', taskQueue: 'y' }), { ...context, pinned: { maxRuns: 2 } }).ok).toBe(
      true,
    );
  });
});

describe('the coordinator applies admit() to every submission', () => {
  it('records a refused submission as rejected with the reason, and keeps serving the key', () => {
    const state = makeState({ maxArgsBytes: 100 });
    const { state: after, commands } = decide(
      state,
      [submitEvent('big', at(1), { args: ['a'.repeat(200)] }), submitEvent('small', at(1))],
      at(1),
    );
    expect(after.recent).toEqual([
      expect.objectContaining({
        id: 'big',
        seq: 1,
        outcome: 'rejected',
        reason: 'args must be at most 100 bytes as JSON (maxArgsBytes), got 204',
      }),
    ]);
    expect(startsOf(commands).map((run) => [run.id, run.seq])).toEqual([['small', 2]]);
    expect(after.counters).toMatchObject({ submitted: 1, rejected: 1, started: 1 });
  });

  it("uses the worker's pinned allow-lists and the coordinator's task queue", () => {
    const state = {
      ...makeState({ maxRuns: 5 }),
      taskQueue: 'coordinators',
      pinned: { allowedWorkflowTypes: ['demoWork'], allowedTaskQueues: ['children'] },
    };
    const { state: after, commands } = decide(
      state,
      [
        submitEvent('a', at(1), { taskQueue: 'children' }),
        submitEvent('b', at(1), { taskQueue: 'coordinators' }),
        submitEvent('c', at(1)),
        submitEvent('d', at(1), { taskQueue: 'payments' }),
        submitEvent('e', at(1), { workflowType: 'chargeCard' }),
      ],
      at(1),
    );
    expect(startsOf(commands).map((run) => run.id)).toEqual(['c', 'b', 'a']);
    expect(after.recent.map((entry) => [entry.id, entry.outcome, entry.reason])).toEqual([
      ['d', 'rejected', "task queue payments is not allowed by the worker's pinned policy"],
      ['e', 'rejected', "workflow type chargeCard is not allowed by the worker's pinned policy"],
    ]);
  });

  it('refuses an id whose default child ID would be too long', () => {
    const { state, commands } = decide(makeState(), [submitEvent('x'.repeat(200), at(1))], at(1));
    // 'concurrency/p/k/' + 200 = 216 characters: fine.
    expect(startsOf(commands)).toHaveLength(1);
    const long = { ...state, coordinatorWorkflowId: `concurrency/${'p'.repeat(100)}/~${'0'.repeat(32)}` };
    const refused = decide(long, [submitEvent('y'.repeat(200), at(2))], at(2)).state;
    expect(refused.recent.at(-1)).toMatchObject({ id: 'y'.repeat(200), outcome: 'rejected' });
    expect(refused.recent.at(-1)?.reason).toMatch(/^id makes the default child workflow ID 347 bytes long/);
  });
});
