/**
 * The input checks shared by client and coordinator. They return the problem instead of throwing (a throw in
 * workflow code wedges the key), and the problem names the field, so both sides can report it.
 */
import { describe, expect, it } from 'vitest';
import {
  CONFIG_DEFAULTS,
  parseCoordinatorInput,
  parseRunClosed,
  parseSubmission,
} from '../../src/coordinator/validation';

const minimalInput = { policy: 'chat', key: 'user-1', maxRuns: 1, limitStrategy: 'CANCEL_IN_PROGRESS' };

describe('parseCoordinatorInput', () => {
  it('applies the defaults to a minimal input', () => {
    const parsed = parseCoordinatorInput(minimalInput);
    // Every default is applied, and nothing else is added.
    expect(parsed).toEqual({ ok: true, value: { ...minimalInput, ...CONFIG_DEFAULTS } });
    expect(parsed.ok && parsed.value).toMatchObject({
      slotRelease: 'on-cancel-request',
      idleTimeoutMs: 300_000,
      recentLimit: 100,
      dedupeWindow: 2000,
    });
    expect(parsed.ok && parsed.value).not.toHaveProperty('childTaskQueue');
  });

  it('keeps every given option and ignores unknown fields', () => {
    const full = {
      ...minimalInput,
      maxRuns: 3,
      childTaskQueue: 'children',
      slotRelease: 'on-close',
      idleTimeoutMs: 1000,
      recentLimit: 5,
      dedupeWindow: 10,
      sweepIntervalMs: 500,
      continueAsNewAfterEvents: 300,
    };
    expect(parseCoordinatorInput({ ...full, note: 'from another SDK' })).toEqual({ ok: true, value: full });
  });

  it('accepts state carried across continue-as-new without copying it into the config', () => {
    const carried = { nextSeq: 3, runs: [], recent: [], seenIds: ['a', 'b'], counters: {} };
    const parsed = parseCoordinatorInput({ ...minimalInput, carried });
    expect(parsed.ok && parsed.value).not.toHaveProperty('carried');
  });

  it.each([{ runs: [] }, 'state', { nextSeq: '3', runs: [], recent: [], seenIds: [], counters: {} }])(
    'rejects hand-written carried state %o',
    (carried) => {
      const parsed = parseCoordinatorInput({ ...minimalInput, carried });
      expect(!parsed.ok && parsed.problem.field).toBe('carried');
    },
  );

  const invalid: [string, unknown, string][] = [
    ['policy', '', 'policy must be a non-empty string, got string ""'],
    ['policy', 7, 'policy must be a non-empty string, got number 7'],
    ['key', undefined, 'key must be a non-empty string, got undefined'],
    ['key', '', 'key must be a non-empty string, got string ""'],
    ['maxRuns', 0, 'maxRuns must be an integer >= 1, got number 0'],
    ['maxRuns', -1, 'maxRuns must be an integer >= 1, got number -1'],
    ['maxRuns', 1.5, 'maxRuns must be an integer >= 1, got number 1.5'],
    ['maxRuns', '2', 'maxRuns must be an integer >= 1, got string "2"'],
    ['maxRuns', Number.NaN, 'maxRuns must be an integer >= 1, got number NaN'],
    ['maxRuns', undefined, 'maxRuns must be an integer >= 1, got undefined'],
    ['limitStrategy', 'QUEUE', 'limitStrategy must be one of CANCEL_IN_PROGRESS, got string "QUEUE"'],
    ['limitStrategy', undefined, 'limitStrategy must be one of CANCEL_IN_PROGRESS, got undefined'],
    ['slotRelease', 'later', 'slotRelease must be one of on-cancel-request, on-close, got string "later"'],
    ['childTaskQueue', '', 'childTaskQueue must be a non-empty string, got string ""'],
    ['idleTimeoutMs', 0, 'idleTimeoutMs must be an integer >= 1, got number 0'],
    ['recentLimit', 2.5, 'recentLimit must be an integer >= 1, got number 2.5'],
    ['dedupeWindow', [], 'dedupeWindow must be an integer >= 1, got array of length 0'],
    ['sweepIntervalMs', -5, 'sweepIntervalMs must be an integer >= 1, got number -5'],
    ['continueAsNewAfterEvents', '100', 'continueAsNewAfterEvents must be an integer >= 1, got string "100"'],
  ];

  it.each(invalid)('names %s = %o', (field, value, message) => {
    expect(parseCoordinatorInput({ ...minimalInput, [field]: value })).toEqual({
      ok: false,
      problem: { field, message },
    });
  });

  it.each([null, undefined, 'chat', 42, [minimalInput]])('rejects a non-object input %o as field "input"', (input) => {
    const parsed = parseCoordinatorInput(input);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem.field).toBe('input');
    expect(!parsed.ok && parsed.problem.message).toMatch(/^coordinator input must be an object, got /);
  });

  it('reports the first invalid field', () => {
    const parsed = parseCoordinatorInput({ policy: 'chat', key: '', maxRuns: 0, limitStrategy: 'X' });
    expect(!parsed.ok && parsed.problem.field).toBe('key');
  });
});

describe('parseSubmission', () => {
  it('accepts a minimal submission without inventing args', () => {
    expect(parseSubmission({ id: 'm-1', workflowType: 'demoWork' })).toEqual({
      ok: true,
      value: { id: 'm-1', workflowType: 'demoWork' },
    });
  });

  it('keeps every known field and ignores unknown ones', () => {
    const full = { id: 'm-1', workflowType: 'demoWork', args: [{ durationMs: 5 }], workflowId: 'w', taskQueue: 'q' };
    expect(parseSubmission({ ...full, priority: 9 })).toEqual({ ok: true, value: full });
  });

  it('accepts an id of exactly 200 characters', () => {
    expect(parseSubmission({ id: 'x'.repeat(200), workflowType: 'demoWork' }).ok).toBe(true);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['id', { workflowType: 'w' }, 'id must be a non-empty string, got undefined'],
    ['id', { id: '', workflowType: 'w' }, 'id must be a non-empty string, got string ""'],
    ['id', { id: 5, workflowType: 'w' }, 'id must be a non-empty string, got number 5'],
    ['id', { id: 'x'.repeat(201), workflowType: 'w' }, 'id must be at most 200 characters, got 201'],
    ['workflowType', { id: 'a' }, 'workflowType must be a non-empty string, got undefined'],
    ['workflowType', { id: 'a', workflowType: '' }, 'workflowType must be a non-empty string, got string ""'],
    ['args', { id: 'a', workflowType: 'w', args: 'nope' }, 'args must be an array, got string "nope"'],
    ['args', { id: 'a', workflowType: 'w', args: { 0: 1 } }, 'args must be an array, got object'],
    ['args', { id: 'a', workflowType: 'w', args: null }, 'args must be an array, got null'],
    [
      'workflowId',
      { id: 'a', workflowType: 'w', workflowId: '' },
      'workflowId must be a non-empty string, got string ""',
    ],
    ['taskQueue', { id: 'a', workflowType: 'w', taskQueue: 3 }, 'taskQueue must be a non-empty string, got number 3'],
  ];

  it.each(invalid)('names %s in %o', (field, payload, message) => {
    expect(parseSubmission(payload)).toEqual({ ok: false, problem: { field, message } });
  });

  it.each([null, undefined, 'm-1', 5, [{ id: 'a', workflowType: 'w' }]])(
    'rejects a non-object %o as "submission"',
    (payload) => {
      const parsed = parseSubmission(payload);
      expect(!parsed.ok && parsed.problem.field).toBe('submission');
      expect(!parsed.ok && parsed.problem.message).toMatch(/^submission must be an object, got /);
    },
  );

  it('describes a long string by its length, not its content', () => {
    // Keeps rejection reasons (which land in workflow state and the Web UI) small.
    const parsed = parseSubmission({ id: 'a', workflowType: 'w', args: 'y'.repeat(500) });
    expect(!parsed.ok && parsed.problem.message).toBe('args must be an array, got string of length 500');
  });
});

describe('parseRunClosed', () => {
  it.each(['completed', 'failed', 'cancelled', 'terminated', 'timedOut'])('accepts outcome %s', (outcome) => {
    expect(parseRunClosed({ workflowId: 'w', outcome, extra: 1 })).toEqual({
      ok: true,
      value: { workflowId: 'w', outcome },
    });
  });

  const invalid: [string, unknown, string][] = [
    ['runClosed', null, 'runClosed must be an object, got null'],
    ['runClosed', 'w', 'runClosed must be an object, got string "w"'],
    ['workflowId', { outcome: 'completed' }, 'workflowId must be a non-empty string, got undefined'],
    ['workflowId', { workflowId: 42, outcome: 'completed' }, 'workflowId must be a non-empty string, got number 42'],
    [
      'outcome',
      { workflowId: 'w', outcome: 'succeeded' },
      'outcome must be one of completed, failed, cancelled, terminated, timedOut, got string "succeeded"',
    ],
    [
      'outcome',
      { workflowId: 'w' },
      'outcome must be one of completed, failed, cancelled, terminated, timedOut, got undefined',
    ],
  ];

  it.each(invalid)('names %s in %o', (field, payload, message) => {
    expect(parseRunClosed(payload)).toEqual({ ok: false, problem: { field, message } });
  });
});
