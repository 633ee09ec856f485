/**
 * Check 5: one coordinator per (policy, key). A run under a second coordinator ID for a key (another submitter's
 * spelling: see spellings.ts) must refuse to run anything, visibly:
 * - each of its runs closes failed, its failure typed `NonCanonicalCoordinatorId` and naming the canonical ID;
 * - it starts no child and cancels nothing (no StartChildWorkflowExecutionInitiated, no
 *   RequestCancelExternalWorkflowExecutionInitiated), and no workflow anywhere names it as parent or in its memo;
 * - every submission that reached it is recorded rejected, with the canonical ID in the reason, in its `state` (what
 *   a submitter asking about it reads), and every such signal the server acknowledged reached one of its runs.
 * The children of both IDs also count against the key's one limit (check 1).
 */
import type { Chain } from './chains';
import type { CoordinatorFacts } from './coordinators';
import type { Ledger } from './ledger';
import { hasUsableId } from './malformed';
import type { Violation } from './verdict';

/** The failure type a refusing coordinator reports (docs' wire contract; spelled out, as any client would). */
const NON_CANONICAL_ID_FAILURE = 'NonCanonicalCoordinatorId';

export function checkCanonical(second: CoordinatorFacts[], chains: Chain[], ledger: Ledger): Violation[] {
  const violations: Violation[] = [];
  for (const facts of second) {
    const S = facts.coordinatorId;
    const fail = (message: string) => violations.push({ check: 5, message: `${S}: ${message}` });
    const entry = ledger.nonCanonical.find((c) => c.workflowId === S);
    const canonical = entry ? (ledger.coordinatorIds[entry.key] as string) : '?';
    for (const run of facts.runs) {
      const failure = run.events.at(-1)?.workflowExecutionFailedEventAttributes?.failure;
      const type = failure?.applicationFailureInfo?.type;
      if (run.closeType !== 'failed' || type !== NON_CANONICAL_ID_FAILURE) {
        fail(
          `run ${run.runId} ${run.closeType ?? 'is still open'}${type ? ` (${type})` : ''}, not failed as ${NON_CANONICAL_ID_FAILURE}`,
        );
      } else if (!failure?.message?.includes(canonical)) {
        fail(`run ${run.runId}'s failure does not name the canonical ID ${canonical}: ${failure?.message ?? ''}`);
      }
    }
    if (facts.startsInitiated.length > 0) {
      fail(
        `started ${facts.startsInitiated.length} child(ren): ${facts.startsInitiated.map((s) => s.workflowId).join(', ')}`,
      );
    }
    if (facts.cancelsInitiated.length > 0) {
      fail(`requested cancellation of ${facts.cancelsInitiated.map((c) => c.workflowId).join(', ')}`);
    }
    const claimed = chains.filter((c) => c.parentWorkflowId === S || c.memo?.coordinatorWorkflowId === S);
    if (claimed.length > 0)
      fail(`workflows name it as their coordinator: ${claimed.map((c) => c.workflowId).join(', ')}`);
    const reached = new Set(facts.signals.flatMap((s) => (hasUsableId(s.payload) ? [s.payload.id] : [])));
    for (const sent of ledger.sent.filter((s) => s.coordinatorId === S && s.acknowledged && s.id !== undefined)) {
      if (!reached.has(sent.id as string))
        fail(`${sent.id}: the server acknowledged its signal, but no run received it`);
    }
    for (const id of reached) {
      const rejected = facts.records.filter(({ record }) => record.id === id && record.outcome === 'rejected');
      const others = facts.records.filter(({ record }) => record.id === id && record.outcome !== 'rejected');
      if (rejected.length === 0) {
        const notes = facts.notes.length > 0 ? ` (${facts.notes.join('; ')})` : '';
        fail(`${id}: not recorded as rejected in its state${notes}`);
      } else if (!rejected.some(({ record }) => record.reason?.includes(canonical))) {
        fail(`${id}: rejected without naming the canonical ID ${canonical}: ${rejected[0]?.record.reason ?? ''}`);
      }
      if (others.length > 0) fail(`${id}: also recorded as ${others.map(({ record }) => record.outcome).join(', ')}`);
    }
  }
  return violations;
}
