/**
 * Helpers for the hostile tests: raw submissions that bypass `submit()`, a client that refuses every
 * network call, the coordinator ID scheme of the wire contract (docs/wire-contract.md), and facts read from Temporal's own histories.
 */
import { createHash } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { defineConcurrencyPolicy, submit, type ConcurrencyPolicy, type SubmitResult } from '../../src/client';
import { COORDINATOR_WORKFLOW_TYPE, stateQuery, type CoordinatorStateView } from '../../src/coordinator/messages';
import { eventually, uniqueName } from './temporal';

export type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

/** Input of the hostile tests' children: the key, plus whatever the child workflow reads. */
export type KeyedInput = { key: string } & Record<string, unknown>;

/**
 * Policy options the coordinator rewrite adds (byte budgets, signal cap, grace period, waiting bound); typed loosely
 * so the tests compile against the current policy type too.
 */
export type TargetPolicyOptions = Partial<ConcurrencyPolicy<KeyedInput>> & {
  maxArgsBytes?: number;
  maxQueuedBytes?: number;
  continueAsNewAfterSignals?: number;
  cancelGracePeriodMs?: number;
  waitingChildTimeoutMs?: number;
};

/** A policy whose key is `input.key`, on the test's task queue. */
export function keyedPolicy(
  taskQueue: string,
  maxRuns: number,
  options: TargetPolicyOptions = {},
): Readonly<ConcurrencyPolicy<KeyedInput>> {
  return defineConcurrencyPolicy({
    name: uniqueName('hostile'),
    maxRuns,
    limitStrategy: 'CANCEL_IN_PROGRESS',
    key: (input: KeyedInput) => input.key,
    taskQueue,
    ...options,
  });
}

/** Submits `workflow` with one argument `{ key, ...input }` under `policy`. */
export function submitKeyed(
  client: Client,
  policy: Readonly<ConcurrencyPolicy<KeyedInput>>,
  key: string,
  id: string,
  workflow: string,
  input: Record<string, unknown> = {},
  extra: { workflowId?: string; taskQueue?: string } = {},
): Promise<SubmitResult> {
  return submit(client, { policy, workflow, args: [{ key, ...input }], id, ...extra });
}

/** the wire contract (docs/wire-contract.md): a leading `~` of the encoded key is written `%7E`; long IDs use the key's hash. */
export function expectedCoordinatorId(policy: string, key: string): string {
  const encoded = encodeURIComponent(key).replace(/^~/, '%7E');
  const readable = `concurrency/${policy}/${encoded}`;
  if (readable.length <= 200) return readable;
  return `concurrency/${policy}/~${sha256Hex(key).slice(0, 32)}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The coordinator start input a raw submitter sends (the README's wire contract), for a key of `policy`. */
export function rawInputOf(
  policy: Readonly<ConcurrencyPolicy<KeyedInput>>,
  key: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  const tuning = policy as unknown as Record<string, unknown>;
  const optional = ['slotRelease', 'sweepIntervalMs', 'idleTimeoutMs', 'continueAsNewAfterEvents', 'maxArgsBytes'];
  return {
    policy: policy.name,
    key,
    maxRuns: policy.maxRuns,
    limitStrategy: policy.limitStrategy,
    ...Object.fromEntries(optional.filter((name) => tuning[name] !== undefined).map((name) => [name, tuning[name]])),
    ...extra,
  };
}

/**
 * A `submit` signal sent with the raw client (signalWithStart by name), bypassing every check of `submit()`: what
 * another SDK, the CLI or a hostile caller can send. Returns the coordinator's workflow ID.
 */
export async function rawSubmit(
  client: Client,
  policy: Readonly<ConcurrencyPolicy<KeyedInput>>,
  key: string,
  submission: unknown,
): Promise<string> {
  const workflowId = expectedCoordinatorId(policy.name, key);
  await client.workflow.signalWithStart(COORDINATOR_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: policy.taskQueue ?? 'concurrency',
    args: [rawInputOf(policy, key)],
    signal: 'submit',
    signalArgs: [submission],
  });
  return workflowId;
}

/**
 * A client every network call of which fails at once with "network call attempted: <rpc>": `submit()` must refuse
 * bad input before any call, so with this client the only acceptable failure is a `ConcurrencyInputError`.
 */
export function offlineClient(): Client {
  const connection = Connection.lazy({ address: '127.0.0.1:1' });
  const refuse = new Proxy(
    {},
    {
      get: (_target, rpc) =>
        // Not a thenable: awaiting the service must not look like a call.
        rpc === 'then' ? undefined : () => Promise.reject(new Error(`network call attempted: ${String(rpc)}`)),
    },
  );
  Object.defineProperty(connection, 'workflowService', { value: refuse });
  return new Client({ connection });
}

/** What `attempt` threw or rejected with, or undefined if it succeeded. */
export async function errorOf(attempt: () => unknown): Promise<unknown> {
  try {
    await attempt();
    return undefined;
  } catch (err) {
    return err;
  }
}

/** `error`'s class name, `field` and message in one line, for assertion messages. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return `no error (${String(error)})`;
  const field = (error as { field?: unknown }).field;
  return `${error.name}${field === undefined ? '' : `[${typeof field === 'string' ? field : JSON.stringify(field)}]`}: ${error.message}`;
}

/** The coordinator's newest run status: RUNNING, COMPLETED, CANCELLED, TERMINATED… */
export async function coordinatorStatus(client: Client, workflowId: string): Promise<string> {
  return (await client.workflow.getHandle(workflowId).describe()).status.name;
}

/**
 * Polls the coordinator until `done(state)` holds, or until its newest run is closed other than by completing
 * (terminated, failed: the coordinator broke, which the caller asserts against), whichever comes first.
 */
export async function stateOrBreakage(
  client: Client,
  workflowId: string,
  done: (state: CoordinatorStateView) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<{ state?: CoordinatorStateView; status: string }> {
  try {
    return await eventually(
      async () => {
        const status = await coordinatorStatus(client, workflowId);
        if (status !== 'RUNNING' && status !== 'COMPLETED') return { status };
        const state = await client.workflow.getHandle(workflowId).query(stateQuery);
        return done(state) ? { state, status } : undefined;
      },
      { what, timeoutMs },
    );
  } catch (err) {
    throw await withDiagnosis(client, workflowId, err);
  }
}

/** `err` with the coordinator's status and its last workflow task failure appended: why it did not get there. */
async function withDiagnosis(client: Client, workflowId: string, err: unknown): Promise<Error> {
  const status = await coordinatorStatus(client, workflowId).catch((e: unknown) => describeError(e));
  const failures = await eventsOf(client, workflowId).then(workflowTaskFailures, (e: unknown) => [describeError(e)]);
  const message = err instanceof Error ? err.message : String(err);
  return new Error(
    `${message}; coordinator ${status}, ${failures.length} workflow task failures, last: ${failures.at(-1) ?? 'none'}`,
    { cause: err },
  );
}

// A coordinator's history may hold megabytes of submit signals: one page of it can exceed the 4 MB a client
// accepts by default, and a RESOURCE_EXHAUSTED answer is retried with backoff for minutes, not split. History is
// read through a second connection to the same server that accepts large messages.
const historyConnections = new Map<string, Promise<Connection>>();

function historyConnection(client: Client): Promise<Connection> {
  const address = (client.connection as Connection).options.address;
  let connection = historyConnections.get(address);
  if (!connection) {
    connection = Connection.connect({
      address,
      channelArgs: { 'grpc.max_receive_message_length': 512 * 1024 * 1024 },
    });
    historyConnections.set(address, connection);
  }
  return connection;
}

/** Closes the connections {@link eventsOf} opened; call in `afterAll`. */
export async function closeHistoryConnections(): Promise<void> {
  const connections = [...historyConnections.values()];
  historyConnections.clear();
  for (const connection of connections) await (await connection).close();
}

/** History of the newest run of a workflow ID (or of `runId`), every page. */
export async function eventsOf(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const { workflowService } = await historyConnection(client);
  const events: HistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  for (;;) {
    const page = await workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: { workflowId, ...(runId !== undefined && { runId }) },
      ...(nextPageToken && { nextPageToken }),
    });
    events.push(...(page.history?.events ?? []));
    if (!page.nextPageToken?.length) return events;
    nextPageToken = page.nextPageToken;
  }
}

/** Every run of a workflow ID, oldest first, following continue-as-new back from the newest run (paged). */
export async function allRunsOf(client: Client, workflowId: string): Promise<HistoryEvent[][]> {
  const runs: HistoryEvent[][] = [];
  let runId: string | undefined;
  for (;;) {
    const events = await eventsOf(client, workflowId, runId);
    runs.unshift(events);
    const previous = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runs;
    runId = previous;
  }
}

export function hasCancelRequest(events: HistoryEvent[]): boolean {
  return events.some((event) => event.workflowExecutionCancelRequestedEventAttributes != null);
}

/** How a run ended, from its close event, or undefined while it is open. */
export function closeTypeOf(events: HistoryEvent[]): string | undefined {
  const last = events.at(-1);
  if (!last) return undefined;
  if (last.workflowExecutionCompletedEventAttributes) return 'completed';
  if (last.workflowExecutionFailedEventAttributes) return 'failed';
  if (last.workflowExecutionCanceledEventAttributes) return 'cancelled';
  if (last.workflowExecutionTerminatedEventAttributes) return 'terminated';
  if (last.workflowExecutionTimedOutEventAttributes) return 'timedOut';
  if (last.workflowExecutionContinuedAsNewEventAttributes) return 'continuedAsNew';
  return undefined;
}

/** Signals the server delivered to one run: Temporal caps these per run (10,000 by default). */
export function signalCount(events: HistoryEvent[]): number {
  return events.filter((event) => event.workflowExecutionSignaledEventAttributes != null).length;
}

// Causes that are part of normal operation: a signal raced a completion (UNHANDLED_COMMAND), a sticky worker went
// away (RESET_STICKY_TASK_QUEUE), or signals buffered during a task exceeded the server's buffer (over 100 events or
// 2 MB), so it force-closed the task to flush them (FORCE_CLOSE_COMMAND; a terminated run shows in its close event).
const BENIGN_TASK_FAILURE_CAUSES = new Set([
  '1',
  '13',
  '17',
  'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND',
  'WORKFLOW_TASK_FAILED_CAUSE_RESET_STICKY_TASK_QUEUE',
  'WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND',
]);

/** Workflow task failures that are not part of normal operation, as "cause: message". */
export function workflowTaskFailures(events: HistoryEvent[]): string[] {
  return events.flatMap((event) => {
    const failed = event.workflowTaskFailedEventAttributes;
    if (!failed) return [];
    const cause = String(failed.cause ?? '');
    if (BENIGN_TASK_FAILURE_CAUSES.has(cause)) return [];
    return [`cause ${cause}: ${failed.failure?.message ?? ''}`.slice(0, 300)];
  });
}

/** One line per run of a coordinator (following continue-as-new), for assertion messages and checks. */
export interface RunSummary {
  closeType?: string;
  signals: number;
  taskFailures: string[];
}

export async function coordinatorRuns(client: Client, workflowId: string): Promise<RunSummary[]> {
  const runs = await allRunsOf(client, workflowId);
  return runs.map((events) => {
    const closeType = closeTypeOf(events);
    return {
      ...(closeType !== undefined && { closeType }),
      signals: signalCount(events),
      taskFailures: workflowTaskFailures(events),
    };
  });
}

/** Runs `task` over `items` with at most `limit` in flight; rejects with the first failure after all settle. */
export async function inPool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: PromiseSettledResult<R>[] = new Array<PromiseSettledResult<R>>(items.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = { status: 'fulfilled', value: await task(items[index] as T) };
      } catch (reason) {
        results[index] = { status: 'rejected', reason };
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failures.length > 0) {
    throw new Error(`${failures.length} of ${items.length} calls failed; first: ${describeError(failures[0]?.reason)}`);
  }
  return results.map((result) => (result as PromiseFulfilledResult<R>).value);
}

/** A string of `bytes` ASCII characters, to make arguments of a given JSON size. */
export function padding(bytes: number): string {
  return 'x'.repeat(bytes);
}

/**
 * Waits until the newest run of `workflowId` has status `expected`; on timeout the error says what it is instead and
 * the last workflow task failure its history shows (the usual reason a coordinator does not close).
 */
export async function waitForStatus(
  client: Client,
  workflowId: string,
  expected: string,
  timeoutMs: number,
): Promise<void> {
  try {
    await eventually(async () => ((await coordinatorStatus(client, workflowId)) === expected ? true : undefined), {
      what: `${workflowId} to be ${expected}`,
      timeoutMs,
    });
  } catch (err) {
    throw await withDiagnosis(client, workflowId, err);
  }
}
