/**
 * The checks of a well-formed submission that depend on its key and policy: the child workflow ID it would get, the
 * size of its arguments, and a worker's allow-lists. The client runs them before sending (and throws), the
 * coordinator again when the signal arrives (and records a rejection), so both always agree.
 */
import { MAX_TEMPORAL_ID_LENGTH, jsonBytes, utf8Length } from './limits';
import type { PinnedPolicy, Submission } from './wire';
import type { Problem } from './validation';

/** Default child workflow ID: `<coordinator workflow ID>/<submission id>`. */
export function defaultChildWorkflowId(coordinatorWorkflowId: string, submissionId: string): string {
  return `${coordinatorWorkflowId}/${submissionId}`;
}

export interface AdmissionContext {
  coordinatorWorkflowId: string;
  maxArgsBytes: number;
  /** The task queue children get when they name none (policy's childTaskQueue, else the coordinator's queue). */
  defaultTaskQueue?: string;
  /** The coordinator's own task queue: always allowed. */
  coordinatorTaskQueue?: string;
  pinned?: PinnedPolicy;
}

export type Admission = { ok: true; workflowId: string; argsBytes: number } | { ok: false; problem: Problem };

export function admit(submission: Submission, context: AdmissionContext): Admission {
  const workflowId = submission.workflowId ?? defaultChildWorkflowId(context.coordinatorWorkflowId, submission.id);
  if (utf8Length(workflowId) > MAX_TEMPORAL_ID_LENGTH) {
    const message =
      `id makes the default child workflow ID ${utf8Length(workflowId)} bytes long ` +
      `(the limit is ${MAX_TEMPORAL_ID_LENGTH}); use a shorter id or pass a workflowId`;
    return { ok: false, problem: { field: 'id', message } };
  }
  const argsBytes = jsonBytes(submission.args ?? []);
  if (argsBytes === undefined) {
    return { ok: false, problem: { field: 'args', message: 'args must be JSON-serializable' } };
  }
  if (argsBytes > context.maxArgsBytes) {
    const message = `args must be at most ${context.maxArgsBytes} bytes as JSON (maxArgsBytes), got ${argsBytes}`;
    return { ok: false, problem: { field: 'args', message } };
  }
  const { pinned } = context;
  if (pinned?.allowedWorkflowTypes && !pinned.allowedWorkflowTypes.includes(submission.workflowType)) {
    const message = `workflow type ${submission.workflowType} is not allowed by the worker's pinned policy`;
    return { ok: false, problem: { field: 'workflowType', message } };
  }
  const taskQueue = submission.taskQueue ?? context.defaultTaskQueue;
  if (
    pinned?.allowedTaskQueues &&
    taskQueue !== undefined &&
    taskQueue !== context.coordinatorTaskQueue &&
    !pinned.allowedTaskQueues.includes(taskQueue)
  ) {
    const message = `task queue ${taskQueue} is not allowed by the worker's pinned policy`;
    return { ok: false, problem: { field: 'taskQueue', message } };
  }
  return { ok: true, workflowId, argsBytes };
}
