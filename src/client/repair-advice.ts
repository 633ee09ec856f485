/**
 * The advice a {@link ConcurrencyUnavailableError} carries. A coordinator whose task queue nobody polls is as often on
 * a mistyped queue (`TEMPORAL_TASK_QUEUE=concurrencyy`) as short of a worker, and "start a worker on concurrencyy"
 * would entrench the typo: the advice names both fixes, the second with the exact `resume` command.
 *
 * @module
 */
import { coordinatorWorkflowId } from '../coordinator/core/coordinator-id';

/**
 * The (policy, key) of a readable coordinator workflow ID, checked by recomputing the ID; undefined for a hashed ID
 * (`concurrency/<policy>/~<hash>`), whose key cannot be recovered, and for anything else.
 */
export function policyAndKeyOf(workflowId: string): { policy: string; key: string } | undefined {
  const match = /^concurrency\/([^/]+)\/(.+)$/.exec(workflowId);
  if (!match?.[1] || !match[2]) return undefined;
  let key: string;
  try {
    key = decodeURIComponent(match[2]);
  } catch {
    return undefined;
  }
  const policy = match[1];
  return coordinatorWorkflowId(policy, key) === workflowId ? { policy, key } : undefined;
}

/** `value` as one POSIX shell word: as is when it holds nothing a shell reads specially, else single-quoted. */
export function shellWord(value: string): string {
  return /^[\w.,:@%+=/-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** What to do about a coordinator on `taskQueue` that no worker serves: start one there, or move it if it is a typo. */
export function repairAdvice(coordinatorId: string, taskQueue: string): string {
  const queue = JSON.stringify(taskQueue);
  const ref = policyAndKeyOf(coordinatorId);
  const command = ref
    ? `temporal-concurrency resume ${shellWord(ref.policy)} ${shellWord(ref.key)} --task-queue <right queue>`
    : 'temporal-concurrency resume <policy> <key> --task-queue <right queue>';
  return (
    `If ${queue} is the right task queue, start a worker on it: createWorker({ taskQueue: ${queue}, … }), or ` +
    `Worker.create(withConcurrency({ taskQueue: ${queue}, … })), from 'temporal-concurrency/worker'. ` +
    `If it is a typo, move the coordinator to the queue your workers poll, its accepted work included: ${command}, ` +
    `or resumeCoordinator(client, ${JSON.stringify(coordinatorId)}, { taskQueue: '<right queue>' }); ` +
    "and fix the submitters' TEMPORAL_TASK_QUEUE (or the policy's taskQueue)"
  );
}
