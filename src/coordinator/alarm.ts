import { log, sleep } from '@temporalio/workflow';

/**
 * Wakes the coordinator's loop at a deadline without a timer per wait. A `condition` with a timeout starts a timer
 * and cancels it on every wake: two history events per signal batch on a busy key. The alarm only starts a timer
 * when no pending one fires at or before the deadline, and never cancels one; a timer that fires early is a
 * harmless extra wake.
 */
export interface Alarm {
  /**
   * Makes sure the alarm rings no later than `deadlineMs` (workflow time). `summary` names the timer in Web UI's
   * timeline ("idle timeout", "sweep") instead of its sequence number and duration; asked only when a timer starts,
   * which is rarely on a busy key, so the loop does not describe its state on every wake.
   */
  setFor(deadlineMs: number, summary?: () => string): void;
  /** Whether a timer fired since the last {@link Alarm.reset}. */
  rang(): boolean;
  reset(): void;
}

export function createAlarm(): Alarm {
  const pending: number[] = [];
  let rang = false;
  return {
    setFor(deadlineMs, summary) {
      if (!Number.isFinite(deadlineMs) || pending.some((at) => at <= deadlineMs)) return;
      pending.push(deadlineMs);
      sleep(Math.max(1, deadlineMs - Date.now()), summary === undefined ? undefined : { summary: summary() })
        .then(() => {
          rang = true;
        })
        // A cancelled sleep rejects; unhandled, that rejection would fail every retry of the workflow task.
        .catch((err: unknown) => log.warn('alarm timer did not fire', { error: String(err) }))
        .finally(() => pending.splice(pending.indexOf(deadlineMs), 1))
        .catch(() => undefined);
    },
    rang: () => rang,
    reset() {
      rang = false;
    },
  };
}
