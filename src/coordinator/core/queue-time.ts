/**
 * What time does to the queue, before a strategy plans (the timedQueue behaviour): `scheduleTimeoutMs` drops a
 * submission that waited too long to start; `debounceMs` holds a submission back until the key has been quiet for that
 * long (at most `debounceMaxWaitMs` after the first submission of the burst) and drops the older waiting ones a newer
 * one debounces. Pure: the decision passes time in, and the shell wakes at `nextQueueDeadline`.
 */
import type { OpenSubmission } from './wire';
import { isLive, isOpen } from './state';
import type { CoordinatorConfig } from './validation';

/** A duration as people read it: milliseconds below a second, else seconds (`1.5 s`, `30 s`). */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Number((ms / 1000).toFixed(3))} s`;
}

function waiting(run: OpenSubmission): boolean {
  return isLive(run) && !isOpen(run);
}

function ms(at: string): number {
  return Date.parse(at);
}

/** When a waiting submission's schedule timeout is up, or undefined without one. */
export function scheduleDeadline(run: OpenSubmission, config: CoordinatorConfig): number | undefined {
  return config.scheduleTimeoutMs === undefined ? undefined : ms(run.submittedAt) + config.scheduleTimeoutMs;
}

/** When a waiting submission becomes eligible under debounce: quiet for `debounceMs`, or the burst's longest wait. */
export function eligibleAt(run: OpenSubmission, config: CoordinatorConfig): number | undefined {
  if (config.debounceMs === undefined) return undefined;
  const quiet = ms(run.submittedAt) + config.debounceMs;
  if (config.debounceMaxWaitMs === undefined) return quiet;
  return Math.min(quiet, ms(run.burstStartedAt ?? run.submittedAt) + config.debounceMaxWaitMs);
}

/** What time decided: submissions to drop (with the rule's reason), and those hidden from the strategy for now. */
export interface QueueTime {
  drop: { id: string; reason: string; supersededBy?: string }[];
  /** The newest waiting submission under debounce, with the first arrival of its burst (for `debounceMaxWaitMs`). */
  burst?: { id: string; startedAt: string };
  notYetEligible: Set<string>;
}

export function queueTime(runs: readonly OpenSubmission[], config: CoordinatorConfig, at: string): QueueTime {
  const now = ms(at);
  const result: QueueTime = { drop: [], notYetEligible: new Set() };
  let queued = runs.filter(waiting);
  if (config.scheduleTimeoutMs !== undefined) {
    const reason = `not started within ${formatDuration(config.scheduleTimeoutMs)} (scheduleTimeoutMs)`;
    const late = new Set(queued.filter((run) => now >= (scheduleDeadline(run, config) as number)).map((r) => r.id));
    result.drop.push(...[...late].map((id) => ({ id, reason })));
    queued = queued.filter((run) => !late.has(run.id));
  }
  if (config.debounceMs === undefined || queued.length === 0) return result;
  const newest = queued.reduce((a, b) => (b.seq > a.seq ? b : a));
  const debounced = queued.filter((run) => run !== newest);
  const firstOfBurst = [newest, ...debounced]
    .map((run) => run.burstStartedAt ?? run.submittedAt)
    .reduce((a, b) => (ms(b) < ms(a) ? b : a));
  result.drop.push(
    ...debounced.map((run) => ({ id: run.id, reason: `debounced by ${newest.id}`, supersededBy: newest.id })),
  );
  if (debounced.length > 0) result.burst = { id: newest.id, startedAt: firstOfBurst };
  const withBurst = { ...newest, burstStartedAt: firstOfBurst };
  if (now < (eligibleAt(withBurst, config) as number)) result.notYetEligible.add(newest.id);
  return result;
}

/**
 * The next moment after `now` (ms) at which time changes the queue (a debounce ends, a schedule timeout is up), or
 * undefined. Deadlines already past were decided when they passed; counting them would wake the loop for nothing.
 */
export function nextQueueDeadline(
  runs: readonly OpenSubmission[],
  config: CoordinatorConfig,
  now: number,
): number | undefined {
  const deadlines = runs
    .filter(waiting)
    .flatMap((run) => [scheduleDeadline(run, config), eligibleAt(run, config)])
    .filter((deadline): deadline is number => deadline !== undefined && deadline > now);
  return deadlines.length === 0 ? undefined : Math.min(...deadlines);
}
