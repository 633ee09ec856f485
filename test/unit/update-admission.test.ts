/**
 * The client side of `admission: 'update'` without a server: which refusals mean "not now" (sent again, same Update
 * id), and how one process's concurrent submissions to one coordinator travel together in its next Update. The real
 * server's answers are test/integration/update-admission.test.ts's.
 */
import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { admitByUpdate, isUpdateLimitError } from '../../src/client/update-admission';
import type { Submission } from '../../src/coordinator/messages';

function fakeClient(fail: (attempt: number) => Error | undefined) {
  const sent: { payload: unknown; updateId: string | undefined }[] = [];
  let attempt = 0;
  const client = {
    options: { namespace: 'default' },
    workflow: {
      executeUpdateWithStart: async (_def: unknown, options: { args: unknown[]; updateId?: string }) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        sent.push({ payload: options.args[0], updateId: options.updateId });
        const err = fail(attempt++);
        if (err) throw err;
        return { submissionIds: [], coordinatorRunId: 'r' };
      },
    },
  } as unknown as Client;
  return { client, sent };
}

const start = {
  coordinatorWorkflowId: 'concurrency/p/k',
  taskQueue: 'concurrency',
  coordinatorInput: { policy: 'p', key: 'k', maxRuns: 1, limitStrategy: 'GROUP_ROUND_ROBIN' as const },
  staticSummary: 'concurrency coordinator p/k',
  searchAttributes: [],
};
const submission = (id: string): Submission => ({ id, workflowType: 'demoWork', args: [] });

describe("admission: 'update', client side", () => {
  it('names the refusals that mean "not now"', () => {
    for (const message of [
      'limit on number of concurrent in-flight updates has been reached (10)',
      'limit on number of total updates has been reached (2000)',
      'workflow operation can not be applied because workflow is closing',
      "Workflow Update is rejected because it wasn't processed by worker. Probably, Workflow Update is not supported by the worker.",
    ]) {
      expect(isUpdateLimitError(new Error('Workflow Update failed', { cause: new Error(message) })), message).toBe(
        true,
      );
    }
    expect(isUpdateLimitError(new Error('a submit Update carries 1 to 1000 submissions, got 0'))).toBe(false);
  });

  it('sends the submissions that wait meanwhile together in the next Update', async () => {
    const { client, sent } = fakeClient(() => undefined);
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => admitByUpdate(client, start, submission(id))));
    expect(
      sent.map((s) =>
        Array.isArray(s.payload) ? s.payload.map((p: Submission) => p.id) : (s.payload as Submission).id,
      ),
    ).toEqual(['a', ['b', 'c', 'd']]);
  });

  it('sends a refused Update again under the same id, and fails on any other error', async () => {
    const limited = fakeClient((attempt) =>
      attempt < 2 ? new Error('limit on number of concurrent in-flight updates has been reached (10)') : undefined,
    );
    await admitByUpdate(limited.client, start, submission('a'));
    expect(limited.sent.map((s) => s.updateId)).toHaveLength(3);
    expect(new Set(limited.sent.map((s) => s.updateId)).size).toBe(1);
    const broken = fakeClient(() => new Error('permission denied'));
    await expect(admitByUpdate(broken.client, start, submission('b'))).rejects.toThrow('permission denied');
  });
});
