/**
 * What a run may believe of its start input (behaviours refuseUntrustedStart and trustOnlyContinueAsNew). The input comes from whoever called signalWithStart
 * first — any client, in any language — so a run checks it against what no client can forge: its own workflow ID,
 * the server's record of how the run began, and the submissions that reached it. Pure, tested without a server.
 */
import { coordinatorWorkflowId } from './coordinator-id';
import { rejectSubmissions } from './decide';
import type { CoordinatorInput } from './wire';
import { initialState, type CoordinatorState } from './state';
import {
  CONFIG_DEFAULTS,
  parseCoordinatorInput,
  parseSubmission,
  type CoordinatorConfig,
  type Problem,
  type Vocabulary,
} from './validation';

/** Failure types of a run that refuses its start: `ApplicationFailure.type`, for operators and the take-over. */
export const INVALID_INPUT_FAILURE = 'InvalidCoordinatorInput';
export const NON_CANONICAL_ID_FAILURE = 'NonCanonicalCoordinatorId';
export const REFUSAL_FAILURE_TYPES: readonly string[] = [INVALID_INPUT_FAILURE, NON_CANONICAL_ID_FAILURE];

export type RunStartConfig =
  | { ok: true; config: CoordinatorConfig; repairedBy?: { submissionId: string; problem: Problem } }
  | { ok: false; failureType: string; message: string; field?: string; canonicalWorkflowId?: string };

/**
 * The configuration a run coordinates with. An invalid start input is one client's mistake (or attack): the valid
 * submissions that reached the run with it must not pay for it, so the run takes the configuration of the first
 * submission that carries a valid one (`config` is the submitter's whole policy configuration), with the input's
 * policy and key. Either way the run must be the canonical coordinator of that (policy, key): a second ID for the
 * same key would be a second limit.
 */
export function runStartConfig(
  input: unknown,
  submits: readonly unknown[],
  workflowId: string,
  vocabulary: Vocabulary = 'full',
): RunStartConfig {
  const parsed = parseCoordinatorInput(input, vocabulary);
  const repaired = parsed.ok ? undefined : repairFromSubmissions(input, submits, vocabulary);
  if (!parsed.ok && !repaired) {
    return {
      ok: false,
      failureType: INVALID_INPUT_FAILURE,
      field: parsed.problem.field,
      message: `invalid coordinator input: ${parsed.problem.message}; no submission carried a valid configuration`,
    };
  }
  const config = parsed.ok ? parsed.value : repaired!.config;
  const repairedBy =
    !parsed.ok && repaired ? { submissionId: repaired.submissionId, problem: parsed.problem } : undefined;
  const canonicalWorkflowId = coordinatorWorkflowId(config.policy, config.key);
  if (workflowId !== canonicalWorkflowId) {
    return {
      ok: false,
      failureType: NON_CANONICAL_ID_FAILURE,
      canonicalWorkflowId,
      message:
        `coordinator workflow ID ${JSON.stringify(workflowId)} is not the canonical ID of policy ` +
        `${JSON.stringify(config.policy)} and key ${JSON.stringify(config.key)}: submit to ${canonicalWorkflowId}`,
    };
  }
  return { ok: true, config, ...(repairedBy && { repairedBy }) };
}

/** The input's policy and key with the configuration of the first submission that makes them a valid input. */
function repairFromSubmissions(
  input: unknown,
  submits: readonly unknown[],
  vocabulary: Vocabulary,
): { config: CoordinatorConfig; submissionId: string } | undefined {
  const { policy, key } = (typeof input === 'object' && input !== null ? input : {}) as Partial<CoordinatorInput>;
  for (const payload of submits) {
    const submission = parseSubmission(payload, vocabulary);
    if (!submission.ok || submission.value.config === undefined) continue;
    const repaired = parseCoordinatorInput({ ...submission.value.config, policy, key }, vocabulary);
    if (repaired.ok) return { config: repaired.value, submissionId: submission.value.id };
  }
  return undefined;
}

/**
 * The state a refusing run answers `state` queries with: every submission that reached it rejected with the refusal's
 * reason, so a submitter asking about one learns why instead of "unknown".
 */
export function refusedState(
  input: unknown,
  workflowId: string,
  submits: readonly unknown[],
  reason: string,
  at: string,
  vocabulary: Vocabulary = 'full',
) {
  const { policy, key } = (typeof input === 'object' && input !== null ? input : {}) as Partial<CoordinatorInput>;
  const config: CoordinatorConfig = {
    ...CONFIG_DEFAULTS,
    policy: typeof policy === 'string' ? policy : '',
    key: typeof key === 'string' ? key : '',
    maxRuns: 1,
    limitStrategy: 'CANCEL_IN_PROGRESS',
  };
  const initial = initialState(config, workflowId);
  const state: CoordinatorState = vocabulary === 'full' ? initial : { ...initial, vocabulary };
  return rejectSubmissions(state, submits, reason, at);
}

/** What the server records of how a run began, as the workflow sees it (`workflowInfo()`). */
export interface RunOrigin {
  continuedFromExecutionRunId?: string | undefined;
  attempt: number;
  cronSchedule?: string | undefined;
}

/**
 * Whether the run was started by a continue-as-new (only a workflow itself can do that; a client cannot), not by a
 * client, a retry or a cron schedule, whose input is a client's again.
 */
export function continuedAsNew(origin: RunOrigin): boolean {
  return origin.continuedFromExecutionRunId !== undefined && origin.attempt === 1 && !origin.cronSchedule;
}
