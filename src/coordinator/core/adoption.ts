/**
 * Children no history the run read accounts for, found running by their memo (see `src/activities/orphans.ts`): the
 * run that started them was deleted, or a child was reset after it closed and runs again. Either way it holds a slot
 * of the key, so it is counted as running and the key's rules apply to it like to any child (under
 * CANCEL_IN_PROGRESS an older one is cancelled by the newer work). A revived child's submission already has its
 * outcome: its second life ends with a notice, never a second outcome.
 */
import type { AdoptedChild, OpenSubmission } from './wire';

export type { AdoptedChild } from './wire';
import { withNotice, type CoordinatorState } from './state';

/**
 * `state` with `children` counted as running. `lookedAt` is when they were seen running: a child whose submission
 * closed since then was simply seen just before its close, not revived.
 */
export function adoptChildren(
  state: CoordinatorState,
  children: readonly AdoptedChild[],
  at: string,
  lookedAt?: string,
): CoordinatorState {
  const openIds = new Set(state.runs.map((run) => run.workflowId));
  const submissionIds = new Set(state.runs.map((run) => run.id));
  const closedSince = new Set(
    lookedAt === undefined ? [] : state.recent.filter((run) => run.closedAt >= lookedAt).map((run) => run.id),
  );
  const adopted = children.filter(
    (child) =>
      !openIds.has(child.workflowId) && !submissionIds.has(child.submissionId) && !closedSince.has(child.submissionId),
  );
  if (adopted.length === 0) return state;
  const closed = new Set(state.recent.map((run) => run.id));
  const runs: OpenSubmission[] = adopted.map((child) => ({
    id: child.submissionId,
    seq: child.seq,
    workflowId: child.workflowId,
    workflowType: child.workflowType,
    runId: child.runId,
    submittedAt: child.startedAt,
    startedAt: child.startedAt,
    ...(closed.has(child.submissionId) && { revived: true }),
  }));
  const nextSeq = Math.max(state.nextSeq, ...runs.map((run) => run.seq + 1));
  const known = new Set(state.seenIds);
  const seenIds = [...state.seenIds, ...runs.map((run) => run.id).filter((id) => !known.has(id))].slice(
    -state.config.dedupeWindow,
  );
  const names = runs.map((run) => `${run.id}${run.revived ? ' (revived after it closed)' : ''}`).join(', ');
  return withNotice(
    { ...state, nextSeq, seenIds, runs: [...state.runs, ...runs].sort((a, b) => a.seq - b.seq) },
    at,
    `counted ${runs.length} running child(ren) found by their memo that no history accounted for: ${names}`.slice(
      0,
      500,
    ),
  );
}
