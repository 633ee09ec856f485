/**
 * Estimated Temporal Cloud billable Actions, read from workflow histories.
 *
 * Source: Temporal Cloud "Actions" page, https://docs.temporal.io/cloud/actions (now served at
 * https://docs.temporal.io/evaluate/cloud/actions), text of `docs/evaluate/temporal-cloud/actions.mdx` in
 * temporalio/documentation at commit 2585e7ca991ff2f1ad1ef9927ee9785c0d10490c, read 2026-11-23. What it says, and how
 * each rule is applied to one history here (one Action unless stated):
 *
 * - "Workflow started ... via client start, Continue-As-New, Child Workflow start": a `WorkflowExecutionStarted`
 *   started by a client or by continue-as-new. A child's start is counted in its parent (next rule), not in the child.
 * - "Start Child Workflow and Child Workflow Execution ... results in two Actions": 2 per
 *   `StartChildWorkflowExecutionInitiated` in the parent.
 * - "one total action occurs for any Signal-With-Start, regardless of whether the Workflow starts": a run whose
 *   `WorkflowExecutionStarted` is followed at once by a client signal was started by signal-with-start; the pair is 1.
 * - "Signal sent ... whether sent from a Client or from a Workflow": a client signal is counted where it lands
 *   (`WorkflowExecutionSignaled` without `externalWorkflowExecution`); a workflow's signal where it is sent
 *   (`SignalExternalWorkflowExecutionInitiated`), so each signal counts once whichever histories are read.
 * - "Timer started": `TimerStarted`.
 * - "Activity started or retried": the `attempt` of an activity's `ActivityTaskStarted` (written when the activity
 *   closes, with the attempt it closed on). An activity cancelled before it started has no such event and counts 0.
 * - "Local Activity started. All Local Activities associated with one Workflow Task count as a single Action ...
 *   Each additional Workflow Task heartbeat after counts as an additional Action": distinct workflow tasks that
 *   recorded a `core_local_activity` marker, plus the heartbeats before a marker. A heartbeat is recognised as a task
 *   nothing woke: its WorkflowTaskScheduled follows the previous task's completion and commands directly (how the SDK
 *   keeps a task open while a local activity runs); it is counted only when a local-activity marker follows.
 * - "Search Attribute upsert requested ... The TemporalChangeVersion Search Attribute ... is also exempt":
 *   `UpsertWorkflowSearchAttributes` unless it sets only `TemporalChangeVersion`.
 * - "Workflow Execution Options updated": `WorkflowExecutionOptionsUpdated`. "Update received by Worker": accepted
 *   or rejected updates.
 *
 * Not counted, and reported under `notCounted` so a reader can see them:
 * - `patched()` markers (`core_patch`). ASSUMPTION: the page mentions RecordMarker only for local activities and
 *   exempts the versioning search attribute; a patch marker is versioning too.
 * - memo upserts (`WorkflowPropertiesModified`). ASSUMPTION: not in the page's list.
 * - cancellation requests (`RequestCancelExternalWorkflowExecutionInitiated`, a client's cancel): not in the list.
 * - Outside history, so not estimated here (the page's own history-based estimate leaves them out too): queries,
 *   activity heartbeats that reach the server (demoWork's activity sends about one; the same on both sides of a
 *   comparison, so leaving them out makes a ratio of coordinated to plain larger, not smaller), export, schedules.
 */
import { temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

export const ACTIONS_SOURCE = {
  url: 'https://docs.temporal.io/cloud/actions',
  currentUrl: 'https://docs.temporal.io/evaluate/cloud/actions',
  text: 'temporalio/documentation docs/evaluate/temporal-cloud/actions.mdx @ 2585e7ca991ff2f1ad1ef9927ee9785c0d10490c',
  read: '2026-11-23',
} as const;

export type ActionKind =
  | 'workflowStarted'
  | 'signalWithStart'
  | 'signal'
  | 'childWorkflow'
  | 'timer'
  | 'activity'
  | 'localActivityTask'
  | 'localActivityHeartbeat'
  | 'searchAttributeUpsert'
  | 'workflowOptionsUpdated'
  | 'update';

export type NotCountedKind =
  | 'childStartedCountedInParent'
  | 'signalCountedAtSender'
  | 'patchMarker'
  | 'otherMarker'
  | 'changeVersionUpsert'
  | 'memoUpsert'
  | 'cancelRequest'
  | 'activityNeverStarted';

export interface ActionEstimate {
  total: number;
  byKind: Partial<Record<ActionKind, number>>;
  /** Billable-looking events this estimate does not count, by reason (see the module comment). */
  notCounted: Partial<Record<NotCountedKind, number>>;
}

export function emptyEstimate(): ActionEstimate {
  return { total: 0, byKind: {}, notCounted: {} };
}

export function addEstimates(into: ActionEstimate, other: ActionEstimate): ActionEstimate {
  into.total += other.total;
  for (const [kind, n] of Object.entries(other.byKind) as [ActionKind, number][])
    into.byKind[kind] = (into.byKind[kind] ?? 0) + n;
  for (const [kind, n] of Object.entries(other.notCounted) as [NotCountedKind, number][])
    into.notCounted[kind] = (into.notCounted[kind] ?? 0) + n;
  return into;
}

const CHANGE_VERSION = 'TemporalChangeVersion';
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';
const PATCH_MARKER = 'core_patch';

/** The workflow task whose commands recorded `event`, by the `workflowTaskCompletedEventId` its attributes carry. */
export function commandOfTask(event: HistoryEvent): number | undefined {
  for (const [field, value] of Object.entries(event)) {
    if (!field.endsWith('EventAttributes') || value === null || typeof value !== 'object') continue;
    const id = (value as { workflowTaskCompletedEventId?: unknown }).workflowTaskCompletedEventId;
    if (id !== null && id !== undefined && Number(id) > 0) return Number(id);
  }
  return undefined;
}

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return 0;
  return Number(value);
}

/** Actions one run's history accounts for (its own, plus 2 per child it initiated). */
export function estimateActions(events: readonly HistoryEvent[]): ActionEstimate {
  const estimate = emptyEstimate();
  const count = (kind: ActionKind, n = 1) => {
    estimate.byKind[kind] = (estimate.byKind[kind] ?? 0) + n;
    estimate.total += n;
  };
  const skip = (kind: NotCountedKind, n = 1) => {
    estimate.notCounted[kind] = (estimate.notCounted[kind] ?? 0) + n;
  };
  const localActivityTasks = new Set<number>();
  // Tasks nothing woke since the last local-activity marker (workflow task heartbeats), and whether the events since
  // the last WorkflowTaskCompleted were only that task's commands.
  let untriggeredTasks = 0;
  let lastCompletedId: number | undefined;
  let onlyCommandsSinceCompleted = false;
  const activityStarts = new Set<number>();
  let activitiesScheduled = 0;
  // Signal-with-start: the start and the signal it carried are one Action, counted as the signal.
  // Decoded histories hold null, not undefined, for attributes an event does not have: test truthiness.
  const startedBy = events[0]?.workflowExecutionStartedEventAttributes;
  const second = events[1]?.workflowExecutionSignaledEventAttributes;
  const signalWithStart = Boolean(startedBy) && Boolean(second) && !second?.externalWorkflowExecution;
  events.forEach((event, index) => {
    if (event.workflowTaskCompletedEventAttributes) {
      lastCompletedId = num(event.eventId);
      onlyCommandsSinceCompleted = true;
      return;
    }
    if (event.workflowTaskScheduledEventAttributes) {
      if (onlyCommandsSinceCompleted) untriggeredTasks += 1;
      onlyCommandsSinceCompleted = false;
      return;
    }
    if (onlyCommandsSinceCompleted && commandOfTask(event) !== lastCompletedId) onlyCommandsSinceCompleted = false;
    const started = event.workflowExecutionStartedEventAttributes;
    if (started) {
      if (started.parentWorkflowExecution) skip('childStartedCountedInParent');
      else if (!signalWithStart) count('workflowStarted');
      return;
    }
    const signaled = event.workflowExecutionSignaledEventAttributes;
    if (signaled) {
      if (signaled.externalWorkflowExecution) skip('signalCountedAtSender');
      else count(signalWithStart && index === 1 ? 'signalWithStart' : 'signal');
      return;
    }
    if (event.signalExternalWorkflowExecutionInitiatedEventAttributes) return count('signal');
    if (event.startChildWorkflowExecutionInitiatedEventAttributes) return count('childWorkflow', 2);
    if (event.timerStartedEventAttributes) return count('timer');
    if (event.activityTaskScheduledEventAttributes) {
      activitiesScheduled += 1;
      return;
    }
    const activityStarted = event.activityTaskStartedEventAttributes;
    if (activityStarted) {
      activityStarts.add(num(activityStarted.scheduledEventId));
      return count('activity', Math.max(1, num(activityStarted.attempt)));
    }
    const marker = event.markerRecordedEventAttributes;
    if (marker) {
      if (marker.markerName === LOCAL_ACTIVITY_MARKER) {
        localActivityTasks.add(num(marker.workflowTaskCompletedEventId));
        if (untriggeredTasks > 0) count('localActivityHeartbeat', untriggeredTasks);
        untriggeredTasks = 0;
      } else if (marker.markerName === PATCH_MARKER) skip('patchMarker');
      else skip('otherMarker');
      return;
    }
    const upsert = event.upsertWorkflowSearchAttributesEventAttributes;
    if (upsert) {
      const keys = Object.keys(upsert.searchAttributes?.indexedFields ?? {});
      if (keys.length > 0 && keys.every((key) => key === CHANGE_VERSION)) skip('changeVersionUpsert');
      else count('searchAttributeUpsert');
      return;
    }
    if (event.workflowPropertiesModifiedEventAttributes) return skip('memoUpsert');
    if (
      event.requestCancelExternalWorkflowExecutionInitiatedEventAttributes ||
      event.workflowExecutionCancelRequestedEventAttributes
    ) {
      return skip('cancelRequest');
    }
    if (event.workflowExecutionOptionsUpdatedEventAttributes) return count('workflowOptionsUpdated');
    if (event.workflowExecutionUpdateAcceptedEventAttributes || event.workflowExecutionUpdateRejectedEventAttributes)
      return count('update');
  });
  if (localActivityTasks.size > 0) count('localActivityTask', localActivityTasks.size);
  if (activitiesScheduled > activityStarts.size)
    skip('activityNeverStarted', activitiesScheduled - activityStarts.size);
  return estimate;
}

/** Per-submission figures: every count divided by `n`, rounded to 3 decimals. */
export function perSubmission(estimate: ActionEstimate, n: number): ActionEstimate {
  const divide = <K extends string>(record: Partial<Record<K, number>>) =>
    Object.fromEntries(
      Object.entries(record).map(([k, v]) => [k, Math.round(((v as number) / n) * 1000) / 1000]),
    ) as Partial<Record<K, number>>;
  return {
    total: Math.round((estimate.total / n) * 1000) / 1000,
    byKind: divide(estimate.byKind),
    notCounted: divide(estimate.notCounted),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Self-check: `npx tsx bench/actions.ts` (also run by the bench before it starts anything).

const T = temporal.api.enums.v1.EventType;

/** A synthetic event built like a decoded one: attributes it lacks read as null, int64 fields as Long. */
function ev(eventType: temporal.api.enums.v1.EventType, attributes: Partial<HistoryEvent> = {}): HistoryEvent {
  return temporal.api.history.v1.HistoryEvent.fromObject({ eventType, ...attributes });
}

type Int64 = NonNullable<HistoryEvent['eventId']>;
/** Synthetic int64 fields: the decoder gives Long objects, which `num` reads like numbers. */
const id = (n: number) => n as unknown as Int64;

const wftTriple = (completedId: number) => [
  ev(T.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, { workflowTaskScheduledEventAttributes: {} }),
  ev(T.EVENT_TYPE_WORKFLOW_TASK_STARTED, { workflowTaskStartedEventAttributes: {} }),
  ev(T.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, { eventId: id(completedId), workflowTaskCompletedEventAttributes: {} }),
];

const encoded = { metadata: {}, data: new Uint8Array([0x31]) };

/** Throws if the mapping above no longer gives the expected counts for small synthetic histories. */
export function selfCheckActions(): void {
  const expect = (what: string, events: HistoryEvent[], total: number, byKind: Partial<Record<ActionKind, number>>) => {
    const got = estimateActions(events);
    const same =
      got.total === total &&
      Object.keys({ ...byKind, ...got.byKind }).every(
        (kind) => (got.byKind[kind as ActionKind] ?? 0) === (byKind[kind as ActionKind] ?? 0),
      );
    if (!same)
      throw new Error(
        `actions self-check "${what}": expected ${total} ${JSON.stringify(byKind)}, got ${JSON.stringify(got)}`,
      );
  };
  // A plain start of a workflow that runs one activity: start + activity.
  expect(
    'plain start + activity',
    [
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: {} }),
      ...wftTriple(4),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, { activityTaskScheduledEventAttributes: {} }),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_STARTED, {
        activityTaskStartedEventAttributes: { scheduledEventId: id(5), attempt: 1 },
      }),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, { activityTaskCompletedEventAttributes: {} }),
      ...wftTriple(10),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, { workflowExecutionCompletedEventAttributes: {} }),
    ],
    2,
    { workflowStarted: 1, activity: 1 },
  );
  // Signal-with-start that started the run, a second client signal, a child, a timer, a patch, local activities.
  expect(
    'signal-with-start coordinator',
    [
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: {} }),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, { workflowExecutionSignaledEventAttributes: { signalName: 's' } }),
      ...wftTriple(5),
      ev(T.EVENT_TYPE_MARKER_RECORDED, {
        markerRecordedEventAttributes: { markerName: 'core_patch', workflowTaskCompletedEventId: id(5) },
      }),
      ev(T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
        upsertWorkflowSearchAttributesEventAttributes: {
          searchAttributes: { indexedFields: { TemporalChangeVersion: encoded } },
        },
      }),
      ev(T.EVENT_TYPE_MARKER_RECORDED, {
        markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: id(5) },
      }),
      ev(T.EVENT_TYPE_MARKER_RECORDED, {
        markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: id(5) },
      }),
      ev(T.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, {
        startChildWorkflowExecutionInitiatedEventAttributes: { workflowId: 'c' },
      }),
      ev(T.EVENT_TYPE_TIMER_STARTED, { timerStartedEventAttributes: {} }),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, { workflowExecutionSignaledEventAttributes: { signalName: 's' } }),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, {
        workflowExecutionSignaledEventAttributes: {
          signalName: 'runClosed',
          externalWorkflowExecution: { workflowId: 'c' },
        },
      }),
      ...wftTriple(16),
      ev(T.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, {
        upsertWorkflowSearchAttributesEventAttributes: { searchAttributes: { indexedFields: { Custom: encoded } } },
      }),
      ev(T.EVENT_TYPE_MARKER_RECORDED, {
        markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: id(16) },
      }),
      ev(T.EVENT_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
        requestCancelExternalWorkflowExecutionInitiatedEventAttributes: {},
      }),
    ],
    1 + 2 + 2 + 1 + 1 + 1,
    { signalWithStart: 1, signal: 1, localActivityTask: 2, childWorkflow: 2, timer: 1, searchAttributeUpsert: 1 },
  );
  // A local activity that outlived its first task: one workflow task heartbeat (a task nothing woke), then the
  // marker. Signal-with-start 1, local activity 1, heartbeat 1, the second client signal 1.
  expect(
    'local activity over a task heartbeat',
    [
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, { workflowExecutionStartedEventAttributes: {} }),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, { workflowExecutionSignaledEventAttributes: { signalName: 's' } }),
      ...wftTriple(5),
      ev(T.EVENT_TYPE_MARKER_RECORDED, {
        markerRecordedEventAttributes: { markerName: 'core_patch', workflowTaskCompletedEventId: id(5) },
      }),
      ...wftTriple(9),
      ev(T.EVENT_TYPE_MARKER_RECORDED, {
        markerRecordedEventAttributes: { markerName: 'core_local_activity', workflowTaskCompletedEventId: id(9) },
      }),
      // A task a signal woke is no heartbeat, and a later one nothing woke with no marker after it counts nothing.
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED, { workflowExecutionSignaledEventAttributes: { signalName: 's' } }),
      ...wftTriple(14),
      ...wftTriple(17),
    ],
    4,
    { signalWithStart: 1, localActivityTask: 1, localActivityHeartbeat: 1, signal: 1 },
  );
  // A child: its start is its parent's; its signal to the coordinator, its retried activity, its memo upsert.
  expect(
    'child',
    [
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, {
        workflowExecutionStartedEventAttributes: { parentWorkflowExecution: { workflowId: 'p' } },
      }),
      ...wftTriple(4),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, { activityTaskScheduledEventAttributes: {} }),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, { activityTaskScheduledEventAttributes: {} }),
      ev(T.EVENT_TYPE_ACTIVITY_TASK_STARTED, {
        activityTaskStartedEventAttributes: { scheduledEventId: id(5), attempt: 3 },
      }),
      ev(T.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED, { workflowPropertiesModifiedEventAttributes: {} }),
      ev(T.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED, {
        signalExternalWorkflowExecutionInitiatedEventAttributes: { signalName: 'runClosed' },
      }),
    ],
    4,
    { activity: 3, signal: 1 },
  );
  // Continue-as-new: the new run's start counts (the previous run's ContinuedAsNew event does not).
  expect(
    'continued run',
    [
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, {
        workflowExecutionStartedEventAttributes: { continuedExecutionRunId: 'r0' },
      }),
      ...wftTriple(4),
      ev(T.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, { workflowExecutionContinuedAsNewEventAttributes: {} }),
    ],
    1,
    { workflowStarted: 1 },
  );
}

if (require.main === module) {
  selfCheckActions();
  console.log('actions self-check passed');
}
