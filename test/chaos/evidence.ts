/**
 * Gathers everything the checker judges, once, after the run: every run of every coordinator, and every run of
 * every workflow ID a coordinator started, tried to start or asked to cancel, every child ID the harness expects
 * and every bystander.
 */
import type { Client } from '@temporalio/client';
import { chainsOf, type Chain } from './chains';
import { readCoordinatorFacts, type CoordinatorFacts } from './coordinators';
import { inPool, readAllRuns, type Execution } from './executions';
import { messageOf, type Ledger } from './ledger';

export interface Evidence {
  collectedAtMs: number;
  /** Per key index. */
  keys: CoordinatorFacts[];
  /** Every run read, by workflow ID (coordinators included). */
  executions: Map<string, Execution[]>;
  /** Chains of every workflow ID read. */
  chains: Chain[];
  /** IDs the server would not even look up (e.g. longer than it allows), with its answer. */
  unreadable: Map<string, string>;
}

const PARALLEL_READS = 4;

export async function gatherEvidence(client: Client, ledger: Ledger): Promise<Evidence> {
  const collectedAtMs = Date.now();
  const executions = new Map<string, Execution[]>();
  const unreadable = new Map<string, string>();
  const read = async (workflowId: string) => {
    try {
      executions.set(workflowId, await readAllRuns(client, workflowId));
    } catch (err) {
      unreadable.set(workflowId, messageOf(err));
    }
  };
  await inPool(ledger.coordinatorIds, PARALLEL_READS, read);
  const keys = await inPool(ledger.coordinatorIds, PARALLEL_READS, (id) =>
    readCoordinatorFacts(client, id, executions.get(id) ?? []),
  );
  const candidates = new Set<string>();
  for (const facts of keys) {
    for (const { workflowId } of [...facts.startsInitiated, ...facts.startsFailed, ...facts.cancelsInitiated]) {
      candidates.add(workflowId);
    }
  }
  for (const sent of ledger.sent) if (sent.childWorkflowId) candidates.add(sent.childWorkflowId);
  for (const bystander of ledger.bystanders) candidates.add(bystander.workflowId);
  await inPool(
    [...candidates].filter((id) => !executions.has(id)),
    PARALLEL_READS,
    read,
  );
  const chains = chainsOf([...executions.values()].flat());
  return { collectedAtMs, keys, executions, chains, unreadable };
}
