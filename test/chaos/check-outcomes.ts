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
 *
 * A child revived by a reset after it closed is the same chain: its submission's outcome is how the first life
 * closed, and no list the coordinator wrote may hold two final outcomes (completed, failed, cancelled, terminated,
 * timed out) for one submission.
 *
 * After a delete (deleteCoordinator): the deleted run's history is kept by the harness, so its signals, starts and
 * cancels are judged as any run's, and its `state` read just before the delete supplies its dropped and rejected
 * records. What cannot be judged is what only the deleted run knew: a submission queued (or dropped, or rejected)
 * there that no later run can learn of, and a later run's decision about a submission whose fate the deleted run had
 * settled (it may record it again, differently). For a submission *touched by a deleted run* (signalled to it, held or
 * recorded in its last `state`, or started by it), "no outcome" is therefore not a violation but a figure
 * (`afterDelete`). "Ran twice" still is (child IDs are never reused), as is "ran, yet recorded as dropped or rejected"
 * (a run that records a submission knew of it, so a record that contradicts its child is that run's error), and a
 * signal the server acknowledged that no run, deleted or not, received.
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
  | 'ran twice'
  | 'lost with a deleted run';

/** A submission whose outcome a delete made unjudgeable, and what the checker would otherwise have said. */
export interface AfterDelete {
  id: string;
  finding: string;
}

const RUN_OUTCOMES = new Set(['completed', 'failed', 'cancelled', 'terminated', 'timedOut']);

/** Submissions a deleted run had a hand in: its signals, its last `state`'s lists, the children it started. */
function touchedByDelete(facts: CoordinatorFacts, chains: Chain[]): Set<string> {
  const deleted = new Set(facts.deleted.map((d) => d.runId));
  const touched = new Set<string>();
  for (const signal of facts.signals) {
    if (deleted.has(signal.runId) && hasUsableId(signal.payload)) touched.add(signal.payload.id);
  }
  for (const { state } of facts.deleted) {
    for (const run of [...(state?.running ?? []), ...(state?.queued ?? []), ...(state?.recent ?? [])]) {
      touched.add(run.id);
    }
  }
  for (const chain of chains) {
    const id = chain.memo?.submissionId;
    if (chain.memo?.coordinatorWorkflowId === facts.coordinatorId && typeof id === 'string') {
      if (chain.parentRunId !== undefined && deleted.has(chain.parentRunId)) touched.add(id);
    }
  }
  return touched;
}

export function checkOutcomes(
  facts: CoordinatorFacts,
  chains: Chain[],
  sent: SentSubmission[],
): { outcomes: Map<string, OutcomeKind>; violations: Violation[]; afterDelete: AfterDelete[] } {
  const C = facts.coordinatorId;
  const violations: Violation[] = [];
  const afterDelete: AfterDelete[] = [];
  const touched = touchedByDelete(facts, chains);
  const fail = (message: string) => violations.push({ check: 2, message: `${C}: ${message}` });
  /** A finding about `id`: a violation, unless a deleted run had a hand in its fate. */
  const unless = (id: string, message: string) => {
    if (touched.has(id)) afterDelete.push({ id, finding: message });
    else fail(message);
  };
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
      outcomes.set(id, chain.firstCloseType ?? 'open');
      if (!chain.closeType) fail(`${id}: its child ${chain.workflowId} is still open after the settle phase`);
      // A repeat of the id may itself be recorded as dropped or rejected: it started nothing new, as it should.
      const sends = sent.filter((s) => s.acknowledged && s.id === id).length;
      if (neverStarted.length > 0 && sends <= 1) {
        const runs = runsDuring(facts, firstSignalMs(id, facts) ?? chain.startMs, chain.closeMs);
        // Never exempt, even after a delete: only a run that knew the submission can record it, and it ran.
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
        outcomes.set(id, touched.has(id) ? 'lost with a deleted run' : 'none');
        const what = records.length > 0 ? `the coordinator recorded it as ${recorded}` : 'no record of it either';
        const since = runsDuring(facts, firstSignalMs(id, facts) ?? 0);
        unless(
          id,
          `${id}: no outcome: no child ran for it, and it was not dropped or rejected (${what}); ${signalsOf(id, facts)}; ${since}`,
        );
      }
    }
    // One list, one final outcome: e.g. a revived child's second close must add none.
    const bySource = new Map<string, string[]>();
    for (const { record, source } of facts.records) {
      if (record.id !== id || !RUN_OUTCOMES.has(String(record.outcome))) continue;
      bySource.set(source, [...(bySource.get(source) ?? []), String(record.outcome)]);
    }
    for (const [source, recordedThere] of bySource) {
      if (recordedThere.length > 1)
        fail(`${id}: ${recordedThere.length} final outcomes in ${source}: ${recordedThere.join(', ')}`);
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
  return { outcomes, violations, afterDelete };
}
