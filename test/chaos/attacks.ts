/**
 * Issue 15's attacks, each against something a coordinator run once trusted that no history proves: two terminates in
 * a row with no worker (the middle run never ran), a deleted coordinator run, a start input carrying a forged
 * `carried` or `maxRuns: 0`, a second coordinator ID for a key, and a closed child revived by a reset.
 *
 * Every hostile start goes through the raw client (signalWithStart by name), as another SDK or the CLI would send it;
 * every valid submission of these steps is a correct one (built by `prepareSubmission`, or sent by `submit()`), so the
 * checker owes it exactly one outcome.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { WorkflowNotFoundError } from '@temporalio/client';
import { prepareSubmission } from '../../src/client';
import {
  CHILD_MEMO_KEY,
  COORDINATOR_WORKFLOW_TYPE,
  stateQuery,
  type CoordinatorStateView,
} from '../../src/coordinator/messages';
import { ensureWorker, killWorker, policyOfKey, workerIsUp, type RunState } from './context';
import { messageOf, type DeletedRun, type SentSubmission } from './ledger';
import { spelledCoordinatorId } from './spellings';
import { sendValid, startBystander, validOptions, type Outcome, type ValidSends } from './submissions';
import type { Forgery, Step } from './types';

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** How long a `state` query may take (a query to a run whose sticky worker was killed waits out the sticky timeout). */
const QUERY_TIMEOUT_MS = 12_000;

/** Terminates the key's open coordinator run, if there is one. */
async function terminateIfOpen(run: RunState, key: number, reason: string): Promise<'terminated' | 'none open'> {
  try {
    await run.env.client.workflow.getHandle(run.ledger.coordinatorIds[key] as string).terminate(reason);
    return 'terminated';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'none open';
    throw err;
  }
}

/** With the worker down for the duration of `body` (and back after it, if it was up). */
async function withoutWorker<T>(run: RunState, body: () => Promise<T>): Promise<T> {
  const wasUp = workerIsUp(run);
  if (wasUp) await killWorker(run);
  try {
    return await body();
  } finally {
    if (wasUp) await ensureWorker(run);
  }
}

export function doubleTerminate(run: RunState, step: StepOf<'doubleTerminate'>, valid: ValidSends): Promise<Outcome> {
  return withoutWorker(run, async () => {
    const first = await terminateIfOpen(run, step.key, 'chaos: double terminate, 1 of 2');
    // A fresh run no worker picks up: it never completes a workflow task, never schedules its preparation.
    await sendValid(run, step, step.child, undefined, valid);
    const second = await terminateIfOpen(run, step.key, 'chaos: double terminate, 2 of 2');
    return { result: 'done', detail: `first: ${first}, second: ${second}` };
  });
}

function timeout(ms: number, what: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms).unref());
}

/**
 * Deletes the key's latest coordinator run, running or closed (what retention leaves of a terminated run). Its
 * `state` is read first, then a running run is terminated (the server does the same before it deletes one), its whole
 * history read and kept in the ledger, and the run deleted.
 */
export async function deleteCoordinator(run: RunState, step: StepOf<'deleteCoordinator'>): Promise<Outcome> {
  const { client } = run.env;
  const workflowId = run.ledger.coordinatorIds[step.key] as string;
  let runId: string;
  let status: string;
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    runId = description.runId;
    status = description.status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { result: 'noop', detail: 'never started' };
    throw err;
  }
  // The server deletes asynchronously: a run deleted a moment ago may still describe as the current one. Deleting it
  // again would only keep a second copy of it (and double its records for the checker).
  if (run.ledger.deleted.some((d) => d.workflowId === workflowId && d.runId === runId)) {
    return { result: 'noop', detail: `run ${runId.slice(0, 8)} already deleted` };
  }
  const handle = client.workflow.getHandle(workflowId, runId);
  const deleted: DeletedRun = { workflowId, runId, deletedAtMs: 0, events: [] };
  try {
    deleted.state = await Promise.race<CoordinatorStateView>([
      handle.query(stateQuery),
      timeout(QUERY_TIMEOUT_MS, 'state query'),
    ]);
  } catch (err) {
    deleted.stateError = messageOf(err);
  }
  if (status === 'RUNNING') {
    try {
      await handle.terminate('chaos: deleted (terminated first, as the server does, so its whole history is kept)');
    } catch (err) {
      // It closed meanwhile (idle, or continued as new: then its successor is the current run, and this one is gone
      // only from the key's past).
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  deleted.events = (await handle.fetchHistory()).events ?? [];
  deleted.deletedAtMs = Date.now();
  run.ledger.deleted.push(deleted);
  await client.workflowService.deleteWorkflowExecution({
    namespace: client.options.namespace,
    workflowExecution: { workflowId, runId },
  });
  const open = deleted.state ? `${deleted.state.running.length} running, ${deleted.state.queued.length} queued` : '';
  return { result: 'done', detail: `run ${runId.slice(0, 8)} (${status}${open ? `; ${open}` : ''})` };
}

/** The submission a step sends raw, as `submit()` would have sent it, and the key's correct start input. */
function prepared(run: RunState, step: StepOf<'forgedStart' | 'invalidStart' | 'nonCanonical'>) {
  return prepareSubmission(validOptions(run, step, step.child));
}

async function signalWithStartRaw(
  run: RunState,
  sent: SentSubmission,
  workflowId: string,
  input: unknown,
  payload: unknown,
): Promise<Outcome> {
  run.ledger.sent.push(sent);
  try {
    await run.env.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
      workflowId,
      taskQueue: run.ledger.taskQueue,
      args: [input],
      signal: 'submit',
      signalArgs: [payload],
    });
    sent.acknowledged = true;
    return { result: 'done' };
  } catch (err) {
    sent.error = messageOf(err);
    throw err;
  }
}

async function forgedCarried(run: RunState, step: StepOf<'forgedStart'>, forgery: Forgery): Promise<unknown> {
  const coordinatorId = run.ledger.coordinatorIds[step.key] as string;
  const now = new Date().toISOString();
  const carried = { nextSeq: 1, runs: [] as unknown[], recent: [], seenIds: [] as string[], counters: {} };
  switch (forgery) {
    case 'bystander': {
      const bystander = await startBystander(run, `${step.id}-forged`);
      const ghost = {
        id: `${step.id}-ghost`,
        seq: 1,
        workflowId: bystander.workflowId,
        runId: bystander.runId,
        workflowType: 'heldWork',
        submittedAt: now,
        startedAt: now,
      };
      return { ...carried, nextSeq: 2, runs: [ghost] };
    }
    case 'nullRuns': {
      const noRunId = {
        id: `${step.id}-ghost`,
        seq: 1,
        workflowId: `${coordinatorId}/${step.id}-ghost`,
        workflowType: 'demoWork',
        submittedAt: now,
        startedAt: now,
      };
      return { ...carried, nextSeq: 2, runs: [null, noRunId] };
    }
    case 'empty':
      return carried;
    case 'seenIds':
      return { ...carried, seenIds: [step.id] };
  }
}

export async function forgedStart(run: RunState, step: StepOf<'forgedStart'>, valid: ValidSends): Promise<Outcome> {
  const terminated = await terminateIfOpen(run, step.key, 'chaos: terminated before a forged start');
  const coordinatorId = run.ledger.coordinatorIds[step.key] as string;
  const { coordinatorInput, submission } = prepared(run, step);
  const carried = await forgedCarried(run, step, step.forgery);
  const sent: SentSubmission = {
    step: step.index,
    kind: 'forgedStart',
    key: step.key,
    id: step.id,
    childWorkflowId: `${coordinatorId}/${step.id}`,
    acknowledged: false,
  };
  valid.set(step.index, { key: step.key, options: validOptions(run, step, step.child), sent });
  const outcome = await signalWithStartRaw(run, sent, coordinatorId, { ...coordinatorInput, carried }, submission);
  return { ...outcome, detail: `${step.forgery} after ${terminated}` };
}

export function invalidStart(run: RunState, step: StepOf<'invalidStart'>, valid: ValidSends): Promise<Outcome> {
  const body = async (): Promise<Outcome> => {
    const terminated = await terminateIfOpen(run, step.key, 'chaos: terminated before an invalid start');
    const coordinatorId = run.ledger.coordinatorIds[step.key] as string;
    const { coordinatorInput, submission } = prepared(run, step);
    // The plain CLI's way has no `config`: then nothing repairs the input.
    const { config: _config, ...withoutConfig } = submission;
    const sent: SentSubmission = {
      step: step.index,
      kind: 'invalidStart',
      key: step.key,
      id: step.id,
      childWorkflowId: `${coordinatorId}/${step.id}`,
      acknowledged: false,
    };
    valid.set(step.index, { key: step.key, options: validOptions(run, step, step.child), sent });
    await signalWithStartRaw(
      run,
      sent,
      coordinatorId,
      { ...coordinatorInput, maxRuns: 0 },
      step.withConfig ? submission : withoutConfig,
    );
    for (const follower of step.followers) {
      await sendValid(
        run,
        { index: step.index, kind: 'invalidStart', key: step.key, id: follower.id },
        follower.child,
        undefined,
      );
    }
    return { result: 'done', detail: `after ${terminated}` };
  };
  return step.workerDown ? withoutWorker(run, body) : body();
}

export async function nonCanonical(run: RunState, step: StepOf<'nonCanonical'>): Promise<Outcome> {
  const policy = policyOfKey(run, step.key);
  const keyName = run.plan.keys[step.key]?.name as string;
  const workflowId = spelledCoordinatorId(policy.name, keyName, step.spelling);
  if (!run.ledger.nonCanonical.some((c) => c.workflowId === workflowId)) {
    run.ledger.nonCanonical.push({ key: step.key, workflowId, spelling: step.spelling });
  }
  const { coordinatorInput, submission } = prepared(run, step);
  const sent: SentSubmission = {
    step: step.index,
    kind: 'nonCanonical',
    key: step.key,
    id: step.id,
    coordinatorId: workflowId,
    acknowledged: false,
  };
  const outcome = await signalWithStartRaw(run, sent, workflowId, coordinatorInput, submission);
  return { ...outcome, detail: workflowId };
}

/**
 * Resets a closed child to its first workflow task with the `temporal` CLI, as an operator undoing a terminate would:
 * it runs again under its ID. A child still running is left alone (that is `resetCoordinator`'s kind of action on a
 * coordinator, not this attack).
 */
export async function resetClosedChild(
  run: RunState,
  step: StepOf<'resetClosedChild'>,
  valid: ValidSends,
): Promise<Outcome> {
  const { client } = run.env;
  const workflowId = valid.get(step.of)?.sent.childWorkflowId;
  if (workflowId === undefined) return { result: 'noop', detail: 'its submission sent nothing' };
  try {
    const description = await client.workflow.getHandle(workflowId).describe();
    if (description.status.name === 'RUNNING') return { result: 'noop', detail: 'still running' };
    const firstRunId = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
    const first =
      firstRunId === description.runId
        ? description
        : await client.workflow.getHandle(workflowId, firstRunId).describe();
    // Only a coordinated child: the harness itself must never touch a workflow no coordinator started.
    if (!first.memo?.[CHILD_MEMO_KEY]) return { result: 'noop', detail: 'not a coordinated child' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { result: 'noop', detail: 'not started' };
    throw err;
  }
  const args = ['workflow', 'reset', '--workflow-id', workflowId, '--type', 'FirstWorkflowTask'];
  const atMs = Date.now();
  try {
    await promisify(execFile)(run.env.cliPath, [...args, '--reason', 'chaos: revive', '--address', run.env.address]);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    return { result: 'refused', detail: stderr || messageOf(err) };
  }
  const { runId } = await client.workflow.getHandle(workflowId).describe();
  run.ledger.revived.push({ workflowId, atMs, runId });
  return { result: 'done', detail: `${workflowId} run ${runId.slice(0, 8)}` };
}
