/**
 * The chaos run's policies, built with the library's public `defineConcurrencyPolicy`. A config change is a new
 * policy object with the same name, as a redeployed submitter would have.
 */
import { defineConcurrencyPolicy, type ConcurrencyPolicy } from '../../src/client';
import type { PolicySpec } from './types';

/** Every chaos child's first argument names its key. */
export interface ChaosInput {
  chaosKey: string;
}

export type ChaosPolicy = Readonly<ConcurrencyPolicy<ChaosInput>>;

export function buildPolicy(name: string, taskQueue: string, spec: PolicySpec): ChaosPolicy {
  // Typed with the grace period spelled out, so policy types that do not have it yet accept the object as well.
  const policy: ConcurrencyPolicy<ChaosInput> & { cancelGracePeriodMs?: number } = {
    name,
    maxRuns: spec.maxRuns,
    limitStrategy: spec.limitStrategy,
    slotRelease: spec.slotRelease,
    key: (input: ChaosInput) => input.chaosKey,
    taskQueue,
    idleTimeoutMs: spec.idleTimeoutMs,
    sweepIntervalMs: spec.sweepIntervalMs,
    continueAsNewAfterEvents: spec.continueAsNewAfterEvents,
    // Every outcome must stay visible to the checker for the whole run.
    recentLimit: 1000,
    // Children that ignore their cancellation this long are terminated (a library without it ignores the field).
    cancelGracePeriodMs: spec.cancelGracePeriodMs,
  };
  return defineConcurrencyPolicy(policy);
}
