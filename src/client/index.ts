export { ConcurrencyInputError } from './errors';
export { childWorkflowId, coordinatorWorkflowId, MAX_COORDINATOR_ID_LENGTH } from './ids';
export { defineConcurrencyPolicy, DEFAULT_TASK_QUEUE, type ConcurrencyPolicy } from './policy';
export { resumeCoordinator, type ResumeResult } from './resume';
export { getSubmissionStatus, type SubmissionStatus } from './status';
export { prepareSubmission, submit, type SubmitOptions, type SubmitResult } from './submit';
