/**
 * Check 4: every key makes progress. After the faults stop, one valid submission per key (the probe) must complete,
 * judged from its child's own history.
 */
import type { Chain } from './chains';
import type { CoordinatorFacts } from './coordinators';
import { firstSignalMs, runsDuring, signalsOf } from './explain';
import type { Ledger } from './ledger';
import { PROBE_ID } from './settle';
import type { Violation } from './verdict';

export function checkProgress(facts: CoordinatorFacts, chains: Chain[], ledger: Ledger): Violation[] {
  const C = facts.coordinatorId;
  const key = ledger.coordinatorIds.indexOf(C);
  const probe = ledger.sent.find((s) => s.kind === 'probe' && s.key === key);
  const fail = (message: string): Violation[] => [{ check: 4, message: `${C}: ${message}` }];
  if (!probe?.acknowledged) return fail(`the probe could not be submitted: ${probe?.error ?? 'never sent'}`);
  const ran = chains.filter((c) => c.memo?.coordinatorWorkflowId === C && c.memo.submissionId === PROBE_ID);
  const pending = ledger.settle?.pending.filter((p) => p.startsWith(C)) ?? [];
  const why = [
    ...pending,
    ...facts.taskFailures.slice(-1).map((failure) => `last coordinator task failure: ${failure}`),
    ...facts.notes,
  ].join('; ');
  if (ran.length === 0) {
    const runs = runsDuring(facts, firstSignalMs(PROBE_ID, facts) ?? 0);
    return fail(`the probe never started${why ? ` (${why})` : ''}; ${signalsOf(PROBE_ID, facts)}; ${runs}`);
  }
  const closeType = ran[0]?.firstCloseType;
  if (closeType !== 'completed') return fail(`the probe ${closeType ? `ended ${closeType}` : 'is still open'}`);
  return [];
}
