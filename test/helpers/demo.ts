import type { Client } from '@temporalio/client';
import { defineConcurrencyPolicy, submit, type ConcurrencyPolicy, type SubmitResult } from '../../src/client';
import { stateQuery, type CoordinatorStateView, type SlotRelease } from '../../src/coordinator/messages';
import type { DemoWorkInput } from '../../examples/workflows';
import { eventually, uniqueName } from './temporal';

/** Test policies group `demoWork` runs by the part of their label before the first `:` (the "user"). */
export function demoPolicy(
  taskQueue: string,
  maxRuns: number,
  slotRelease?: SlotRelease,
  tuning: Partial<ConcurrencyPolicy<DemoWorkInput>> = {},
): Readonly<ConcurrencyPolicy<DemoWorkInput>> {
  return defineConcurrencyPolicy({
    name: uniqueName('test'),
    maxRuns,
    limitStrategy: 'CANCEL_IN_PROGRESS',
    key: (input: DemoWorkInput) => (input.label ?? '').split(':')[0] ?? '',
    taskQueue,
    ...(slotRelease && { slotRelease }),
    ...tuning,
  });
}

export function submitDemo(
  client: Client,
  policy: Readonly<ConcurrencyPolicy<DemoWorkInput>>,
  user: string,
  id: string,
  durationMs: number,
): Promise<SubmitResult> {
  return submit(client, { policy, workflow: 'demoWork', args: [{ durationMs, label: `${user}:${id}` }], id });
}

export function queryState(client: Client, coordinatorWorkflowId: string): Promise<CoordinatorStateView> {
  return client.workflow.getHandle(coordinatorWorkflowId).query(stateQuery);
}

/** Waits until the coordinator's state satisfies `done`, and returns that state. */
export function waitForState(
  client: Client,
  coordinatorWorkflowId: string,
  done: (state: CoordinatorStateView) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<CoordinatorStateView> {
  return eventually(
    async () => {
      const state = await queryState(client, coordinatorWorkflowId);
      return done(state) ? state : undefined;
    },
    { what, timeoutMs },
  );
}

/** Nothing running or queued any more. */
export function settled(state: CoordinatorStateView): boolean {
  return state.running.length === 0 && state.queued.length === 0;
}
