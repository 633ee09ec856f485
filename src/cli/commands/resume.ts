import { coordinatorWorkflowId } from '../../client/ids';
import { resumeCoordinator, type ResumeResult } from '../../client/resume';
import { withClient } from '../connect';
import { describeCoordinator } from '../coordinator-state';
import { NotFoundError } from '../exit-codes';
import type { CliIo } from '../io';
import type { GlobalOptions, ResumeRequest } from '../program';

/** `resumeCoordinator()`'s result, or that the coordinator completed idle and there is nothing to take over. */
type CliResumeResult = ResumeResult | { resumed: false; reason: 'completed idle' };

/**
 * `resume <policy> <key> [--task-queue <queue>]`: `resumeCoordinator()`. A coordinator whose last run was terminated
 * (or failed, or was cancelled) gets a fresh run with that run's configuration, which takes over the submissions the
 * old run had accepted now rather than at the key's next submission. An open run is left alone ("already running",
 * exit 0), unless `--task-queue` names another queue than its own: then it is moved there.
 */
export async function resume(request: ResumeRequest, globals: GlobalOptions, io: CliIo): Promise<void> {
  const coordinatorId = coordinatorWorkflowId(request.policy, request.key);
  const options = request.taskQueue === undefined ? {} : { taskQueue: request.taskQueue };
  const result = await withClient(io.env, globals, async (client): Promise<CliResumeResult> => {
    // resumeCoordinator reads the last run's history: say "not found" plainly instead of the history call's error.
    const description = await describeCoordinator(client, coordinatorId);
    if (!description) throw new NotFoundError(`no coordinator ${coordinatorId}: there is nothing to resume`);
    // An idle coordinator completed with nothing running or queued: a fresh run would only idle out again (and the
    // key's next submission starts one on the submitter's task queue anyway).
    if (description.status.name === 'COMPLETED') return { resumed: false, reason: 'completed idle' };
    return resumeCoordinator(client, coordinatorId, options);
  });
  if (request.json) {
    io.out(JSON.stringify({ coordinatorWorkflowId: coordinatorId, ...result }));
  } else if (result.resumed && result.moved) {
    io.out(
      `moved ${coordinatorId} from task queue ${result.moved.fromTaskQueue} to ${result.taskQueue}: terminated run ` +
        `${result.moved.runId}, started run ${result.runId}, which takes over its submissions`,
    );
  } else if (result.resumed) {
    io.out(
      `resumed ${coordinatorId} on task queue ${result.taskQueue}: started run ${result.runId}, which takes over its ` +
        "predecessor's submissions",
    );
  } else if (result.reason === 'completed idle') {
    io.out(`${coordinatorId} completed idle: nothing to resume; the key's next submission starts a fresh run`);
  } else {
    io.out(
      `${coordinatorId} is already running${request.taskQueue ? ` on ${request.taskQueue}` : ''}: nothing to resume`,
    );
  }
}
