/**
 * What the CLI prints for humans: aligned tables whose rows stay one line, `status` with every outcome's reason, and
 * `why`'s answer from the coordinator or from the child, naming its source.
 */
import { describe, expect, it } from 'vitest';
import { statusIn } from '../../src/client/status';
import type { CoordinatorReading } from '../../src/cli/coordinator-state';
import { explainFromChild, explainFromCoordinator, type ChildDescription } from '../../src/cli/explain';
import { formatStatus } from '../../src/cli/format/status';
import { formatTable } from '../../src/cli/format/table';
import { formatWhy } from '../../src/cli/format/why';
import type { CoordinatorStateView } from '../../src/coordinator/messages';
import { refOfKey } from '../../src/cli/submission-ref';

const T = (second: number) => new Date(Date.UTC(2025, 0, 1, 0, 0, second)).toISOString();
const ID = 'concurrency/chat/user-1';

function state(overrides: Partial<CoordinatorStateView> = {}): CoordinatorStateView {
  return {
    policy: 'chat',
    key: 'user-1',
    maxRuns: 1,
    limitStrategy: 'CANCEL_IN_PROGRESS',
    slotRelease: 'on-cancel-request',
    cancelGracePeriodMs: 300_000,
    running: [
      { id: 'm-4', seq: 4, workflowId: `${ID}/m-4`, workflowType: 'demoWork', submittedAt: T(4), startedAt: T(4) },
      {
        id: 'm-2',
        seq: 2,
        workflowId: `${ID}/m-2`,
        workflowType: 'demoWork',
        submittedAt: T(2),
        startedAt: T(2),
        cancelRequestedAt: T(4),
        supersededBy: 'm-4',
      },
    ],
    queued: [],
    recent: [
      { id: 'm-1', seq: 1, outcome: 'cancelled', closedAt: T(3), workflowId: `${ID}/m-1`, supersededBy: 'm-2' },
      {
        id: 'm-3',
        seq: 3,
        outcome: 'dropped',
        closedAt: T(4),
        workflowId: `${ID}/m-3`,
        supersededBy: 'm-4',
        // As the coordinator records a drop: the reason repeats the superseder.
        reason: 'superseded by m-4 before it started',
      },
      { id: 'bad', seq: 5, outcome: 'rejected', closedAt: T(5), reason: 'workflowType must be a non-empty\nstring' },
      { id: 'm-0', seq: 0, outcome: 'completed', closedAt: T(1), workflowId: `${ID}/m-0` },
    ],
    counters: {
      submitted: 6,
      duplicates: 0,
      started: 3,
      cancelRequested: 2,
      completed: 1,
      failed: 0,
      cancelled: 1,
      terminated: 0,
      timedOut: 0,
      dropped: 1,
      rejected: 1,
      escalated: 0,
      continuedAsNew: 0,
    },
    notices: [{ at: T(0), message: 'configuration changed by m-0: maxRuns 2 → 1' }],
    ...overrides,
  };
}

function reading(overrides: Partial<CoordinatorReading> = {}): CoordinatorReading {
  return {
    coordinatorWorkflowId: ID,
    runStatus: 'RUNNING',
    runId: 'run-1',
    taskQueue: 'concurrency',
    state: state(),
    source: 'state query',
    ...overrides,
  };
}

describe('formatTable', () => {
  it('aligns columns, keeps every row on one line, and ends no line in spaces', () => {
    const text = formatTable(
      ['ID', 'WHY'],
      [
        ['m-1', 'a\nb'],
        ['m-10', undefined],
      ],
    );
    expect(text.split('\n')).toEqual(['ID    WHY', 'm-1   a b', 'm-10']);
  });
});

describe('formatStatus', () => {
  const text = formatStatus(reading(), 20);

  it('says which coordinator, its limit, its counters and its source', () => {
    expect(text).toMatch(/^coordinator +concurrency\/chat\/user-1$/m);
    expect(text).toContain('maxRuns 1, CANCEL_IN_PROGRESS, slot released on-cancel-request');
    expect(text).toContain('submitted 6, started 3, cancelRequested 2, completed 1, cancelled 1, dropped 1');
    expect(text).not.toContain('timedOut');
    expect(text).toMatch(/^answered by +its state query$/m);
  });

  it('lists what runs, with a superseded run shown as cancelling and why', () => {
    expect(text).toMatch(/^m-4 +4 +running /m);
    expect(text).toMatch(/^m-2 +2 +cancelling .*superseded by m-4$/m);
    expect(text).toContain('queued (0): none');
  });

  it('lists the recent outcomes with their reasons, one line each', () => {
    expect(text).toMatch(/^m-1 +1 +cancelled +\S+ +concurrency\/chat\/user-1\/m-1 +superseded by m-2$/m);
    // Said once, in its fullest wording.
    expect(text).toMatch(/^m-3 +3 +dropped .* {2}superseded by m-4 before it started$/m);
    expect(text).toMatch(/^bad +5 +rejected +\S+ +workflowType must be a non-empty string$/m);
    expect(text).toContain('configuration changed by m-0: maxRuns 2 → 1');
  });

  it('lists only the newest --recent outcomes, and says how many it left out', () => {
    const short = formatStatus(reading(), 1);
    expect(short).toContain('recent outcomes (1, oldest first; 3 older not shown, see --recent)');
    expect(short).toMatch(/^m-0 +0 +completed/m);
    expect(short).not.toMatch(/^m-1 /m);
  });

  it('says what a closed coordinator means for its key', () => {
    const completed = formatStatus(
      reading({ runStatus: 'COMPLETED', source: 'final result', closeTime: new Date(T(9)) }),
      20,
    );
    expect(completed).toContain(`completed at ${T(9)} (idle)`);
    expect(completed).toMatch(/^answered by +its final result$/m);
    const terminated = formatStatus(reading({ runStatus: 'TERMINATED' }), 20);
    expect(terminated).toContain('temporal-concurrency resume');
  });
});

describe('why', () => {
  const ref = (id: string) => refOfKey('chat', 'user-1', id);

  function fromCoordinator(id: string) {
    const found = statusIn(state(), id);
    if (found.status === 'unknown') throw new Error(`${id} is not in the test state`);
    return explainFromCoordinator(ref(id), found, 'state query');
  }

  it('a cancelled submission names the newer submission that superseded it', () => {
    const answer = fromCoordinator('m-1');
    expect(answer).toMatchObject({
      submissionId: 'm-1',
      status: 'cancelled',
      supersededBy: 'm-2',
      childWorkflowId: `${ID}/m-1`,
      coordinatorWorkflowId: ID,
      source: 'coordinator state query',
    });
    const text = formatWhy(answer);
    expect(text.split('\n')[0]).toBe('submission m-1: cancelled: superseded by the newer submission m-2');
    expect(text).toMatch(/^answered by +the coordinator state query$/m);
  });

  it('a dropped submission never started; a rejected one says why', () => {
    expect(fromCoordinator('m-3').summary).toBe('dropped before it started: superseded by the newer submission m-4');
    const rejected = fromCoordinator('bad');
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'workflowType must be a non-empty\nstring' });
    expect(rejected.childWorkflowId).toBe(`${ID}/bad`);
  });

  it('an open submission whose cancellation was requested is cancelling', () => {
    expect(fromCoordinator('m-2')).toMatchObject({
      status: 'cancelling',
      supersededBy: 'm-4',
      cancelRequestedAt: T(4),
    });
  });

  function child(status: ChildDescription['status']['name'], memo?: Record<string, unknown>): ChildDescription {
    return {
      status: { code: 0, name: status },
      runId: 'child-run',
      startTime: new Date(T(1)),
      ...(status !== 'RUNNING' && { closeTime: new Date(T(2)) }),
      ...(memo && { memo: { concurrency: memo } }),
    };
  }

  const memoOf = (id: string, extra: Record<string, unknown> = {}) => ({
    coordinatorWorkflowId: ID,
    policy: 'chat',
    key: 'user-1',
    submissionId: id,
    seq: 7,
    ...extra,
  });

  it("from the child: its memo's supersededBy says who cancelled it", () => {
    const answer = explainFromChild(ref('m-7'), child('CANCELLED', memoOf('m-7', { supersededBy: 'm-9' })), [
      'the coordinator does not hold it',
    ]);
    expect(answer).toMatchObject({
      status: 'cancelled',
      supersededBy: 'm-9',
      seq: 7,
      childRunId: 'child-run',
      closedAt: T(2),
      source: 'child workflow',
      notes: ['the coordinator does not hold it'],
    });
    const text = formatWhy(answer);
    expect(text).toContain('submission m-7: cancelled: superseded by the newer submission m-9');
    expect(text).toMatch(/^answered by +the child workflow$/m);
    expect(text).toContain('note: the coordinator does not hold it');
  });

  it('from the child: open and superseded is cancelling; cancelled without supersededBy says so', () => {
    expect(explainFromChild(ref('m-7'), child('RUNNING', memoOf('m-7', { supersededBy: 'm-9' })), []).status).toBe(
      'cancelling',
    );
    expect(explainFromChild(ref('m-7'), child('COMPLETED', memoOf('m-7')), []).status).toBe('completed');
    const byOperator = explainFromChild(ref('m-7'), child('CANCELLED', memoOf('m-7')), []);
    expect(byOperator.notes.join()).toContain('names no superseding submission');
  });

  it('from the child: a memo that names another submission is doubted aloud', () => {
    const answer = explainFromChild(ref('m-7'), child('COMPLETED', memoOf('m-8')), []);
    expect(answer.notes.join()).toContain('it may not be that submission');
    expect(explainFromChild(ref('m-7'), child('COMPLETED'), []).notes.join()).toContain('does not name submission');
  });
});
