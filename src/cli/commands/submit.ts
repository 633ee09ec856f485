import { childWorkflowId } from '../../client/ids';
import { coordinatorTaskQueueFromEnv } from '../../client/policy';
import { prepareSubmission, submit as submitToCoordinator } from '../../client/submit';
import { withClient } from '../connect';
import { formatPrepared, formatSubmitResult } from '../format/submit';
import type { CliIo } from '../io';
import type { GlobalOptions, SubmitRequest } from '../program';
import { submitOptionsOf } from '../submit-options';

/**
 * `submit <policy> <key> --workflow-type T --max-runs N …`: the library's `submit()`, with the policy the flags
 * describe. The coordinators' task queue is `--coordinator-task-queue`, else `TEMPORAL_TASK_QUEUE`, else
 * `concurrency`, as for the worker. `--dry-run` checks everything and prints what would be sent, without a server.
 */
export async function submit(request: SubmitRequest, globals: GlobalOptions, io: CliIo): Promise<void> {
  const options = submitOptionsOf({
    ...request,
    coordinatorTaskQueue: request.coordinatorTaskQueue ?? coordinatorTaskQueueFromEnv(io.env),
  });
  if (request.dryRun) {
    const prepared = prepareSubmission(options);
    const { coordinatorWorkflowId, submission } = prepared;
    const wouldBe = childWorkflowId(coordinatorWorkflowId, submission.id, submission.workflowId);
    io.out(formatPrepared(prepared, options.policy.taskQueue ?? '', wouldBe));
    return;
  }
  const result = await withClient(io.env, globals, (client) => submitToCoordinator(client, options));
  io.out(request.json ? JSON.stringify(result) : formatSubmitResult(result));
}
