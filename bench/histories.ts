/**
 * What the benchmark reads from Temporal's own histories (server clock): when each submission reached its
 * coordinator, when the coordinator's workflow task that handled it completed, when children started and were
 * asked to cancel, and what a coordinator's history is made of.
 */
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
// The same history readers the tests' invariant audits use (scripts/soak.ts imports them too).
import { historiesOfAllRuns, timestampMs } from '../test/helpers/histories';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

function eventTypeName(event: HistoryEvent): string {
  const name = temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType);
  return name.replace(/^EVENT_TYPE_/, '');
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

/** A `submit` signal as the coordinator's history recorded it. */
export interface SubmitArrival {
  submissionId: string;
  /** WorkflowExecutionSignaled event time. */
  signaledAtMs: number;
  /** Completion time of the workflow task that handled it (the first task started after the signal). */
  decidedAtMs?: number;
}

export interface CoordinatorHistory {
  workflowId: string;
  /** Coordinator runs: 1 + continue-as-new rollovers. */
  runs: number;
  events: number;
  eventsByType: Record<string, number>;
  arrivals: SubmitArrival[];
  /** Child workflow IDs the coordinator initiated, in order. */
  childIds: string[];
  workflowTasksCompleted: number;
  runClosedSignals: number;
  /** Per completed workflow task: WorkflowTaskScheduled → WorkflowTaskStarted (waiting for a worker poll). */
  wftScheduleToStartMs: number[];
  /** Per completed workflow task: WorkflowTaskStarted → WorkflowTaskCompleted (the worker's turn, round trip included). */
  wftStartToCompleteMs: number[];
  /** Workflow tasks scheduled on the worker's sticky queue (cache hit) and on the normal queue (first task or replay). */
  wftSticky: number;
  wftNormal: number;
}

/** Every run of a coordinator (following continuedExecutionRunId back from the latest), summarised. */
export async function readCoordinator(client: Client, workflowId: string): Promise<CoordinatorHistory> {
  const runs = await historiesOfAllRuns(client, workflowId);
  const result: CoordinatorHistory = {
    workflowId,
    runs: runs.length,
    events: 0,
    eventsByType: {},
    arrivals: [],
    childIds: [],
    workflowTasksCompleted: 0,
    runClosedSignals: 0,
    wftScheduleToStartMs: [],
    wftStartToCompleteMs: [],
    wftSticky: 0,
    wftNormal: 0,
  };
  for (const events of runs) {
    // Signals wait for the next workflow task that starts after them; a failed or timed-out task hands them on.
    let waiting: SubmitArrival[] = [];
    let inTask: SubmitArrival[] = [];
    let scheduledAt = 0;
    let startedAt = 0;
    for (const event of events) {
      result.events += 1;
      const type = eventTypeName(event);
      result.eventsByType[type] = (result.eventsByType[type] ?? 0) + 1;
      const signaled = event.workflowExecutionSignaledEventAttributes;
      if (signaled?.signalName === 'submit') {
        const payload = signaled.input?.payloads?.[0];
        const submission = payload ? defaultPayloadConverter.fromPayload<{ id?: unknown }>(payload) : undefined;
        const arrival: SubmitArrival = {
          submissionId: typeof submission?.id === 'string' ? submission.id : '?',
          signaledAtMs: timestampMs(event.eventTime),
        };
        result.arrivals.push(arrival);
        waiting.push(arrival);
      } else if (signaled?.signalName === 'runClosed') {
        result.runClosedSignals += 1;
      }
      const scheduled = event.workflowTaskScheduledEventAttributes;
      if (scheduled) {
        scheduledAt = timestampMs(event.eventTime);
        if (scheduled.taskQueue?.kind === temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_STICKY)
          result.wftSticky += 1;
        else result.wftNormal += 1;
      } else if (event.workflowTaskStartedEventAttributes) {
        startedAt = timestampMs(event.eventTime);
        result.wftScheduleToStartMs.push(startedAt - scheduledAt);
        inTask = [...inTask, ...waiting];
        waiting = [];
      } else if (event.workflowTaskCompletedEventAttributes) {
        result.workflowTasksCompleted += 1;
        result.wftStartToCompleteMs.push(timestampMs(event.eventTime) - startedAt);
        for (const arrival of inTask) arrival.decidedAtMs = timestampMs(event.eventTime);
        inTask = [];
      } else if (event.workflowTaskFailedEventAttributes || event.workflowTaskTimedOutEventAttributes) {
        waiting = [...inTask, ...waiting];
        inTask = [];
      }
      const childId = event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
      if (childId) result.childIds.push(childId);
    }
  }
  return result;
}

export interface ChildHistory {
  workflowId: string;
  /** WorkflowExecutionStarted event time. */
  startedAtMs: number;
  /** First WorkflowExecutionCancelRequested event time. */
  cancelRequestedAtMs?: number;
  closedAtMs?: number;
  closeType?: string;
  events: number;
}

const CLOSE_EVENTS: [keyof HistoryEvent, string][] = [
  ['workflowExecutionCompletedEventAttributes', 'completed'],
  ['workflowExecutionFailedEventAttributes', 'failed'],
  ['workflowExecutionCanceledEventAttributes', 'cancelled'],
  ['workflowExecutionTerminatedEventAttributes', 'terminated'],
  ['workflowExecutionTimedOutEventAttributes', 'timedOut'],
];

export async function readChild(client: Client, workflowId: string): Promise<ChildHistory> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const child: ChildHistory = { workflowId, startedAtMs: timestampMs(events[0]?.eventTime), events: events.length };
  for (const event of events) {
    if (event.workflowExecutionCancelRequestedEventAttributes && child.cancelRequestedAtMs === undefined) {
      child.cancelRequestedAtMs = timestampMs(event.eventTime);
    }
    for (const [attribute, closeType] of CLOSE_EVENTS) {
      if (event[attribute]) {
        child.closedAtMs = timestampMs(event.eventTime);
        child.closeType = closeType;
      }
    }
  }
  return child;
}
