/**
 * `ConcurrencyPolicy` and `ConcurrencyKey` on real dev servers: the run's shared server has them registered (as
 * `startDevServer` always does), and a second one, started here, has not. On the first a coordinator carries them and
 * `ConcurrencyKey = "<key>"` lists it; on the second every submission still goes through, without them.
 */
import { expect, it, vi } from 'vitest';
import { startDevServer } from '../../scripts/dev-server';
import { searchAttributesRefused } from '../../src/client/search-attribute-fallback';
import {
  concurrencyKeySearchAttribute,
  concurrencyPolicySearchAttribute,
} from '../../src/coordinator/search-attributes';
import { demoPolicy, settled, submitDemo, waitForState } from '../helpers/demo';
import { createTestWorker, eventually, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

it('where they are registered, the coordinator carries them and a query on the key lists it, and no other key', async () => {
  const taskQueue = uniqueName('sa-registered');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = demoPolicy(taskQueue, 1);
    const key = uniqueName('doc-A');
    const { coordinatorWorkflowId } = await submitDemo(ctx.client, policy, key, 'm-1', 0);
    // A key that shares the prefix: `WorkflowId STARTS_WITH` would list it too, `ConcurrencyKey =` must not.
    const neighbour = await submitDemo(ctx.client, policy, `${key}-ui`, 'm-1', 0);
    await waitForState(ctx.client, coordinatorWorkflowId, (s) => settled(s) && s.recent.length === 1, 'm-1 closed');

    const { typedSearchAttributes } = await ctx.client.workflow.getHandle(coordinatorWorkflowId).describe();
    expect(typedSearchAttributes.get(concurrencyPolicySearchAttribute)).toBe(policy.name);
    expect(typedSearchAttributes.get(concurrencyKeySearchAttribute)).toBe(key);
    expect(searchAttributesRefused(ctx.client)).toBe(false);

    const listed = await eventually(
      async () => {
        const ids: string[] = [];
        for await (const execution of ctx.client.workflow.list({ query: `ConcurrencyKey = "${key}"` })) {
          ids.push(execution.workflowId);
        }
        return ids.length > 0 ? ids : undefined;
      },
      { what: `visibility to list ConcurrencyKey = "${key}"` },
    );
    expect(listed).toContain(coordinatorWorkflowId);
    expect(listed).not.toContain(neighbour.coordinatorWorkflowId);
  });
});

it('where they are not, the first submission is sent again without them, and nothing is lost', async () => {
  const server = await startDevServer({ searchAttributes: false });
  const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
  try {
    const bare = { client: server.env.client, nativeConnection: server.env.nativeConnection, close: async () => {} };
    const taskQueue = uniqueName('sa-unregistered');
    const worker = await createTestWorker(bare, taskQueue);
    await worker.runUntil(async () => {
      // Room for both, so neither supersedes the other.
      const policy = demoPolicy(taskQueue, 2);
      const first = await submitDemo(bare.client, policy, 'doc-A', 'm-1', 0);
      expect(searchAttributesRefused(bare.client)).toBe(true);
      await submitDemo(bare.client, policy, 'doc-A', 'm-2', 0);
      await submitDemo(bare.client, policy, 'doc-B', 'm-1', 0);

      const state = await waitForState(
        bare.client,
        first.coordinatorWorkflowId,
        (s) => settled(s) && s.recent.length === 2,
        'm-1 and m-2 closed',
      );
      expect(state.counters).toMatchObject({ submitted: 2, started: 2, completed: 2 });
      const { typedSearchAttributes } = await bare.client.workflow.getHandle(first.coordinatorWorkflowId).describe();
      expect(typedSearchAttributes.get(concurrencyKeySearchAttribute)).toBeUndefined();
      // One warning for the namespace, not one per submission.
      expect(
        warnings.mock.calls.filter(([, options]) => JSON.stringify(options).includes('SEARCH_ATTRIBUTES')),
      ).toHaveLength(1);
    });
  } finally {
    warnings.mockRestore();
    await server.env.teardown();
  }
});
