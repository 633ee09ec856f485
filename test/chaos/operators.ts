/**
 * What an operator does to a running key: cancel, terminate or reset its coordinator (reset through the `temporal`
 * CLI, as an operator would), cancel or terminate one of its children. An action the server refuses (nothing open,
 * no workflow task to reset to) is recorded as such, not as a failure of the run.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { CHILD_MEMO_KEY } from '../../src/coordinator/messages';
import type { RunState } from './context';
import { messageOf } from './ledger';
import type { Outcome } from './submissions';

export async function onCoordinator(
  run: RunState,
  kind: 'cancelCoordinator' | 'terminateCoordinator',
  key: number,
): Promise<Outcome> {
  const handle = run.env.client.workflow.getHandle(run.ledger.coordinatorIds[key] as string);
  try {
    if (kind === 'cancelCoordinator') await handle.cancel();
    else await handle.terminate('chaos: an operator terminated the coordinator');
    return { result: 'done' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { result: 'noop', detail: 'no open run' };
    throw err;
  }
}

export async function resetCoordinator(run: RunState, key: number): Promise<Outcome> {
  const workflowId = run.ledger.coordinatorIds[key] as string;
  let runId: string;
  try {
    const description = await run.env.client.workflow.getHandle(workflowId).describe();
    if (description.status.name !== 'RUNNING') return { result: 'noop', detail: description.status.name };
    runId = description.runId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { result: 'noop', detail: 'never started' };
    throw err;
  }
  const args = ['workflow', 'reset', '--workflow-id', workflowId, '--run-id', runId, '--type', 'FirstWorkflowTask'];
  try {
    await promisify(execFile)(run.env.cliPath, [...args, '--reason', 'chaos', '--address', run.env.address]);
    return { result: 'done' };
  } catch (err) {
    // E.g. no workflow task completed yet (the worker is down): the server refuses, as it would an operator.
    const stderr = (err as { stderr?: string }).stderr?.trim();
    return { result: 'refused', detail: stderr || messageOf(err) };
  }
}

export async function onChild(
  run: RunState,
  kind: 'cancelChild' | 'terminateChild',
  workflowId: string | undefined,
): Promise<Outcome> {
  if (workflowId === undefined) return { result: 'noop', detail: 'its submission sent nothing' };
  const handle = run.env.client.workflow.getHandle(workflowId);
  try {
    const description = await handle.describe();
    if (description.status.name !== 'RUNNING') return { result: 'noop', detail: description.status.name };
    // Only a coordinated child: the harness itself must never touch a workflow no coordinator started.
    if (!description.memo?.[CHILD_MEMO_KEY]) return { result: 'noop', detail: 'not a coordinated child' };
    if (kind === 'cancelChild') await handle.cancel();
    else await handle.terminate('chaos: an operator terminated the child');
    return { result: 'done' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { result: 'noop', detail: 'not started' };
    throw err;
  }
}
