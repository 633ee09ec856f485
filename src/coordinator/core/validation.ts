/**
 * Validation shared by the client (which throws) and the coordinator (which must never throw on bad signal input:
 * a thrown error in workflow code retries the workflow task forever and wedges the key). So every check here
 * returns the problem instead of throwing it.
 */
import {
  CLOSE_OUTCOMES,
  LIMIT_STRATEGIES,
  SLOT_RELEASES,
  type CloseOutcome,
  type CoordinatorInput,
  type LimitStrategy,
  type RunClosed,
  type SlotRelease,
  type Submission,
  type SubmitterConfig,
} from './wire';
import {
  COORDINATOR_ID_PREFIX,
  MAX_KEY_LENGTH,
  MAX_MAX_RUNS,
  MAX_POLICY_NAME_LENGTH,
  MAX_SUBMISSION_ID_LENGTH,
  MAX_TEMPORAL_ID_LENGTH,
  RESERVED_TASK_QUEUE_PREFIX,
  hasLoneSurrogate,
  utf8Length,
} from './limits';

/**
 * What a run understands. A coordinator run before the strategySet behaviour knew only CANCEL_IN_PROGRESS and no
 * `priority`; one before the timedQueue behaviour knew the strategy set but no `debounceMs`, `debounceMaxWaitMs` or
 * `scheduleTimeoutMs`. Replayed, a run must refuse and ignore what it did then, so its shell parses with its own.
 */
export type Vocabulary = 'full' | 'strategy-set' | 'cancel-in-progress';

/** Oldest first: each vocabulary understands everything the ones before it do. */
const VOCABULARIES: readonly Vocabulary[] = ['cancel-in-progress', 'strategy-set', 'full'];

/** Whether `vocabulary` understands what `since` brought. */
export function understands(vocabulary: Vocabulary, since: Vocabulary): boolean {
  return VOCABULARIES.indexOf(vocabulary) >= VOCABULARIES.indexOf(since);
}

/** Strategies each vocabulary accepts. */
function strategiesOf(vocabulary: Vocabulary): readonly string[] {
  return understands(vocabulary, 'strategy-set') ? LIMIT_STRATEGIES : ['CANCEL_IN_PROGRESS'];
}

/** Highest (1) and lowest (5) submission priority: Temporal's own priority-key convention. */
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 5;

/** One thing wrong with an input: the field's path and what is wrong with it. */
export interface Problem {
  field: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** Describes a value for an error message: its type and, when short, the value itself. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'string')
    return value.length > 40 || hasLoneSurrogate(value)
      ? `string of length ${value.length}`
      : `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

/** Key of the value a payload that could not be decoded becomes (see raw-payload.ts): rejected, never decided on. */
const UNDECODABLE = '__temporalConcurrencyUndecodable';

/** A message whose payload the data converter could not decode: its encoding and the decoder's message. */
export interface Undecodable {
  [UNDECODABLE]: { encoding: string; message: string };
}

export function undecodable(encoding: string, message: string): Undecodable {
  return { [UNDECODABLE]: { encoding, message: message.slice(0, 300) } };
}

/** Why an undecodable message was refused, or undefined for a decoded one. */
export function undecodableProblem(value: unknown, what: string): string | undefined {
  const found = isRecord(value) ? (value[UNDECODABLE] as Undecodable[typeof UNDECODABLE] | undefined) : undefined;
  if (!isRecord(found)) return undefined;
  return `${what} payload could not be decoded (encoding ${found.encoding}): ${found.message}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail<T>(field: string, message: string): Parsed<T> {
  return { ok: false, problem: { field, message } };
}

/**
 * A non-empty, well-formed string of at most `maxLength` characters; with `bytes`, also at most `maxLength` bytes of
 * UTF-8, which is how the server measures IDs, names and task queues.
 */
function checkNonEmptyString(field: string, value: unknown, maxLength = Infinity, bytes = false): Problem | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    return { field, message: `${field} must be a non-empty string, got ${describe(value)}` };
  }
  if (value.length > maxLength) {
    return { field, message: `${field} must be at most ${maxLength} characters, got ${value.length}` };
  }
  if (hasLoneSurrogate(value)) {
    return { field, message: `${field} must be well-formed Unicode, got a string with a lone UTF-16 surrogate` };
  }
  if (bytes && utf8Length(value) > maxLength) {
    return { field, message: `${field} must be at most ${maxLength} bytes of UTF-8, got ${utf8Length(value)}` };
  }
  return undefined;
}

/** A workflow type name: Temporal caps it like an ID. */
export function checkWorkflowType(field: string, value: unknown): Problem | undefined {
  return checkNonEmptyString(field, value, MAX_TEMPORAL_ID_LENGTH, true);
}

/** A task queue name: capped like an ID, and the server's own `/_sys/` queues are refused. */
export function checkTaskQueue(field: string, value: unknown): Problem | undefined {
  const problem = checkNonEmptyString(field, value, MAX_TEMPORAL_ID_LENGTH, true);
  if (problem) return problem;
  if ((value as string).startsWith(RESERVED_TASK_QUEUE_PREFIX)) {
    return { field, message: `${field} must not start with ${RESERVED_TASK_QUEUE_PREFIX} (reserved by the server)` };
  }
  return undefined;
}

/**
 * A child workflow ID the submitter chose. IDs under `concurrency/` belong to coordinators and their default child
 * IDs: a submission may not name a coordinator (its own or another key's) nor another submission's child.
 */
export function checkChildWorkflowId(field: string, value: unknown): Problem | undefined {
  const problem = checkNonEmptyString(field, value, MAX_TEMPORAL_ID_LENGTH, true);
  if (problem) return problem;
  if ((value as string).startsWith(COORDINATOR_ID_PREFIX)) {
    return {
      field,
      message: `${field} must not start with ${COORDINATOR_ID_PREFIX} (reserved for coordinators and their default child IDs)`,
    };
  }
  return undefined;
}

function checkPositiveInteger(field: string, value: unknown, optional: boolean, max = Infinity): Problem | undefined {
  if (optional && value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    return { field, message: `${field} must be an integer >= 1, got ${describe(value)}` };
  }
  if (value > max) return { field, message: `${field} must be at most ${max}, got ${value}` };
  return undefined;
}

/** A submission's `priority`: absent, or an integer from 1 (highest) to 5. */
export function checkPriority(field: string, value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value >= MIN_PRIORITY && value <= MAX_PRIORITY)
    return undefined;
  return {
    field,
    message: `${field} must be an integer from ${MIN_PRIORITY} (highest) to ${MAX_PRIORITY}, got ${describe(value)}`,
  };
}

function checkOneOf(field: string, value: unknown, allowed: readonly string[], optional: boolean): Problem | undefined {
  if (optional && value === undefined) return undefined;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    return { field, message: `${field} must be one of ${allowed.join(', ')}, got ${describe(value)}` };
  }
  return undefined;
}

function firstProblem(checks: (Problem | undefined)[]): Problem | undefined {
  return checks.find((problem) => problem !== undefined);
}

/** Carried state comes from the coordinator itself; this only guards against a hand-written start input. */
function checkCarried(value: unknown): Problem | undefined {
  if (value === undefined) return undefined;
  const ok =
    isRecord(value) &&
    typeof value.nextSeq === 'number' &&
    Array.isArray(value.runs) &&
    Array.isArray(value.recent) &&
    Array.isArray(value.seenIds) &&
    isRecord(value.counters);
  return ok ? undefined : { field: 'carried', message: 'carried must be state written by a previous coordinator run' };
}

/** Normalized coordinator configuration: the start input with defaults applied. */
export interface CoordinatorConfig {
  policy: string;
  key: string;
  maxRuns: number;
  limitStrategy: LimitStrategy;
  slotRelease: SlotRelease;
  childTaskQueue?: string;
  idleTimeoutMs: number;
  recentLimit: number;
  dedupeWindow: number;
  sweepIntervalMs: number;
  continueAsNewAfterEvents?: number;
  continueAsNewAfterSignals: number;
  cancelGracePeriodMs: number;
  maxArgsBytes: number;
  maxQueuedBytes: number;
  waitingChildTimeoutMs?: number;
  /** How many submissions may wait under the CANCEL_QUEUED_EXCEPT strategies. @default maxRuns */
  maxQueued?: number;
  /**
   * A waiting submission becomes eligible only once the key has had no newer submission for this long; an older
   * waiting one is dropped ("debounced by <id>") when a newer one arrives. @default no debounce
   */
  debounceMs?: number;
  /** Under `debounceMs`, a burst's newest submission is eligible at most this long after the burst's first. */
  debounceMaxWaitMs?: number;
  /** A submission not started within this long of its arrival is dropped ("not started within …"). */
  scheduleTimeoutMs?: number;
  /**
   * The most bytes a child's result (or failure) takes: a run starts only as many children as its history can hold the
   * results of (Temporal copies each into the coordinator's history). @default 2 MiB, the server's blob limit
   */
  maxResultBytes?: number;
}

/** The part of the configuration a submitter (or a worker's pinned policy) may set; everything but policy and key. */
export type TunableConfig = Omit<CoordinatorConfig, 'policy' | 'key'>;

export const CONFIG_DEFAULTS = {
  slotRelease: 'on-cancel-request',
  idleTimeoutMs: 5 * 60_000,
  recentLimit: 100,
  dedupeWindow: 2000,
  sweepIntervalMs: 60_000,
  continueAsNewAfterSignals: 2000,
  cancelGracePeriodMs: 5 * 60_000,
  maxArgsBytes: 256 * 1024,
  maxQueuedBytes: 1024 * 1024,
} as const;

/** Longest duration option: longer ones overflow timers and dates (30 days; a key idle longer simply restarts). */
export const MAX_DURATION_MS = 30 * 24 * 60 * 60 * 1000;

/** Upper bounds of the numeric options: each is a size or count the coordinator must be able to hold. */
const MAX_OF: Partial<Record<keyof TunableConfig, number>> = {
  idleTimeoutMs: MAX_DURATION_MS,
  sweepIntervalMs: MAX_DURATION_MS,
  cancelGracePeriodMs: MAX_DURATION_MS,
  waitingChildTimeoutMs: MAX_DURATION_MS,
  debounceMs: MAX_DURATION_MS,
  debounceMaxWaitMs: MAX_DURATION_MS,
  scheduleTimeoutMs: MAX_DURATION_MS,
  maxResultBytes: 2 * 1024 * 1024,
  maxRuns: MAX_MAX_RUNS,
  // Queued submissions travel in every handover (their args within maxQueuedBytes).
  maxQueued: 10_000,
  // Both travel in every handover; `fitCarried` trims them to the payload budget if entries are large.
  recentLimit: 1000,
  dedupeWindow: 10_000,
  // Temporal's cap is 10,000 signals per run; the rollover needs headroom for signals that arrive meanwhile.
  continueAsNewAfterSignals: 5000,
  // One submission's args travel in a signal and a start command; the server refuses payloads over 2 MB.
  maxArgsBytes: 1024 * 1024,
  // Queued args are carried across continue-as-new in one payload.
  maxQueuedBytes: 1024 * 1024,
};

type TunableCheck = (field: string, value: unknown, vocabulary: Vocabulary) => Problem | undefined;

const TUNABLE_CHECKS: Record<keyof TunableConfig, TunableCheck> = {
  maxRuns: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.maxRuns),
  limitStrategy: (field, value, vocabulary) => checkOneOf(field, value, strategiesOf(vocabulary), true),
  slotRelease: (field, value) => checkOneOf(field, value, SLOT_RELEASES, true),
  childTaskQueue: (field, value) => (value === undefined ? undefined : checkTaskQueue(field, value)),
  idleTimeoutMs: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.idleTimeoutMs),
  recentLimit: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.recentLimit),
  dedupeWindow: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.dedupeWindow),
  sweepIntervalMs: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.sweepIntervalMs),
  continueAsNewAfterEvents: (field, value) => checkPositiveInteger(field, value, true),
  continueAsNewAfterSignals: (field, value) =>
    checkPositiveInteger(field, value, true, MAX_OF.continueAsNewAfterSignals),
  cancelGracePeriodMs: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.cancelGracePeriodMs),
  maxArgsBytes: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.maxArgsBytes),
  maxQueuedBytes: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.maxQueuedBytes),
  waitingChildTimeoutMs: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.waitingChildTimeoutMs),
  maxQueued: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.maxQueued),
  debounceMs: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.debounceMs),
  debounceMaxWaitMs: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.debounceMaxWaitMs),
  scheduleTimeoutMs: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.scheduleTimeoutMs),
  maxResultBytes: (field, value) => checkPositiveInteger(field, value, true, MAX_OF.maxResultBytes),
};

export const TUNABLE_FIELDS = Object.keys(TUNABLE_CHECKS) as (keyof TunableConfig)[];

/** Fields a vocabulary before the one named does not know: ignored there, like any unknown field. */
const FIELD_SINCE: Partial<Record<keyof TunableConfig, Vocabulary>> = {
  maxQueued: 'strategy-set',
  debounceMs: 'full',
  debounceMaxWaitMs: 'full',
  scheduleTimeoutMs: 'full',
  maxResultBytes: 'full',
};

function fieldsOf(vocabulary: Vocabulary): (keyof TunableConfig)[] {
  return TUNABLE_FIELDS.filter((field) => understands(vocabulary, FIELD_SINCE[field] ?? 'cancel-in-progress'));
}

/** The tunable fields present in `source`, checked; `prefix` names them in problems (e.g. `config.maxRuns`). */
export function parseTunable(
  source: Record<string, unknown>,
  prefix = '',
  vocabulary: Vocabulary = 'full',
): Parsed<Partial<TunableConfig>> {
  const fields = fieldsOf(vocabulary);
  const problem = firstProblem(fields.map((field) => TUNABLE_CHECKS[field](prefix + field, source[field], vocabulary)));
  if (problem) return { ok: false, problem };
  const value: Record<string, unknown> = {};
  for (const field of fields) if (source[field] !== undefined) value[field] = source[field];
  return { ok: true, value: value };
}

/** Validates the coordinator's start input and applies defaults. */
export function parseCoordinatorInput(input: unknown, vocabulary: Vocabulary = 'full'): Parsed<CoordinatorConfig> {
  const undecoded = undecodableProblem(input, 'coordinator input');
  if (undecoded) return fail('input', undecoded);
  if (!isRecord(input)) return fail('input', `coordinator input must be an object, got ${describe(input)}`);
  const problem = firstProblem([
    checkNonEmptyString('policy', input.policy, MAX_POLICY_NAME_LENGTH, true),
    typeof input.policy === 'string' && input.policy.includes('/')
      ? { field: 'policy', message: `policy must not contain '/', got ${describe(input.policy)}` }
      : undefined,
    checkNonEmptyString('key', input.key, MAX_KEY_LENGTH),
    checkPositiveInteger('maxRuns', input.maxRuns, false, MAX_MAX_RUNS),
    checkOneOf('limitStrategy', input.limitStrategy, strategiesOf(vocabulary), false),
    checkCarried(input.carried),
  ]);
  if (problem) return { ok: false, problem };
  const tunable = parseTunable(input, '', vocabulary);
  if (!tunable.ok) return tunable;
  const typed = input as unknown as CoordinatorInput;
  return {
    ok: true,
    value: { ...CONFIG_DEFAULTS, ...tunable.value, policy: typed.policy, key: typed.key } as CoordinatorConfig,
  };
}

/** The coordinator start input that reproduces a configuration (what continue-as-new and resume pass on). */
export function toCoordinatorInput(config: CoordinatorConfig): CoordinatorInput {
  return { ...config };
}

/** Validates a submitter's `config`: the policy's current configuration, which a running coordinator applies. */
export function parseSubmitterConfig(
  value: unknown,
  vocabulary: Vocabulary = 'full',
): Parsed<SubmitterConfig | undefined> {
  if (value === undefined) return { ok: true, value: undefined };
  if (!isRecord(value)) return fail('config', `config must be an object, got ${describe(value)}`);
  return parseTunable(value, 'config.', vocabulary);
}

/**
 * Validates a `submit` signal argument: its shape and every limit that does not depend on the key (those that do are
 * checked by `admissionProblem`). Unknown extra fields are ignored, as JSON APIs usually do.
 */
export function parseSubmission(payload: unknown, vocabulary: Vocabulary = 'full'): Parsed<Submission> {
  const undecoded = undecodableProblem(payload, 'submission');
  if (undecoded) return fail('submission', undecoded);
  if (!isRecord(payload)) return fail('submission', `submission must be an object, got ${describe(payload)}`);
  const problem = firstProblem([
    checkNonEmptyString('id', payload.id, MAX_SUBMISSION_ID_LENGTH),
    checkWorkflowType('workflowType', payload.workflowType),
    payload.args === undefined || Array.isArray(payload.args)
      ? undefined
      : { field: 'args', message: `args must be an array, got ${describe(payload.args)}` },
    payload.workflowId === undefined ? undefined : checkChildWorkflowId('workflowId', payload.workflowId),
    payload.taskQueue === undefined ? undefined : checkTaskQueue('taskQueue', payload.taskQueue),
    understands(vocabulary, 'strategy-set') ? checkPriority('priority', payload.priority) : undefined,
  ]);
  if (problem) return { ok: false, problem };
  const config = parseSubmitterConfig(payload.config, vocabulary);
  if (!config.ok) return config;
  const { id, workflowType, args, workflowId, taskQueue } = payload as unknown as Submission;
  // A run before the strategy set ignored `priority` like any unknown field.
  const priority = understands(vocabulary, 'strategy-set') ? (payload.priority as number | undefined) : undefined;
  return {
    ok: true,
    value: {
      id,
      workflowType,
      ...(args !== undefined && { args }),
      ...(workflowId !== undefined && { workflowId }),
      ...(taskQueue !== undefined && { taskQueue }),
      ...(priority !== undefined && { priority }),
      ...(config.value !== undefined && { config: config.value }),
    },
  };
}

/** Validates a `runClosed` signal argument. */
export function parseRunClosed(payload: unknown): Parsed<RunClosed> {
  const undecoded = undecodableProblem(payload, 'runClosed');
  if (undecoded) return fail('runClosed', undecoded);
  if (!isRecord(payload)) return fail('runClosed', `runClosed must be an object, got ${describe(payload)}`);
  const problem = firstProblem([
    checkNonEmptyString('workflowId', payload.workflowId, MAX_TEMPORAL_ID_LENGTH, true),
    checkOneOf('outcome', payload.outcome, CLOSE_OUTCOMES, false),
  ]);
  if (problem) return { ok: false, problem };
  return {
    ok: true,
    value: { workflowId: payload.workflowId as string, outcome: payload.outcome as CloseOutcome },
  };
}

/** A best-effort id for a submission that failed validation, so its rejection can still be found. */
export function idOfInvalidSubmission(payload: unknown): string {
  if (undecodableProblem(payload, 'submission')) return '(undecodable)';
  if (isRecord(payload) && typeof payload.id === 'string' && payload.id.length > 0) {
    // Only an id that could be valid is echoed: a huge or malformed one would bloat state and the Web UI.
    if (payload.id.length <= MAX_SUBMISSION_ID_LENGTH && !hasLoneSurrogate(payload.id)) return payload.id;
    return '(invalid id)';
  }
  if (isRecord(payload) && (typeof payload.id === 'number' || typeof payload.id === 'boolean'))
    return String(payload.id);
  return '(invalid)';
}
