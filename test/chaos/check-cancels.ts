/**
 * Check 3: nothing but a coordinator's own children is ever cancelled.
 *
 * - Every RequestCancelExternalWorkflowExecutionInitiated in any run of a coordinator must reach a workflow whose
 *   first run's start memo names that coordinator (the run of the target ID open at that instant; a request that
 *   found nothing open cancelled nothing).
 * - Every WorkflowExecutionCancelRequested that a coordinator caused (its `externalWorkflowExecution`) must be in a
 *   workflow whose memo names that coordinator.
 * - A bystander (a running workflow of the harness whose ID a submission named) is never cancel-requested nor
 *   terminated, by anyone.
 */
import { executionOpenAt, type Chain } from './chains';
import type { Evidence } from './evidence';
import type { Execution } from './executions';
import type { Ledger } from './ledger';
import type { Violation } from './verdict';

function chainOf(evidence: Evidence, run: Execution): Chain | undefined {
  return evidence.chains.find((c) => c.workflowId === run.workflowId && c.firstRunId === run.firstRunId);
}

function describeTarget(run: Execution, chain: Chain | undefined): string {
  const owner = chain?.memo?.coordinatorWorkflowId;
  const named = typeof owner === 'string' ? `whose memo names ${owner}` : 'which no coordinator memo claims';
  return `${run.workflowId} (${run.workflowType || 'unknown type'}, run ${run.runId}) ${named}`;
}

export function checkCancels(evidence: Evidence, ledger: Ledger): Violation[] {
  const violations = new Map<string, Violation>();
  const fail = (key: string, message: string) => violations.set(key, { check: 3, message });
  const coordinators = new Set([...ledger.coordinatorIds, ...ledger.nonCanonical.map((c) => c.workflowId)]);

  for (const facts of [...evidence.keys, ...evidence.nonCanonical]) {
    for (const cancel of facts.cancelsInitiated) {
      const runs = evidence.executions.get(cancel.workflowId) ?? [];
      const target =
        cancel.runId !== undefined ? runs.find((r) => r.runId === cancel.runId) : executionOpenAt(runs, cancel.atMs);
      if (!target) {
        const unread = evidence.unreadable.get(cancel.workflowId);
        if (unread)
          fail(cancel.workflowId, `${facts.coordinatorId} cancelled ${cancel.workflowId}, unreadable: ${unread}`);
        continue;
      }
      const chain = chainOf(evidence, target);
      if (chain?.memo?.coordinatorWorkflowId !== facts.coordinatorId) {
        fail(
          `${target.workflowId}|${target.runId}`,
          `${facts.coordinatorId} requested cancellation of ${describeTarget(target, chain)}`,
        );
      }
    }
  }

  for (const runs of evidence.executions.values()) {
    for (const run of runs) {
      for (const event of run.events) {
        const requester = event.workflowExecutionCancelRequestedEventAttributes?.externalWorkflowExecution?.workflowId;
        if (!requester || !coordinators.has(requester)) continue;
        const chain = chainOf(evidence, run);
        if (chain?.memo?.coordinatorWorkflowId !== requester) {
          fail(`${run.workflowId}|${run.runId}`, `${requester} cancelled ${describeTarget(run, chain)}`);
        }
      }
    }
  }

  for (const bystander of ledger.bystanders) {
    const run = evidence.executions.get(bystander.workflowId)?.find((r) => r.runId === bystander.runId);
    if (!run) {
      fail(bystander.workflowId, `bystander ${bystander.workflowId} could not be read`);
      continue;
    }
    for (const event of run.events) {
      const cancelled = event.workflowExecutionCancelRequestedEventAttributes;
      const terminated = event.workflowExecutionTerminatedEventAttributes;
      if (cancelled) {
        const by = cancelled.externalWorkflowExecution?.workflowId ?? cancelled.identity ?? 'unknown';
        fail(`${run.workflowId}|${run.runId}`, `bystander ${run.workflowId} was cancel-requested by ${by}`);
      }
      if (terminated) {
        const by = `${terminated.identity ?? 'unknown'} (reason: ${terminated.reason ?? ''})`;
        fail(`${run.workflowId}|${run.runId}|terminated`, `bystander ${run.workflowId} was terminated by ${by}`);
      }
    }
  }
  return [...violations.values()];
}
