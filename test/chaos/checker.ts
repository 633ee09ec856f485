/**
 * The independent checker: reads Temporal's histories after the run (see evidence.ts) and judges the invariants:
 * 1 the limit, 2 one outcome per accepted submission, 3 no foreign cancel (and no running work displaced but under
 * CANCEL_IN_PROGRESS), 4 every key progresses, 5 one coordinator per key. It never asks the coordinator what happened, except which never-started submissions it dropped or
 * rejected (check 2 explains why; check 5 reads a refusing run's rejections the same way).
 */
import type { Client } from '@temporalio/client';
import { checkCanonical } from './check-canonical';
import { checkCancels } from './check-cancels';
import { checkLimit, type LimitFigures } from './check-limit';
import { checkOutcomes, type AfterDelete, type OutcomeKind } from './check-outcomes';
import { checkProgress } from './check-progress';
import { checkStrategies } from './check-strategy';
import { gatherEvidence, type Evidence } from './evidence';
import type { Ledger } from './ledger';
import type { Violation } from './verdict';

export interface KeyVerdict {
  coordinatorId: string;
  limit: LimitFigures;
  outcomes: Map<string, OutcomeKind>;
  /** Findings a delete made unjudgeable (check-outcomes.ts), for the figures. */
  afterDelete: AfterDelete[];
}

export interface CheckReport {
  evidence: Evidence;
  keys: KeyVerdict[];
  /** In check order: 1 limit, 2 outcomes, 3 foreign cancels, 4 progress, 5 one coordinator per key. */
  violations: Violation[];
}

export async function check(client: Client, ledger: Ledger): Promise<CheckReport> {
  const evidence = await gatherEvidence(client, ledger);
  const violations: Violation[] = [];
  const keys: KeyVerdict[] = [];
  for (const [index, facts] of evidence.keys.entries()) {
    // Submissions to a second coordinator ID of the key are check 5's.
    const sent = ledger.sent.filter((s) => s.key === index && s.coordinatorId === undefined);
    const parents = new Set([
      facts.coordinatorId,
      ...ledger.nonCanonical.filter((c) => c.key === index).map((c) => c.workflowId),
    ]);
    const limit = checkLimit(facts, evidence.chains, evidence.collectedAtMs, parents, ledger.workerDowntime);
    const outcomes = checkOutcomes(facts, evidence.chains, sent);
    violations.push(...limit.violations, ...outcomes.violations);
    violations.push(...checkProgress(facts, evidence.chains, ledger));
    keys.push({
      coordinatorId: facts.coordinatorId,
      limit: limit.figures,
      outcomes: outcomes.outcomes,
      afterDelete: outcomes.afterDelete,
    });
  }
  violations.push(...checkCancels(evidence, ledger));
  violations.push(...checkStrategies(evidence, ledger));
  violations.push(...checkCanonical(evidence.nonCanonical, evidence.chains, ledger));
  violations.sort((a, b) => a.check - b.check);
  return { evidence, keys, violations };
}
