/**
 * Issue 15 item 9: the advice of a ConcurrencyUnavailableError names both fixes — a worker on the queue, or moving a
 * mistyped queue's coordinator with the exact `resume` command — never only "start a worker on <the typo>".
 */
import { describe, expect, it } from 'vitest';
import { ConcurrencyUnavailableError } from '../../src/client/errors';
import { coordinatorWorkflowId } from '../../src/client/ids';
import { policyAndKeyOf, repairAdvice, shellWord } from '../../src/client/repair-advice';

describe('policyAndKeyOf', () => {
  it('recovers policy and key of readable IDs, whatever the key holds', () => {
    for (const key of ['user-1', 'user 1/a', "it's", '~tilde', '%25', '😀']) {
      expect(policyAndKeyOf(coordinatorWorkflowId('chat', key))).toEqual({ policy: 'chat', key });
    }
  });

  it('gives up on hashed IDs and on IDs the scheme would not write', () => {
    expect(policyAndKeyOf(coordinatorWorkflowId('chat', 'k'.repeat(300)))).toBeUndefined();
    expect(policyAndKeyOf('concurrency/chat/it%27s')).toBeUndefined(); // Python's quote(): not the canonical ID
    expect(policyAndKeyOf('concurrency/chat/%E0%A4%A')).toBeUndefined();
    expect(policyAndKeyOf('orders/1')).toBeUndefined();
  });
});

describe('shellWord', () => {
  it('quotes only what a shell would read specially', () => {
    expect(shellWord('user-1')).toBe('user-1');
    expect(shellWord('user 1/a')).toBe("'user 1/a'");
    expect(shellWord("it's")).toBe("'it'\\''s'");
  });
});

describe('ConcurrencyUnavailableError', () => {
  it('names the coordinator, its queue, a worker for it, and the resume command for a typo', () => {
    const id = coordinatorWorkflowId('chat', 'user 1');
    const error = new ConcurrencyUnavailableError(id, 'concurrencyy', 'no worker polls its task queue');
    expect(error.message).toContain(`coordinator ${id} on task queue "concurrencyy" cannot answer`);
    expect(error.message).toContain('If "concurrencyy" is the right task queue, start a worker on it');
    expect(error.message).toContain("temporal-concurrency resume chat 'user 1' --task-queue <right queue>");
    expect(error.message).toContain(`resumeCoordinator(client, "${id}", { taskQueue: '<right queue>' })`);
  });

  it('falls back to placeholders when the ID is hashed', () => {
    const id = coordinatorWorkflowId('chat', 'k'.repeat(300));
    expect(repairAdvice(id, 'q')).toContain('temporal-concurrency resume <policy> <key> --task-queue <right queue>');
  });
});
