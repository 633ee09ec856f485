/**
 * The children a valid chaos submission runs: the library's `demoWork` and the fixtures in
 * `test/fixtures/workflows.ts`, with short random durations. Every input carries `chaosKey`, the group key the
 * chaos policies read.
 */
import type { Rng } from './prng';
import type { ChildKind, ChildSpec } from './types';

export const CHILD_WEIGHTS: Record<ChildKind, number> = {
  demo: 40,
  demoFail: 10,
  sleepy: 10,
  timeout: 8,
  continueAsNew: 10,
  // Ignores its cancellation for 3-8 s: under on-close it holds its slot, and a cancel grace period would end it.
  stubborn: 12,
};

export function childSpec(rng: Rng, kind: ChildKind, chaosKey: string, id: string): ChildSpec {
  switch (kind) {
    case 'demo':
      return spec(kind, 'demoWork', { durationMs: rng.int(200, 3000), label: `${chaosKey}:${id}` });
    case 'demoFail':
      return spec(kind, 'demoWork', { durationMs: 3000, failAfterMs: rng.int(200, 1500), label: `${chaosKey}:${id}` });
    case 'sleepy':
      return spec(kind, 'sleepyWork', { sleepMs: rng.int(200, 3000) });
    case 'timeout':
      return spec(kind, 'timingOutWork', { timeoutMs: rng.int(1000, 2500) });
    case 'continueAsNew':
      return spec(kind, 'continuingWork', { continueTimes: rng.int(1, 2), sleepMs: rng.int(200, 1500) });
    case 'stubborn':
      return spec(kind, 'stubbornWork', { sleepMs: rng.int(3000, 8000) });
  }

  function spec(kind: ChildKind, workflowType: string, input: Record<string, unknown>): ChildSpec {
    return { kind, workflowType, args: [{ ...input, chaosKey }] };
  }
}

/** Bystanders are `heldWork` runs (they wait for `release`), started by the harness itself, never by a coordinator. */
export const BYSTANDER_WORKFLOW_TYPE = 'heldWork';
