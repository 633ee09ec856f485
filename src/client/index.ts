export { ConcurrencyInputError, ConcurrencyUnavailableError } from './errors';
export { childWorkflowId, coordinatorWorkflowId, MAX_COORDINATOR_ID_LENGTH } from './ids';
export { coordinatorTaskQueueOf, defineConcurrencyPolicy, DEFAULT_TASK_QUEUE, type ConcurrencyPolicy } from './policy';
export { resumeCoordinator, type ResumeResult } from './resume';
export { getSubmissionStatus, type SubmissionStatus, type SubmissionStatusOptions } from './status';
export { prepareSubmission, submit, type PreparedSubmission, type SubmitOptions, type SubmitResult } from './submit';
