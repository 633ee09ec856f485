/**
 * Plans a chaos run from its seed: the policies, the keys and every step with its target, decided up front, so the
 * same seed always plans the same run and `--verbose` can print it.
 */
import { LIMIT_STRATEGIES, type LimitStrategy, type SlotRelease } from '../../src/coordinator/messages';
import { CHILD_WEIGHTS, childSpec } from './children';
import { createRng, type Rng } from './prng';
import { nonCanonicalSpellings } from './spellings';
import {
  FORGERIES,
  MALFORMED_VARIANTS,
  type ChaosOptions,
  type ChaosPlan,
  type ChildKind,
  type KeySpec,
  type PolicySpec,
  type Step,
  type StepKind,
} from './types';

const STEP_WEIGHTS: Record<StepKind, number> = {
  submit: 34,
  duplicate: 5,
  malformed: 8,
  collide: 3,
  cancelCoordinator: 2,
  terminateCoordinator: 2,
  resetCoordinator: 2,
  cancelChild: 3,
  terminateChild: 2,
  killWorker: 2,
  configChange: 2,
  pause: 5,
  doubleTerminate: 2,
  deleteCoordinator: 2,
  forgedStart: 2,
  invalidStart: 2,
  nonCanonical: 2,
  resetClosedChild: 2,
};

/**
 * Hostile but legal keys: a `'` (which `encodeURIComponent` leaves and Python's `quote()` encodes), a slash, a leading
 * `~` (which must not spell a hashed ID), non-ASCII and a space.
 */
const KEY_NAMES = ["k'0", 'user/1', '~k2', 'ü k3'];

/** Submission ids say which step sent them: `dt12` a double terminate's, `is12f0` an invalid start's follower. */
const ID_PREFIXES = { doubleTerminate: 'dt', forgedStart: 'fs', invalidStart: 'is', nonCanonical: 'nc' } as const;

/** How many steps back a reset's target is submitted at least, when there is one that old. */
const RESET_MIN_AGE_STEPS = 20;

/** maxRuns is only ever raised by a config change, so the checker may judge every instant by the highest so far. */
const MAX_MAX_RUNS = 4;

/**
 * The strategy a policy starts with, or switches to: from a generator of its own (seeded from the run's seed), so the
 * steps of a seed are the same whether strategies are drawn or not.
 */
function strategyOf(strategyRng: Rng | undefined): LimitStrategy {
  return strategyRng ? strategyRng.pick(LIMIT_STRATEGIES) : 'CANCEL_IN_PROGRESS';
}

function planPolicies(rng: Rng, count: number, strategyRng: Rng | undefined): PolicySpec[] {
  // Both slot releases are always present: policy 0 releases on cancel request, policy 1 on close.
  const releases: SlotRelease[] = ['on-cancel-request', 'on-close'];
  return Array.from({ length: count }, (_, i) => ({
    limitStrategy: strategyOf(strategyRng),
    maxRuns: rng.int(1, 3),
    slotRelease: releases[i % 2] as SlotRelease,
    idleTimeoutMs: rng.int(2000, 5000),
    sweepIntervalMs: 1000,
    continueAsNewAfterEvents: rng.int(60, 100),
    cancelGracePeriodMs: 2000,
  }));
}

export function planKeys(count: number): KeySpec[] {
  const policies = Math.min(2, count);
  return Array.from({ length: count }, (_, i) => ({ name: KEY_NAMES[i] ?? `k${i}`, policy: i % policies }));
}

export function generatePlan(options: ChaosOptions): ChaosPlan {
  const rng = createRng(options.seed);
  const keys = planKeys(options.keys);
  const strategyRng = (options.strategies ?? 'all') === 'all' ? createRng(options.seed * 7919 + 17) : undefined;
  const policies = planPolicies(rng, Math.min(2, options.keys), strategyRng);
  const current = policies.map((policy) => ({ ...policy }));
  const enabled = new Set(options.kinds);
  const steps: Step[] = [];
  // Steps that sent a valid submission: targets for duplicates, and (if they named no bystander) for child faults.
  const submitted: { index: number; collided: boolean }[] = [];
  let workerUp = true;
  let restartAt = -1;

  for (let index = 0; index < options.steps; index++) {
    const delayMs = rng.int(0, 400);
    if (index === restartAt) {
      steps.push({ index, delayMs, kind: 'restartWorker' });
      workerUp = true;
      continue;
    }
    const weights: Partial<Record<StepKind, number>> = {};
    for (const kind of enabled) weights[kind] = STEP_WEIGHTS[kind];
    // A delete first asks the run's `state` (its dropped and rejected records die with it): only with a worker.
    if (!workerUp) weights.killWorker = weights.deleteCoordinator = 0;
    if (submitted.length === 0)
      weights.duplicate = weights.cancelChild = weights.terminateChild = weights.resetClosedChild = 0;
    if (!Object.values(weights).some((weight) => weight > 0)) weights.pause = 1;
    const kind = rng.weighted(weights);
    const key = rng.int(0, keys.length - 1);
    const keyName = (keys[key] as KeySpec).name;

    switch (kind) {
      case 'submit':
      case 'collide': {
        const id = `${kind === 'submit' ? 's' : 'c'}${index}`;
        const child = childSpec(rng, rng.weighted<ChildKind>(CHILD_WEIGHTS), keyName, id);
        if (kind === 'submit') steps.push({ index, delayMs, kind, key, id, child, customWorkflowId: rng.chance(0.15) });
        else steps.push({ index, delayMs, kind, key, id, child });
        submitted.push({ index, collided: kind === 'collide' });
        break;
      }
      case 'duplicate':
        steps.push({ index, delayMs, kind, of: rng.pick(submitted).index });
        break;
      case 'cancelChild':
      case 'terminateChild':
      case 'resetClosedChild': {
        // Never a collided submission: its workflow ID names a bystander, which nothing may cancel.
        const own = submitted.filter((s) => !s.collided);
        // A reset revives a closed child: one submitted a while ago has most likely closed (children last <= 8 s).
        const old = own.filter((s) => s.index <= index - RESET_MIN_AGE_STEPS);
        const targets = kind === 'resetClosedChild' && old.length > 0 ? old : own;
        if (targets.length === 0) steps.push({ index, delayMs, kind: 'pause', ms: 500 });
        else steps.push({ index, delayMs, kind, of: rng.pick(targets).index });
        break;
      }
      case 'malformed':
        steps.push({ index, delayMs, kind, key, id: `m${index}`, variant: rng.pick(MALFORMED_VARIANTS) });
        break;
      case 'cancelCoordinator':
      case 'terminateCoordinator':
      case 'resetCoordinator':
      case 'deleteCoordinator':
        steps.push({ index, delayMs, kind, key });
        break;
      case 'doubleTerminate':
      case 'forgedStart':
      case 'invalidStart':
      case 'nonCanonical': {
        const id = `${ID_PREFIXES[kind]}${index}`;
        const child = childSpec(rng, rng.weighted<ChildKind>(CHILD_WEIGHTS), keyName, id);
        if (kind === 'doubleTerminate') steps.push({ index, delayMs, kind, key, id, child });
        if (kind === 'forgedStart') steps.push({ index, delayMs, kind, key, id, child, forgery: rng.pick(FORGERIES) });
        if (kind === 'invalidStart') {
          const followers = Array.from({ length: rng.int(0, 2) }, (_, i) => {
            const followerId = `${id}f${i}`;
            return {
              id: followerId,
              child: childSpec(rng, rng.weighted<ChildKind>(CHILD_WEIGHTS), keyName, followerId),
            };
          });
          const withConfig = rng.chance(0.5);
          steps.push({ index, delayMs, kind, key, id, child, withConfig, workerDown: rng.chance(0.5), followers });
        }
        if (kind === 'nonCanonical') {
          steps.push({ index, delayMs, kind, key, id, child, spelling: rng.pick(nonCanonicalSpellings(keyName)) });
        }
        // Its child (none for a non-canonical ID: that coordinator must start nothing) may be targeted later.
        if (kind !== 'nonCanonical') submitted.push({ index, collided: false });
        break;
      }
      case 'killWorker':
        steps.push({ index, delayMs, kind });
        workerUp = false;
        restartAt = index + rng.int(1, 3);
        break;
      case 'configChange': {
        const policy = rng.int(0, current.length - 1);
        const now = current[policy] as PolicySpec;
        const raise = now.maxRuns < MAX_MAX_RUNS && rng.chance(0.6);
        const flip = !raise || rng.chance(0.4);
        if (raise) now.maxRuns += 1;
        if (flip) now.slotRelease = now.slotRelease === 'on-close' ? 'on-cancel-request' : 'on-close';
        // A change of strategy on a live key, now and then.
        if (strategyRng?.chance(0.35)) now.limitStrategy = strategyOf(strategyRng);
        const { maxRuns, slotRelease, limitStrategy } = now;
        steps.push({ index, delayMs, kind, policy, maxRuns, slotRelease, limitStrategy });
        break;
      }
      case 'pause':
        steps.push({ index, delayMs, kind, ms: rng.int(500, 2500) });
        break;
    }
  }
  return { options, policies, keys, steps };
}

/** One line per step, for `--verbose` and failure reports. */
export function describeStep(step: Step, plan: ChaosPlan): string {
  const keyName = (key: number) => JSON.stringify(plan.keys[key]?.name);
  const head = `#${step.index} +${step.delayMs}ms ${step.kind}`;
  switch (step.kind) {
    case 'submit':
      return `${head} ${keyName(step.key)} ${step.id} ${step.child.kind}${step.customWorkflowId ? ' (own workflowId)' : ''}`;
    case 'collide':
      return `${head} ${keyName(step.key)} ${step.id} ${step.child.kind} onto a bystander`;
    case 'malformed':
      return `${head} ${keyName(step.key)} ${step.id} ${step.variant}`;
    case 'duplicate':
    case 'cancelChild':
    case 'terminateChild':
    case 'resetClosedChild':
      return `${head} of #${step.of}`;
    case 'cancelCoordinator':
    case 'terminateCoordinator':
    case 'resetCoordinator':
    case 'deleteCoordinator':
      return `${head} ${keyName(step.key)}`;
    case 'doubleTerminate':
      return `${head} ${keyName(step.key)} ${step.id} ${step.child.kind}`;
    case 'forgedStart':
      return `${head} ${keyName(step.key)} ${step.id} ${step.child.kind}, carried: ${step.forgery}`;
    case 'invalidStart': {
      const followers = step.followers.map((f) => `${f.id} ${f.child.kind}`).join(', ');
      return `${head} ${keyName(step.key)} ${step.id} ${step.child.kind} ${step.withConfig ? 'with' : 'without'} config, worker ${step.workerDown ? 'down' : 'up'}${followers ? `, then ${followers}` : ''}`;
    }
    case 'nonCanonical':
      return `${head} ${keyName(step.key)} ${step.id} ${step.child.kind} as ${step.spelling}`;
    case 'configChange':
      return `${head} policy ${step.policy}: ${step.limitStrategy}, maxRuns ${step.maxRuns}, ${step.slotRelease}`;
    case 'pause':
      return `${head} ${step.ms}ms`;
    case 'killWorker':
    case 'restartWorker':
      return head;
  }
}
