import type { ClosedSubmission, OpenSubmission } from './wire';
import type { CoordinatorState } from './state';
import type { Waiting } from './why-waiting';

/** How many open submissions (running, cancelling, queued) the Web UI's "current details" lists. */
export const SHOWN_OPEN = 10;
/** How many of the latest outcomes it lists. */
const SHOWN_RECENT = 10;
const SHOWN_NOTICES = 3;
/** How many task queues without the library's interceptor it names. */
const SHOWN_QUEUES = 5;
/** Longest reason shown in a table cell; the `state` query has the whole of it. */
const CELL_CHARS = 120;

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

/** Text safe inside a Markdown table cell: one line, no column breaks, bounded. */
function cell(text: string | undefined): string {
  if (text === undefined || text === '') return '';
  const line = text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').replace(/`/g, "'");
  return line.length > CELL_CHARS ? `${line.slice(0, CELL_CHARS - 1)}…` : line;
}

/** `12:00:01` (UTC): the day is in the event history, the time is what a reader compares. */
function clock(iso: string | undefined): string {
  return iso === undefined ? '' : iso.slice(11, 19);
}

/**
 * A table row. Web UI 2.54 renders tables without cell padding ("3running21:23:41"), so each cell ends with no-break
 * spaces, which Markdown keeps (it trims only ASCII spaces).
 */
function row(cells: (string | number)[]): string {
  return `| ${cells.map((text) => `${text}\u00a0\u00a0\u00a0`).join(' | ')} |`;
}

function openRow(run: OpenSubmission, waiting: ReadonlyMap<string, Waiting> | undefined): string {
  const id = `\`${cell(run.id)}\``;
  const superseded = run.supersededBy === undefined ? undefined : `superseded by \`${cell(run.supersededBy)}\``;
  if (run.cancelRequestedAt !== undefined) {
    const why = superseded ?? (run.cancelReason ? cell(run.cancelReason) : 'cancel requested');
    const escalation =
      run.terminateAfter === undefined ? '' : `; terminated at ${clock(run.terminateAfter)} if still open`;
    return row([id, run.seq, 'cancelling', clock(run.cancelRequestedAt), `${why}${escalation}`]);
  }
  if (run.startedAt === undefined) {
    const why = waiting?.get(run.id);
    const text = why === undefined ? 'waiting for a free slot' : cell(`#${why.position} · ${why.waitingFor}`);
    return row([id, run.seq, 'queued', clock(run.submittedAt), text]);
  }
  if (run.conflict) {
    const why = "its workflow ID was in use: is it this submission's child?";
    return row([id, run.seq, 'checking', clock(run.startedAt), why]);
  }
  if (run.waiting !== undefined) return row([id, run.seq, 'waiting', clock(run.startedAt), cell(run.waiting)]);
  return row([id, run.seq, 'running', clock(run.startedAt), '']);
}

function recentRow(run: ClosedSubmission): string {
  const why =
    run.supersededBy !== undefined
      ? `superseded by \`${cell(run.supersededBy)}\``
      : cell(run.reason ?? run.cancelReason ?? '');
  return row([`\`${cell(run.id)}\``, run.seq, run.outcome, clock(run.closedAt), why]);
}

const TABLE_HEAD = [row(['submission', '#', 'status', 'since (UTC)', 'why']), '| --- | --- | --- | --- | --- |'];

/** The open submissions the details list first, newest first: the submission a reader looks for is usually the latest. */
export function shownOpen(state: CoordinatorState): OpenSubmission[] {
  return [...state.runs].sort((a, b) => b.seq - a.seq);
}

/** The ids of the submissions the details show in their table. */
export function shownIds(state: CoordinatorState): Set<string> {
  return new Set(
    shownOpen(state)
      .slice(0, SHOWN_OPEN)
      .map((run) => run.id),
  );
}

/**
 * Markdown for the coordinator's "current details" in Temporal Web UI: what runs, is being cancelled or waits, and
 * the latest outcomes with their reasons (who superseded whom, why something was dropped or rejected), so the why of
 * every decision is on the coordinator's page. With `waiting` (why-waiting.ts), a queued row says what it waits for.
 */
export function describeCoordinator(state: CoordinatorState, waiting?: ReadonlyMap<string, Waiting>): string {
  const { policy, key, maxRuns, limitStrategy, slotRelease } = state.config;
  const running = state.runs.filter((run) => run.startedAt !== undefined);
  const queued = state.runs.filter((run) => run.startedAt === undefined);
  const lines = [
    `**${policy}/${key}**: ${limitStrategy}, maxRuns ${maxRuns}, slot release ${slotRelease}`,
    '',
    `running ${running.length} · queued ${queued.length} · started ${state.counters.started} · ` +
      `cancel requested ${state.counters.cancelRequested} · dropped ${state.counters.dropped} · rejected ${state.counters.rejected}`,
  ];
  if (state.cancelledAt !== undefined) lines.push('', `**Cancelled** at ${state.cancelledAt}: winding down.`);
  lines.push(...missingInterceptorLines(state.interceptorMissingOn ?? []));
  const open = shownOpen(state);
  lines.push('', '**Running and queued**');
  if (open.length === 0) lines.push('', 'nothing: the key is idle');
  else {
    lines.push('', ...TABLE_HEAD, ...open.slice(0, SHOWN_OPEN).map((run) => openRow(run, waiting)));
    if (open.length > SHOWN_OPEN)
      lines.push('', `and ${open.length - SHOWN_OPEN} more (the \`state\` query lists all)`);
  }
  const recent = [...state.recent].sort((a, b) => b.seq - a.seq).slice(0, SHOWN_RECENT);
  if (recent.length > 0) lines.push('', '**Latest outcomes**', '', ...TABLE_HEAD, ...recent.map(recentRow));
  if (state.notices.length > 0) {
    lines.push(
      '',
      '**Notices**',
      ...state.notices.slice(-SHOWN_NOTICES).map((notice) => `- ${notice.at}: ${notice.message}`),
    );
  }
  return lines.join('\n');
}
