/**
 * The steps that submit: valid submissions through the library's public `submit`, repeats of them, submissions
 * that name a bystander's workflow ID, and hostile payloads through the raw client (signalWithStart by name), so no
 * client-side check stands between them and the coordinator.
 */
import { prepareSubmission, submit, type SubmitOptions } from '../../src/client';
import { COORDINATOR_WORKFLOW_TYPE } from '../../src/coordinator/messages';
import { BYSTANDER_WORKFLOW_TYPE } from './children';
import { policyOfKey, type RunState } from './context';
import { messageOf, type ActionResult, type SentSubmission } from './ledger';
import { hasUsableId, malformedPayload } from './malformed';
import type { ChildSpec, Step } from './types';

export type Outcome = { result: ActionResult; detail?: string };

/** Valid submissions by plan step, so a duplicate sends exactly the same thing again. */
export type ValidSends = Map<number, { key: number; options: SubmitOptions<never>; sent: SentSubmission }>;

/** Submits through `submit`, recording the send in the ledger first so a failure is recorded too. */
async function submitRecorded(run: RunState, options: SubmitOptions<never>, sent: SentSubmission): Promise<Outcome> {
  run.ledger.sent.push(sent);
  try {
    sent.childWorkflowId = (await submit(run.env.client, options)).childWorkflowId;
    sent.acknowledged = true;
    return { result: 'done' };
  } catch (err) {
    sent.error = messageOf(err);
    throw err;
  }
}

/** Who sends a valid submission: its step, the kind recorded in the ledger, its key and submission id. */
export interface ValidTarget {
  index: number;
  kind: SentSubmission['kind'];
  key: number;
  id: string;
}

/** The `submit()` options of a valid submission. */
export function validOptions(
  run: RunState,
  target: ValidTarget,
  child: ChildSpec,
  workflowId?: string,
): SubmitOptions<never> {
  return {
    policy: policyOfKey(run, target.key),
    workflow: child.workflowType,
    args: child.args,
    id: target.id,
    ...(workflowId !== undefined && { workflowId }),
  } as unknown as SubmitOptions<never>;
}

/**
 * Submits through `submit()`; with `valid`, later steps may repeat it or act on its child (one send per step: an
 * attack's followers are not registered).
 */
export function sendValid(
  run: RunState,
  target: ValidTarget,
  child: ChildSpec,
  workflowId: string | undefined,
  valid?: ValidSends,
): Promise<Outcome> {
  const options = validOptions(run, target, child, workflowId);
  const sent: SentSubmission = {
    step: target.index,
    kind: target.kind,
    key: target.key,
    id: target.id,
    acknowledged: false,
    ...(target.kind === 'collide' && { collided: true }),
  };
  valid?.set(target.index, { key: target.key, options, sent });
  return submitRecorded(run, options, sent);
}

export async function sendColliding(
  run: RunState,
  step: Extract<Step, { kind: 'collide' }>,
  valid: ValidSends,
): Promise<Outcome> {
  const { workflowId } = await startBystander(run, step.id);
  return sendValid(run, step, step.child, workflowId, valid);
}

/** A bystander: a running workflow of the harness that no coordinator started, which nothing may ever cancel. */
export async function startBystander(run: RunState, name: string): Promise<{ workflowId: string; runId: string }> {
  const workflowId = `chaos-bystander-${run.ledger.tag}-${name}`;
  const handle = await run.env.client.workflow.start(BYSTANDER_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: run.ledger.taskQueue,
    args: [{ maxMs: run.env.bystanderMaxMs }],
  });
  const bystander = { workflowId, runId: handle.firstExecutionRunId };
  run.ledger.bystanders.push(bystander);
  return bystander;
}

/** The same submission again, with the key's policy as its submitters know it now. */
export function sendDuplicate(run: RunState, of: number, index: number, valid: ValidSends): Promise<Outcome> {
  const original = valid.get(of);
  if (!original) return Promise.resolve({ result: 'noop', detail: `step #${of} sent nothing` });
  const options = { ...original.options, policy: policyOfKey(run, original.key) };
  const { error: _error, ...copy } = original.sent;
  return submitRecorded(run, options, { ...copy, step: index, kind: 'duplicate', acknowledged: false });
}

export async function sendMalformed(run: RunState, step: Extract<Step, { kind: 'malformed' }>): Promise<Outcome> {
  const { ledger } = run;
  const keyName = run.plan.keys[step.key]?.name as string;
  const coordinatorId = ledger.coordinatorIds[step.key] as string;
  const payload = malformedPayload(step.variant, {
    id: step.id,
    chaosKey: keyName,
    coordinatorId,
    otherCoordinatorId: ledger.coordinatorIds[(step.key + 1) % ledger.coordinatorIds.length] as string,
  });
  // The start input a correct submitter would send; only the signal is hostile.
  const { coordinatorInput } = prepareSubmission({
    policy: policyOfKey(run, step.key),
    workflow: 'demoWork',
    args: [{ chaosKey: keyName }],
    id: 'config-only',
  } as unknown as SubmitOptions<never>);
  const usable = hasUsableId(payload);
  const namesWorkflowId = typeof payload === 'object' && payload !== null && 'workflowId' in payload;
  const sent: SentSubmission = {
    step: step.index,
    kind: 'malformed',
    key: step.key,
    acknowledged: false,
    ...(usable && { id: payload.id }),
    // Only a default child ID is worth waiting for; the others name a coordinator or cannot exist.
    ...(usable && !namesWorkflowId && { childWorkflowId: `${coordinatorId}/${payload.id}` }),
  };
  ledger.sent.push(sent);
  try {
    await run.env.client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
      workflowId: coordinatorId,
      taskQueue: ledger.taskQueue,
      args: [coordinatorInput],
      signal: 'submit',
      signalArgs: [payload],
    });
    sent.acknowledged = true;
    return { result: 'done' };
  } catch (err) {
    // The server may refuse a hostile payload outright (e.g. too large): then nobody owes it an outcome.
    sent.error = messageOf(err);
    return { result: 'refused', detail: sent.error };
  }
}
