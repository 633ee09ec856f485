/**
 * Independent invariant checks, computed from Temporal's own histories (the coordinator's commands and events,
 * and each child's start, cancel-request and close events), not from the coordinator's bookkeeping.
 */
import type { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
type Timestamp = temporal.api.history.v1.IHistoryEvent['eventTime'];

export type ChildCloseType = 'completed' | 'failed' | 'cancelled' | 'terminated' | 'timedOut' | 'continuedAsNew';

export interface ChildTimeline {
  workflowId: string;
  startedAtMs: number;
  cancelRequestedAtMs?: number;
  closedAtMs?: number;
  closeType?: ChildCloseType;
  /** Activity types the child scheduled, in order. */
  activityTypes: string[];
}

export function timestampMs(ts: Timestamp): number {
  if (!ts) throw new Error('event without eventTime');
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : Number(ts.seconds ?? 0);
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
}

async function eventsOf(client: Client, workflowId: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return history.events ?? [];
}

/** Child workflow IDs in the order the coordinator initiated them. */
export async function childWorkflowIds(client: Client, coordinatorWorkflowId: string): Promise<string[]> {
  const events = await eventsOf(client, coordinatorWorkflowId);
  return events.flatMap((event) => {
    const id = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    return id ? [id] : [];
  });
}

/** The event that closes a run, and how it closed. */
export const CLOSE_TYPES: [keyof HistoryEvent, ChildCloseType][] = [
  ['workflowExecutionCompletedEventAttributes', 'completed'],
  ['workflowExecutionFailedEventAttributes', 'failed'],
  ['workflowExecutionCanceledEventAttributes', 'cancelled'],
  ['workflowExecutionTerminatedEventAttributes', 'terminated'],
  ['workflowExecutionTimedOutEventAttributes', 'timedOut'],
  ['workflowExecutionContinuedAsNewEventAttributes', 'continuedAsNew'],
];

export async function childTimeline(client: Client, workflowId: string): Promise<ChildTimeline> {
  const events = await eventsOf(client, workflowId);
  const timeline: ChildTimeline = { workflowId, startedAtMs: timestampMs(events[0]?.eventTime), activityTypes: [] };
  for (const event of events) {
    if (event.workflowExecutionCancelRequestedEventAttributes && timeline.cancelRequestedAtMs === undefined) {
      timeline.cancelRequestedAtMs = timestampMs(event.eventTime);
    }
    const activityType = event.activityTaskScheduledEventAttributes?.activityType?.name;
    if (activityType) timeline.activityTypes.push(activityType);
    for (const [attribute, closeType] of CLOSE_TYPES) {
      if (event[attribute]) {
        timeline.closedAtMs = timestampMs(event.eventTime);
        timeline.closeType = closeType;
      }
    }
  }
  return timeline;
}

/** Timelines of every child the coordinator started, keyed by workflow ID. */
export async function childTimelines(
  client: Client,
  coordinatorWorkflowId: string,
): Promise<Map<string, ChildTimeline>> {
  const ids = await childWorkflowIds(client, coordinatorWorkflowId);
  const timelines = await Promise.all(ids.map((id) => childTimeline(client, id)));
  return new Map(timelines.map((timeline) => [timeline.workflowId, timeline]));
}

/** Most intervals open at one instant; an interval ending at t does not overlap one starting at t. */
export function maxOverlap(intervals: { start: number; end: number }[]): number {
  const points = intervals.flatMap(({ start, end }) => [
    { at: start, delta: 1 },
    { at: end, delta: -1 },
  ]);
  points.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let open = 0;
  let max = 0;
  for (const point of points) {
    open += point.delta;
    max = Math.max(max, open);
  }
  return max;
}

/** Most children open at once (started, not yet closed), from the children's own histories. */
export function maxOpenChildren(timelines: Iterable<ChildTimeline>, nowMs = Date.now()): number {
  return maxOverlap([...timelines].map((t) => ({ start: t.startedAtMs, end: t.closedAtMs ?? nowMs })));
}

/**
 * Most "live started" children at once (started, cancellation not yet requested, not closed), replayed from the
 * coordinator's history in event order, the order in which the server accepted its commands.
 */
export async function maxLiveStartedChildren(client: Client, coordinatorWorkflowId: string): Promise<number> {
  const events = await eventsOf(client, coordinatorWorkflowId);
  const live = new Set<string>();
  let max = 0;
  for (const event of events) {
    const started = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (started) live.add(started);
    const cancelled =
      event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId;
    if (cancelled) live.delete(cancelled);
    const closed =
      event.childWorkflowExecutionCompletedEventAttributes ??
      event.childWorkflowExecutionFailedEventAttributes ??
      event.childWorkflowExecutionCanceledEventAttributes ??
      event.childWorkflowExecutionTerminatedEventAttributes ??
      event.childWorkflowExecutionTimedOutEventAttributes;
    if (closed?.workflowExecution?.workflowId) live.delete(closed.workflowExecution.workflowId);
    const failedToStart = event.startChildWorkflowExecutionFailedEventAttributes?.workflowId;
    if (failedToStart) live.delete(failedToStart);
    max = Math.max(max, live.size);
  }
  return max;
}

/** Every run of a workflow ID, oldest first, following continue-as-new back from the latest run. */
export async function historiesOfAllRuns(client: Client, workflowId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    const events = history.events ?? [];
    runs.unshift(events);
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runs;
    runId = previous;
  }
}

export interface KeyAudit {
  /** Coordinator runs (1 + rollovers). */
  runs: number;
  /** Child workflow IDs in start order, across all coordinator runs. */
  childIds: string[];
  timelines: Map<string, ChildTimeline>;
  /** Most children started and neither cancel-requested nor closed at one instant. */
  maxLiveStarted: number;
  /** Most children open (started, not closed) at one instant, from the children's own histories. */
  maxOpen: number;
}

/**
 * Audits one key across all coordinator runs: a child is live from the coordinator's start command until the
 * coordinator's cancel request or the child's own close, whichever is first. Events of one workflow task share a
 * timestamp; `maxOverlap` ends intervals before starting new ones at the same instant, as the commands were ordered.
 */
export async function auditKey(client: Client, coordinatorWorkflowId: string, nowMs = Date.now()): Promise<KeyAudit> {
  const runs = await historiesOfAllRuns(client, coordinatorWorkflowId);
  const startedAt = new Map<string, number>();
  const cancelRequestedAt = new Map<string, number>();
  const childIds: string[] = [];
  for (const event of runs.flat()) {
    const started = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    if (started) {
      childIds.push(started);
      startedAt.set(started, timestampMs(event.eventTime));
    }
    const cancelled =
      event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId;
    if (cancelled && !cancelRequestedAt.has(cancelled)) cancelRequestedAt.set(cancelled, timestampMs(event.eventTime));
  }
  const timelines = new Map<string, ChildTimeline>();
  for (const id of new Set(childIds)) timelines.set(id, await childTimeline(client, id));
  const live = [...startedAt].map(([id, start]) => {
    const ends = [cancelRequestedAt.get(id), timelines.get(id)?.closedAtMs, nowMs].filter(
      (t): t is number => t !== undefined,
    );
    return { start, end: Math.min(...ends) };
  });
  return {
    runs: runs.length,
    childIds,
    timelines,
    maxLiveStarted: maxOverlap(live),
    maxOpen: maxOpenChildren(timelines.values(), nowMs),
  };
}
