/** `why`'s argument: a default child workflow ID names its coordinator and submission, hashed keys included. */
import { describe, expect, it } from 'vitest';
import { coordinatorWorkflowId } from '../../src/client/ids';
import { parseDefaultChildWorkflowId, refOfKey } from '../../src/cli/submission-ref';

describe('parseDefaultChildWorkflowId', () => {
  it('splits a readable ID and decodes its key', () => {
    expect(parseDefaultChildWorkflowId('concurrency/chat/user%2F1/m-7')).toEqual({
      coordinatorWorkflowId: 'concurrency/chat/user%2F1',
      submissionId: 'm-7',
      childWorkflowId: 'concurrency/chat/user%2F1/m-7',
      policy: 'chat',
      key: 'user/1',
    });
  });

  it('keeps every `/` after the key in the submission id', () => {
    expect(parseDefaultChildWorkflowId('concurrency/chat/u/batch/7')).toMatchObject({
      coordinatorWorkflowId: 'concurrency/chat/u',
      submissionId: 'batch/7',
    });
  });

  it("finds a hashed key's coordinator, though the key itself cannot be recovered", () => {
    const key = 'k'.repeat(500);
    const coordinatorId = coordinatorWorkflowId('chat', key);
    expect(coordinatorId).toMatch(/^concurrency\/chat\/~[0-9a-f]{32}$/);
    const parsed = parseDefaultChildWorkflowId(`${coordinatorId}/m-1`);
    expect(parsed).toMatchObject({ coordinatorWorkflowId: coordinatorId, submissionId: 'm-1', policy: 'chat' });
    expect(parsed).not.toHaveProperty('key');
  });

  it('a key spelled with a leading ~ is the %7E form, decoded back', () => {
    const coordinatorId = coordinatorWorkflowId('chat', '~tilde');
    expect(parseDefaultChildWorkflowId(`${coordinatorId}/m-1`)).toMatchObject({ key: '~tilde' });
  });

  it.each(['concurrency/chat/user-1', 'concurrency/chat/user-1/', 'my-workflow', 'other/chat/user-1/m-1', ''])(
    'is not a default child ID: %j',
    (workflowId) => expect(parseDefaultChildWorkflowId(workflowId)).toBeUndefined(),
  );
});

describe('refOfKey', () => {
  it('names the coordinator the library would use and the default child ID', () => {
    expect(refOfKey('chat', 'user/1', 'm-1')).toEqual({
      coordinatorWorkflowId: 'concurrency/chat/user%2F1',
      submissionId: 'm-1',
      childWorkflowId: 'concurrency/chat/user%2F1/m-1',
    });
  });
});
