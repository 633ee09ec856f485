import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import {
  COORDINATOR_WORKFLOW_TYPE,
  submitSignal,
  type CoordinatorInput,
  type Submission,
} from '../coordinator/messages';
import { admit } from '../coordinator/core/admission';
import { tunableFieldsOf } from '../coordinator/core/config-change';
import { parseSubmission } from '../coordinator/core/validation';
import { hasLoneSurrogate, summaryText } from '../coordinator/core/limits';
import { concurrencySearchAttributes } from '../coordinator/search-attributes';
import { ConcurrencyInputError } from './errors';
import { sendWithSearchAttributes } from './search-attribute-fallback';
import { retryAtSignalCap } from './signal-cap';
import { admitByUpdate } from './update-admission';
import { childWorkflowId, coordinatorWorkflowId } from './ids';
import {
  checkPolicyShape,
  coordinatorInputOf,
  coordinatorTaskQueueOf,
  maxRunsOf,
  type ConcurrencyPolicy,
} from './policy';

/** What to run under a policy. */
export interface SubmitOptions<W extends Workflow> {
  policy: ConcurrencyPolicy<Parameters<W>[0]>;
  /** The workflow function, or its type name. */
  workflow: W | string;
  args: Parameters<W>;
  /** Submission id, the idempotency key: submitting the same id again starts nothing new. @default a random UUID */
  id?: string | undefined;
  /** Child workflow ID. @default `<coordinator workflow ID>/<id>` */
  workflowId?: string | undefined;
  /** Child task queue. @default the policy's `childTaskQueue`, else the task queue the coordinator runs on */
  taskQueue?: string | undefined;
  /**
   * 1 (highest) to 5: queue order is priority, then arrival; under CANCEL_IN_PROGRESS the kept submissions rank by it
   * first. @default 3
   */
  priority?: number | undefined;
}

/** Where a submission went: enough to follow it in the `state` query, the child's handle or the Web UI. */
export interface SubmitResult {
  submissionId: string;
  coordinatorWorkflowId: string;
  childWorkflowId: string;
}

function keyOf<W extends Workflow>(options: SubmitOptions<W>): string {
  let key: unknown;
  try {
    key = options.policy.key(options.args[0] as Parameters<W>[0]);
  } catch (err) {
    throw new ConcurrencyInputError(
      'key',
      `policy ${options.policy.name}: key(input) threw: ${String(err)}`,
      options.args[0],
    );
  }
  if (typeof key !== 'string' || key.length === 0 || hasLoneSurrogate(key)) {
    const got =
      typeof key !== 'string' ? typeof key : key.length === 0 ? 'an empty string' : 'a string with a lone surrogate';
    throw new ConcurrencyInputError(
      'key',
      `policy ${options.policy.name}: key(input) must return a non-empty, well-formed string, got ${got}`,
      key,
    );
  }
  return key;
}

/** Throws the problem as a {@link ConcurrencyInputError}, naming the field as the caller knows it. */
function throwProblem(problem: { field: string; message: string }, value: unknown): never {
  const field = problem.field === 'workflowType' ? 'workflow' : problem.field;
  throw new ConcurrencyInputError(field, problem.message, value);
}

/** What `prepareSubmission()` returns: the coordinator's ID and start input, and the submit signal. */
export interface PreparedSubmission {
  coordinatorInput: CoordinatorInput;
  submission: Submission;
  coordinatorWorkflowId: string;
}

/**
 * Checks everything that can be checked locally — the same checks the coordinator makes when the signal arrives, so
 * anything `submit()` lets through is never rejected for its shape or size — and returns the coordinator input and the
 * submit signal. The signal carries the policy's whole configuration, which a running coordinator applies.
 *
 * It also checks the coordinators' task queue `submit()` would use (see {@link coordinatorTaskQueueOf}), so an invalid
 * `TEMPORAL_TASK_QUEUE` throws here too.
 */
export function prepareSubmission<W extends Workflow>(options: SubmitOptions<W>): PreparedSubmission {
  return prepare(options).prepared;
}

/** {@link prepareSubmission}, plus the coordinators' task queue, resolved once so the check and the send agree. */
function prepare<W extends Workflow>(options: SubmitOptions<W>): { prepared: PreparedSubmission; taskQueue: string } {
  checkPolicyShape(options.policy);
  const taskQueue = coordinatorTaskQueueOf(options.policy);
  if (!Array.isArray(options.args)) {
    throw new ConcurrencyInputError(
      'args',
      `args must be an array of workflow arguments, got ${typeof options.args}`,
      options.args,
    );
  }
  const key = keyOf(options);
  // Validated and derived once: the start input as sent, and the configuration the submission carries.
  const maxRuns = maxRunsOf(options.policy as ConcurrencyPolicy<unknown>, options.args[0]);
  const { input: coordinatorInput, config } = coordinatorInputOf(options.policy, key, maxRuns);
  const workflowType = typeof options.workflow === 'function' ? options.workflow.name : options.workflow;
  const id = options.id ?? randomUUID();
  const submission: Submission = {
    id,
    workflowType,
    args: options.args,
    ...(options.workflowId !== undefined && { workflowId: options.workflowId }),
    ...(options.taskQueue !== undefined && { taskQueue: options.taskQueue }),
    ...(options.priority !== undefined && { priority: options.priority }),
    config: tunableFieldsOf(config),
  };
  const parsed = parseSubmission(submission);
  if (!parsed.ok) {
    throwProblem(parsed.problem, (submission as unknown as Record<string, unknown>)[parsed.problem.field]);
  }
  const coordinatorId = coordinatorWorkflowId(config.policy, key);
  const admission = admit(submission, {
    coordinatorWorkflowId: coordinatorId,
    maxArgsBytes: config.maxArgsBytes,
  });
  if (!admission.ok) {
    throwProblem(admission.problem, (submission as unknown as Record<string, unknown>)[admission.problem.field]);
  }
  return {
    prepared: {
      coordinatorInput,
      submission,
      coordinatorWorkflowId: coordinatorId,
    },
    taskQueue,
  };
}

/**
 * Submits one run of a workflow under a concurrency policy: signal-with-starts the key's coordinator, which
 * starts the child as a slot allows and, under CANCEL_IN_PROGRESS, cancels the oldest runs to make room.
 *
 * A coordinator it starts runs on the policy's `taskQueue`, else `process.env.TEMPORAL_TASK_QUEUE` (read at this
 * call) when non-empty, else 'concurrency': a worker must poll that queue ({@link coordinatorTaskQueueOf}).
 *
 * A coordinator it starts carries the search attributes `ConcurrencyPolicy` and `ConcurrencyKey` (Keyword), so
 * `ConcurrencyKey = "<key>"` finds the key's runs in the Web UI; a namespace without them registered gets the
 * submission without them (detected once per connection and namespace, with one Node warning).
 *
 * Resolves once the server has durably accepted the submission; the child may start a moment later.
 *
 * @throws {@link ConcurrencyInputError} before any network call if the policy, key, submission or
 * `TEMPORAL_TASK_QUEUE` is invalid
 * @example
 * const { childWorkflowId } = await submit(client, {
 *   policy: chatPolicy,
 *   workflow: chatReply,
 *   args: [{ userId: 'user-1', messageId: 'm-7', text: 'hello' }],
 *   id: 'm-7',
 * });
 */
export async function submit<W extends Workflow>(client: Client, options: SubmitOptions<W>): Promise<SubmitResult> {
  const { prepared, taskQueue } = prepare(options);
  const { coordinatorInput, submission, coordinatorWorkflowId: coordinatorId } = prepared;
  const searchAttributes = concurrencySearchAttributes(coordinatorInput.policy, coordinatorInput.key);
  const staticSummary = summaryText(`concurrency coordinator ${coordinatorInput.policy}/${coordinatorInput.key}`);
  if (options.policy.admission === 'update') {
    const start = {
      coordinatorWorkflowId: coordinatorId,
      taskQueue,
      coordinatorInput,
      staticSummary,
      searchAttributes,
    };
    await admitByUpdate(client, start, submission);
    return {
      submissionId: submission.id,
      coordinatorWorkflowId: coordinatorId,
      childWorkflowId: childWorkflowId(coordinatorId, submission.id, submission.workflowId),
    };
  }
  await retryAtSignalCap(() =>
    // Where the namespace has no ConcurrencyPolicy/ConcurrencyKey registered, sent (once refused) without them.
    sendWithSearchAttributes(client, searchAttributes, (typedSearchAttributes) =>
      client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
        workflowId: coordinatorId,
        // Start options (task queue, summary, search attributes) apply only if this starts the coordinator: a
        // running one keeps its own.
        taskQueue,
        args: [coordinatorInput],
        signal: submitSignal,
        signalArgs: [submission],
        staticSummary,
        ...(typedSearchAttributes && { typedSearchAttributes }),
      }),
    ),
  );
  return {
    submissionId: submission.id,
    coordinatorWorkflowId: coordinatorId,
    childWorkflowId: childWorkflowId(coordinatorId, submission.id, submission.workflowId),
  };
}
