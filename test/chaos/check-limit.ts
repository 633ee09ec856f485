/**
 * Check 1: never more than maxRuns live started children per key at any instant, from the children's own histories
 * (the children of the key's coordinator and of any second coordinator ID a submitter used for the key: one limit).
 * Each life of a child counts on its own: a child revived by a reset after it closed counts again from its reset,
 * after the window in which the coordinator cannot know of it yet (see {@link REVIVED_TASK_ALLOWANCE_MS}).
 *
 * A child is *live* from its own WorkflowExecutionStarted until the first of: the coordinator's
 * RequestCancelExternalWorkflowExecutionInitiated for it (the moment the coordinator requested the cancellation; the
 * child's own CancelRequested event comes a moment later, after the start of the child that replaced it), any
 * WorkflowExecutionCancelRequested in its chain (an operator's, too), its chain's close. While every configuration
 * the key was given said `on-close`, a child counts until its chain closes instead.
 *
 * Config changes only ever raise maxRuns (the generator guarantees it), so the limit at an instant is the highest
 * maxRuns any coordinator start input or submit `config` had given the key by then: never stricter than what the
 * coordinator may have applied, never laxer than what it was ever told.
 */
import type { Chain } from './chains';
import type { ConfigFact, CoordinatorFacts } from './coordinators';
import type { Violation } from './verdict';

export interface LimitFigures {
  worstLive: number;
  worstOpen: number;
  /** The highest limit the key was ever given. */
  maxRuns: number;
  /** Whether the strict `on-close` measure applied for the whole run. */
  onCloseThroughout: boolean;
  /** Lives of the key's children made by a reset of a closed child (see `revivedWindow`). */
  revived: number;
  /** Of those, how many were cancel-requested or closed within their window, so never counted. */
  revivedWithinWindow: number;
  /** The longest time from a revival to its cancellation request, where one came (ms). */
  revivedSlowestCancelMs?: number;
}

/**
 * How long after a closed child is revived by a reset (or after the key next has a child open, if it had none then)
 * the checker does not count it: the coordinator cannot know of it before its next sweep finds it (it sweeps every
 * `sweepIntervalMs` while it has open children) and a workflow task acts on what it found. The allowance covers the
 * sweep activity (a visibility query, describes) and that task on a loaded machine. Time the worker was down is added.
 *
 * After the window it counts like any child: live until its cancellation request or close (open until its close,
 * under on-close). Starts of other children in the window are not charged for it. Under on-close, a revived child the
 * coordinator asked to cancel within the window still holds its slot until it closes: the excess at the instant the
 * window ends is not charged (no one can shorten another workflow's cleanup), but any child started while it is still
 * open is counted against it — the coordinator knows of it by then.
 */
export const REVIVED_TASK_ALLOWANCE_MS = 3_000;

/**
 * How long after a worker comes back the tasks the killed worker held still wait: a workflow task on the killed
 * worker's sticky queue is handed to another worker only once its schedule-to-start timeout (the SDK's
 * `stickyQueueScheduleToStartTimeout`, 10 s by default) expires.
 */
export const STICKY_TASK_TIMEOUT_MS = 10_000;

type Downtime = readonly { fromMs: number; toMs?: number }[];

/** `untilMs` pushed later by the worker's downtime between `fromMs` and it. */
function extendByDowntime(fromMs: number, untilMs: number, downtime: Downtime, nowMs: number): number {
  let end = untilMs;
  for (const down of [...downtime].sort((a, b) => a.fromMs - b.fromMs)) {
    // A killed worker's workflow tasks wait on its sticky queue until they time out; only then does the new worker run them.
    const downEnd = down.toMs === undefined ? nowMs : Math.min(nowMs, down.toMs + STICKY_TASK_TIMEOUT_MS);
    if (downEnd <= fromMs || down.fromMs >= end) continue;
    end += downEnd - Math.max(down.fromMs, fromMs);
  }
  return end;
}

function limitAt(configs: ConfigFact[], atMs: number): { maxRuns: number; onClose: boolean } {
  const given = configs.filter((config) => config.atMs <= atMs);
  const known = given.length > 0 ? given : configs.slice(0, 1);
  const limits = known.flatMap((config) => (config.maxRuns === undefined ? [] : [config.maxRuns]));
  const releases = known.flatMap((config) => (config.slotRelease === undefined ? [] : [config.slotRelease]));
  return {
    maxRuns: limits.length > 0 ? Math.max(...limits) : Infinity,
    onClose: releases.length > 0 && releases.every((release) => release === 'on-close'),
  };
}

/**
 * `parents`: the key's coordinator ID and any second ID a submitter used for the key (their children would share the
 * key's one limit).
 */
export function checkLimit(
  facts: CoordinatorFacts,
  chains: Chain[],
  nowMs: number,
  parents: ReadonlySet<string> = new Set([facts.coordinatorId]),
  downtime: Downtime = [],
): { figures: LimitFigures; violations: Violation[] } {
  const children = chains.filter(
    (chain) => chain.parentWorkflowId !== undefined && parents.has(chain.parentWorkflowId),
  );
  const lives = children.flatMap((chain) => chain.lives.map((life) => ({ chain, life })));
  const window = facts.sweepIntervalMs + REVIVED_TASK_ALLOWANCE_MS;
  const figures: LimitFigures = {
    worstLive: 0,
    worstOpen: 0,
    maxRuns: 0,
    onCloseThroughout: true,
    revived: 0,
    revivedWithinWindow: 0,
  };
  type Point = { atMs: number; id: string; live: number; open: number };
  const points: Point[] = [];
  for (const { chain, life } of lives) {
    const closeMs = life.closeMs ?? nowMs;
    const requested = facts.cancelsInitiated
      .filter((c) => c.workflowId === chain.workflowId && c.atMs >= life.startMs && c.atMs <= closeMs)
      .map((c) => c.atMs);
    const cancelMs = Math.min(life.cancelRequestedMs ?? Infinity, ...requested);
    const liveEnd = Math.min(closeMs, cancelMs);
    // A custom workflow ID may be reused by a later chain: the first run's ID tells them apart.
    const id = `${chain.workflowId} (${chain.workflowType}, run ${chain.firstRunId.slice(0, 8)}${life.revived ? `, revived ${new Date(life.startMs).toISOString()}` : ''})`;
    let countFrom = life.startMs;
    if (life.revived) {
      figures.revived += 1;
      if (Number.isFinite(cancelMs)) {
        figures.revivedSlowestCancelMs = Math.max(figures.revivedSlowestCancelMs ?? 0, cancelMs - life.startMs);
      }
      // The coordinator sweeps only while it has open children: from the revival, or from the next child's start.
      const othersOpen = lives.some(
        (other) =>
          other.life !== life && other.life.startMs <= life.startMs && (other.life.closeMs ?? nowMs) > life.startMs,
      );
      const nextStart = Math.min(
        ...lives.filter((other) => other.life !== life && other.life.startMs > life.startMs).map((o) => o.life.startMs),
      );
      const sweepsFrom = othersOpen ? life.startMs : nextStart;
      countFrom = Number.isFinite(sweepsFrom)
        ? extendByDowntime(life.startMs, sweepsFrom + window, downtime, nowMs)
        : Infinity;
      if (countFrom >= liveEnd) figures.revivedWithinWindow += 1;
      if (countFrom >= closeMs) continue;
    }
    // A revived child cancel-requested within its window enters at countFrom counting as open only (live 0): that
    // instant is not judged, as a start is.
    points.push({ atMs: countFrom, id, live: liveEnd > countFrom ? 1 : 0, open: 1 });
    if (liveEnd > countFrom) points.push({ atMs: liveEnd, id, live: -1, open: 0 });
    points.push({ atMs: closeMs, id, live: 0, open: -1 });
  }
  // At one instant, ends before starts: a child that closed at t and one that started at t never overlapped.
  points.sort((a, b) => a.atMs - b.atMs || a.live + a.open - (b.live + b.open));
  const live = new Set<string>();
  const open = new Set<string>();
  let worst: { excess: number; message: string } | undefined;
  for (const point of points) {
    if (point.live > 0) live.add(point.id);
    if (point.live < 0) live.delete(point.id);
    if (point.open > 0) open.add(point.id);
    if (point.open < 0) open.delete(point.id);
    figures.worstLive = Math.max(figures.worstLive, live.size);
    figures.worstOpen = Math.max(figures.worstOpen, open.size);
    if (point.live <= 0) continue;
    const limit = limitAt(facts.configs, point.atMs);
    const counted = limit.onClose ? open : live;
    const excess = counted.size - limit.maxRuns;
    if (excess > 0 && (!worst || excess > worst.excess)) {
      const what = limit.onClose ? 'open (on-close)' : 'live';
      const at = new Date(point.atMs).toISOString();
      worst = {
        excess,
        message: `${facts.coordinatorId}: ${counted.size} ${what} children at ${at} with maxRuns ${limit.maxRuns}: ${[...counted].join(', ')}`,
      };
    }
  }
  const overall = limitAt(facts.configs, Infinity);
  figures.maxRuns = overall.maxRuns;
  figures.onCloseThroughout = overall.onClose;
  return { figures, violations: worst ? [{ check: 1, message: worst.message }] : [] };
}
