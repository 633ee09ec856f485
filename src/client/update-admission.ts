/**
 * `admission: 'update'`: submissions sent as the coordinator's `submit` Update with Update-with-Start. Temporal lets a
 * run continue as new while Updates arrive (it aborts the undelivered ones with a retryable error, and they are sent
 * again to the new run), so a key flooded by many callers rolls over near its threshold instead of collecting signals
 * until Temporal's 10,000-signal cap refuses submitters. What it costs: `submit()` resolves once a coordinator run has
 * taken the submission, so it waits for a worker to run the coordinator.
 *
 * Temporal admits at most 10 Updates in flight per workflow (by default): the submissions one process makes to one
 * coordinator meanwhile travel together in its next Update (one array), so 64 concurrent callers cost one Update at a
 * time, not 64 refused and retried ones. Temporal's Update limits and a run's rollover refuse for a moment, never for
 * good: those sends are retried with backoff under the same Update id (a submission taken twice, once by each run of a
 * rollover, is a duplicate there, never a second child).
 */
import { randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { jsonBytes } from '../coordinator/core/limits';
import {
  COORDINATOR_WORKFLOW_TYPE,
  submitUpdate,
  type CoordinatorInput,
  type Submission,
} from '../coordinator/messages';
import { sendWithSearchAttributes } from './search-attribute-fallback';

const RETRYABLE_MESSAGES = [
  'limit on number of concurrent in-flight updates has been reached',
  'limit on number of total updates has been reached',
  'workflow is closing',
  // The workflow task that took it failed (e.g. the run's continue-as-new met events that had arrived meanwhile): it
  // was never accepted, and is sent again under the same Update id.
  'Unable to perform workflow execution update due to unexpected workflow task failure',
  // Delivered in the workflow task that continued as new, before the SDK answered it: sent again to the new run.
  "Workflow Update is rejected because it wasn't processed by worker",
  // Admitted while the run completed idle: sent again, it starts the key's next run (which knows the run's ids).
  'workflow execution already completed',
];

/** How long a send keeps being retried while Temporal refuses it for now, before `submit()` gives up. */
export const UPDATE_LIMIT_RETRY_MS = 120_000;

/** Most submissions, and bytes of them, one Update carries (Temporal refuses payloads over 2 MB). */
const MAX_BATCH_SUBMISSIONS = 500;
const MAX_BATCH_BYTES = 1024 * 1024;

/** Whether `err` (or a cause of it) is Temporal refusing an Update for now. */
export function isUpdateLimitError(err: unknown): boolean {
  for (let cause = err; cause instanceof Error; cause = cause.cause) {
    const message = cause.message;
    if (RETRYABLE_MESSAGES.some((known) => message.includes(known))) return true;
  }
  return false;
}

/** How to start the key's coordinator, if none runs, and the search attributes it gets. */
export interface CoordinatorStart {
  coordinatorWorkflowId: string;
  taskQueue: string;
  coordinatorInput: CoordinatorInput;
  staticSummary: string;
  searchAttributes: SearchAttributePair[];
}

interface Pending {
  submission: Submission;
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Per client and coordinator: the submissions waiting for the next Update, and whether one is being sent. */
interface Lane {
  start: CoordinatorStart;
  waiting: Pending[];
  sending: boolean;
}

const lanes = new WeakMap<Client, Map<string, Lane>>();

/** Hands one submission to the key's coordinator by Update; resolves once a coordinator run took it. */
export function admitByUpdate(client: Client, start: CoordinatorStart, submission: Submission): Promise<void> {
  let byCoordinator = lanes.get(client);
  if (!byCoordinator) lanes.set(client, (byCoordinator = new Map<string, Lane>()));
  let lane = byCoordinator.get(start.coordinatorWorkflowId);
  if (!lane) byCoordinator.set(start.coordinatorWorkflowId, (lane = { start, waiting: [], sending: false }));
  // The newest submitter's start options: the configuration a coordinator it starts begins with.
  lane.start = start;
  const admitted = new Promise<void>((resolve, reject) => {
    lane.waiting.push({ submission, bytes: jsonBytes(submission) ?? 0, resolve, reject });
  });
  if (!lane.sending) void drain(client, lane, byCoordinator);
  return admitted;
}

/** Sends the lane's waiting submissions, one Update at a time, until none wait. */
async function drain(client: Client, lane: Lane, byCoordinator: Map<string, Lane>): Promise<void> {
  lane.sending = true;
  while (lane.waiting.length > 0) {
    const batch = takeBatch(lane.waiting);
    try {
      await sendBatch(
        client,
        lane.start,
        batch.map((pending) => pending.submission),
      );
      batch.forEach((pending) => pending.resolve());
    } catch (err) {
      batch.forEach((pending) => pending.reject(err));
    }
  }
  lane.sending = false;
  if (byCoordinator.get(lane.start.coordinatorWorkflowId) === lane)
    byCoordinator.delete(lane.start.coordinatorWorkflowId);
}

function takeBatch(waiting: Pending[]): Pending[] {
  let bytes = 0;
  let count = 0;
  while (count < waiting.length && count < MAX_BATCH_SUBMISSIONS) {
    const next = (waiting[count] as Pending).bytes;
    if (count > 0 && bytes + next > MAX_BATCH_BYTES) break;
    bytes += next;
    count++;
  }
  return waiting.splice(0, count);
}

/** One Update-with-Start carrying `submissions`, retried with backoff (same Update id) while Temporal refuses it. */
async function sendBatch(client: Client, start: CoordinatorStart, submissions: Submission[]): Promise<void> {
  const updateId = `submit/${randomUUID()}`;
  // One submission travels as itself, as another SDK would send it; several as one array.
  const payload = submissions.length === 1 ? (submissions[0] as Submission) : submissions;
  const deadline = Date.now() + UPDATE_LIMIT_RETRY_MS;
  for (let delayMs = 50; ; delayMs = Math.min(delayMs * 2, 1000)) {
    try {
      await sendWithSearchAttributes(client, start.searchAttributes, (typedSearchAttributes) => {
        // One operation per attempt: the SDK allows each to be used once.
        const startWorkflowOperation = new WithStartWorkflowOperation(COORDINATOR_WORKFLOW_TYPE, {
          workflowId: start.coordinatorWorkflowId,
          taskQueue: start.taskQueue,
          args: [start.coordinatorInput],
          workflowIdConflictPolicy: 'USE_EXISTING',
          staticSummary: start.staticSummary,
          ...(typedSearchAttributes && { typedSearchAttributes }),
        });
        return client.workflow.executeUpdateWithStart(submitUpdate, {
          args: [payload],
          updateId,
          startWorkflowOperation,
        });
      });
      return;
    } catch (err) {
      if (!isUpdateLimitError(err) || Date.now() + delayMs > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, delayMs * (0.5 + Math.random())));
    }
  }
}
