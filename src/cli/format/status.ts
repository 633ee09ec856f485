/**
 * `status` as a human reads it: the coordinator, what runs, what is queued and the newest outcomes with their
 * reasons. (`--json` prints the `state` view itself.)
 */
import { openStatusOf } from '../../client/status';
import type { CoordinatorCounters, OpenSubmission } from '../../coordinator/messages';
import type { CoordinatorReading } from '../coordinator-state';
import { reasonOf } from './reason';
import { cell, formatFields, formatTable } from './table';

const RUN_HEADERS = ['ID', 'SEQ', 'STATE', 'SUBMITTED', 'STARTED', 'CHILD WORKFLOW ID', 'WHY'];
const RECENT_HEADERS = ['ID', 'SEQ', 'OUTCOME', 'CLOSED', 'CHILD WORKFLOW ID', 'WHY'];

/** `submitted 7, started 4, …`, the counters that are not zero (all of them say something only when they are not). */
function countersLine(counters: CoordinatorCounters): string {
  const nonZero = Object.entries(counters).filter(([, count]) => count !== 0);
  return nonZero.length === 0 ? 'none yet' : nonZero.map(([name, count]) => `${name} ${count}`).join(', ');
}

/** What the coordinator's run status means for its key. */
function runStatusLine(reading: CoordinatorReading): string {
  const closed = reading.closeTime ? ` at ${reading.closeTime.toISOString()}` : '';
  switch (reading.runStatus) {
    case 'RUNNING':
      return 'running';
    case 'COMPLETED':
      return `completed${closed} (idle); the key's next submission starts a fresh run that continues from this state`;
    default:
      return (
        `${reading.runStatus.toLowerCase()}${closed}; its running children carry on, and the key's next ` +
        `submission (or \`temporal-concurrency resume\`) takes over its accepted submissions`
      );
  }
}

/**
 * The coordinator's state as text.
 *
 * @param recentLimit how many of the newest outcomes to list
 */
export function formatStatus(reading: CoordinatorReading, recentLimit: number): string {
  const { state } = reading;
  const runRows = (runs: OpenSubmission[]) =>
    runs.map((run) => [
      run.id,
      run.seq,
      openStatusOf(run),
      run.submittedAt,
      run.startedAt,
      run.workflowId,
      reasonOf(run),
    ]);
  const shown = recentLimit === 0 ? [] : state.recent.slice(-recentLimit);
  const recentRows = shown.map((run) => [run.id, run.seq, run.outcome, run.closedAt, run.workflowId, reasonOf(run)]);
  const hidden = state.recent.length - shown.length;
  const section = (title: string, headers: string[], rows: (string | number | undefined)[][]) =>
    rows.length === 0 ? `${title}: none` : `${title}:\n${formatTable(headers, rows)}`;

  const header = formatFields([
    ['coordinator', reading.coordinatorWorkflowId],
    ['run', `${runStatusLine(reading)} (task queue ${reading.taskQueue})`],
    ['policy', state.policy],
    ['key', state.key],
    ['limit', `maxRuns ${state.maxRuns}, ${state.limitStrategy}, slot released ${state.slotRelease}`],
    ['counters', countersLine(state.counters)],
    ['cancelled', state.cancelledAt && `the coordinator was cancelled at ${state.cancelledAt}`],
    ['answered by', `its ${reading.source}`],
  ]);
  const notices = state.notices.slice(-5).map((notice) => `  ${notice.at}  ${cell(notice.message)}`);
  return [
    header,
    section(`running (${state.running.length})`, RUN_HEADERS, runRows(state.running)),
    section(`queued (${state.queued.length})`, RUN_HEADERS, runRows(state.queued)),
    section(
      `recent outcomes (${shown.length}, oldest first${hidden > 0 ? `; ${hidden} older not shown, see --recent` : ''})`,
      RECENT_HEADERS,
      recentRows,
    ),
    ...(notices.length > 0 ? [`notices (newest last):\n${notices.join('\n')}`] : []),
  ].join('\n\n');
}
