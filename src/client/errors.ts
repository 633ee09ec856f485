import { repairAdvice } from './repair-advice';

/**
 * Thrown by the client before any network call when an input cannot be right. `field` names the offending
 * field (e.g. `maxRuns`, `key`, `args`), `value` is what was given.
 */
export class ConcurrencyInputError extends TypeError {
  override readonly name = 'ConcurrencyInputError';

  constructor(
    readonly field: string,
    message: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}

/**
 * Thrown when no worker can answer for a coordinator: nothing polls its task queue, or no worker answered its `state`
 * query in time. Without a worker the server holds a query for about 30 s before failing it with a generic error, so
 * the client checks first and says what to do: start a worker on `taskQueue` (`createWorker()`, or your own worker
 * built with `withConcurrency()`, from `temporal-concurrency/worker`), or, if `taskQueue` is a typo, move the
 * coordinator with `resumeCoordinator(client, id, { taskQueue })` (CLI: `temporal-concurrency resume <policy> <key>
 * --task-queue <queue>`).
 */
export class ConcurrencyUnavailableError extends Error {
  override readonly name = 'ConcurrencyUnavailableError';

  /** @param reason why nobody answers, e.g. "no worker polls its task queue" */
  constructor(
    readonly coordinatorWorkflowId: string,
    readonly taskQueue: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `coordinator ${coordinatorWorkflowId} on task queue ${JSON.stringify(taskQueue)} cannot answer: ${reason}. ` +
        repairAdvice(coordinatorWorkflowId, taskQueue),
      options,
    );
  }
}
