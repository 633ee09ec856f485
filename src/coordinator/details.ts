import type { Run } from './messages';
import type { CoordinatorState } from './state';

/** How many recent supersessions the Web UI's "current details" lists. */
const SHOWN_SUPERSESSIONS = 10;
/** How many open runs and notices it lists. */
const SHOWN_OPEN = 10;
const SHOWN_NOTICES = 3;
/** How many task queues without the library's interceptor it names. */
const SHOWN_QUEUES = 5;

/** Task queues whose workers lack the interceptor: shown for as long as the coordinator remembers them. */
function missingInterceptorLines(queues: string[]): string[] {
  if (queues.length === 0) return [];
  const shown = queues.slice(-SHOWN_QUEUES).map((queue) => `\`${queue}\``);
  const more = queues.length > SHOWN_QUEUES ? ` and ${queues.length - SHOWN_QUEUES} more` : '';
  return [
    '',
    `**Workers without the library's interceptor** on task queue ${shown.join(', ')}${more}: a child carried ` +
      'over from an earlier run closed without sending runClosed, so only the sweep saw it. Create the workers of ' +
      "that task queue with `withConcurrency(...)` from 'temporal-concurrency/worker'.",
  ];
}

function openLine(run: Run): string {
  const why = run.supersededBy !== undefined ? `superseded by \`${run.supersededBy}\`` : run.cancelReason;
  if (run.cancelRequestedAt !== undefined) {
    return `- \`${run.id}\` (#${run.seq}) cancelling (${why ?? 'cancel requested'}); terminated after ${run.terminateAfter}`;
  }
  if (run.conflict)
    return `- \`${run.id}\` (#${run.seq}) its workflow ID was in use: checking it is this submission's child`;
  if (run.waiting !== undefined) return `- \`${run.id}\` (#${run.seq}) waiting: ${run.waiting}`;
  return `- \`${run.id}\` (#${run.seq}) running`;
}

/**
 * Markdown for the coordinator's "current details" in Temporal Web UI: what runs, waits or is being cancelled and
 * why, and which submissions were superseded by which, so the why of every cancellation is one click away.
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
  if (state.cancelledAt !== undefined) lines.push('', `**Cancelled** at ${state.cancelledAt}: winding down.`);
  lines.push(...missingInterceptorLines(state.interceptorMissingOn ?? []));
  if (running.length > 0) lines.push('', 'Open children:', ...running.slice(-SHOWN_OPEN).map(openLine));
  if (superseded.length > 0) {
    lines.push('', 'Latest superseded:');
    for (const run of superseded) {
      const status = 'outcome' in run ? run.outcome : 'cancel requested';
      lines.push(`- \`${run.id}\` (#${run.seq}) superseded by \`${run.supersededBy}\`: ${status}`);
    }
  }
  if (state.notices.length > 0) {
    lines.push(
      '',
      'Notices:',
      ...state.notices.slice(-SHOWN_NOTICES).map((notice) => `- ${notice.at}: ${notice.message}`),
    );
  }
  return lines.join('\n');
}
