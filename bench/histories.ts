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
import { addEstimates, commandOfTask, emptyEstimate, estimateActions, type ActionEstimate } from './actions';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export function eventTypeName(event: HistoryEvent): string {
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
  /** Per child: event time of the coordinator's first RequestCancelExternalWorkflowExecutionInitiated for it. */
  cancelInitiatedAtMs: Map<string, number>;
  workflowTasksCompleted: number;
  runClosedSignals: number;
  /** Per completed workflow task: WorkflowTaskScheduled → WorkflowTaskStarted (waiting for a worker poll). */
  wftScheduleToStartMs: number[];
  /** Per completed workflow task: WorkflowTaskStarted → WorkflowTaskCompleted (the worker's turn, round trip included). */
  wftStartToCompleteMs: number[];
  /** Workflow tasks scheduled on the worker's sticky queue (cache hit) and on the normal queue (first task or replay). */
  wftSticky: number;
  wftNormal: number;
  /** Estimated billable Actions of all runs (bench/actions.ts), children's starts included (2 each). */
  actions: ActionEstimate;
  /** The latest run completed (an idle close), rather than being open or terminated. */
  completed: boolean;
  /**
   * Single-run coordinators that started children: events and workflow tasks up to the task that handled the last
   * child's close, that task's commands included (so not the idle wait and close that follow).
   */
  untilLastChildClosed?: { events: number; workflowTasks: number };
  /** With `{ profile: true }`, single-run coordinators: the history grouped by workflow task (see {@link taskProfile}). */
  profile?: TaskStep[];
}

/** One workflow task of a history: what woke it, and the commands it recorded. */
export interface TaskStep {
  /**
   * Events since the previous task's commands that are neither task events nor commands: what the task handled (for
   * the first task, the run's start and the signal that came with it).
   */
  after: string[];
  /** Task events of this task (scheduled, started, completed; failed or timed-out attempts too). */
  taskEvents: number;
  /** Events recorded from this task's commands. */
  commands: string[];
}

const TASK_EVENT = /^WORKFLOW_TASK_/;

/** An event's type with what tells it apart: signal, marker, activity type, upserted search attributes. */
export function eventLabel(event: HistoryEvent): string {
  const type = eventTypeName(event);
  const detail =
    event.workflowExecutionSignaledEventAttributes?.signalName ??
    event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName ??
    event.markerRecordedEventAttributes?.markerName ??
    event.activityTaskScheduledEventAttributes?.activityType?.name ??
    (event.upsertWorkflowSearchAttributesEventAttributes
      ? Object.keys(event.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {}).join('+')
      : undefined);
  return detail ? `${type}(${detail})` : type;
}

/** A run's history as a sequence of workflow tasks: the profile to read when cutting events. */
export function taskProfile(events: readonly HistoryEvent[]): TaskStep[] {
  const tasks: TaskStep[] = [];
  let after: string[] = [];
  let taskEvents = 0;
  const commandsOf = new Map<number, TaskStep>();
  for (const event of events) {
    const type = eventTypeName(event);
    if (TASK_EVENT.test(type)) {
      taskEvents += 1;
      if (event.workflowTaskCompletedEventAttributes) {
        const step: TaskStep = { after, taskEvents, commands: [] };
        tasks.push(step);
        commandsOf.set(Number(event.eventId ?? 0), step);
        after = [];
        taskEvents = 0;
      }
      continue;
    }
    const task = commandOfTask(event);
    const owner = task === undefined ? undefined : commandsOf.get(task);
    if (owner) owner.commands.push(eventLabel(event));
    else after.push(eventLabel(event));
  }
  // Task events and events after the last completed task (e.g. a close by terminate) form a last, open step.
  if (after.length > 0 || taskEvents > 0) tasks.push({ after, taskEvents, commands: [] });
  return tasks;
}

const CHILD_CLOSED: (keyof HistoryEvent)[] = [
  'childWorkflowExecutionCompletedEventAttributes',
  'childWorkflowExecutionFailedEventAttributes',
  'childWorkflowExecutionCanceledEventAttributes',
  'childWorkflowExecutionTerminatedEventAttributes',
  'childWorkflowExecutionTimedOutEventAttributes',
];

/** Events and tasks up to the task that handled the last child close, its commands included. */
function untilLastChildClosed(events: readonly HistoryEvent[]): { events: number; workflowTasks: number } | undefined {
  let lastClose = -1;
  events.forEach((event, index) => {
    if (CHILD_CLOSED.some((attribute) => event[attribute])) lastClose = index;
  });
  if (lastClose < 0) return undefined;
  let started = false;
  for (let i = lastClose + 1; i < events.length; i++) {
    const event = events[i] as HistoryEvent;
    if (event.workflowTaskStartedEventAttributes) started = true;
    if (started && event.workflowTaskCompletedEventAttributes) {
      const completedId = Number(event.eventId ?? 0);
      let end = i + 1;
      while (end < events.length && commandOfTask(events[end] as HistoryEvent) === completedId) end++;
      const workflowTasks = events.slice(0, end).filter((e) => e.workflowTaskCompletedEventAttributes).length;
      return { events: end, workflowTasks };
    }
  }
  return undefined;
}

/** Every run of a coordinator (following continuedExecutionRunId back from the latest), summarised. */
export async function readCoordinator(
  client: Client,
  workflowId: string,
  options: { profile?: boolean } = {},
): Promise<CoordinatorHistory> {
  const runs = await historiesOfAllRuns(client, workflowId);
  const lastRun = runs[runs.length - 1] ?? [];
  const result: CoordinatorHistory = {
    workflowId,
    runs: runs.length,
    events: 0,
    eventsByType: {},
    arrivals: [],
    childIds: [],
    cancelInitiatedAtMs: new Map(),
    workflowTasksCompleted: 0,
    runClosedSignals: 0,
    wftScheduleToStartMs: [],
    wftStartToCompleteMs: [],
    wftSticky: 0,
    wftNormal: 0,
    actions: emptyEstimate(),
    completed: lastRun.some((event) => event.workflowExecutionCompletedEventAttributes),
  };
  if (runs.length === 1) {
    const until = untilLastChildClosed(lastRun);
    if (until) result.untilLastChildClosed = until;
    if (options.profile) result.profile = taskProfile(lastRun);
  }
  for (const events of runs) {
    addEstimates(result.actions, estimateActions(events));
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
      const cancelled =
        event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes?.workflowExecution?.workflowId;
      if (cancelled && !result.cancelInitiatedAtMs.has(cancelled))
        result.cancelInitiatedAtMs.set(cancelled, timestampMs(event.eventTime));
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
  /** Estimated billable Actions of the child's history (its start is counted in the parent when it has one). */
  actions: ActionEstimate;
  /**
   * The workflow task that handled the first cancellation request: request → task completed, and that task's own
   * scheduled → completed (one workflow task's round trip on this server).
   */
  cancelTask?: { requestToCompletedMs: number; scheduledToCompletedMs: number; scheduledToStartedMs: number };
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
  const child: ChildHistory = {
    workflowId,
    startedAtMs: timestampMs(events[0]?.eventTime),
    events: events.length,
    actions: estimateActions(events),
  };
  let scheduledAfterCancel: number | undefined;
  let startedAfterCancel: number | undefined;
  for (const event of events) {
    if (event.workflowExecutionCancelRequestedEventAttributes && child.cancelRequestedAtMs === undefined) {
      child.cancelRequestedAtMs = timestampMs(event.eventTime);
    }
    if (child.cancelRequestedAtMs !== undefined && child.cancelTask === undefined) {
      // The first task scheduled at or after the request (one already scheduled before it may have handled it too,
      // if it started after the request; the server then schedules none).
      if (event.workflowTaskScheduledEventAttributes) scheduledAfterCancel = timestampMs(event.eventTime);
      if (event.workflowTaskStartedEventAttributes) startedAfterCancel = timestampMs(event.eventTime);
      if (event.workflowTaskCompletedEventAttributes && scheduledAfterCancel !== undefined) {
        const completedAt = timestampMs(event.eventTime);
        child.cancelTask = {
          requestToCompletedMs: completedAt - child.cancelRequestedAtMs,
          scheduledToCompletedMs: completedAt - scheduledAfterCancel,
          scheduledToStartedMs: (startedAfterCancel ?? scheduledAfterCancel) - scheduledAfterCancel,
        };
      }
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
