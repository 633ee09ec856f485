/**
 * The coordinators' task queue `submit()` starts them on: the policy's `taskQueue`, else `TEMPORAL_TASK_QUEUE` (read
 * at call time, checked like any task queue, before any network call), else 'concurrency'. No server: a stand-in
 * client records the signalWithStart that would be sent.
 */
import type { Client } from '@temporalio/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConcurrencyInputError,
  coordinatorTaskQueueOf,
  DEFAULT_TASK_QUEUE,
  prepareSubmission,
  submit,
  type ConcurrencyPolicy,
  type SubmitOptions,
} from '../../src/client';

interface Message {
  userId: string;
}

const policy: ConcurrencyPolicy<Message> = {
  name: 'chat',
  maxRuns: 1,
  limitStrategy: 'CANCEL_IN_PROGRESS',
  key: (message) => message.userId,
};

function optionsWith(
  overrides: Partial<ConcurrencyPolicy<Message>> = {},
): SubmitOptions<(m: Message) => Promise<void>> {
  return { policy: { ...policy, ...overrides }, workflow: 'chatReply', args: [{ userId: 'user-1' }], id: 'm-1' };
}

/** A client that records the task queue of every signalWithStart and never touches the network. */
function recordingClient() {
  const taskQueues: unknown[] = [];
  const client = {
    workflow: {
      signalWithStart(_workflowType: string, options: { taskQueue?: unknown; workflowId: string }) {
        taskQueues.push(options.taskQueue);
        return Promise.resolve({ workflowId: options.workflowId });
      },
    },
  };
  return { client: client as unknown as Client, taskQueues };
}

/** The task queue `submit()` sends with these options. */
async function sentTaskQueue(options = optionsWith()): Promise<unknown> {
  const { client, taskQueues } = recordingClient();
  await submit(client, options);
  expect(taskQueues).toHaveLength(1);
  return taskQueues[0];
}

/** Runs `fn` and returns the ConcurrencyInputError it must throw. */
async function inputErrorOf(fn: () => unknown): Promise<ConcurrencyInputError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConcurrencyInputError);
    return err as ConcurrencyInputError;
  }
  throw new Error('expected a ConcurrencyInputError, nothing was thrown');
}

let saved: string | undefined;
beforeEach(() => {
  saved = process.env.TEMPORAL_TASK_QUEUE;
  delete process.env.TEMPORAL_TASK_QUEUE;
});
afterEach(() => {
  if (saved === undefined) delete process.env.TEMPORAL_TASK_QUEUE;
  else process.env.TEMPORAL_TASK_QUEUE = saved;
});

describe("the coordinators' task queue", () => {
  it("is 'concurrency' with neither the policy's taskQueue nor TEMPORAL_TASK_QUEUE", async () => {
    expect(DEFAULT_TASK_QUEUE).toBe('concurrency');
    expect(await sentTaskQueue()).toBe('concurrency');
  });

  it('is TEMPORAL_TASK_QUEUE when the policy names none, read at each call', async () => {
    process.env.TEMPORAL_TASK_QUEUE = 'chat-coordinators';
    expect(await sentTaskQueue()).toBe('chat-coordinators');
    process.env.TEMPORAL_TASK_QUEUE = 'other-coordinators';
    expect(await sentTaskQueue()).toBe('other-coordinators');
  });

  it('treats an empty TEMPORAL_TASK_QUEUE as unset, as the worker does', async () => {
    process.env.TEMPORAL_TASK_QUEUE = '';
    expect(await sentTaskQueue()).toBe('concurrency');
  });

  it("is the policy's taskQueue whatever TEMPORAL_TASK_QUEUE says, even when the variable is invalid", async () => {
    process.env.TEMPORAL_TASK_QUEUE = '/_sys/not-a-queue';
    const options = optionsWith({ taskQueue: 'replies' });
    expect(await sentTaskQueue(options)).toBe('replies');
    expect(() => prepareSubmission(options)).not.toThrow();
  });

  it.each([
    ['reserved by the server', '/_sys/chat', '/_sys/'],
    ['longer than 255 characters', 'q'.repeat(256), '255 characters'],
    ['longer than 255 bytes of UTF-8', 'é'.repeat(128), '255 bytes'],
  ])('rejects a TEMPORAL_TASK_QUEUE %s with a ConcurrencyInputError naming it', async (_what, value, said) => {
    process.env.TEMPORAL_TASK_QUEUE = value;
    const fromPrepare = await inputErrorOf(() => prepareSubmission(optionsWith()));
    expect(fromPrepare.field).toBe('TEMPORAL_TASK_QUEUE');
    expect(fromPrepare.value).toBe(value);
    expect(fromPrepare.message).toContain('TEMPORAL_TASK_QUEUE');
    expect(fromPrepare.message).toContain(said);
    // submit() throws the same before sending anything.
    const { client, taskQueues } = recordingClient();
    expect((await inputErrorOf(() => submit(client, optionsWith()))).field).toBe('TEMPORAL_TASK_QUEUE');
    expect(taskQueues).toEqual([]);
  });

  it('leaves what prepareSubmission returns unchanged by the variable', () => {
    const without = prepareSubmission(optionsWith());
    process.env.TEMPORAL_TASK_QUEUE = 'chat-coordinators';
    expect(prepareSubmission(optionsWith())).toEqual(without);
  });

  it('resolves the same way through coordinatorTaskQueueOf, for an explicit environment too', () => {
    expect(coordinatorTaskQueueOf(policy, {})).toBe('concurrency');
    expect(coordinatorTaskQueueOf(policy, { TEMPORAL_TASK_QUEUE: 'q' })).toBe('q');
    expect(coordinatorTaskQueueOf({ ...policy, taskQueue: 'p' }, { TEMPORAL_TASK_QUEUE: 'q' })).toBe('p');
    process.env.TEMPORAL_TASK_QUEUE = 'from-process';
    expect(coordinatorTaskQueueOf(policy)).toBe('from-process');
  });
});
