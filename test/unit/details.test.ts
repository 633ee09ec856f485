/**
 * The coordinator's "current details" in Web UI: what runs, is cancelled or queued, and the latest outcomes with
 * their reasons, as Markdown tables that stay tables whatever a submission ID or reason contains.
 */
import { describe, expect, it } from 'vitest';
import { describeCoordinator } from '../../src/coordinator/core/details';
import type { ClosedSubmission, OpenSubmission } from '../../src/coordinator/messages';
import { at, childId, makeState } from './support';

/** The details without the no-break spaces that pad table cells for Web UI. */
function detailsOf(state: Parameters<typeof describeCoordinator>[0]): string {
  return describeCoordinator(state).replace(/\u00a0/g, '');
}

function run(id: string, seq: number, extra: Partial<OpenSubmission> = {}): OpenSubmission {
  return { id, seq, workflowId: childId(id), workflowType: 'demoWork', submittedAt: at(seq), ...extra };
}

function closed(id: string, seq: number, extra: Partial<ClosedSubmission>): ClosedSubmission {
  return { id, seq, outcome: 'completed', closedAt: at(seq + 1), ...extra };
}

describe('describeCoordinator', () => {
  it('tabulates running, cancelling and queued submissions newest first, then the latest outcomes with reasons', () => {
    const state = {
      ...makeState({ maxRuns: 1 }),
      runs: [
        run('m-4', 4, { startedAt: at(4), runId: 'r4', cancelRequestedAt: at(6), supersededBy: 'm-5' }),
        run('m-5', 5, { startedAt: at(6), runId: 'r5' }),
        run('m-6', 6),
      ],
      recent: [
        closed('m-1', 1, { outcome: 'cancelled', supersededBy: 'm-2' }),
        closed('m-2', 2, { outcome: 'dropped', reason: 'superseded before it started' }),
        closed('m-3', 3, { outcome: 'rejected', reason: 'workflowType must be a non-empty string' }),
      ],
    };
    const details = detailsOf(state);
    const rows = details.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows.map((row) => row.split(' | ')[0])).toEqual([
      '| `m-6`',
      '| `m-5`',
      '| `m-4`',
      '| `m-3`',
      '| `m-2`',
      '| `m-1`',
    ]);
    expect(details).toMatch(/\| `m-6` \| 6 \| queued \|/);
    expect(details).toMatch(/\| `m-5` \| 5 \| running \| \d\d:\d\d:\d\d \|/);
    expect(details).toMatch(/\| `m-4` \| 4 \| cancelling \| .* \| superseded by `m-5` \|/);
    expect(details).toMatch(/\| `m-1` \| 1 \| cancelled \| .* \| superseded by `m-2` \|/);
    expect(details).toContain('| rejected | 00:00:04 | workflowType must be a non-empty string |');
    expect(details).toContain('**Running and queued**');
    expect(details).toContain('**Latest outcomes**');
  });

  it('keeps one row per submission whatever its ID or reason holds', () => {
    const reason = `line one\nline | two ${'x'.repeat(300)}`;
    const state = {
      ...makeState(),
      recent: [closed('a|b`c', 1, { outcome: 'failed', reason })],
    };
    const row = detailsOf(state)
      .split('\n')
      .find((line) => line.includes('failed'));
    expect(row).toBeDefined();
    // Five cells: the pipes inside are escaped, the newline gone, the reason cut.
    expect(row?.split(/(?<!\\)\|/).length).toBe(7);
    expect(row).toContain('a\\|b');
    expect(row?.length).toBeLessThan(200);
  });

  it('pads table cells with no-break spaces, which Markdown keeps and Web UI shows as spacing', () => {
    expect(describeCoordinator({ ...makeState(), runs: [run('m-1', 1)] })).toContain('queued\u00a0\u00a0\u00a0 |');
  });

  it('says when the key is idle', () => {
    expect(detailsOf(makeState())).toContain('nothing: the key is idle');
  });
});
