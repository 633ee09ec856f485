/**
 * The coordinator's periodic sweep: an activity describes the open children and reports the closes nobody told the
 * coordinator about (terminated from the UI or CLI, run timeouts, children carried over from an earlier run) and
 * children that never got going, which it then terminates so they stop holding a slot.
 */
import { log, patched, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { messageOf } from './child-outcome';
import { isConfirmed, isOpen, type CoordinatorEvent, type CoordinatorState } from './state';

const { sweepChildren, terminateStuckChildren } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumInterval: '30 seconds' },
});

/** Patch ID of the change that made a sweep follow at once when closes were announced during the previous one. */
export const PATCH_CONFIRM_ANNOUNCED_CLOSES_AT_ONCE = 'sweep-confirms-announced-closes-at-once';

export interface Sweeper {
  isDue(): boolean;
  msUntilDue(): number;
  /** When the next periodic sweep is due (workflow time); an interval from now while one runs. */
  dueAt(): number;
  inFlight(): boolean;
  /**
   * Sweep at the next turn of the loop: a carried child said it is closing (the sweep then waits for its close), or
   * a child was adopted.
   */
  requestSoon(closingWorkflowId?: string): void;
  start(): void;
  /** The reason recorded for a child the sweep terminated as stuck, if it did. */
  stuckReason(workflowId: string): { outcome: 'failed'; reason: string } | undefined;
}

export function createSweeper(getState: () => CoordinatorState, inbox: CoordinatorEvent[]): Sweeper {
  let dueAt = Date.now() + getState().config.sweepIntervalMs;
  let running = false;
  const stuck = new Map<string, string>();
  const closing = new Set<string>();
  const openIds = () =>
    getState()
      .runs.filter(isOpen)
      .map((run) => run.workflowId);

  async function sweep(): Promise<void> {
    const awaitClose = [...closing];
    closing.clear();
    // Only children whose start the server confirmed: one whose start command is still in flight may not exist yet,
    // and "not found" would free its slot while it runs. Its start's own outcome reaches this run anyway.
    const confirmedIds = getState()
      .runs.filter((run) => isOpen(run) && isConfirmed(run))
      .map((run) => run.workflowId);
    const swept = await sweepChildren({ workflowIds: confirmedIds, awaitClose });
    const closedAt = () => new Date(Date.now()).toISOString();
    for (const child of swept) {
      if (child.status === 'closed') inbox.push({ type: 'childClosed', ...child, at: closedAt() });
    }
    const toTerminate = swept.flatMap((child) => (child.status === 'stuck' ? [child] : []));
    if (toTerminate.length === 0) return;
    for (const child of toTerminate) stuck.set(child.workflowId, child.reason);
    await terminateStuckChildren({ children: toTerminate.map(({ workflowId, reason }) => ({ workflowId, reason })) });
    // Children this run started hear of it through their handle (see stuckReason); carried ones through this.
    for (const child of toTerminate) {
      inbox.push({
        type: 'childClosed',
        workflowId: child.workflowId,
        outcome: 'failed',
        reason: child.reason,
        at: closedAt(),
      });
    }
  }

  return {
    isDue: () => !running && Date.now() >= dueAt && openIds().length > 0,
    msUntilDue: () => (dueAt > Date.now() ? dueAt - Date.now() : getState().config.sweepIntervalMs),
    dueAt: () => (dueAt > Date.now() ? dueAt : Date.now() + getState().config.sweepIntervalMs),
    inFlight: () => running,
    requestSoon: (closingWorkflowId) => {
      if (closingWorkflowId !== undefined) closing.add(closingWorkflowId);
      dueAt = Math.min(dueAt, Date.now());
    },
    start() {
      running = true;
      void sweep()
        .catch((err: unknown) => log.warn('sweep failed; will retry at the next interval', { error: messageOf(err) }))
        .finally(() => {
          running = false;
          // Closes announced while this sweep ran are confirmed by the next one, at once. Coordinators already
          // running when this shipped keep the old timing where their history has it (see README, patched()).
          const confirmAtOnce = closing.size > 0 && patched(PATCH_CONFIRM_ANNOUNCED_CLOSES_AT_ONCE);
          dueAt = confirmAtOnce ? Date.now() : Date.now() + getState().config.sweepIntervalMs;
        });
    },
    stuckReason(workflowId) {
      const reason = stuck.get(workflowId);
      return reason === undefined ? undefined : { outcome: 'failed', reason };
    },
  };
}
