/**
 * Check 2: every accepted submission ends in exactly one final outcome.
 *
 * Accepted: a `submit` signal in any run of the key's coordinator whose payload has a usable id (a non-empty
 * string); a repeated id is the same submission as its first signal. Its outcome is exactly one of:
 * - one child chain whose first run's memo names this coordinator and submission id, closed (any close type), and
 *   no dropped or rejected record for it unless the harness sent the id more than once (the repeat's record);
 * - no child, and a `dropped` or `rejected` record from the coordinator (its `recent` list: the one fact the checker
 *   takes from the coordinator's bookkeeping, since a never-started submission leaves no other trace);
 * - no child, a `failed` record, and a StartChildWorkflowExecutionFailed for its workflow ID: the server refused
 *   the start, which must cost the key nothing but that submission.
 * Malformed payloads without a usable id need only be recorded as rejected: at least as many rejected records
 * without a usable id as the harness sent such payloads to the key.
 */
import type { Chain } from './chains';
import type { CoordinatorFacts } from './coordinators';
import type { SentSubmission } from './ledger';
import { describeChain, firstSignalMs, runsBetween, runsDuring, signalsOf } from './explain';
import { hasUsableId } from './malformed';
import type { Violation } from './verdict';

export type OutcomeKind =
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'terminated'
  | 'timedOut'
  | 'open'
  | 'dropped'
  | 'rejected'
  | 'start refused'
  | 'none'
  | 'ran twice';

export function checkOutcomes(
  facts: CoordinatorFacts,
  chains: Chain[],
  sent: SentSubmission[],
): { outcomes: Map<string, OutcomeKind>; violations: Violation[] } {
  const C = facts.coordinatorId;
  const violations: Violation[] = [];
  const fail = (message: string) => violations.push({ check: 2, message: `${C}: ${message}` });
  const accepted = new Map<string, Record<string, unknown>>();
  for (const { payload } of facts.signals) {
    if (hasUsableId(payload) && !accepted.has(payload.id)) accepted.set(payload.id, payload);
  }
  for (const s of sent) {
    if (s.acknowledged && s.id !== undefined && !accepted.has(s.id)) {
      fail(`${s.id}: the server acknowledged its ${s.kind} signal, but no run of the coordinator received it`);
    }
  }
  const outcomes = new Map<string, OutcomeKind>();
  for (const [id, payload] of accepted) {
    const ran = chains.filter((chain) => chain.memo?.coordinatorWorkflowId === C && chain.memo.submissionId === id);
    const records = facts.records.filter(({ record }) => record.id === id).map(({ record }) => record);
    const neverStarted = records.filter((r) => r.outcome === 'dropped' || r.outcome === 'rejected');
    const recorded = [...new Set(records.map((r) => `${r.outcome}${r.reason ? ` (${r.reason})` : ''}`))].join(', ');
    if (ran.length > 1) {
      outcomes.set(id, 'ran twice');
      const where = ran.map((c) => describeChain(c, facts)).join('; ');
      fail(`${id} ran ${ran.length} times: ${where}; ${signalsOf(id, facts)}; ${runsBetween(ran, facts)}`);
    } else if (ran.length === 1) {
      const chain = ran[0] as Chain;
      outcomes.set(id, chain.closeType ?? 'open');
      if (!chain.closeType) fail(`${id}: its child ${chain.workflowId} is still open after the settle phase`);
      // A repeat of the id may itself be recorded as dropped or rejected: it started nothing new, as it should.
      const sends = sent.filter((s) => s.acknowledged && s.id === id).length;
      if (neverStarted.length > 0 && sends <= 1) {
        const runs = runsDuring(facts, firstSignalMs(id, facts) ?? chain.startMs, chain.closeMs);
        fail(
          `${id}: ran (${describeChain(chain, facts)}), yet recorded as ${recorded}; ${signalsOf(id, facts)}; ${runs}`,
        );
      }
    } else if (neverStarted.length > 0) {
      outcomes.set(id, neverStarted[0]?.outcome === 'dropped' ? 'dropped' : 'rejected');
    } else {
      const workflowId = typeof payload.workflowId === 'string' ? payload.workflowId : `${C}/${id}`;
      const refused = facts.startsFailed.find((f) => f.workflowId === workflowId);
      if (refused && records.some((r) => r.outcome === 'failed')) {
        outcomes.set(id, 'start refused');
      } else {
        outcomes.set(id, 'none');
        const what = records.length > 0 ? `the coordinator recorded it as ${recorded}` : 'no record of it either';
        const since = runsDuring(facts, firstSignalMs(id, facts) ?? 0);
        fail(
          `${id}: no outcome: no child ran for it, and it was not dropped or rejected (${what}); ${signalsOf(id, facts)}; ${since}`,
        );
      }
    }
  }
  const withoutId = sent.filter((s) => s.kind === 'malformed' && s.acknowledged && s.id === undefined).length;
  const rejectedWithoutId = new Set(
    facts.records
      .filter(({ record }) => record.outcome === 'rejected' && !accepted.has(String(record.id)))
      .map(({ record, chain }) => `${chain}|${record.seq}|${record.id}`),
  ).size;
  if (rejectedWithoutId < withoutId) {
    fail(`malformed submissions without a usable id: ${withoutId} sent, ${rejectedWithoutId} recorded as rejected`);
  }
  return { outcomes, violations };
}
