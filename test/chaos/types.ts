/**
 * What a chaos run is made of: the plan (policies, keys, steps), all decided up front from the seed, so a seed
 * replays the same steps; only the timing of the real server differs between replays.
 */
import type { LimitStrategy, SlotRelease } from '../../src/coordinator/messages';

/** Every kind of step; a run may switch some off (`--kinds`) while the library does not support them yet. */
export const STEP_KINDS = [
  'submit',
  'duplicate',
  'malformed',
  'collide',
  'cancelCoordinator',
  'terminateCoordinator',
  'resetCoordinator',
  'cancelChild',
  'terminateChild',
  'killWorker',
  'configChange',
  'pause',
  // Issue 15's attacks: each trusts, or would have trusted, something a history does not prove.
  'doubleTerminate',
  'deleteCoordinator',
  'forgedStart',
  'invalidStart',
  'nonCanonical',
  'resetClosedChild',
] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** How a valid submission's child behaves. */
export type ChildKind = 'demo' | 'demoFail' | 'sleepy' | 'timeout' | 'continueAsNew' | 'stubborn';

/** A hostile `submit` payload, sent with the raw client so no client-side validation stands in the way. */
export const MALFORMED_VARIANTS = [
  'missingId',
  'argsNotArray',
  'numbers',
  'notObject',
  'hugeWorkflowId',
  'hugeWorkflowType',
  'hugeTaskQueue',
  'systemTaskQueue',
  'ownCoordinatorId',
  'otherCoordinatorId',
  'hugeArgs',
  // Payloads the data converter cannot decode (another SDK's converter, a hand-written call): issue 15, item 5.
  'notJson',
  'unknownEncoding',
] as const;
export type MalformedVariant = (typeof MALFORMED_VARIANTS)[number];

/**
 * What a forged start input's `carried` says (`forgedStart`): a run naming a bystander the harness started, `runs`
 * with `null` and a run without a runId, no runs at all (after a terminate: the take-over must not be skipped), or the
 * very submission sent with it as already seen (it must still run).
 */
export const FORGERIES = ['bystander', 'nullRuns', 'empty', 'seenIds'] as const;
export type Forgery = (typeof FORGERIES)[number];

/**
 * How another submitter might spell a key's coordinator ID (`nonCanonical`): Python's `quote(key, safe='')` (which
 * writes `'` as `%27` and leaves a leading `~`), lower-case percent escapes, the key unencoded, or the hashed form a
 * short key never has.
 */
export const SPELLINGS = ['pythonQuote', 'lowerHex', 'raw', 'hashed'] as const;
export type Spelling = (typeof SPELLINGS)[number];

/** A valid submission an attack step sends besides its hostile part. */
export interface Follower {
  id: string;
  child: ChildSpec;
}

export interface ChildSpec {
  kind: ChildKind;
  workflowType: string;
  /** The child's arguments; `args[0].chaosKey` is the group key the policy reads. */
  args: [Record<string, unknown>];
}

export interface PolicySpec {
  /** Drawn from the whole set (ChaosOptions.strategies), and switched by some config changes. */
  limitStrategy: LimitStrategy;
  maxRuns: number;
  slotRelease: SlotRelease;
  idleTimeoutMs: number;
  sweepIntervalMs: number;
  continueAsNewAfterEvents: number;
  /** Passed through the policy object for the library's escalation of children that ignore cancellation. */
  cancelGracePeriodMs: number;
}

export interface KeySpec {
  name: string;
  policy: number;
}

interface StepBase {
  index: number;
  /** Wait this long before the step, so things overlap in varied ways. */
  delayMs: number;
}

export type Step = StepBase &
  (
    | { kind: 'submit'; key: number; id: string; child: ChildSpec; customWorkflowId: boolean }
    /** The submission of step `of` again, same id and payload. */
    | { kind: 'duplicate'; of: number }
    | { kind: 'malformed'; key: number; id: string; variant: MalformedVariant }
    /** A valid submission whose workflowId names a running workflow of our own that no coordinator started. */
    | { kind: 'collide'; key: number; id: string; child: ChildSpec }
    | { kind: 'cancelCoordinator' | 'terminateCoordinator' | 'resetCoordinator'; key: number }
    /** Cancel or terminate the child of the submission of step `of`, if it is running. */
    | { kind: 'cancelChild' | 'terminateChild'; of: number }
    | { kind: 'killWorker' | 'restartWorker' }
    /** The same policy name with new settings in later submissions; maxRuns is only ever raised. */
    | { kind: 'configChange'; policy: number; maxRuns: number; slotRelease: SlotRelease; limitStrategy: LimitStrategy }
    | { kind: 'pause'; ms: number }
    /**
     * With the coordinators' worker down: terminate the key's coordinator, submit (a run no worker picks up),
     * terminate that run too; then the worker comes back (if it was up).
     */
    | { kind: 'doubleTerminate'; key: number; id: string; child: ChildSpec }
    /** Delete the key's current coordinator run (its history read and kept first, for the checker). */
    | { kind: 'deleteCoordinator'; key: number }
    /** Terminate the key's coordinator, then a raw signalWithStart whose start input carries a forged `carried`. */
    | { kind: 'forgedStart'; key: number; id: string; child: ChildSpec; forgery: Forgery }
    /**
     * Terminate the key's coordinator (worker down if `workerDown`), then a raw signalWithStart with `maxRuns: 0` in
     * its start input and a submission with or without `config`, then the followers through `submit()`.
     */
    | {
        kind: 'invalidStart';
        key: number;
        id: string;
        child: ChildSpec;
        withConfig: boolean;
        workerDown: boolean;
        followers: Follower[];
      }
    /** A raw signalWithStart to a second, non-canonical coordinator ID of the key. */
    | { kind: 'nonCanonical'; key: number; id: string; child: ChildSpec; spelling: Spelling }
    /** Reset the child of the submission of step `of` to its first workflow task, if it has closed. */
    | { kind: 'resetClosedChild'; of: number }
  );

export interface ChaosOptions {
  seed: number;
  steps: number;
  keys: number;
  kinds: readonly StepKind[];
  /**
   * `all` draws each policy's strategy from the whole set (and lets config changes switch it) from a generator of its
   * own, so a seed's steps are the same either way; `cancel-in-progress` is the set before it. @default 'all'
   */
  strategies?: 'all' | 'cancel-in-progress';
}

export interface ChaosPlan {
  options: ChaosOptions;
  policies: PolicySpec[];
  keys: KeySpec[];
  steps: Step[];
}
