import { coordinatorWorkflowId } from '../../client/ids';
import { withClient } from '../connect';
import { readCoordinator } from '../coordinator-state';
import { NotFoundError } from '../exit-codes';
import { formatStatus } from '../format/status';
import type { CliIo } from '../io';
import type { GlobalOptions, StatusRequest } from '../program';

/** `status <policy> <key>`: the coordinator's state as a table, or (`--json`) the `state` view itself. */
export async function status(request: StatusRequest, globals: GlobalOptions, io: CliIo): Promise<void> {
  const coordinatorId = coordinatorWorkflowId(request.policy, request.key);
  const reading = await withClient(io.env, globals, (client) => readCoordinator(client, coordinatorId));
  if (!reading) {
    throw new NotFoundError(
      `no coordinator ${coordinatorId}: nothing was submitted for policy ${JSON.stringify(request.policy)} and key ` +
        `${JSON.stringify(request.key)}, or its runs are past the namespace's retention`,
    );
  }
  io.out(request.json ? JSON.stringify(reading.state, null, 2) : formatStatus(reading, request.recent));
}
