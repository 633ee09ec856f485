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
} from './messages';

/** One thing wrong with an input: the field's path and what is wrong with it. */
export interface Problem {
  field: string;
  message: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: Problem };

/** Longest submission id: it becomes part of a workflow ID, which the server caps. */
export const MAX_SUBMISSION_ID_LENGTH = 200;

/** Describes a value for an error message: its type and, when short, the value itself. */
export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (typeof value === 'string')
    return value.length > 40 ? `string of length ${value.length}` : `string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  return typeof value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail<T>(field: string, message: string): Parsed<T> {
  return { ok: false, problem: { field, message } };
}

function checkNonEmptyString(field: string, value: unknown, maxLength = Infinity): Problem | undefined {
  if (typeof value !== 'string' || value.length === 0) {
    return { field, message: `${field} must be a non-empty string, got ${describe(value)}` };
  }
  if (value.length > maxLength) {
    return { field, message: `${field} must be at most ${maxLength} characters, got ${value.length}` };
  }
  return undefined;
}

function checkOptionalString(field: string, value: unknown): Problem | undefined {
  return value === undefined ? undefined : checkNonEmptyString(field, value);
}

function checkPositiveInteger(field: string, value: unknown, optional: boolean): Problem | undefined {
  if (optional && value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    return { field, message: `${field} must be an integer >= 1, got ${describe(value)}` };
  }
  return undefined;
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
}

export const CONFIG_DEFAULTS = {
  slotRelease: 'on-cancel-request',
  idleTimeoutMs: 5 * 60_000,
  recentLimit: 100,
  dedupeWindow: 2000,
  sweepIntervalMs: 60_000,
} as const;

/** Validates the coordinator's start input and applies defaults. */
export function parseCoordinatorInput(input: unknown): Parsed<CoordinatorConfig> {
  if (!isRecord(input)) return fail('input', `coordinator input must be an object, got ${describe(input)}`);
  const problem = firstProblem([
    checkNonEmptyString('policy', input.policy),
    checkNonEmptyString('key', input.key),
    checkPositiveInteger('maxRuns', input.maxRuns, false),
    checkOneOf('limitStrategy', input.limitStrategy, LIMIT_STRATEGIES, false),
    checkOneOf('slotRelease', input.slotRelease, SLOT_RELEASES, true),
    checkOptionalString('childTaskQueue', input.childTaskQueue),
    checkPositiveInteger('idleTimeoutMs', input.idleTimeoutMs, true),
    checkPositiveInteger('recentLimit', input.recentLimit, true),
    checkPositiveInteger('dedupeWindow', input.dedupeWindow, true),
    checkPositiveInteger('sweepIntervalMs', input.sweepIntervalMs, true),
    checkPositiveInteger('continueAsNewAfterEvents', input.continueAsNewAfterEvents, true),
    checkCarried(input.carried),
  ]);
  if (problem) return { ok: false, problem };
  const typed = input as unknown as CoordinatorInput;
  return {
    ok: true,
    value: {
      policy: typed.policy,
      key: typed.key,
      maxRuns: typed.maxRuns,
      limitStrategy: typed.limitStrategy,
      slotRelease: typed.slotRelease ?? CONFIG_DEFAULTS.slotRelease,
      ...(typed.childTaskQueue !== undefined && { childTaskQueue: typed.childTaskQueue }),
      idleTimeoutMs: typed.idleTimeoutMs ?? CONFIG_DEFAULTS.idleTimeoutMs,
      recentLimit: typed.recentLimit ?? CONFIG_DEFAULTS.recentLimit,
      dedupeWindow: typed.dedupeWindow ?? CONFIG_DEFAULTS.dedupeWindow,
      sweepIntervalMs: typed.sweepIntervalMs ?? CONFIG_DEFAULTS.sweepIntervalMs,
      ...(typed.continueAsNewAfterEvents !== undefined && { continueAsNewAfterEvents: typed.continueAsNewAfterEvents }),
    },
  };
}

/** Validates a `submit` signal argument. Unknown extra fields are ignored, as JSON APIs usually do. */
export function parseSubmission(payload: unknown): Parsed<Submission> {
  if (!isRecord(payload)) return fail('submission', `submission must be an object, got ${describe(payload)}`);
  const problem = firstProblem([
    checkNonEmptyString('id', payload.id, MAX_SUBMISSION_ID_LENGTH),
    checkNonEmptyString('workflowType', payload.workflowType),
    payload.args === undefined || Array.isArray(payload.args)
      ? undefined
      : { field: 'args', message: `args must be an array, got ${describe(payload.args)}` },
    checkOptionalString('workflowId', payload.workflowId),
    checkOptionalString('taskQueue', payload.taskQueue),
  ]);
  if (problem) return { ok: false, problem };
  const { id, workflowType, args, workflowId, taskQueue } = payload as unknown as Submission;
  return {
    ok: true,
    value: {
      id,
      workflowType,
      ...(args !== undefined && { args }),
      ...(workflowId !== undefined && { workflowId }),
      ...(taskQueue !== undefined && { taskQueue }),
    },
  };
}

/** Validates a `runClosed` signal argument. */
export function parseRunClosed(payload: unknown): Parsed<RunClosed> {
  if (!isRecord(payload)) return fail('runClosed', `runClosed must be an object, got ${describe(payload)}`);
  const problem = firstProblem([
    checkNonEmptyString('workflowId', payload.workflowId),
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
  if (isRecord(payload) && typeof payload.id === 'string' && payload.id.length > 0) return payload.id;
  if (isRecord(payload) && (typeof payload.id === 'number' || typeof payload.id === 'boolean'))
    return String(payload.id);
  return '(invalid)';
}
