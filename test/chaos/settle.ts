/**
 * After the steps: faults stop, the worker is back, every key gets one last valid submission (the progress probe),
 * and the harness waits, bounded, until every key is settled: its children closed and its coordinator idle or done.
 * Settling is only the harness's patience; whether each key made progress is the checker's verdict.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { submit, type SubmitOptions } from '../../src/client';
import { stateQuery } from '../../src/coordinator/messages';
import { ensureWorker, policyOfKey, type RunState } from './context';
import { messageOf, type SentSubmission } from './ledger';

export const PROBE_ID = 'probe';

/** Longest a probe waits for its key to have nothing open (its children end within seconds once the faults stop). */
const PROBE_WAIT_MS = 60_000;

/**
 * Waits until the key's coordinator has nothing running or queued (or is gone): progress means that a submission that
 * finds a free slot runs, and under CANCEL_NEWEST or CANCEL_QUEUED_EXCEPT_OLDEST one that finds none is dropped.
 */
async function untilIdle(run: RunState, key: number): Promise<void> {
  const deadline = Date.now() + PROBE_WAIT_MS;
  const coordinatorId = run.ledger.coordinatorIds[key] as string;
  while (Date.now() < deadline) {
    const state = await run.env.client.workflow
      .getHandle(coordinatorId)
      .query(stateQuery)
      .catch(() => undefined);
    if (!state || (state.running.length === 0 && state.queued.length === 0)) return;
    await sleep(500);
  }
}

export async function sendProbes(run: RunState): Promise<void> {
  await ensureWorker(run);
  await Promise.all(
    run.plan.keys.map(async (key, index) => {
      const sent: SentSubmission = { step: -1, kind: 'probe', key: index, id: PROBE_ID, acknowledged: false };
      run.ledger.sent.push(sent);
      try {
        await untilIdle(run, index);
        const options = {
          policy: policyOfKey(run, index),
          workflow: 'demoWork',
          args: [{ durationMs: 300, label: `${key.name}:${PROBE_ID}`, chaosKey: key.name }],
          id: PROBE_ID,
        } as unknown as SubmitOptions<never>;
        sent.childWorkflowId = (await submit(run.env.client, options)).childWorkflowId;
        sent.acknowledged = true;
      } catch (err) {
        sent.error = messageOf(err);
      }
    }),
  );
}

/** Waits until every key is settled or the deadline passes; records what was still pending. */
export async function waitUntilSettled(run: RunState): Promise<void> {
  const started = Date.now();
  let pending: string[] = [];
  let nextReportMs = 15_000;
  while (Date.now() - started < run.env.settleTimeoutMs) {
    pending = (await Promise.all(run.plan.keys.map((_, key) => pendingOfKey(run, key)))).flat();
    // A second coordinator ID's run fails in its first workflow task: wait for that too.
    for (const { workflowId } of run.ledger.nonCanonical) {
      if ((await statusOf(run, workflowId)) === 'running') pending.push(`${workflowId}: still running`);
    }
    if (pending.length === 0) break;
    const waited = Date.now() - started;
    if (waited >= nextReportMs) {
      run.env.log(`settling for ${Math.round(waited / 1000)} s; pending: ${pending.slice(0, 4).join('; ')}`);
      nextReportMs += 15_000;
    }
    await sleep(1000);
  }
  run.ledger.settle = { settled: pending.length === 0, waitedMs: Date.now() - started, pending };
}

async function pendingOfKey(run: RunState, key: number): Promise<string[]> {
  const { client } = run.env;
  const coordinatorId = run.ledger.coordinatorIds[key] as string;
  const probe = run.ledger.sent.find((sent) => sent.kind === 'probe' && sent.key === key);
  const childIds = new Set(
    run.ledger.sent.flatMap((sent) =>
      sent.key === key && sent.acknowledged && !sent.collided && sent.childWorkflowId ? [sent.childWorkflowId] : [],
    ),
  );
  const pending: string[] = [];
  if (probe?.acknowledged && probe.childWorkflowId) {
    const status = await statusOf(run, probe.childWorkflowId);
    if (status !== 'closed') pending.push(`${coordinatorId}: probe ${status}`);
  }
  for (const workflowId of childIds) {
    if ((await statusOf(run, workflowId)) === 'running') pending.push(`${workflowId}: running`);
  }
  try {
    const handle = client.workflow.getHandle(coordinatorId);
    if ((await handle.describe()).status.name === 'RUNNING') {
      const state = await handle.query(stateQuery);
      const open = state.running.length + state.queued.length;
      if (open > 0) pending.push(`${coordinatorId}: ${state.running.length} running, ${state.queued.length} queued`);
    }
  } catch (err) {
    pending.push(`${coordinatorId}: ${messageOf(err)}`);
  }
  return pending;
}

async function statusOf(run: RunState, workflowId: string): Promise<'running' | 'closed' | 'not started'> {
  try {
    const { status } = await run.env.client.workflow.getHandle(workflowId).describe();
    return status.name === 'RUNNING' ? 'running' : 'closed';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'not started';
    return 'closed'; // an ID the server cannot even look up was never started
  }
}
