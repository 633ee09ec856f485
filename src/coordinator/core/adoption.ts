/**
 * Children no history the run read accounts for, found running by their memo (see `src/activities/orphans.ts`): the
 * run that started them was deleted, or a child was reset after it closed and runs again. Either way it holds a slot
 * of the key, so it is counted as running and the key's rules apply to it like to any child (under
 * CANCEL_IN_PROGRESS an older one is cancelled by the newer work). A revived child's submission already has its
 * outcome: its second life ends with a notice, never a second outcome.
 *
 * One record is not an outcome but a mistake: `dropped` for a submission this history never saw start, whose child is
 * running. A run the history does not show started it (the coordinator's run before a reset to an earlier point). With
 * `reopenDropped` (the correctDroppedThatRan behaviour) that record is withdrawn and the submission is open again, so it
 * ends with its child's real outcome.
 */
import type { AdoptedChild, OpenSubmission } from './wire';

export type { AdoptedChild } from './wire';
import { COORDINATOR_CANCELLED_REASON, droppedBeforeStart, withNotice, type CoordinatorState } from './state';

/** `state` without the `dropped` records of `ids`, and without their count. */
function withdrawRecords(state: CoordinatorState, ids: ReadonlySet<string>): CoordinatorState {
  if (ids.size === 0) return state;
  const recent = state.recent.filter((run) => !(ids.has(run.id) && droppedBeforeStart(run)));
  const dropped = state.counters.dropped - (state.recent.length - recent.length);
  return { ...state, recent, counters: { ...state.counters, dropped } };
}

/**
 * `state` with `children` counted as running. `lookedAt` is when they were seen running: a child whose submission
 * closed since then was simply seen just before its close, not revived.
 */
export function adoptChildren(
  state: CoordinatorState,
  children: readonly AdoptedChild[],
  at: string,
  lookedAt?: string,
  reopenDropped = false,
): CoordinatorState {
  const openIds = new Set(state.runs.map((run) => run.workflowId));
  const submissionIds = new Set(state.runs.map((run) => run.id));
  const closedSince = new Set(
    lookedAt === undefined
      ? []
      : state.recent
          // A submission dropped before it started was never seen running: its child is not one seen before its close.
          .filter((run) => run.closedAt >= lookedAt && !(reopenDropped && droppedBeforeStart(run)))
          .map((run) => run.id),
  );
  const adopted = children.filter(
    (child) =>
      !openIds.has(child.workflowId) && !submissionIds.has(child.submissionId) && !closedSince.has(child.submissionId),
  );
  if (adopted.length === 0) return state;
  const mistaken = new Set(
    reopenDropped
      ? state.recent
          .filter((run) => droppedBeforeStart(run) && adopted.some((child) => child.submissionId === run.id))
          .map((run) => run.id)
      : [],
  );
  const withdrawn = withdrawRecords(state, mistaken);
  const closed = new Set(withdrawn.recent.map((run) => run.id));
  const runs: OpenSubmission[] = adopted.map((child) => ({
    id: child.submissionId,
    seq: child.seq,
    workflowId: child.workflowId,
    workflowType: child.workflowType,
    runId: child.runId,
    submittedAt: child.startedAt,
    startedAt: child.startedAt,
    ...(closed.has(child.submissionId) && { revived: true }),
    // A cancelled coordinator cancels every child it holds (with reopenDropped: behaviour 4).
    ...(reopenDropped && state.cancelledAt !== undefined && { cancelReason: COORDINATOR_CANCELLED_REASON }),
  }));
  const nextSeq = Math.max(withdrawn.nextSeq, ...runs.map((run) => run.seq + 1));
  const known = new Set(withdrawn.seenIds);
  const seenIds = [...withdrawn.seenIds, ...runs.map((run) => run.id).filter((id) => !known.has(id))].slice(
    -withdrawn.config.dedupeWindow,
  );
  const label = (run: OpenSubmission) =>
    run.revived
      ? ' (revived after it closed)'
      : mistaken.has(run.id)
        ? ' (recorded dropped, yet started by a run this history does not show: reopened)'
        : '';
  const names = runs.map((run) => `${run.id}${label(run)}`).join(', ');
  return withNotice(
    { ...withdrawn, nextSeq, seenIds, runs: [...withdrawn.runs, ...runs].sort((a, b) => a.seq - b.seq) },
    at,
    `counted ${runs.length} running child(ren) found by their memo that no history accounted for: ${names}`.slice(
      0,
      500,
    ),
  );
}
