/**
 * The coordinator's periodic sweep: an activity describes the open children and reports what nobody told the
 * coordinator (closes after a terminate from the UI or CLI, run timeouts, children carried over from an earlier run),
 * children that never got going (their first task fails, or no worker polls their queue), and whether a workflow that
 * held a child's ID is really that child. Then it ends, with the reason recorded, children that hold a slot for
 * nothing: stuck ones, ones that waited longer than `waitingChildTimeoutMs` for a worker, and ones that ignored their
 * cancellation request for `cancelGracePeriodMs`.
 */
import { log, patched, type ActivityOptions } from '@temporalio/workflow';
import type { ChildToSweep, SweptChild } from './core/activity-contract';
import { labelledActivity } from './labelled-activity';
import type { Behaviours } from './behaviours';
import { messageOf } from './child-outcome';
import type { OpenSubmission } from './messages';
import { droppedBeforeStart, isConfirmed, isOpen, type CoordinatorEvent, type CoordinatorState } from './core/state';
import { UNREPORTED_CLOSE_PATCH, interceptorReports } from './core/unreported-close';
import type { AdoptedChild } from './core/adoption';

// Bounded: a sweep that keeps failing is logged and tried again at the next interval, never retried forever while it
// holds off rollovers and escalations.
const SWEEP_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { maximumInterval: '10 seconds', maximumAttempts: 5 },
};
const sweepChildren = labelledActivity('sweepChildren', SWEEP_OPTIONS, 'sweep: describe the open children');
const terminateChildren = labelledActivity(
  'terminateChildren',
  SWEEP_OPTIONS,
  'terminate children that hold a slot for nothing (stuck, no worker, or ignoring cancellation)',
);

/** A child the sweep ended, and the outcome recorded for it. */
export interface Ended {
  outcome: 'failed' | 'terminated';
  reason: string;
}

/** What the sweep asks the workflow shell about a child it found closed. */
export interface SweeperContext {
  /** This run started the child: it learns of its close through the child's handle, signal or not. */
  startedHere(workflowId: string): boolean;
  /** A `runClosed` signal for the child came to this run, or the previous run handed one over. */
  heardClose(workflowId: string): boolean;
  /**
   * When this run's request to report its close reached a carried child (workflow time of the task that saw it
   * delivered), if it did: a close after it went unreported.
   */
  askedToReportAt(workflowId: string): number | undefined;
  /** The run's behaviours (behaviours.ts). */
  behaviours: Behaviours;
}

export interface Sweeper {
  isDue(): boolean;
  /** When the next sweep is due (workflow time): the interval, or the earliest deadline of an open child. */
  dueAt(): number;
  /** Why the sweep at {@link Sweeper.dueAt} is due, in words, for the timer's summary. */
  dueFor(): string;
  inFlight(): boolean;
  /**
   * Sweep at the next turn of the loop: a carried child said it is closing (the sweep then waits for its close), or
   * a child's ownership must be checked.
   */
  requestSoon(closingWorkflowId?: string): void;
  /**
   * correctDroppedThatRan: a child announced its close whose submission is recorded dropped before it started; the
   * next sweep checks it (memo and status) and, if it is this submission's child and closed, corrects the record.
   */
  checkDropped(workflowId: string, submissionId: string): void;
  /** Whether a check asked for by {@link Sweeper.checkDropped} has not finished yet. */
  checksPending(): boolean;
  start(): void;
  /** The outcome and reason recorded for a child the sweep ended, if it did. */
  endedBy(workflowId: string): Ended | undefined;
}

function timeMs(iso: string | undefined): number {
  return iso === undefined ? Infinity : Date.parse(iso);
}

/** When a started child must be gone by: its cancel grace period, or how long it may wait for a worker. */
function deadlineOf(run: OpenSubmission, state: CoordinatorState): number {
  const graceEnds = timeMs(run.terminateAfter);
  const { waitingChildTimeoutMs } = state.config;
  const waitEnds =
    run.waiting !== undefined && waitingChildTimeoutMs !== undefined
      ? timeMs(run.startedAt) + waitingChildTimeoutMs
      : Infinity;
  return Math.min(graceEnds, waitEnds);
}

export function createSweeper(
  getState: () => CoordinatorState,
  inbox: CoordinatorEvent[],
  context: SweeperContext,
): Sweeper {
  let intervalDueAt = Date.now() + getState().config.sweepIntervalMs;
  let soon = false;
  let running = false;
  const ended = new Map<string, Ended>();
  const closing = new Set<string>();
  /** Children a sweep of this run found open: if one is later found closed, it closed while this run listened. */
  const seenOpen = new Set<string>();
  /** Children whose ownership the sweep in flight (or the last one) checked. */
  let verified = new Set<string>();
  /** Children of submissions recorded dropped that announced their close (see checkDropped), by workflow ID. */
  const droppedToCheck = new Map<string, string>();
  /** The sweep in flight checks some of them. */
  let checking = false;
  const open = () => getState().runs.filter(isOpen);
  const at = () => new Date(Date.now()).toISOString();

  function earliestDeadline(): number {
    const state = getState();
    return Math.min(...open().map((run) => deadlineOf(run, state)));
  }

  /** Children to end now, with the reason, from what the sweep just saw. */
  type Ending = { workflowId: string; runId: string; reason: string; ended: Ended };
  function toEnd(swept: SweptChild[]): Ending[] {
    const state = getState();
    const nowMs = Date.now();
    const runs = new Map(open().map((run) => [run.workflowId, run]));
    return swept.flatMap((child): Ending[] => {
      const run = runs.get(child.workflowId);
      if (
        !run ||
        child.status === 'closed' ||
        child.status === 'foreign' ||
        child.status === 'neverStarted' ||
        child.status === 'unaccounted'
      )
        return [];
      const runId = child.runId ?? run.runId;
      if (runId === undefined) return [];
      if (timeMs(run.terminateAfter) <= nowMs) {
        const reason =
          `did not close within cancelGracePeriodMs (${state.config.cancelGracePeriodMs} ms) of its cancellation ` +
          `request at ${run.cancelRequestedAt}; terminated`;
        return [{ workflowId: child.workflowId, runId, reason, ended: { outcome: 'terminated', reason } }];
      }
      if (child.status === 'stuck') {
        return [
          {
            workflowId: child.workflowId,
            runId,
            reason: child.reason,
            ended: { outcome: 'failed', reason: child.reason },
          },
        ];
      }
      const { waitingChildTimeoutMs } = state.config;
      if (
        child.status === 'waiting' &&
        waitingChildTimeoutMs !== undefined &&
        // From the coordinator's own start time, as deadlineOf measures it, so the two always agree.
        nowMs - timeMs(run.startedAt) >= waitingChildTimeoutMs
      ) {
        const reason = `waited more than waitingChildTimeoutMs (${waitingChildTimeoutMs} ms): ${child.reason}`;
        return [{ workflowId: child.workflowId, runId, reason, ended: { outcome: 'failed', reason } }];
      }
      return [];
    });
  }

  /**
   * A real close (a status the server reported, not a child gone missing) that the interceptor would have reported,
   * of a child this run did not start and had seen open — or, with reportCloseWhenAsked, that closed after this run's
   * request to report reached it (a carried child may close before this run's first sweep) — with no runClosed for it:
   * its workers may lack the interceptor (see unreported-close.ts). `patched()` is asked last, so only runs that meet
   * such a child record it.
   */
  function closedUnreported(child: Extract<SweptChild, { status: 'closed' }>): boolean {
    return (
      child.reason === undefined &&
      interceptorReports(child.outcome) &&
      (seenOpen.has(child.workflowId) || closedAfterAsked(child)) &&
      !context.startedHere(child.workflowId) &&
      !context.heardClose(child.workflowId) &&
      patched(UNREPORTED_CLOSE_PATCH)
    );
  }

  function closedAfterAsked(child: Extract<SweptChild, { status: 'closed' }>): boolean {
    const askedAt = context.askedToReportAt(child.workflowId);
    return askedAt !== undefined && child.closedAtMs !== undefined && child.closedAtMs > askedAt;
  }

  /** A running child whose submission is recorded dropped, as adoption takes it (its record gives the rest). */
  function runningDroppedChild(workflowId: string, runId: string | undefined): AdoptedChild | undefined {
    const record = getState().recent.find((run) => run.workflowId === workflowId && droppedBeforeStart(run));
    if (!record?.workflowType || runId === undefined) return undefined;
    const { id: submissionId, seq, workflowType } = record;
    return { workflowId, runId, workflowType, submissionId, seq, startedAt: at() };
  }

  async function sweep(): Promise<void> {
    const awaitClose = [...closing];
    closing.clear();
    // Only children whose start the server confirmed, or whose ID was found in use: one whose start command is still
    // in flight may not exist yet, and "not found" would free its slot while it runs.
    const children: ChildToSweep[] = open()
      .filter((run) => isConfirmed(run) || run.conflict === true)
      .map((run) => ({
        workflowId: run.workflowId,
        submissionId: run.id,
        ...(run.runId !== undefined && { runId: run.runId }),
        ...(run.conflict === true && { verify: true }),
      }));
    const sweeping = new Set(children.map((child) => child.workflowId));
    for (const workflowId of seenOpen) if (!sweeping.has(workflowId)) seenOpen.delete(workflowId);
    const dropped = new Set<string>();
    for (const [workflowId, submissionId] of droppedToCheck) {
      if (sweeping.has(workflowId)) continue;
      dropped.add(workflowId);
      children.push({ workflowId, submissionId, verify: true });
    }
    droppedToCheck.clear();
    checking = dropped.size > 0;
    verified = new Set(children.filter((child) => child.verify).map((child) => child.workflowId));
    if (children.length === 0) return;
    const { coordinatorWorkflowId } = getState();
    // With adoptUnaccountedChildren it also looks for running children it does not hold (reset after they closed).
    const known = context.behaviours.has('adoptUnaccountedChildren')
      ? { known: getState().runs.map((run) => run.workflowId) }
      : {};
    const lookedAt = at();
    const swept = await sweepChildren(context.behaviours)({ coordinatorWorkflowId, children, awaitClose, ...known });
    const unaccounted = swept.flatMap((child) => (child.status === 'unaccounted' ? [child.child] : []));
    if (unaccounted.length > 0) {
      const reopenDropped = context.behaviours.has('correctDroppedThatRan') ? { reopenDropped: true } : {};
      inbox.push({ type: 'childrenAdopted', children: unaccounted, lookedAt, ...reopenDropped, at: at() });
    }
    for (const child of swept) {
      const { workflowId } = child;
      if (child.status === 'unaccounted') continue;
      if (dropped.has(workflowId)) {
        // Its memo names this submission (verified). Not found or foreign, the record stands.
        if (child.status === 'closed') {
          const reason = child.reason === undefined ? {} : { reason: child.reason };
          inbox.push({ type: 'droppedChildRan', workflowId, outcome: child.outcome, ...reason, at: at() });
        } else if (child.status !== 'neverStarted' && child.status !== 'foreign') {
          const found = runningDroppedChild(workflowId, child.runId);
          if (found && !unaccounted.some((other) => other.workflowId === workflowId)) {
            inbox.push({ type: 'childrenAdopted', children: [found], lookedAt, reopenDropped: true, at: at() });
          }
        }
        continue;
      }
      if (child.status === 'neverStarted') {
        const dropDisplaced = context.behaviours.has('dropDisplacedNeverStarted') ? { dropDisplaced: true } : {};
        inbox.push({ type: 'childNeverStarted', workflowId, ...dropDisplaced, at: at() });
        continue;
      }
      if (child.status === 'foreign') {
        inbox.push({ type: 'childStartFailed', workflowId, outcome: 'rejected', reason: child.reason, at: at() });
        continue;
      }
      if (verified.has(workflowId) && child.runId !== undefined) {
        inbox.push({ type: 'childStarted', workflowId, runId: child.runId, at: at() });
      }
      if (child.status === 'closed') {
        if (closedUnreported(child))
          inbox.push({ type: 'childCloseUnreported', workflowId, outcome: child.outcome, at: at() });
        seenOpen.delete(workflowId);
        inbox.push({
          type: 'childClosed',
          workflowId,
          outcome: child.outcome,
          ...(child.reason !== undefined && { reason: child.reason }),
          at: at(),
        });
      } else {
        seenOpen.add(workflowId);
        const reason = child.status === 'running' ? undefined : child.reason;
        inbox.push({ type: 'childWaiting', workflowId, ...(reason !== undefined && { reason }), at: at() });
      }
    }
    const ending = toEnd(swept);
    if (ending.length === 0) return;
    // Recorded before the terminate, so a child's handle (which may report the close first) finds the reason.
    for (const child of ending) ended.set(child.workflowId, child.ended);
    await terminateChildren(context.behaviours)({
      children: ending.map(({ workflowId, runId, reason }) => ({ workflowId, runId, reason })),
    });
    // Children this run started hear of it through their handle (see endedBy); carried ones through this.
    for (const child of ending)
      inbox.push({ type: 'childClosed', workflowId: child.workflowId, ...child.ended, at: at() });
  }

  return {
    isDue: () =>
      !running &&
      (open().length > 0 || droppedToCheck.size > 0) &&
      (soon || Date.now() >= Math.min(intervalDueAt, earliestDeadline())),
    dueAt: () =>
      running ? Date.now() + getState().config.sweepIntervalMs : Math.min(intervalDueAt, earliestDeadline()),
    dueFor() {
      const state = getState();
      const first = open().reduce<OpenSubmission | undefined>(
        (soonest, run) => (soonest && deadlineOf(soonest, state) <= deadlineOf(run, state) ? soonest : run),
        undefined,
      );
      if (!running && first === undefined && droppedToCheck.size > 0) {
        return 'sweep: check a child that reported its close, whose submission is recorded dropped';
      }
      if (running || first === undefined || deadlineOf(first, state) >= intervalDueAt) {
        const count = open().length;
        return `sweep: check the ${count} open child${count === 1 ? '' : 'ren'}`;
      }
      return timeMs(first.terminateAfter) === deadlineOf(first, state)
        ? `cancel grace period of ${first.id} ends: terminate it unless it closed`
        : `${first.id} waited waitingChildTimeoutMs for a worker: fail it unless it started`;
    },
    inFlight: () => running,
    requestSoon: (closingWorkflowId) => {
      if (closingWorkflowId !== undefined) closing.add(closingWorkflowId);
      soon = true;
    },
    start() {
      running = true;
      soon = false;
      sweep()
        .catch((err: unknown) => log.warn('sweep failed; will retry at the next interval', { error: messageOf(err) }))
        .finally(() => {
          running = false;
          intervalDueAt = Date.now() + getState().config.sweepIntervalMs;
          // What was asked for during this sweep (a close announced, an ID conflict) is looked at at once.
          const unchecked = getState().runs.some((run) => run.conflict === true && !verified.has(run.workflowId));
          if (closing.size > 0 || unchecked) soon = true;
        })
        .catch(() => undefined);
    },
    checksPending: () => droppedToCheck.size > 0 || (running && checking),
    checkDropped: (workflowId, submissionId) => {
      droppedToCheck.set(workflowId, submissionId);
      soon = true;
    },
    endedBy: (workflowId) => ended.get(workflowId),
  };
}
