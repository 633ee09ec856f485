/**
 * Whether a started child is still waiting for a worker to pick up its first workflow task, and why: one judgement
 * for the coordinator's sweep (every `sweepIntervalMs`, 60 s by default) and for `getSubmissionStatus`, which asks
 * at once rather than say `running` for up to a sweep interval about a child no worker can start.
 *
 * Pure: the facts come from describing the child (and, only when they say it may be waiting, its task queue).
 *
 * @module
 */

/** A child still waiting for its first workflow task this long after it started is reported as waiting. */
export const WAITING_AFTER_MS = 2_000;

/** What describing a child says about its first workflow task. */
export interface FirstTaskFacts {
  workflowType: string;
  taskQueue: string;
  startTimeMs: number;
  /** Events in its history: 2 (started, task scheduled) until a worker picks the first task up. */
  historyLength: number;
  /** Its pending workflow task: `scheduled` until a worker picks it up; absent when none is pending. */
  pendingTask?: 'scheduled' | 'started';
}

/**
 * Whether the child may be waiting for a worker — its first workflow task scheduled, never picked up, for
 * {@link WAITING_AFTER_MS} — so that asking who polls its task queue is worth the call.
 */
export function mayAwaitWorker(child: FirstTaskFacts, nowMs: number): boolean {
  return child.pendingTask === 'scheduled' && child.historyLength <= 2 && nowMs - child.startTimeMs >= WAITING_AFTER_MS;
}

/** Why a child that {@link mayAwaitWorker} has not got going, given how many workers poll its task queue. */
export function awaitingWorkerReason(child: FirstTaskFacts, pollers: number): string {
  return pollers === 0
    ? `no worker polls task queue ${child.taskQueue} (workflow type ${child.workflowType})`
    : `no worker on task queue ${child.taskQueue} has picked up its first workflow task yet`;
}
