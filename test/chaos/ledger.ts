/**
 * What the harness itself did, step by step. The checker uses it only to know where to look (which coordinators,
 * which child IDs, which bystanders) and what was sent; every outcome it judges comes from Temporal's histories.
 */
import type { CoordinatorStateView, LimitStrategy } from '../../src/coordinator/messages';
import type { HistoryEvent } from './executions';
import type { Spelling, StepKind } from './types';

export interface SentSubmission {
  /** Plan step, or -1 for the final progress probes. */
  step: number;
  kind:
    | 'submit'
    | 'duplicate'
    | 'malformed'
    | 'collide'
    | 'probe'
    | 'doubleTerminate'
    | 'forgedStart'
    | 'invalidStart'
    | 'nonCanonical';
  key: number;
  /** The coordinator it was signalled to, when not the key's canonical one (a `nonCanonical` step's). */
  coordinatorId?: string;
  /** The submission id, when the payload has a usable one. */
  id?: string;
  /** Where its child runs if it is started (none for payloads whose workflowId names a coordinator, or is absurd). */
  childWorkflowId?: string;
  /** Its workflow ID names a bystander: the harness never waits for it, never touches it. */
  collided?: boolean;
  /** The server accepted the signal: from here on the library owes it an outcome. */
  acknowledged: boolean;
  error?: string;
}

export interface Bystander {
  workflowId: string;
  runId: string;
}

/**
 * A coordinator run the harness deleted, as read just before: the checker's only evidence of it afterwards. A running
 * run is terminated first (as the server does on a delete), so the history read is the whole of it.
 */
export interface DeletedRun {
  workflowId: string;
  runId: string;
  deletedAtMs: number;
  events: HistoryEvent[];
  /** Its `state` just before: the dropped and rejected records no other history holds. */
  state?: CoordinatorStateView;
  stateError?: string;
}

/** A second coordinator ID the harness signalled for a key (`nonCanonical`). */
export interface NonCanonicalId {
  key: number;
  workflowId: string;
  spelling: Spelling;
}

/** A closed child the harness reset (`resetClosedChild`): where to look; its histories say what happened. */
export interface RevivedChild {
  workflowId: string;
  /** Just before the reset request. */
  atMs: number;
  runId?: string;
}

export type ActionResult = 'done' | 'noop' | 'refused' | 'error';

export interface ActionRecord {
  step: number;
  kind: StepKind | 'restartWorker';
  /** When the step began and how long it took: to line a failure up with the histories. */
  atMs: number;
  durationMs: number;
  result: ActionResult;
  detail?: string;
}

export interface Ledger {
  tag: string;
  taskQueue: string;
  policyNames: string[];
  /** Per key index, from the library's own `coordinatorWorkflowId` (what `submit` signals). */
  coordinatorIds: string[];
  /** Per key index: every strategy its policy had during the run (the first, then each config change's). */
  strategies: LimitStrategy[][];
  sent: SentSubmission[];
  bystanders: Bystander[];
  actions: ActionRecord[];
  deleted: DeletedRun[];
  nonCanonical: NonCanonicalId[];
  revived: RevivedChild[];
  /** When the worker process was down (killed, until restarted): nothing of the run's task queue executed. */
  workerDowntime: { fromMs: number; toMs?: number }[];
  /** Did the settle phase see every key settled before its deadline, and if not, what was still pending. */
  settle?: { settled: boolean; waitedMs: number; pending: string[] };
}

export function messageOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
