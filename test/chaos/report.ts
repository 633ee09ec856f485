/**
 * The chaos run's summary (figures, then every violation) and the one line a failing seed prints: which check
 * failed first and the exact command that replays the seed.
 */
import type { CheckReport } from './checker';
import type { Ledger } from './ledger';
import { STEP_KINDS, type ChaosOptions, type ChaosPlan } from './types';
import { describeCheck } from './verdict';

export const DEFAULT_KEYS = 3;

export function replayCommand(options: ChaosOptions): string {
  const parts = ['npm run chaos --', `--seed ${options.seed}`, `--steps ${options.steps}`];
  if (options.keys !== DEFAULT_KEYS) parts.push(`--keys ${options.keys}`);
  if (options.kinds.length !== STEP_KINDS.length) parts.push(`--kinds ${options.kinds.join(',')}`);
  return parts.join(' ');
}

/** Undefined when every check passed. */
export function failureLine(options: ChaosOptions, report: CheckReport): string | undefined {
  const first = report.violations[0];
  if (!first) return undefined;
  return `chaos seed ${options.seed} failed at check ${describeCheck(first.check)}: ${first.message}; replay: ${replayCommand(options)}`;
}

function count<T extends string>(items: T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

export function figuresOf(plan: ChaosPlan, ledger: Ledger, report: CheckReport): Record<string, unknown> {
  const coordinatorRuns = report.evidence.keys.flatMap((facts) => facts.runs);
  const taskFailures = report.evidence.keys.flatMap((facts) => facts.taskFailures);
  return {
    seed: plan.options.seed,
    steps: plan.steps.length,
    keys: plan.keys.map((key, i) => `${JSON.stringify(key.name)} → ${ledger.coordinatorIds[i]}`),
    policies: plan.policies.map(
      (p, i) => `${ledger.policyNames[i]}: ${p.limitStrategy}, maxRuns ${p.maxRuns}, ${p.slotRelease}`,
    ),
    stepsByKind: count(plan.steps.map((step) => step.kind)),
    submissionsSent: count(ledger.sent.map((s) => s.kind)),
    acknowledged: ledger.sent.filter((s) => s.acknowledged).length,
    notAcknowledged: ledger.sent.filter((s) => !s.acknowledged).map((s) => `${s.kind} #${s.step}: ${s.error}`),
    accepted: report.keys.reduce((sum, key) => sum + key.outcomes.size, 0),
    outcomes: count(report.keys.flatMap((key) => [...key.outcomes.values()])),
    coordinatorRuns: count(coordinatorRuns.map((run) => run.closeType ?? 'open')),
    rollovers: coordinatorRuns.filter((run) => run.closeType === 'continuedAsNew').length,
    operatorActions: count(ledger.actions.map((a) => `${a.kind}: ${a.result}`)),
    bystanders: ledger.bystanders.length,
    deletedRuns: {
      count: ledger.deleted.length,
      stateUnread: ledger.deleted.filter((d) => d.stateError).map((d) => `${d.runId.slice(0, 8)}: ${d.stateError}`),
    },
    afterDelete: (() => {
      const findings = report.keys.flatMap((key) => key.afterDelete);
      return { count: findings.length, ids: findings.map((f) => f.id).slice(0, 20), first: findings[0]?.finding };
    })(),
    nonCanonicalIds: report.evidence.nonCanonical.map((facts) => {
      const runs = JSON.stringify(count(facts.runs.map((r) => r.closeType ?? 'open')));
      return `${facts.coordinatorId}: runs ${runs}, ${facts.signals.length} submissions, ${facts.startsInitiated.length} starts`;
    }),
    revived: {
      resets: ledger.revived.length,
      lives: report.keys.reduce((sum, key) => sum + key.limit.revived, 0),
      withinWindow: report.keys.reduce((sum, key) => sum + key.limit.revivedWithinWindow, 0),
      slowestCancelMs: Math.max(0, ...report.keys.map((key) => key.limit.revivedSlowestCancelMs ?? 0)),
    },
    workerDowntimes: ledger.workerDowntime.length,
    missingRuns: report.evidence.missing,
    worstPerKey: report.keys.map(
      (key) =>
        `${key.coordinatorId}: live ${key.limit.worstLive}, open ${key.limit.worstOpen}, maxRuns ≤ ${key.limit.maxRuns}` +
        (key.limit.onCloseThroughout ? ' (on-close)' : ''),
    ),
    coordinatorTaskFailures: { count: taskFailures.length, distinct: [...new Set(taskFailures)].slice(0, 5) },
    unreadableIds: [...report.evidence.unreadable.entries()].map(([id, why]) => `${id.slice(0, 60)}…: ${why}`),
    settle: ledger.settle,
  };
}

export function summaryOf(plan: ChaosPlan, ledger: Ledger, report: CheckReport): string {
  const lines = [JSON.stringify(figuresOf(plan, ledger, report), null, 2)];
  if (report.violations.length === 0) lines.push(`chaos seed ${plan.options.seed}: all checks passed`);
  else {
    lines.push(`${report.violations.length} violations:`);
    for (const v of report.violations) lines.push(`  [check ${describeCheck(v.check)}] ${v.message}`);
  }
  return lines.join('\n');
}
