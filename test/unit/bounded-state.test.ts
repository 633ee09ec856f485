/**
 * What one run hands to the next (continue-as-new input, idle result, take-over result) and what a query returns must
 * fit the server's payload limits whatever children and submitters send; otherwise a task completion is refused on
 * every retry and the key wedges.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/coordinator/core/decide';
import { MAX_REASON_BYTES, jsonBytes, summaryText, utf8Length } from '../../src/coordinator/core/limits';
import { MAX_CARRIED_BYTES, fitCarried, toCarried } from '../../src/coordinator/core/state';
import { at, childId, closedEvent, confirmations, makeState, submitEvent } from './support';

describe('bounded state', () => {
  it('records a child failure with a megabyte-long message as a bounded reason', () => {
    const started = decide(makeState(), [submitEvent('a', at(1))], at(1));
    const confirmed = decide(started.state, confirmations(started.commands, at(2)), at(2));
    const huge = { ...closedEvent(childId('a'), 'failed', at(3)), reason: 'x'.repeat(1_500_000) };
    const closed = decide(confirmed.state, [huge], at(3)).state;
    const reason = closed.recent.at(-1)?.reason ?? '';
    expect(utf8Length(reason)).toBeLessThanOrEqual(MAX_REASON_BYTES);
    expect(reason.endsWith('…')).toBe(true);
  });

  it('trims the oldest outcomes, then the oldest ids, so carried state fits, and never drops live runs', () => {
    const state = makeState({ recentLimit: 1000, dedupeWindow: 10_000 });
    const big = {
      ...state,
      recent: Array.from({ length: 1000 }, (_, i) => ({
        id: `r-${i}`,
        seq: i,
        outcome: 'failed' as const,
        closedAt: at(i),
        reason: 'y'.repeat(900),
      })),
      seenIds: Array.from({ length: 10_000 }, (_, i) => `${'i'.repeat(190)}-${i}`),
      runs: [{ id: 'live', seq: 2000, workflowId: childId('live'), workflowType: 'w', submittedAt: at(0) }],
    };
    const carried = toCarried(big);
    expect(jsonBytes(carried)).toBeLessThanOrEqual(MAX_CARRIED_BYTES);
    expect(carried.runs.map((run) => run.id)).toEqual(['live']);
    // Outcomes go first (the counters keep the totals), then the oldest ids: the newest id is always remembered.
    expect(carried.recent.length).toBeLessThan(1000);
    expect(carried.seenIds.at(-1)).toBe(big.seenIds.at(-1));
    expect(fitCarried(carried)).toBe(carried); // already fits: unchanged
  });

  it('writes summaries whose JSON encoding stays small, whatever characters a key or id holds', () => {
    const summary = summaryText(`p/${'\u0001'.repeat(150)} · submission ${'"'.repeat(150)}`);
    expect(jsonBytes(summary)).toBeLessThanOrEqual(210);
  });
});
