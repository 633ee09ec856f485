/**
 * Client-side checks that need no server: policy and submission validation (a typed error naming the field,
 * before any network call), the signalWithStart call `submit` makes, and the coordinator workflow ID scheme.
 */
import { createHash } from 'node:crypto';
import type { Client } from '@temporalio/client';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConcurrencyInputError,
  coordinatorWorkflowId,
  defineConcurrencyPolicy,
  prepareSubmission,
  submit,
  type ConcurrencyPolicy,
  type SubmitOptions,
} from '../../src/client';
import { admit } from '../../src/coordinator/core/admission';
import { looksLikeCoordinatorId } from '../../src/coordinator/core/limits';
import { COORDINATOR_WORKFLOW_TYPE, submitSignal } from '../../src/coordinator/messages';
import { CONFIG_DEFAULTS, parseSubmission } from '../../src/coordinator/core/validation';

interface ChatMessage {
  userId: string;
  text: string;
}

// eslint-disable-next-line @typescript-eslint/require-await
async function chatReply(message: ChatMessage): Promise<string> {
  return message.text;
}

const validPolicy: ConcurrencyPolicy<ChatMessage> = {
  name: 'chat',
  maxRuns: 1,
  limitStrategy: 'CANCEL_IN_PROGRESS',
  key: (message) => message.userId,
};

const message: ChatMessage = { userId: 'user 1', text: 'hello' };

/** A policy with some fields replaced by values the types forbid, as plain-JS callers can pass. */
function policyWith(overrides: Record<string, unknown>): ConcurrencyPolicy<ChatMessage> {
  return { ...validPolicy, ...overrides };
}

function optionsWith(overrides: Record<string, unknown>): SubmitOptions<typeof chatReply> {
  const options: SubmitOptions<typeof chatReply> = {
    policy: validPolicy,
    workflow: chatReply,
    args: [message],
    id: 'm-1',
  };
  return { ...options, ...overrides };
}

/** Runs `fn` and returns the ConcurrencyInputError it must throw. */
function inputErrorOf(fn: () => unknown): ConcurrencyInputError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConcurrencyInputError);
    return err as ConcurrencyInputError;
  }
  throw new Error('expected a ConcurrencyInputError, nothing was thrown');
}

/** A Temporal client stand-in that records every signalWithStart and never touches the network. */
function fakeClient() {
  const calls: { workflowType: string; options: Record<string, unknown> }[] = [];
  const client = {
    workflow: {
      signalWithStart(workflowType: string, options: Record<string, unknown>) {
        calls.push({ workflowType, options });
        return Promise.resolve({ workflowId: options.workflowId });
      },
    },
  };
  return { client: client as unknown as Client, calls };
}

const invalidPolicies: [string, Record<string, unknown>][] = [
  ['maxRuns', { maxRuns: 0 }],
  ['maxRuns', { maxRuns: 1.5 }],
  ['maxRuns', { maxRuns: '2' }],
  ['maxRuns', { maxRuns: -1 }],
  ['key', { key: 'userId' }],
  ['key', { key: undefined }],
  ['limitStrategy', { limitStrategy: 'QUEUE' }],
  ['name', { name: '' }],
  ['name', { name: 'chat/replies' }],
];

describe('defineConcurrencyPolicy', () => {
  it('returns the policy, frozen', () => {
    const policy = defineConcurrencyPolicy(validPolicy);
    expect(policy).toEqual(validPolicy);
    expect(Object.isFrozen(policy)).toBe(true);
  });

  it.each(invalidPolicies)('throws a ConcurrencyInputError naming %s for %o', (field, overrides) => {
    const err = inputErrorOf(() => defineConcurrencyPolicy(policyWith(overrides)));
    expect(err.field).toBe(field);
    expect(err.name).toBe('ConcurrencyInputError');
    // A TypeError, so generic handlers of bad arguments catch it too.
    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toContain(field);
  });

  it('keeps the offending value on the error', () => {
    expect(inputErrorOf(() => defineConcurrencyPolicy(policyWith({ maxRuns: '2' }))).value).toBe('2');
  });

  it('reports an empty name as "name", not as the coordinator input field "policy"', () => {
    expect(inputErrorOf(() => defineConcurrencyPolicy(policyWith({ name: '' }))).message).toBe(
      'name must be a non-empty string, got string ""',
    );
  });
});

/** The configuration every submission of `validPolicy` carries: all tunable fields, defaults applied. */
const validConfig = { maxRuns: 1, limitStrategy: 'CANCEL_IN_PROGRESS', ...CONFIG_DEFAULTS };

describe('prepareSubmission', () => {
  it('returns the coordinator input, the submission and the coordinator workflow ID', () => {
    expect(prepareSubmission(optionsWith({}))).toEqual({
      coordinatorInput: { policy: 'chat', key: 'user 1', maxRuns: 1, limitStrategy: 'CANCEL_IN_PROGRESS' },
      submission: { id: 'm-1', workflowType: 'chatReply', args: [message], config: validConfig },
      coordinatorWorkflowId: 'concurrency/chat/user%201',
    });
  });

  it("carries the policy's whole configuration, so a running coordinator applies a changed one", () => {
    const policy = policyWith({
      maxRuns: 3,
      slotRelease: 'on-close',
      childTaskQueue: 'kids',
      cancelGracePeriodMs: 1000,
      waitingChildTimeoutMs: 5000,
      maxArgsBytes: 2048,
    });
    expect(prepareSubmission(optionsWith({ policy })).submission.config).toEqual({
      ...validConfig,
      maxRuns: 3,
      slotRelease: 'on-close',
      childTaskQueue: 'kids',
      cancelGracePeriodMs: 1000,
      waitingChildTimeoutMs: 5000,
      maxArgsBytes: 2048,
    });
  });

  it('produces a submission the coordinator accepts as it is', () => {
    const { submission, coordinatorWorkflowId: coordinatorId } = prepareSubmission(optionsWith({}));
    expect(parseSubmission(submission)).toEqual({ ok: true, value: submission });
    expect(
      admit(submission, { coordinatorWorkflowId: coordinatorId, maxArgsBytes: CONFIG_DEFAULTS.maxArgsBytes }),
    ).toEqual({ ok: true, workflowId: 'concurrency/chat/user%201/m-1', argsBytes: JSON.stringify([message]).length });
  });

  it('takes the workflow type by name and defaults the id to a UUID', () => {
    const { submission } = prepareSubmission(optionsWith({ workflow: 'otherWorkflow', id: undefined }));
    expect(submission.workflowType).toBe('otherWorkflow');
    expect(submission.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('passes the child workflowId and taskQueue through', () => {
    const { submission } = prepareSubmission(optionsWith({ workflowId: 'reply-m-1', taskQueue: 'replies' }));
    expect(submission).toMatchObject({ workflowId: 'reply-m-1', taskQueue: 'replies' });
  });

  it('carries the policy options into the coordinator input', () => {
    const policy = policyWith({ maxRuns: 2, slotRelease: 'on-close', childTaskQueue: 'kids', idleTimeoutMs: 1000 });
    expect(prepareSubmission(optionsWith({ policy })).coordinatorInput).toEqual({
      policy: 'chat',
      key: 'user 1',
      maxRuns: 2,
      limitStrategy: 'CANCEL_IN_PROGRESS',
      slotRelease: 'on-close',
      childTaskQueue: 'kids',
      idleTimeoutMs: 1000,
    });
  });

  const invalidOptions: [string, string, Record<string, unknown>][] = [
    ...invalidPolicies.map(([field, overrides]): [string, string, Record<string, unknown>] => [
      field,
      `policy ${JSON.stringify(overrides)}`,
      { policy: policyWith(overrides) },
    ]),
    ['key', 'key(input) returning ""', { policy: policyWith({ key: () => '' }) }],
    ['key', 'key(input) returning a number', { policy: policyWith({ key: () => 42 }) }],
    ['key', 'key(input) reading a missing input', { args: [] }],
    [
      'key',
      'key(input) throwing',
      {
        policy: policyWith({
          key: () => {
            throw new Error('no user');
          },
        }),
      },
    ],
    ['workflow', 'no workflow', { workflow: undefined }],
    ['workflow', 'an empty workflow type', { workflow: '' }],
    ['args', 'args not an array', { args: message }],
    ['id', 'an empty id', { id: '' }],
    ['id', 'an id over 200 characters', { id: 'x'.repeat(201) }],
    ['id', 'an id with a lone surrogate', { id: 'm\uD800' }],
    // Everything the server would refuse in the coordinator's start command.
    ['workflow', 'a workflow type over 255 characters', { workflow: 'w'.repeat(256) }],
    ['workflowId', 'a workflowId over 255 characters', { workflowId: 'i'.repeat(256) }],
    ['workflowId', 'a workflowId naming a coordinator', { workflowId: 'concurrency/chat/user%202' }],
    ['workflowId', "a workflowId naming another submission's child", { workflowId: 'concurrency/chat/user%201/m-0' }],
    ['workflowId', 'a workflowId with a lone surrogate', { workflowId: 'reply-\uDC00' }],
    ['taskQueue', 'a reserved task queue', { taskQueue: '/_sys/replies' }],
    ['taskQueue', 'a task queue over 255 characters', { taskQueue: 'q'.repeat(256) }],
    ['args', 'args over maxArgsBytes', { args: [{ userId: 'u', text: 'x'.repeat(300_000) }] }],
    ['args', 'args JSON cannot encode', { args: [{ userId: 'u', text: 'hi', n: 1n }] }],
    // The default child ID `<coordinator ID>/<id>` would exceed 255 characters.
    [
      'id',
      'an id too long for the default child ID',
      { args: [{ userId: 'u'.repeat(150), text: 'hi' }], id: 'x'.repeat(100) },
    ],
    ['key', 'a key with a lone surrogate', { args: [{ userId: 'user-\uD800', text: 'hi' }] }],
    ['key', 'a key over 1000 characters', { args: [{ userId: 'u'.repeat(1001), text: 'hi' }] }],
    ['name', 'a policy name over 100 characters', { policy: policyWith({ name: 'p'.repeat(101) }) }],
    ['maxRuns', 'maxRuns over 1000', { policy: policyWith({ maxRuns: 1001 }) }],
    ['recentLimit', 'recentLimit over 1000', { policy: policyWith({ recentLimit: 1001 }) }],
    ['maxArgsBytes', 'maxArgsBytes over 1 MiB', { policy: policyWith({ maxArgsBytes: 2 * 1024 * 1024 }) }],
    ['taskQueue', "a reserved coordinators' task queue", { policy: policyWith({ taskQueue: '/_sys/c' }) }],
    ['childTaskQueue', 'a reserved childTaskQueue', { policy: policyWith({ childTaskQueue: '/_sys/c' }) }],
  ];

  it('computes maxRuns from the input when the policy gives a function: start input and submission carry it', () => {
    const policy = defineConcurrencyPolicy<ChatMessage>({
      ...validPolicy,
      limitStrategy: 'GROUP_ROUND_ROBIN',
      maxRuns: (m) => (m.text === 'bulk' ? 4 : 1),
    });
    const bulk = prepareSubmission(optionsWith({ policy, args: [{ ...message, text: 'bulk' }] }));
    expect(bulk.coordinatorInput.maxRuns).toBe(4);
    expect(bulk.submission.config?.maxRuns).toBe(4);
    expect(prepareSubmission(optionsWith({ policy })).submission.config?.maxRuns).toBe(1);
  });

  it('names maxRuns when its function throws or returns something the coordinator would refuse', () => {
    const throwing = policyWith({
      maxRuns: () => {
        throw new Error('no plan');
      },
    });
    const thrown = inputErrorOf(() => prepareSubmission(optionsWith({ policy: throwing })));
    expect([thrown.field, thrown.message]).toEqual(['maxRuns', 'policy chat: maxRuns(input) threw: Error: no plan']);
    const zero = inputErrorOf(() => prepareSubmission(optionsWith({ policy: policyWith({ maxRuns: () => 0 }) })));
    expect(zero.field).toBe('maxRuns');
    expect(zero.message).toMatch(/^policy chat: maxRuns\(input\) returned: maxRuns must be an integer >= 1/);
  });

  it.each(invalidOptions)('throws a ConcurrencyInputError naming %s for %s', (field, _, overrides) => {
    const err = inputErrorOf(() => prepareSubmission(optionsWith(overrides)));
    expect(err.field).toBe(field);
    expect(err.message).not.toBe('');
  });

  it('accepts an id whose default child ID is exactly 255 characters, and refuses one more', () => {
    // With a key of 60 characters the coordinator ID is 77 characters: ids of up to 177 fit.
    const args = [{ userId: 'u'.repeat(60), text: 'hi' }];
    const prepared = prepareSubmission(optionsWith({ args, id: 'x'.repeat(177) }));
    expect(`${prepared.coordinatorWorkflowId}/${prepared.submission.id}`).toHaveLength(255);
    const err = inputErrorOf(() => prepareSubmission(optionsWith({ args, id: 'x'.repeat(178) })));
    expect(err.field).toBe('id');
    expect(err.message).toMatch(/^id makes the default child workflow ID 256 bytes long/);
  });

  it("lets a policy's maxArgsBytes decide how large the args may be", () => {
    const args = [{ userId: 'u', text: 'x'.repeat(300_000) }];
    const policy = policyWith({ maxArgsBytes: 512 * 1024 });
    expect(prepareSubmission(optionsWith({ policy, args })).submission.config?.maxArgsBytes).toBe(512 * 1024);
    const err = inputErrorOf(() => prepareSubmission(optionsWith({ args })));
    expect(err.message).toMatch(/^args must be at most 262144 bytes as JSON \(maxArgsBytes\), got 3000\d\d$/);
  });

  it('reports a key with a lone surrogate as a ConcurrencyInputError, not a URIError', () => {
    const err = inputErrorOf(() => prepareSubmission(optionsWith({ args: [{ userId: '\uDC00', text: 'hi' }] })));
    expect(err.message).toBe(
      'policy chat: key(input) must return a non-empty, well-formed string, got a string with a lone surrogate',
    );
  });

  it('names the policy and the cause when key(input) throws', () => {
    const policy = policyWith({
      key: () => {
        throw new Error('no user');
      },
    });
    expect(inputErrorOf(() => prepareSubmission(optionsWith({ policy }))).message).toBe(
      'policy chat: key(input) threw: Error: no user',
    );
  });
});

describe('submit', () => {
  it.each([
    ['maxRuns', { policy: policyWith({ maxRuns: 0 }) }],
    ['key', { policy: policyWith({ key: () => '' }) }],
    ['args', { args: 'hello' }],
    ['id', { id: '' }],
    ['workflow', { workflow: '' }],
  ])('rejects invalid input (%s) before any call to the server', async (field, overrides) => {
    const { client, calls } = fakeClient();
    await expect(submit(client, optionsWith(overrides))).rejects.toSatisfy(
      (err) => err instanceof ConcurrencyInputError && err.field === field,
    );
    expect(calls).toEqual([]);
  });

  it('signal-with-starts the key coordinator with the submit signal', async () => {
    const { client, calls } = fakeClient();
    const result = await submit(client, optionsWith({}));

    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.workflowType).toBe('concurrencyCoordinator');
    expect(call?.workflowType).toBe(COORDINATOR_WORKFLOW_TYPE);
    expect(call?.options).toMatchObject({
      workflowId: 'concurrency/chat/user%201',
      taskQueue: 'concurrency',
      args: [{ policy: 'chat', key: 'user 1', maxRuns: 1, limitStrategy: 'CANCEL_IN_PROGRESS' }],
      signalArgs: [{ id: 'm-1', workflowType: 'chatReply', args: [message], config: validConfig }],
    });
    expect(call?.options.signal).toBe(submitSignal);
    expect((call?.options.signal as { name: string }).name).toBe('submit');
    expect(result).toEqual({
      submissionId: 'm-1',
      coordinatorWorkflowId: 'concurrency/chat/user%201',
      childWorkflowId: 'concurrency/chat/user%201/m-1',
    });
  });

  it("uses the policy's task queue and reports a custom child workflowId", async () => {
    const { client, calls } = fakeClient();
    const policy = policyWith({ taskQueue: 'coordinators' });
    const result = await submit(client, optionsWith({ policy, workflowId: 'reply-m-1' }));
    expect(calls[0]?.options.taskQueue).toBe('coordinators');
    expect(result.childWorkflowId).toBe('reply-m-1');
  });
});

describe('coordinatorWorkflowId', () => {
  const hashed = (policy: string, key: string) =>
    `concurrency/${policy}/~${createHash('sha256').update(key).digest('hex').slice(0, 32)}`;

  it('URI-encodes the key', () => {
    expect(coordinatorWorkflowId('chat', 'user 1')).toBe('concurrency/chat/user%201');
    expect(coordinatorWorkflowId('chat', 'a/b?c')).toBe('concurrency/chat/a%2Fb%3Fc');
  });

  it('keeps a readable ID of exactly 200 characters', () => {
    // 'concurrency/chat/' is 17 characters.
    const key = 'k'.repeat(183);
    expect(coordinatorWorkflowId('chat', key)).toBe(`concurrency/chat/${key}`);
    expect(coordinatorWorkflowId('chat', key)).toHaveLength(200);
  });

  it('replaces a key that makes the ID longer than 200 characters by its hash', () => {
    const key = 'k'.repeat(184);
    expect(coordinatorWorkflowId('chat', key)).toBe(hashed('chat', key));
    expect(coordinatorWorkflowId('chat', key)).toMatch(/^concurrency\/chat\/~[0-9a-f]{32}$/);
  });

  it('measures the encoded key but hashes the raw one', () => {
    // 70 spaces encode to 210 characters.
    const key = ' '.repeat(70);
    expect(coordinatorWorkflowId('chat', key)).toBe(hashed('chat', key));
  });

  it('writes a leading ~ of the key as %7E, so no key can spell a hashed ID', () => {
    const longKey = 'k'.repeat(300);
    const lookalike = hashed('chat', longKey).slice('concurrency/chat/'.length);
    expect(lookalike).toMatch(/^~[0-9a-f]{32}$/);
    expect(coordinatorWorkflowId('chat', lookalike)).toBe(`concurrency/chat/%7E${lookalike.slice(1)}`);
    expect(coordinatorWorkflowId('chat', lookalike)).not.toBe(coordinatorWorkflowId('chat', longKey));
    // Only a leading ~ is escaped: elsewhere it stays readable.
    expect(coordinatorWorkflowId('chat', 'a~b')).toBe('concurrency/chat/a~b');
    expect(coordinatorWorkflowId('chat', '~~')).toBe('concurrency/chat/%7E~');
  });

  it('gives distinct keys distinct IDs of coordinator shape, at most 200 characters', () => {
    const keyArb = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 120 }),
      fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 250 }),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 32, maxLength: 32 }).map((hex) => `~${hex}`),
    );
    fc.assert(
      fc.property(keyArb, keyArb, (a, b) => {
        const idA = coordinatorWorkflowId('chat', a);
        expect(idA.length).toBeLessThanOrEqual(200);
        expect(looksLikeCoordinatorId(idA)).toBe(true);
        // Only hashed IDs start their key part with ~.
        expect(idA.startsWith('concurrency/chat/~')).toBe(idA === hashed('chat', a));
        if (a !== b) expect(idA).not.toBe(coordinatorWorkflowId('chat', b));
      }),
      { numRuns: 200 },
    );
  });

  it('is used by submit for long keys too', async () => {
    const { client, calls } = fakeClient();
    const userId = 'u'.repeat(250);
    const result = await submit(client, optionsWith({ args: [{ userId, text: 'hi' }] }));
    expect(calls[0]?.options.workflowId).toBe(hashed('chat', userId));
    expect(result.childWorkflowId).toBe(`${hashed('chat', userId)}/m-1`);
  });
});
