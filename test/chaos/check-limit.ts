/**
 * Check 1: never more than maxRuns live started children per key at any instant, from the children's own histories.
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

export function checkLimit(
  facts: CoordinatorFacts,
  chains: Chain[],
  nowMs: number,
): { figures: LimitFigures; violations: Violation[] } {
  const children = chains.filter((chain) => chain.parentWorkflowId === facts.coordinatorId);
  type Point = { atMs: number; id: string; live: number; open: number };
  const points: Point[] = [];
  for (const child of children) {
    const closeMs = child.closeMs ?? nowMs;
    const requested = facts.cancelsInitiated
      .filter((c) => c.workflowId === child.workflowId && c.atMs >= child.startMs && c.atMs <= closeMs)
      .map((c) => c.atMs);
    const liveEnd = Math.min(closeMs, child.cancelRequestedMs ?? Infinity, ...requested);
    // A custom workflow ID may be reused by a later chain: the first run's ID tells them apart.
    const id = `${child.workflowId} (${child.workflowType}, run ${child.firstRunId.slice(0, 8)})`;
    points.push({ atMs: child.startMs, id, live: 1, open: 1 });
    points.push({ atMs: liveEnd, id, live: -1, open: 0 });
    points.push({ atMs: closeMs, id, live: 0, open: -1 });
  }
  // At one instant, ends before starts: a child that closed at t and one that started at t never overlapped.
  points.sort((a, b) => a.atMs - b.atMs || a.live + a.open - (b.live + b.open));
  const live = new Set<string>();
  const open = new Set<string>();
  const figures: LimitFigures = { worstLive: 0, worstOpen: 0, maxRuns: 0, onCloseThroughout: true };
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
