/**
 * The independent checker: reads Temporal's histories after the run (see evidence.ts) and judges the four
 * invariants. It never asks the coordinator what happened, except which never-started submissions it dropped or
 * rejected (check 2 explains why).
 */
import type { Client } from '@temporalio/client';
import { checkCancels } from './check-cancels';
import { checkLimit, type LimitFigures } from './check-limit';
import { checkOutcomes, type OutcomeKind } from './check-outcomes';
import { checkProgress } from './check-progress';
import { gatherEvidence, type Evidence } from './evidence';
import type { Ledger } from './ledger';
import type { Violation } from './verdict';

export interface KeyVerdict {
  coordinatorId: string;
  limit: LimitFigures;
  outcomes: Map<string, OutcomeKind>;
}

export interface CheckReport {
  evidence: Evidence;
  keys: KeyVerdict[];
  /** In check order: 1 limit, 2 outcomes, 3 foreign cancels, 4 progress. */
  violations: Violation[];
}

export async function check(client: Client, ledger: Ledger): Promise<CheckReport> {
  const evidence = await gatherEvidence(client, ledger);
  const violations: Violation[] = [];
  const keys: KeyVerdict[] = [];
  for (const [index, facts] of evidence.keys.entries()) {
    const sent = ledger.sent.filter((s) => s.key === index);
    const limit = checkLimit(facts, evidence.chains, evidence.collectedAtMs);
    const outcomes = checkOutcomes(facts, evidence.chains, sent);
    violations.push(...limit.violations, ...outcomes.violations);
    violations.push(...checkProgress(facts, evidence.chains, ledger));
    keys.push({ coordinatorId: facts.coordinatorId, limit: limit.figures, outcomes: outcomes.outcomes });
  }
  violations.push(...checkCancels(evidence, ledger));
  violations.sort((a, b) => a.check - b.check);
  return { evidence, keys, violations };
}
