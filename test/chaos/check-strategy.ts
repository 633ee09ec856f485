/**
 * Check 3, the strategies' part: only CANCEL_IN_PROGRESS displaces running work. A key whose policy never had
 * CANCEL_IN_PROGRESS during the run (GROUP_ROUND_ROBIN, CANCEL_NEWEST, CANCEL_QUEUED_EXCEPT_*, and changes among them)
 * never has a child cancelled as superseded: no run of its coordinator sends a `superseded` signal, which the
 * coordinator sends just before every cancellation that a newer submission caused. (Its own cancellation, and a
 * revived child's, say why without it.)
 */
import { SUPERSEDED_SIGNAL } from '../../src/coordinator/messages';
import type { Evidence } from './evidence';
import type { Ledger } from './ledger';
import type { Violation } from './verdict';

export function checkStrategies(evidence: Evidence, ledger: Ledger): Violation[] {
  const violations: Violation[] = [];
  ledger.coordinatorIds.forEach((coordinatorId, key) => {
    const strategies = ledger.strategies[key] ?? [];
    if (strategies.includes('CANCEL_IN_PROGRESS')) return;
    for (const run of evidence.executions.get(coordinatorId) ?? []) {
      for (const event of run.events) {
        const signal = event.signalExternalWorkflowExecutionInitiatedEventAttributes;
        if (signal?.signalName !== SUPERSEDED_SIGNAL) continue;
        const target = signal.workflowExecution?.workflowId ?? 'unknown';
        violations.push({
          check: 3,
          message:
            `${coordinatorId} (only ${strategies.join(', ')}): run ${run.runId} displaced running child ${target} ` +
            `(event ${String(event.eventId)}), which only CANCEL_IN_PROGRESS does`,
        });
      }
    }
  });
  return violations;
}
