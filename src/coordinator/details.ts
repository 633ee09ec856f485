import type { CoordinatorState } from './state';

/** How many recent supersessions the Web UI's "current details" lists. */
const SHOWN_SUPERSESSIONS = 10;

/**
 * Markdown for the coordinator's "current details" in Temporal Web UI: what runs now and which submissions were
 * superseded by which, so the why of every cancellation is one click from the coordinator.
 */
export function describeCoordinator(state: CoordinatorState): string {
  const { policy, key, maxRuns, limitStrategy, slotRelease } = state.config;
  const running = state.runs.filter((run) => run.startedAt !== undefined);
  const queued = state.runs.filter((run) => run.startedAt === undefined);
  const superseded = [
    ...state.runs.filter((run) => run.supersededBy !== undefined),
    ...state.recent.filter((run) => run.supersededBy !== undefined),
  ]
    .sort((a, b) => b.seq - a.seq)
    .slice(0, SHOWN_SUPERSESSIONS);
  const lines = [
    `**${policy}/${key}**: ${limitStrategy}, maxRuns ${maxRuns}, slot release ${slotRelease}`,
    `running ${running.length} · queued ${queued.length} · started ${state.counters.started} · ` +
      `cancel requested ${state.counters.cancelRequested} · dropped ${state.counters.dropped} · rejected ${state.counters.rejected}`,
  ];
  if (superseded.length > 0) {
    lines.push('', 'Latest superseded:');
    for (const run of superseded) {
      const status = 'outcome' in run ? run.outcome : 'cancel requested';
      lines.push(`- \`${run.id}\` (#${run.seq}) superseded by \`${run.supersededBy}\`: ${status}`);
    }
  }
  return lines.join('\n');
}
