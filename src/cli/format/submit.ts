import type { PreparedSubmission, SubmitResult } from '../../client/submit';
import { formatFields } from './table';

/** Where a submission went, one field per line (`awk '/^childWorkflowId/ {print $2}'`). */
export function formatSubmitResult(result: SubmitResult): string {
  return formatFields([
    ['submissionId', result.submissionId],
    ['coordinatorWorkflowId', result.coordinatorWorkflowId],
    ['childWorkflowId', result.childWorkflowId],
  ]);
}

/** What `submit --dry-run` would send: the coordinator's start input and the `submit` signal, as JSON. */
export function formatPrepared(prepared: PreparedSubmission, taskQueue: string, childWorkflowId: string): string {
  return JSON.stringify(
    {
      submissionId: prepared.submission.id,
      coordinatorWorkflowId: prepared.coordinatorWorkflowId,
      childWorkflowId,
      taskQueue,
      coordinatorInput: prepared.coordinatorInput,
      signal: 'submit',
      submission: prepared.submission,
    },
    null,
    2,
  );
}
