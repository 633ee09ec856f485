/**
 * When the coordinator's loop must wake though nothing arrives, and why (the timer's summary in Web UI): the idle
 * timeout of an empty key, the next sweep, judging unreported closes, the end of a cancelled run's wind-down, and
 * (timedQueue) a queued submission's deadline: its debounce ends, or its schedule timeout is up.
 */
import type { Sweeper } from './sweeper';
import type { CoordinatorState } from './core/state';
import { unreportedDueAt } from './core/unreported-close';
import { nextQueueDeadline } from './core/queue-time';

export interface WakeUp {
  /** Workflow time in ms; Infinity when nothing is due. */
  at: number;
  why(): string;
  /** An idle run completes at `idleUntil` unless work arrives first. */
  idle: boolean;
  idleUntil: number;
  unreportedDue: number | undefined;
  /** When the queue must be decided again though no event arrives (queue-time.ts). */
  queueDue: number | undefined;
}

export function nextWakeUp(
  state: CoordinatorState,
  sweeper: Sweeper,
  lastActiveAt: number,
  windDownUntil: number | undefined,
  now: number,
): WakeUp {
  const idle = state.runs.length === 0 && state.cancelledAt === undefined;
  // Unreported closes are judged once their margin is up; an idle run waits for that before it completes.
  const unreportedDue = unreportedDueAt(state);
  const idleUntil = Math.max(lastActiveAt + state.config.idleTimeoutMs, unreportedDue ?? -Infinity);
  const candidates: [number, () => string][] = [
    [
      idle ? idleUntil : sweeper.dueAt(),
      idle ? () => 'idle timeout: completes unless work arrives' : () => sweeper.dueFor(),
    ],
    [unreportedDue ?? Infinity, () => 'judge children that closed without runClosed'],
    [windDownUntil ?? Infinity, () => 'wind down: the coordinator was cancelled'],
  ];
  // Without debounceMs and scheduleTimeoutMs (and so in every run before the timedQueue behaviour) there is none.
  const queueDue = state.cancelledAt === undefined ? nextQueueDeadline(state.runs, state.config, now) : undefined;
  if (queueDue !== undefined) candidates.push([queueDue, () => 'queue: a debounce ends or a schedule timeout is up']);
  const [at, why] = candidates.reduce((first, next) => (next[0] < first[0] ? next : first));
  return { at, why, idle, idleUntil, unreportedDue, queueDue };
}

/** A timer's summary in Web UI: why the coordinator wakes, and when (UTC). */
export function alarmSummary(why: string, deadlineMs: number): string {
  return Number.isFinite(deadlineMs) ? `${why} · at ${new Date(deadlineMs).toISOString().slice(11, 19)} UTC` : why;
}
