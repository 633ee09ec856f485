import { defaultChildWorkflowId } from '../coordinator/core/admission';

export { MAX_COORDINATOR_ID_LENGTH, coordinatorWorkflowId } from '../coordinator/core/coordinator-id';

/** The child workflow ID of a submission: its own `workflowId`, or `<coordinator workflow ID>/<submission id>`. */
export function childWorkflowId(coordinatorId: string, submissionId: string, workflowId?: string): string {
  return workflowId ?? defaultChildWorkflowId(coordinatorId, submissionId);
}
