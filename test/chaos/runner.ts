/**
 * Carries out a plan's steps against the real server, in order, each after its planned delay. A step that fails is
 * recorded and the run goes on: the checker decides what matters.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  deleteCoordinator,
  doubleTerminate,
  forgedStart,
  invalidStart,
  nonCanonical,
  resetClosedChild,
} from './attacks';
import { ensureWorker, killWorker, type RunState } from './context';
import { describeStep } from './generator';
import { messageOf } from './ledger';
import { onChild, onCoordinator, resetCoordinator } from './operators';
import { buildPolicy } from './policies';
import { sendColliding, sendDuplicate, sendMalformed, sendValid, type Outcome, type ValidSends } from './submissions';
import type { Step } from './types';

// Issue 15's attacks submit too, but are recorded as actions as well: their figures say how each went.
const SUBMITTING_KINDS: readonly Step['kind'][] = ['submit', 'duplicate', 'malformed', 'collide', 'pause'];

export async function executeSteps(run: RunState): Promise<void> {
  const valid: ValidSends = new Map();
  for (const step of run.plan.steps) {
    await sleep(step.delayMs);
    let outcome: Outcome;
    const atMs = Date.now();
    try {
      outcome = await executeStep(run, step, valid);
    } catch (err) {
      outcome = { result: 'error', detail: messageOf(err) };
    }
    // Submissions are in the ledger's `sent`; the rest are the operator's and the environment's actions.
    if (!SUBMITTING_KINDS.includes(step.kind))
      run.ledger.actions.push({ step: step.index, kind: step.kind, atMs, durationMs: Date.now() - atMs, ...outcome });
    if (run.env.verbose || outcome.result === 'error') {
      run.env.log(`${describeStep(step, run.plan)} → ${outcome.result}${outcome.detail ? `: ${outcome.detail}` : ''}`);
    }
  }
}

async function executeStep(run: RunState, step: Step, valid: ValidSends): Promise<Outcome> {
  switch (step.kind) {
    case 'submit': {
      const workflowId = step.customWorkflowId ? `chaos-own-${run.ledger.tag}-${step.id}` : undefined;
      return sendValid(run, step, step.child, workflowId, valid);
    }
    case 'collide':
      return sendColliding(run, step, valid);
    case 'duplicate':
      return sendDuplicate(run, step.of, step.index, valid);
    case 'malformed':
      return sendMalformed(run, step);
    case 'cancelCoordinator':
    case 'terminateCoordinator':
      return onCoordinator(run, step.kind, step.key);
    case 'resetCoordinator':
      return resetCoordinator(run, step.key);
    case 'cancelChild':
    case 'terminateChild':
      return onChild(run, step.kind, valid.get(step.of)?.sent.childWorkflowId);
    case 'killWorker':
      await killWorker(run);
      return { result: 'done' };
    case 'restartWorker':
      await ensureWorker(run);
      return { result: 'done' };
    case 'configChange': {
      const { maxRuns, slotRelease, limitStrategy } = step;
      const spec = { ...run.specs[step.policy]!, maxRuns, slotRelease, limitStrategy };
      run.specs[step.policy] = spec;
      run.policies[step.policy] = buildPolicy(run.ledger.policyNames[step.policy]!, run.ledger.taskQueue, spec);
      return { result: 'done', detail: `${spec.limitStrategy}, maxRuns ${spec.maxRuns}, ${spec.slotRelease}` };
    }
    case 'pause':
      await sleep(step.ms);
      return { result: 'done' };
    case 'doubleTerminate':
      return doubleTerminate(run, step, valid);
    case 'deleteCoordinator':
      return deleteCoordinator(run, step);
    case 'forgedStart':
      return forgedStart(run, step, valid);
    case 'invalidStart':
      return invalidStart(run, step, valid);
    case 'nonCanonical':
      return nonCanonical(run, step);
    case 'resetClosedChild':
      return resetClosedChild(run, step, valid);
  }
}
