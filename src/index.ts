/**
 * temporal-concurrency: per-key concurrency limits for Temporal workflows, with Hatchet's strategies.
 *
 * - {@link defineConcurrencyPolicy} declares "at most N runs per key, newest wins";
 * - {@link submit} sends a run to the key's coordinator (signalWithStart);
 * - {@link getSubmissionStatus} follows it.
 *
 * Workers come from `temporal-concurrency/worker` (`withConcurrency`, `createWorker`), so an application that only
 * submits never loads the worker's native runtime.
 *
 * @module
 */
export {
  ConcurrencyInputError,
  ConcurrencyUnavailableError,
  DEFAULT_TASK_QUEUE,
  childWorkflowId,
  coordinatorTaskQueueOf,
  coordinatorWorkflowId,
  defineConcurrencyPolicy,
  getSubmissionStatus,
  prepareSubmission,
  resumeCoordinator,
  submit,
  type ConcurrencyPolicy,
  type ResumeResult,
  type PreparedSubmission,
  type SubmissionStatus,
  type SubmissionStatusOptions,
  type SubmitOptions,
  type SubmitResult,
} from './client';
export {
  COORDINATOR_WORKFLOW_TYPE,
  LIMIT_STRATEGIES,
  SLOT_RELEASES,
  runClosedSignal,
  stateQuery,
  submitSignal,
  type ClosedRun,
  type ClosedSubmission,
  type CloseOutcome,
  type CoordinatorInput,
  type CoordinatorStateView,
  type FinalOutcome,
  type LimitStrategy,
  type PinnedPolicy,
  type OpenSubmission,
  type QueuedSubmission,
  type Run,
  type RunClosed,
  type SlotRelease,
  type Submission,
} from './coordinator/messages';
export { loadConnectionSettings, type ConnectionSettings } from './connection';
export {
  CONCURRENCY_SEARCH_ATTRIBUTES,
  MAX_SEARCH_ATTRIBUTE_VALUE_BYTES,
  concurrencyKeySearchAttribute,
  concurrencyPolicySearchAttribute,
  concurrencySearchAttributes,
} from './coordinator/search-attributes';
