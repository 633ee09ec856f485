/**
 * The input checks shared by client and coordinator. They return the problem instead of throwing (a throw in
 * workflow code wedges the key), and the problem names the field, so both sides can report it.
 */
import { describe, expect, it } from 'vitest';
import {
  CONFIG_DEFAULTS,
  MAX_DURATION_MS,
  TUNABLE_FIELDS,
  checkChildWorkflowId,
  checkTaskQueue,
  checkWorkflowType,
  describe as describeValue,
  idOfInvalidSubmission,
  parseCoordinatorInput,
  parseRunClosed,
  parseSubmission,
  parseSubmitterConfig,
  parseTunable,
  toCoordinatorInput,
} from '../../src/coordinator/core/validation';

const LONE_HIGH = '\uD800';
const LONE_LOW = '\uDC00';

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
      sweepIntervalMs: 60_000,
      continueAsNewAfterSignals: 2000,
      cancelGracePeriodMs: 300_000,
      maxArgsBytes: 262_144,
      maxQueuedBytes: 1_048_576,
    });
    expect(parsed.ok && parsed.value).not.toHaveProperty('childTaskQueue');
    expect(parsed.ok && parsed.value).not.toHaveProperty('continueAsNewAfterEvents');
    expect(parsed.ok && parsed.value).not.toHaveProperty('waitingChildTimeoutMs');
  });

  it('keeps the documented defaults', () => {
    expect(CONFIG_DEFAULTS).toEqual({
      slotRelease: 'on-cancel-request',
      idleTimeoutMs: 300_000,
      recentLimit: 100,
      dedupeWindow: 2000,
      sweepIntervalMs: 60_000,
      continueAsNewAfterSignals: 2000,
      cancelGracePeriodMs: 300_000,
      maxArgsBytes: 256 * 1024,
      maxQueuedBytes: 1024 * 1024,
    });
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
      continueAsNewAfterSignals: 100,
      cancelGracePeriodMs: 10_000,
      maxArgsBytes: 1000,
      maxQueuedBytes: 5000,
      waitingChildTimeoutMs: 30_000,
    };
    expect(parseCoordinatorInput({ ...full, note: 'from another SDK' })).toEqual({ ok: true, value: full });
  });

  it('round-trips through toCoordinatorInput (what continue-as-new passes on)', () => {
    const parsed = parseCoordinatorInput({ ...minimalInput, maxRuns: 4, waitingChildTimeoutMs: 5 });
    if (!parsed.ok) throw new Error(parsed.problem.message);
    expect(parseCoordinatorInput(toCoordinatorInput(parsed.value))).toEqual(parsed);
  });

  it.each([
    ['maxRuns', 1000],
    ['recentLimit', 1000],
    ['dedupeWindow', 10_000],
    ['continueAsNewAfterSignals', 5000],
    ['maxArgsBytes', 1024 * 1024],
    ['maxQueuedBytes', 1024 * 1024],
  ])('bounds %s at %i: the bound itself is accepted, one more is not', (field, max) => {
    const atBound = parseCoordinatorInput({ ...minimalInput, [field]: max });
    expect(atBound.ok && atBound.value).toMatchObject({ [field]: max });
    expect(parseCoordinatorInput({ ...minimalInput, [field]: max + 1 })).toEqual({
      ok: false,
      problem: { field, message: `${field} must be at most ${max}, got ${max + 1}` },
    });
  });

  it.each(['idleTimeoutMs', 'sweepIntervalMs', 'cancelGracePeriodMs', 'waitingChildTimeoutMs'])(
    'bounds %s at 30 days: longer durations overflow timers and dates, which would fail the workflow task',
    (field) => {
      expect(parseCoordinatorInput({ ...minimalInput, [field]: MAX_DURATION_MS }).ok).toBe(true);
      const parsed = parseCoordinatorInput({ ...minimalInput, [field]: Number.MAX_SAFE_INTEGER });
      expect(!parsed.ok && parsed.problem.field).toBe(field);
    },
  );

  it('accepts a policy of exactly 100 and a key of exactly 1000 characters', () => {
    expect(parseCoordinatorInput({ ...minimalInput, policy: 'p'.repeat(100), key: 'k'.repeat(1000) }).ok).toBe(true);
  });

  it('accepts keys with any well-formed Unicode, including astral characters', () => {
    expect(parseCoordinatorInput({ ...minimalInput, key: 'ü 😀 / ~ %' }).ok).toBe(true);
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
    [
      'limitStrategy',
      'QUEUE',
      'limitStrategy must be one of CANCEL_IN_PROGRESS, GROUP_ROUND_ROBIN, CANCEL_NEWEST, CANCEL_QUEUED_EXCEPT_NEWEST, CANCEL_QUEUED_EXCEPT_OLDEST, got string "QUEUE"',
    ],
    [
      'limitStrategy',
      undefined,
      'limitStrategy must be one of CANCEL_IN_PROGRESS, GROUP_ROUND_ROBIN, CANCEL_NEWEST, CANCEL_QUEUED_EXCEPT_NEWEST, CANCEL_QUEUED_EXCEPT_OLDEST, got undefined',
    ],
    ['slotRelease', 'later', 'slotRelease must be one of on-cancel-request, on-close, got string "later"'],
    ['childTaskQueue', '', 'childTaskQueue must be a non-empty string, got string ""'],
    ['idleTimeoutMs', 0, 'idleTimeoutMs must be an integer >= 1, got number 0'],
    ['recentLimit', 2.5, 'recentLimit must be an integer >= 1, got number 2.5'],
    ['dedupeWindow', [], 'dedupeWindow must be an integer >= 1, got array of length 0'],
    ['sweepIntervalMs', -5, 'sweepIntervalMs must be an integer >= 1, got number -5'],
    ['continueAsNewAfterEvents', '100', 'continueAsNewAfterEvents must be an integer >= 1, got string "100"'],
    ['policy', 'p'.repeat(101), 'policy must be at most 100 characters, got 101'],
    ['policy', 'chat/replies', 'policy must not contain \'/\', got string "chat/replies"'],
    ['policy', `chat${LONE_HIGH}`, 'policy must be well-formed Unicode, got a string with a lone UTF-16 surrogate'],
    ['key', 'k'.repeat(1001), 'key must be at most 1000 characters, got 1001'],
    ['key', `user${LONE_LOW}`, 'key must be well-formed Unicode, got a string with a lone UTF-16 surrogate'],
    ['maxRuns', 1001, 'maxRuns must be at most 1000, got 1001'],
    ['childTaskQueue', '/_sys/children', 'childTaskQueue must not start with /_sys/ (reserved by the server)'],
    ['childTaskQueue', 'q'.repeat(256), 'childTaskQueue must be at most 255 characters, got 256'],
    ['continueAsNewAfterSignals', 0, 'continueAsNewAfterSignals must be an integer >= 1, got number 0'],
    ['cancelGracePeriodMs', 0, 'cancelGracePeriodMs must be an integer >= 1, got number 0'],
    ['maxArgsBytes', 1.5, 'maxArgsBytes must be an integer >= 1, got number 1.5'],
    ['maxQueuedBytes', '1', 'maxQueuedBytes must be an integer >= 1, got string "1"'],
    ['waitingChildTimeoutMs', -1, 'waitingChildTimeoutMs must be an integer >= 1, got number -1'],
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
    const full = {
      id: 'm-1',
      workflowType: 'demoWork',
      args: [{ durationMs: 5 }],
      workflowId: 'w',
      taskQueue: 'q',
      priority: 1,
    };
    expect(parseSubmission({ ...full, colour: 'blue' })).toEqual({ ok: true, value: full });
  });

  it.each([0, 6, 2.5, '1', null])('refuses priority %j: an integer from 1 (highest) to 5', (priority) => {
    const parsed = parseSubmission({ id: 'm-1', workflowType: 'demoWork', priority });
    expect(parsed).toMatchObject({ ok: false, problem: { field: 'priority' } });
    expect(parsed.ok || parsed.problem.message).toMatch(/priority must be an integer from 1 \(highest\) to 5/);
  });

  it('parses as a run before the strategy set did: priority ignored, only CANCEL_IN_PROGRESS', () => {
    const legacy = parseSubmission({ id: 'm-1', workflowType: 'demoWork', priority: 9 }, 'cancel-in-progress');
    expect(legacy).toEqual({ ok: true, value: { id: 'm-1', workflowType: 'demoWork' } });
    const queued = { id: 'm-1', workflowType: 'demoWork', config: { limitStrategy: 'GROUP_ROUND_ROBIN' } };
    expect(parseSubmission(queued).ok).toBe(true);
    const refused = parseSubmission(queued, 'cancel-in-progress');
    expect(refused).toMatchObject({ ok: false, problem: { field: 'config.limitStrategy' } });
    expect(refused.ok || refused.problem.message).toMatch(/one of CANCEL_IN_PROGRESS, got/);
    const input = { policy: 'p', key: 'k', maxRuns: 1, limitStrategy: 'CANCEL_NEWEST' };
    expect(parseCoordinatorInput(input).ok).toBe(true);
    expect(parseCoordinatorInput(input, 'cancel-in-progress').ok).toBe(false);
  });

  it('accepts an id of exactly 200 characters', () => {
    expect(parseSubmission({ id: 'x'.repeat(200), workflowType: 'demoWork' }).ok).toBe(true);
  });

  it('accepts a workflowType, workflowId and taskQueue of exactly 255 characters', () => {
    const payload = { id: 'a', workflowType: 't'.repeat(255), workflowId: 'i'.repeat(255), taskQueue: 'q'.repeat(255) };
    expect(parseSubmission(payload)).toEqual({ ok: true, value: payload });
  });

  it('accepts well-formed surrogate pairs and IDs that merely mention the reserved prefixes', () => {
    const payload = { id: '😀', workflowType: 'w😀', workflowId: 'my/concurrency/x', taskQueue: 'q/_sys/' };
    expect(parseSubmission(payload)).toEqual({ ok: true, value: payload });
    expect(parseSubmission({ id: 'a', workflowType: 'w', workflowId: 'concurrency' }).ok).toBe(true);
  });

  it('keeps a valid config, without its unknown fields', () => {
    const config = { maxRuns: 3, slotRelease: 'on-close', cancelGracePeriodMs: 1000 };
    expect(parseSubmission({ id: 'a', workflowType: 'w', config: { ...config, color: 'blue' } })).toEqual({
      ok: true,
      value: { id: 'a', workflowType: 'w', config },
    });
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
    [
      'workflowType',
      { id: 'a', workflowType: 't'.repeat(256) },
      'workflowType must be at most 255 characters, got 256',
    ],
    [
      'workflowId',
      { id: 'a', workflowType: 'w', workflowId: 'i'.repeat(256) },
      'workflowId must be at most 255 characters, got 256',
    ],
    [
      'workflowId',
      { id: 'a', workflowType: 'w', workflowId: 'concurrency/chat/user-1' },
      'workflowId must not start with concurrency/ (reserved for coordinators and their default child IDs)',
    ],
    [
      'taskQueue',
      { id: 'a', workflowType: 'w', taskQueue: 'q'.repeat(256) },
      'taskQueue must be at most 255 characters, got 256',
    ],
    [
      'taskQueue',
      { id: 'a', workflowType: 'w', taskQueue: '/_sys/x' },
      'taskQueue must not start with /_sys/ (reserved by the server)',
    ],
    ...(['id', 'workflowType', 'workflowId', 'taskQueue'] as const).flatMap(
      (field): [string, Record<string, unknown>, string][] =>
        [`x${LONE_HIGH}`, `${LONE_LOW}x`, `${LONE_LOW}${LONE_HIGH}`].map((value) => [
          field,
          { id: 'a', workflowType: 'w', [field]: value },
          `${field} must be well-formed Unicode, got a string with a lone UTF-16 surrogate`,
        ]),
    ),
    ['config', { id: 'a', workflowType: 'w', config: 'fast' }, 'config must be an object, got string "fast"'],
    ['config', { id: 'a', workflowType: 'w', config: [1] }, 'config must be an object, got array of length 1'],
    ['config', { id: 'a', workflowType: 'w', config: null }, 'config must be an object, got null'],
    [
      'config.maxRuns',
      { id: 'a', workflowType: 'w', config: { maxRuns: 0 } },
      'config.maxRuns must be an integer >= 1, got number 0',
    ],
    [
      'config.maxRuns',
      { id: 'a', workflowType: 'w', config: { maxRuns: 1001 } },
      'config.maxRuns must be at most 1000, got 1001',
    ],
    [
      'config.slotRelease',
      { id: 'a', workflowType: 'w', config: { slotRelease: 'never' } },
      'config.slotRelease must be one of on-cancel-request, on-close, got string "never"',
    ],
    [
      'config.childTaskQueue',
      { id: 'a', workflowType: 'w', config: { childTaskQueue: '/_sys/q' } },
      'config.childTaskQueue must not start with /_sys/ (reserved by the server)',
    ],
    [
      'config.maxArgsBytes',
      { id: 'a', workflowType: 'w', config: { maxArgsBytes: 2 * 1024 * 1024 } },
      'config.maxArgsBytes must be at most 1048576, got 2097152',
    ],
  ];

  it.each(invalid)('names %s in %o', (field, payload, message) => {
    expect(parseSubmission(payload)).toEqual({ ok: false, problem: { field, message } });
  });

  it('checks the submission itself before its config', () => {
    const parsed = parseSubmission({ id: '', workflowType: 'w', config: { maxRuns: 0 } });
    expect(!parsed.ok && parsed.problem.field).toBe('id');
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

describe('parseSubmitterConfig and parseTunable', () => {
  it('accepts a missing config', () => {
    expect(parseSubmitterConfig(undefined)).toEqual({ ok: true, value: undefined });
  });

  it('keeps only the tunable fields; policy and key cannot be changed by a submitter', () => {
    expect(parseSubmitterConfig({ maxRuns: 2, policy: 'other', key: 'other', carried: {} })).toEqual({
      ok: true,
      value: { maxRuns: 2 },
    });
  });

  it('accepts every tunable field at once', () => {
    const all = {
      maxRuns: 2,
      limitStrategy: 'CANCEL_IN_PROGRESS',
      slotRelease: 'on-close',
      childTaskQueue: 'kids',
      idleTimeoutMs: 1,
      recentLimit: 1,
      dedupeWindow: 1,
      sweepIntervalMs: 1,
      continueAsNewAfterEvents: 1,
      continueAsNewAfterSignals: 1,
      cancelGracePeriodMs: 1,
      maxArgsBytes: 1,
      maxQueuedBytes: 1,
      waitingChildTimeoutMs: 1,
      maxQueued: 1,
      debounceMs: 1,
      debounceMaxWaitMs: 1,
      scheduleTimeoutMs: 1,
      maxResultBytes: 1,
    };
    expect(Object.keys(all).sort()).toEqual([...TUNABLE_FIELDS].sort());
    expect(parseSubmitterConfig(all)).toEqual({ ok: true, value: all });
  });

  it('a run from before timedQueue ignores the debounce and schedule options, as it did; one before the strategy set ignores maxQueued too', () => {
    const timed = { maxRuns: 2, maxQueued: 1, debounceMs: 1, debounceMaxWaitMs: 1, scheduleTimeoutMs: 1 };
    expect(parseSubmitterConfig(timed, 'strategy-set')).toEqual({ ok: true, value: { maxRuns: 2, maxQueued: 1 } });
    expect(parseSubmitterConfig(timed, 'cancel-in-progress')).toEqual({ ok: true, value: { maxRuns: 2 } });
    // Ignored there, so not refused either: what those runs did with a value they did not know.
    expect(parseSubmitterConfig({ debounceMs: -1 }, 'strategy-set')).toEqual({ ok: true, value: {} });
    expect(parseSubmitterConfig({ debounceMs: -1 })).toMatchObject({
      ok: false,
      problem: { field: 'config.debounceMs' },
    });
    expect(parseSubmitterConfig({ scheduleTimeoutMs: 0.5 })).toMatchObject({
      ok: false,
      problem: { field: 'config.scheduleTimeoutMs' },
    });
  });

  it('prefixes the field in problems', () => {
    expect(parseTunable({ recentLimit: 1001 }, 'pinned.')).toEqual({
      ok: false,
      problem: { field: 'pinned.recentLimit', message: 'pinned.recentLimit must be at most 1000, got 1001' },
    });
  });
});

describe('the single-value checks', () => {
  it('checkWorkflowType bounds the length only', () => {
    expect(checkWorkflowType('t', 'concurrency/x')).toBeUndefined();
    expect(checkWorkflowType('t', 'x'.repeat(256))?.message).toBe('t must be at most 255 characters, got 256');
  });

  it('checkTaskQueue refuses the reserved prefix only at the start', () => {
    expect(checkTaskQueue('q', '/_sys/')?.field).toBe('q');
    expect(checkTaskQueue('q', 'a/_sys/')).toBeUndefined();
  });

  it('checkChildWorkflowId refuses every ID under concurrency/', () => {
    expect(checkChildWorkflowId('w', 'concurrency/')?.field).toBe('w');
    expect(checkChildWorkflowId('w', 'Concurrency/p/k')).toBeUndefined();
  });
});

describe('describe', () => {
  it('never echoes a string with a lone surrogate, however short', () => {
    // The description lands in workflow state, which must stay encodable as UTF-8.
    expect(describeValue(`a${LONE_HIGH}`)).toBe('string of length 2');
    expect(describeValue('ab')).toBe('string "ab"');
  });
});

describe('idOfInvalidSubmission', () => {
  it.each([
    [{ id: 'ok' }, 'ok'],
    [{ id: 'x'.repeat(200) }, 'x'.repeat(200)],
    [{ id: 'x'.repeat(201) }, '(invalid id)'],
    [{ id: `x${LONE_HIGH}` }, '(invalid id)'],
    [{ id: 7 }, '7'],
    [{ id: false }, 'false'],
    [{ id: '' }, '(invalid)'],
    [{ id: {} }, '(invalid)'],
    [null, '(invalid)'],
    ['a string', '(invalid)'],
  ])('records %o as %s', (payload, id) => {
    expect(idOfInvalidSubmission(payload)).toBe(id);
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
      'workflowId',
      { workflowId: 'w'.repeat(256), outcome: 'completed' },
      'workflowId must be at most 255 characters, got 256',
    ],
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

describe('limits are measured in UTF-8 bytes, as the server measures them', () => {
  it('refuses a workflowId, workflowType or taskQueue of 100 "€" (300 bytes, 100 characters)', () => {
    const euros = '€'.repeat(100);
    for (const field of ['workflowId', 'workflowType', 'taskQueue']) {
      const parsed = parseSubmission({ id: 'a', workflowType: 'w', [field]: euros });
      expect(!parsed.ok && parsed.problem).toEqual({
        field,
        message: `${field} must be at most 255 bytes of UTF-8, got 300`,
      });
    }
  });

  it('refuses a policy name over 100 bytes even when it has fewer characters', () => {
    const parsed = parseCoordinatorInput({ ...minimalInput, policy: 'é'.repeat(51) });
    expect(!parsed.ok && parsed.problem.message).toBe('policy must be at most 100 bytes of UTF-8, got 102');
  });
});
