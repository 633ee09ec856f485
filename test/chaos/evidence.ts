/**
 * Gathers everything the checker judges, once, after the run: every run of every coordinator (the deleted ones from
 * the copies the harness kept), of every second coordinator ID the harness signalled, and every run of every
 * workflow ID a coordinator started, tried to start or asked to cancel, every child ID the harness expects, every
 * child it revived and every bystander.
 */
import type { Client } from '@temporalio/client';
import { chainsOf, type Chain } from './chains';
import { readCoordinatorFacts, type CoordinatorFacts } from './coordinators';
import { inPool, readAllRuns, type Execution, type HistoryEvent } from './executions';
import { messageOf, type Ledger } from './ledger';

export interface Evidence {
  collectedAtMs: number;
  /** Per key index. */
  keys: CoordinatorFacts[];
  /** The second coordinator IDs the harness signalled (ledger.nonCanonical order). */
  nonCanonical: CoordinatorFacts[];
  /** Every run read, by workflow ID (coordinators included). */
  executions: Map<string, Execution[]>;
  /** Chains of every workflow ID read. */
  chains: Chain[];
  /** IDs the server would not even look up (e.g. longer than it allows), with its answer. */
  unreadable: Map<string, string>;
  /** Runs the server listed but had no history of, and the harness kept none. */
  missing: string[];
}

const PARALLEL_READS = 4;

export async function gatherEvidence(client: Client, ledger: Ledger): Promise<Evidence> {
  const collectedAtMs = Date.now();
  const executions = new Map<string, Execution[]>();
  const unreadable = new Map<string, string>();
  const missing: string[] = [];
  const kept = new Map<string, Map<string, HistoryEvent[]>>();
  for (const deleted of ledger.deleted) {
    const runs = kept.get(deleted.workflowId) ?? new Map<string, HistoryEvent[]>();
    kept.set(deleted.workflowId, runs.set(deleted.runId, deleted.events));
  }
  const read = async (workflowId: string) => {
    try {
      executions.set(workflowId, await readAllRuns(client, workflowId, kept.get(workflowId), missing));
    } catch (err) {
      unreadable.set(workflowId, messageOf(err));
    }
  };
  const secondIds = ledger.nonCanonical.map((c) => c.workflowId);
  await inPool([...ledger.coordinatorIds, ...secondIds], PARALLEL_READS, read);
  const keys = await inPool(ledger.coordinatorIds, PARALLEL_READS, (id) =>
    readCoordinatorFacts(client, id, executions.get(id) ?? [], ledger.deleted),
  );
  const nonCanonical = await inPool(secondIds, PARALLEL_READS, (id) =>
    readCoordinatorFacts(client, id, executions.get(id) ?? []),
  );
  const candidates = new Set<string>();
  for (const facts of [...keys, ...nonCanonical]) {
    for (const { workflowId } of [...facts.startsInitiated, ...facts.startsFailed, ...facts.cancelsInitiated]) {
      candidates.add(workflowId);
    }
  }
  for (const sent of ledger.sent) if (sent.childWorkflowId) candidates.add(sent.childWorkflowId);
  for (const bystander of ledger.bystanders) candidates.add(bystander.workflowId);
  for (const revived of ledger.revived) candidates.add(revived.workflowId);
  await inPool(
    [...candidates].filter((id) => !executions.has(id)),
    PARALLEL_READS,
    read,
  );
  const chains = chainsOf([...executions.values()].flat());
  return { collectedAtMs, keys, nonCanonical, executions, chains, unreadable, missing };
}
