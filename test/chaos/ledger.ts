/**
 * What the harness itself did, step by step. The checker uses it only to know where to look (which coordinators,
 * which child IDs, which bystanders) and what was sent; every outcome it judges comes from Temporal's histories.
 */
import type { StepKind } from './types';

export interface SentSubmission {
  /** Plan step, or -1 for the final progress probes. */
  step: number;
  kind: 'submit' | 'duplicate' | 'malformed' | 'collide' | 'probe';
  key: number;
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

export type ActionResult = 'done' | 'noop' | 'refused' | 'error';

export interface ActionRecord {
  step: number;
  kind: StepKind | 'restartWorker';
  result: ActionResult;
  detail?: string;
}

export interface Ledger {
  tag: string;
  taskQueue: string;
  policyNames: string[];
  /** Per key index, from the library's own `coordinatorWorkflowId` (what `submit` signals). */
  coordinatorIds: string[];
  sent: SentSubmission[];
  bystanders: Bystander[];
  actions: ActionRecord[];
  /** Did the settle phase see every key settled before its deadline, and if not, what was still pending. */
  settle?: { settled: boolean; waitedMs: number; pending: string[] };
}

export function messageOf(err: unknown): string {
  const text = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
