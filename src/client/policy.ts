import type { LimitStrategy, SlotRelease } from '../coordinator/messages';
import type { CoordinatorInput } from '../coordinator/core/wire';
import {
  TUNABLE_FIELDS,
  checkTaskQueue,
  parseCoordinatorInput,
  type CoordinatorConfig,
} from '../coordinator/core/validation';
import { ConcurrencyInputError } from './errors';

/**
 * Task queue of the coordinators when neither the policy's `taskQueue` nor a non-empty `TEMPORAL_TASK_QUEUE` names
 * one: the queue `submit()` starts them on and the worker program polls.
 */
export const DEFAULT_TASK_QUEUE = 'concurrency';

/** The environment variable that names the coordinators' task queue, for `submit()` and the worker alike. */
const TASK_QUEUE_ENV = 'TEMPORAL_TASK_QUEUE';

/**
 * "At most `maxRuns` runs of this workflow per key": the Hatchet-style concurrency declaration.
 *
 * An optional field given as `undefined` counts as absent (its default applies), so `childTaskQueue:
 * process.env.PREVIEW_TASK_QUEUE` compiles under `exactOptionalPropertyTypes` too.
 *
 * @typeParam Input the workflow's first argument, which `key` reads the group key from
 */
export interface ConcurrencyPolicy<Input = unknown> {
  /** Policy name; part of every coordinator's workflow ID, so it may not contain `/`. */
  name: string;
  /**
   * Most runs per key that execute at once; an integer >= 1. As a function of the workflow's first argument (Hatchet's
   * `max_runs` expression), each submission carries its own value and the key takes the newest one, applied like
   * any configuration change: lowering it cancels nothing that runs under the queueing strategies.
   */
  maxRuns: number | ((input: Input) => number);
  limitStrategy: LimitStrategy;
  /** The group key of an input, e.g. `(input) => input.userId`; a non-empty string. */
  key: (input: Input) => string;
  /** @default 'on-cancel-request' */
  slotRelease?: SlotRelease | undefined;
  /**
   * Task queue the coordinators run on; `submit()` starts them there.
   * @default `process.env.TEMPORAL_TASK_QUEUE` when non-empty (read at each `submit()`), else 'concurrency'
   */
  taskQueue?: string | undefined;
  /** Task queue of the children; @default the coordinators' task queue */
  childTaskQueue?: string | undefined;
  /**
   * How `submit()` hands a submission to the key's coordinator. `'signal'` (signal-with-start) resolves once the server
   * stored it, even while no worker runs the coordinator; a key flooded by many callers at once can keep its run from
   * continuing as new until Temporal's 10,000-signal cap refuses them for a while. `'update'` (Update-with-Start of the
   * `submit` Update) resolves once a coordinator run took it, so it waits for a worker; a flood never stops a
   * rollover (a semaphore on a constant key). @default 'signal'
   */
  admission?: 'signal' | 'update' | undefined;
  /** A coordinator with nothing running or queued completes after this long. @default 300000 */
  idleTimeoutMs?: number | undefined;
  /** How often a coordinator checks its open children for closes nobody reported. @default 60000 */
  sweepIntervalMs?: number | undefined;
  /** Continue-as-new after this many history events, besides when the server suggests it. */
  continueAsNewAfterEvents?: number | undefined;
  /** Closed submissions kept in the `state` query. @default 100 */
  recentLimit?: number | undefined;
  /** Past submission ids remembered, so resubmitting one starts nothing new. @default 2000 */
  dedupeWindow?: number | undefined;
  /** Continue-as-new after this many signals in one run (Temporal caps a run at 10,000). @default 2000 */
  continueAsNewAfterSignals?: number | undefined;
  /**
   * A child that has not closed this long after its cancellation request is terminated and recorded as `terminated`
   * with the reason. @default 300000
   */
  cancelGracePeriodMs?: number | undefined;
  /** Largest JSON size of one submission's `args`; `submit()` throws beyond it. @default 262144 (256 KiB) */
  maxArgsBytes?: number | undefined;
  /** Largest JSON size of the args queued submissions hold together; the oldest are dropped beyond it. @default 1 MiB */
  maxQueuedBytes?: number | undefined;
  /** How many submissions may wait under CANCEL_QUEUED_EXCEPT_NEWEST / _OLDEST; the rest are dropped. @default maxRuns */
  maxQueued?: number | undefined;
  /**
   * A started child that no worker picks up (no poller on its task queue) is shown as `waiting`; after this long it is
   * terminated and recorded as `failed`. @default undefined (it waits)
   */
  waitingChildTimeoutMs?: number | undefined;
  /**
   * Debounce: a submission waits until the key has had no newer submission for this long; a newer one drops it
   * ("debounced by <id>"). @default undefined (no debounce)
   */
  debounceMs?: number | undefined;
  /** With `debounceMs`: the longest a burst's newest submission waits after the burst's first arrived. */
  debounceMaxWaitMs?: number | undefined;
  /** A submission not started within this long of its arrival is dropped ("not started within …"). */
  scheduleTimeoutMs?: number | undefined;
  /**
   * The most bytes a child of this policy returns (result or failure). Temporal copies each child's result into the
   * coordinator's history, so a run starts only 48 MiB / this many children before it continues as new: a policy whose
   * children return little (most) says so, and a hot key with a high `maxRuns` rolls over far less often. A child that
   * returns more can push the run past Temporal's history limit; the next run takes its work over.
   * @default 2 MiB, the server's blob limit
   */
  maxResultBytes?: number | undefined;
}

/**
 * Validates a policy once, where it is declared, and returns it frozen.
 *
 * @throws {@link ConcurrencyInputError} naming the first invalid field
 * @example
 * const chatPolicy = defineConcurrencyPolicy({
 *   name: 'chat',
 *   maxRuns: 1,
 *   limitStrategy: 'CANCEL_IN_PROGRESS',
 *   key: (message: ChatMessage) => message.userId,
 * });
 */
export function defineConcurrencyPolicy<Input>(policy: ConcurrencyPolicy<Input>): Readonly<ConcurrencyPolicy<Input>> {
  validatePolicy(policy);
  return Object.freeze({ ...policy });
}

export function validatePolicy(policy: ConcurrencyPolicy<never>): void {
  checkPolicyShape(policy);
  // A maxRuns computed from the input is checked at each submit(), where the input is known.
  coordinatorInputOf(policy, 'k', typeof policy.maxRuns === 'function' ? 1 : policy.maxRuns);
}

/**
 * The limit one submission carries: the policy's `maxRuns`, or what its function returns for the workflow's first
 * argument (checked by the coordinator's input check like any other value).
 *
 * @throws {@link ConcurrencyInputError} with field `maxRuns` when the function throws
 */
export function maxRunsOf<Input>(policy: ConcurrencyPolicy<Input>, input: Input): unknown {
  if (typeof policy.maxRuns !== 'function') return policy.maxRuns;
  try {
    return policy.maxRuns(input);
  } catch (err) {
    throw new ConcurrencyInputError('maxRuns', `policy ${policy.name}: maxRuns(input) threw: ${String(err)}`, input);
  }
}

/** What the coordinator's input check cannot see: the policy is an object with a key function and a valid queue. */
export function checkPolicyShape(policy: ConcurrencyPolicy<never>): void {
  if (typeof policy !== 'object' || policy === null) {
    throw new ConcurrencyInputError('policy', `policy must be an object, got ${typeof policy}`, policy);
  }
  if (typeof policy.key !== 'function') {
    throw new ConcurrencyInputError(
      'key',
      `key must be a function of the workflow input, got ${typeof policy.key}`,
      policy.key,
    );
  }
  if (typeof policy.name === 'string' && policy.name.includes('/')) {
    throw new ConcurrencyInputError(
      'name',
      `name must not contain '/', got ${JSON.stringify(policy.name)}`,
      policy.name,
    );
  }
  const admission = (policy as { admission?: unknown }).admission;
  if (admission !== undefined && admission !== 'signal' && admission !== 'update') {
    throw new ConcurrencyInputError(
      'admission',
      `admission must be 'signal' or 'update', got ${JSON.stringify(admission) ?? typeof admission}`,
      admission,
    );
  }
  const taskQueueProblem = policy.taskQueue === undefined ? undefined : checkTaskQueue('taskQueue', policy.taskQueue);
  if (taskQueueProblem) throw new ConcurrencyInputError('taskQueue', taskQueueProblem.message, policy.taskQueue);
}

/**
 * The coordinator start input of a policy's `key`, and the configuration it parses to, checked once by the
 * coordinator's own input check, so client and workflow can never disagree. Problems name the policy's fields.
 *
 * @throws {@link ConcurrencyInputError}
 */
export function coordinatorInputOf(
  policy: ConcurrencyPolicy<never>,
  key: string,
  maxRuns: unknown,
): { input: CoordinatorInput; config: CoordinatorConfig } {
  const input = { ...coordinatorConfigOf(policy), maxRuns, key } as CoordinatorInput;
  const parsed = parseCoordinatorInput(input);
  if (parsed.ok) return { input, config: parsed.value };
  const { problem } = parsed;
  if (problem.field === 'key') throw new ConcurrencyInputError('key', problem.message, key);
  const field = problem.field === 'policy' ? 'name' : problem.field;
  const message = problem.field === 'policy' ? problem.message.replace(/^policy/, 'name') : problem.message;
  const value = field === 'maxRuns' ? maxRuns : (policy as unknown as Record<string, unknown>)[field];
  if (field === 'maxRuns' && typeof policy.maxRuns === 'function') {
    throw new ConcurrencyInputError(field, `policy ${policy.name}: maxRuns(input) returned: ${message}`, value);
  }
  throw new ConcurrencyInputError(field, message, value);
}

/**
 * The task queue `submit()` starts a policy's coordinators on: the policy's `taskQueue`, else `TEMPORAL_TASK_QUEUE`
 * when non-empty — the variable the worker program polls, so a submitter and a worker configured by the same
 * environment meet — else {@link DEFAULT_TASK_QUEUE}. Read at each call, not when the policy is defined.
 *
 * @throws {@link ConcurrencyInputError} with field `TEMPORAL_TASK_QUEUE` if the variable is not a valid task queue
 * name (a bad `taskQueue` in the policy is caught by {@link validatePolicy})
 */
export function coordinatorTaskQueueOf(policy: ConcurrencyPolicy<never>, env: NodeJS.ProcessEnv = process.env): string {
  return policy.taskQueue ?? coordinatorTaskQueueFromEnv(env);
}

/** `TEMPORAL_TASK_QUEUE` checked like any task queue, else `concurrency`: what submitters and workers agree on. */
export function coordinatorTaskQueueFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[TASK_QUEUE_ENV];
  // Empty counts as unset.
  if (fromEnv === undefined || fromEnv === '') return DEFAULT_TASK_QUEUE;
  const problem = checkTaskQueue(TASK_QUEUE_ENV, fromEnv);
  if (problem) throw new ConcurrencyInputError(TASK_QUEUE_ENV, problem.message, fromEnv);
  return fromEnv;
}

/**
 * The coordinator start input a policy implies, without the key: its name and every tunable field it sets (a maxRuns
 * function is left to {@link maxRunsOf}).
 */
export function coordinatorConfigOf(policy: ConcurrencyPolicy<never>): Omit<CoordinatorInput, 'key'> {
  const fields = policy as unknown as Record<string, unknown>;
  const tuned = TUNABLE_FIELDS.filter(
    (field) => fields[field] !== undefined && typeof fields[field] !== 'function',
  ).map((field) => [field, fields[field]]);
  return { policy: policy.name, ...Object.fromEntries(tuned) } as Omit<CoordinatorInput, 'key'>;
}
