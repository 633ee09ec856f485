/**
 * Children whose workers lack the library's interceptor: a carried child found closed by the sweep without a
 * `runClosed` signal is judged after a margin (a late signal withdraws it), then named once per task queue in the
 * state's notices and the Web UI details, remembered across continue-as-new and bounded.
 */
import { describe, expect, it } from 'vitest';
import { applyEvent, decide } from '../../src/coordinator/core/decide';
import { describeCoordinator } from '../../src/coordinator/core/details';
import type { CarriedState, CloseOutcome, CoordinatorInput } from '../../src/coordinator/messages';
import {
  NOTICE_LIMIT,
  fitCarried,
  initialState,
  toCarried,
  toView,
  type CoordinatorEvent,
  type CoordinatorState,
} from '../../src/coordinator/core/state';
import {
  MAX_INTERCEPTOR_MISSING_QUEUES,
  MAX_UNREPORTED_CLOSES,
  UNREPORTED_CLOSE_MARGIN_MS,
  UNREPORTED_CLOSE_PATCH,
  applyCloseUnreported,
  confirmUnreportedCloses,
  interceptorReports,
  unreportedDueAt,
} from '../../src/coordinator/core/unreported-close';
import {
  COORDINATOR_ID,
  at,
  childId,
  closedEvent,
  confirmations,
  deepFreeze,
  makeConfig,
  submitEvent,
} from './support';

const COORDINATOR_QUEUE = 'coordinators';
const MARGIN_S = UNREPORTED_CLOSE_MARGIN_MS / 1000;

/** A run whose children (`ids`, with their own task queue if given) were started and confirmed, then rolled over. */
function carriedRunning(
  ids: readonly (string | { id: string; taskQueue: string })[],
  input: Partial<CoordinatorInput> = {},
): CoordinatorState {
  const config = makeConfig({ maxRuns: ids.length, ...input });
  let state: CoordinatorState = { ...initialState(config, COORDINATOR_ID), taskQueue: COORDINATOR_QUEUE };
  ids.forEach((entry, i) => {
    const { id, taskQueue } = typeof entry === 'string' ? { id: entry, taskQueue: undefined } : entry;
    const submit = submitEvent(id, at(2 * i), taskQueue === undefined ? {} : { taskQueue });
    const decision = decide(state, [submit], at(2 * i));
    state = decide(decision.state, confirmations(decision.commands, at(2 * i + 1)), at(2 * i + 1)).state;
  });
  return rollOver(state);
}

/** What continue-as-new hands to the next run, as the workflow shell does it. */
function rollOver(state: CoordinatorState): CoordinatorState {
  const carried = JSON.parse(JSON.stringify(toCarried(state))) as CarriedState;
  return { ...initialState(state.config, COORDINATOR_ID, carried), taskQueue: state.taskQueue ?? COORDINATOR_QUEUE };
}

/** What the shell pushes when the sweep found `id` closed with no runClosed: the verdict, then the close. */
function sweptUnreported(id: string, outcome: CloseOutcome, second: number): CoordinatorEvent[] {
  return [
    { type: 'childCloseUnreported', workflowId: childId(id), outcome, at: at(second) },
    closedEvent(childId(id), outcome, at(second)),
  ];
}

function heard(id: string, second: number): CoordinatorEvent {
  return { type: 'runClosedHeard', workflowId: childId(id), at: at(second) };
}

function interceptorNotices(state: CoordinatorState) {
  return state.notices.filter((notice) => notice.message.includes('withConcurrency'));
}

describe('an unreported close of a carried child', () => {
  it('is named once its margin is up: one notice naming the task queue and withConcurrency', () => {
    const start = carriedRunning(['a'], { childTaskQueue: 'plain-workers' });
    const decision = decide(start, sweptUnreported('a', 'completed', 100), at(100));
    // The close itself is recorded at once: the slot is free, the outcome is in `recent`.
    expect(decision.state.runs).toEqual([]);
    expect(decision.state.recent.at(-1)).toMatchObject({ id: 'a', outcome: 'completed' });
    expect(decision.commands).toEqual([]);
    // The verdict waits for its margin.
    expect(decision.state.unreportedCloses).toEqual([
      { workflowId: childId('a'), taskQueue: 'plain-workers', outcome: 'completed', at: at(100) },
    ]);
    expect(unreportedDueAt(decision.state)).toBe(Date.parse(at(100)) + UNREPORTED_CLOSE_MARGIN_MS);
    expect(confirmUnreportedCloses(decision.state, at(100 + MARGIN_S - 1))).toBe(decision.state);
    expect(interceptorNotices(decision.state)).toEqual([]);

    const judged = confirmUnreportedCloses(decision.state, at(100 + MARGIN_S));
    const notices = interceptorNotices(judged);
    expect(notices).toHaveLength(1);
    expect(notices[0]!.at).toBe(at(100 + MARGIN_S));
    expect(notices[0]!.message).toContain('task queue plain-workers');
    expect(notices[0]!.message).toContain("withConcurrency(...) from 'temporal-concurrency/worker'");
    expect(notices[0]!.message).toContain(childId('a'));
    expect(judged.unreportedCloses).toBeUndefined();
    expect(judged.interceptorMissingOn).toEqual(['plain-workers']);
    // Visible through the state query and the Web UI details.
    expect(toView(judged).notices).toEqual(judged.notices);
    const details = describeCoordinator(judged);
    expect(details).toContain('`plain-workers`');
    expect(details).toContain("`withConcurrency(...)` from 'temporal-concurrency/worker'");
  });

  it('is withdrawn by a runClosed that arrives within the margin', () => {
    const start = carriedRunning(['a'], { childTaskQueue: 'late-signals' });
    const found = decide(start, sweptUnreported('a', 'failed', 100), at(100)).state;
    const withdrawn = decide(found, [heard('a', 103)], at(103)).state;
    expect(withdrawn.unreportedCloses).toBeUndefined();
    const judged = confirmUnreportedCloses(withdrawn, at(100 + 2 * MARGIN_S));
    expect(interceptorNotices(judged)).toEqual([]);
    expect(judged.interceptorMissingOn).toBeUndefined();
    // A verdict and its withdrawal in the same batch cancel out too.
    const sameTask = decide(start, [...sweptUnreported('a', 'failed', 100), heard('a', 100)], at(100)).state;
    expect(sameTask.unreportedCloses).toBeUndefined();
  });

  it('is no verdict for closes a workflow cannot report: terminated, timed out', () => {
    expect(['completed', 'failed', 'cancelled'].map((o) => interceptorReports(o as CloseOutcome))).toEqual([
      true,
      true,
      true,
    ]);
    for (const outcome of ['terminated', 'timedOut'] as const) {
      const start = carriedRunning(['a'], { childTaskQueue: 'q' });
      const state = decide(start, sweptUnreported('a', outcome, 100), at(100)).state;
      expect(state.unreportedCloses, outcome).toBeUndefined();
      expect(state.recent.at(-1)).toMatchObject({ id: 'a', outcome });
    }
  });

  it('names the task queue the child was started on: its submission, the policy default, else the coordinator', () => {
    const start = carriedRunning([{ id: 'own', taskQueue: 'submission-queue' }, 'default'], {
      childTaskQueue: 'policy-queue',
    });
    const found = decide(
      start,
      [...sweptUnreported('own', 'completed', 100), ...sweptUnreported('default', 'completed', 100)],
      at(100),
    ).state;
    expect(found.unreportedCloses?.map((close) => close.taskQueue)).toEqual(['submission-queue', 'policy-queue']);

    const onCoordinatorQueue = carriedRunning(['a']);
    const state = decide(onCoordinatorQueue, sweptUnreported('a', 'cancelled', 100), at(100)).state;
    expect(state.unreportedCloses?.[0]?.taskQueue).toBe(COORDINATOR_QUEUE);
  });

  it('says it once per task queue: a second child on the same queue adds no notice, another queue does', () => {
    const start = carriedRunning(['a', 'b', { id: 'c', taskQueue: 'other' }], { childTaskQueue: 'plain' });
    // a and b close together: both wait, one notice.
    let state = decide(
      start,
      [...sweptUnreported('a', 'completed', 100), ...sweptUnreported('b', 'failed', 101)],
      at(101),
    ).state;
    state = confirmUnreportedCloses(state, at(101 + MARGIN_S));
    expect(interceptorNotices(state)).toHaveLength(1);
    // A later child on a named queue is not even held for judgement.
    const named = carriedRunning(['d'], { childTaskQueue: 'plain' });
    const withNamed = { ...named, interceptorMissingOn: state.interceptorMissingOn! };
    expect(applyCloseUnreported(withNamed, { workflowId: childId('d'), outcome: 'completed', at: at(200) })).toBe(
      withNamed,
    );
    // Another queue is named too.
    state = decide(state, sweptUnreported('c', 'completed', 200), at(200)).state;
    state = confirmUnreportedCloses(state, at(200 + MARGIN_S));
    expect(interceptorNotices(state).map((n) => n.message.includes('task queue other'))).toEqual([false, true]);
    expect(state.interceptorMissingOn).toEqual(['plain', 'other']);
  });

  it('remembers what it said, and what waits for judgement, across continue-as-new', () => {
    let state = carriedRunning(['a', 'b', 'c'], { childTaskQueue: 'plain' });
    state = decide(state, sweptUnreported('a', 'completed', 100), at(100)).state;
    // Rolled over while a's verdict waits: the next run judges it.
    state = rollOver(state);
    expect(state.unreportedCloses).toHaveLength(1);
    state = confirmUnreportedCloses(state, at(100 + MARGIN_S));
    expect(interceptorNotices(state)).toHaveLength(1);
    // Rolled over again: b closes unreported in the run after, and nothing new is said.
    state = rollOver(state);
    expect(state.interceptorMissingOn).toEqual(['plain']);
    state = decide(state, sweptUnreported('b', 'completed', 200), at(200)).state;
    state = confirmUnreportedCloses(state, at(200 + MARGIN_S));
    expect(interceptorNotices(state)).toHaveLength(1);
    expect(state.recent.map((run) => run.id)).toEqual(['a', 'b']);
  });

  it('carries nothing new for a run that never met such a child', () => {
    const carried = toCarried(carriedRunning(['a']));
    expect(carried).not.toHaveProperty('unreportedCloses');
    expect(carried).not.toHaveProperty('interceptorMissingOn');
    const state = carriedRunning(['a']);
    expect(state).not.toHaveProperty('unreportedCloses');
    expect(unreportedDueAt(state)).toBeUndefined();
    expect(confirmUnreportedCloses(state, at(1000))).toBe(state);
    expect(describeCoordinator(state)).not.toContain('interceptor');
  });

  it('ignores closes of unknown or queued children and repeated verdicts', () => {
    const start = carriedRunning(['a'], { childTaskQueue: 'q' });
    const unknown: CoordinatorEvent = {
      type: 'childCloseUnreported',
      workflowId: childId('nobody'),
      outcome: 'completed',
      at: at(100),
    };
    expect(applyEvent(start, unknown)).toBe(start);
    expect(applyEvent(start, heard('nobody', 100))).toBe(start);
    const queued = applyEvent(start, submitEvent('queued', at(50))); // not decided yet: queued
    expect(queued.runs.find((run) => run.id === 'queued')?.startedAt).toBeUndefined();
    const onQueued = { ...unknown, workflowId: childId('queued') };
    expect(applyEvent(queued, onQueued)).toBe(queued);
    const twice = decide(
      start,
      [sweptUnreported('a', 'completed', 100)[0]!, sweptUnreported('a', 'completed', 101)[0]!],
      at(101),
    );
    expect(twice.state.unreportedCloses).toHaveLength(1);
  });

  it('is bounded: closes waiting for judgement, the task queues remembered, the notices', () => {
    const ids = Array.from({ length: MAX_UNREPORTED_CLOSES + 5 }, (_, i) => ({ id: `c${i}`, taskQueue: `q${i}` }));
    let state = carriedRunning(ids);
    state = decide(
      state,
      ids.flatMap(({ id }) => sweptUnreported(id, 'completed', 1000)),
      at(1000),
    ).state;
    expect(state.unreportedCloses).toHaveLength(MAX_UNREPORTED_CLOSES);
    state = confirmUnreportedCloses(state, at(1000 + MARGIN_S));
    expect(state.unreportedCloses).toBeUndefined();
    expect(state.notices.length).toBeLessThanOrEqual(NOTICE_LIMIT);
    expect(state.interceptorMissingOn!.length).toBeLessThanOrEqual(MAX_INTERCEPTOR_MISSING_QUEUES);
    expect(state.interceptorMissingOn!.at(-1)).toBe(`q${ids.length - 1}`);
    // The details name a few queues and count the rest.
    expect(describeCoordinator(state)).toMatch(/and \d+ more/);
    // The carried state stays within its budget (these lists are never trimmed, but they are small).
    const carried = toCarried(state);
    expect(fitCarried(carried)).toBe(carried);
  });

  it('never throws on malformed carried state: unusable entries are left out', () => {
    const config = makeConfig({ childTaskQueue: 'q' });
    const base = toCarried(carriedRunning(['a']));
    const hostile = [
      { ...base, unreportedCloses: 'nope', interceptorMissingOn: 42 },
      {
        ...base,
        unreportedCloses: [null, 1, { workflowId: 'w' }, { workflowId: 'w', taskQueue: 'q', outcome: 'x', at: 'y' }],
      },
      { ...base, interceptorMissingOn: [null, 'q', 7] },
    ] as unknown as CarriedState[];
    for (const carried of hostile) {
      const state = initialState(config, COORDINATOR_ID, carried);
      expect(() => confirmUnreportedCloses(state, at(1000))).not.toThrow();
      expect(state.unreportedCloses ?? []).toEqual([]);
    }
    expect(initialState(config, COORDINATOR_ID, hostile[2]).interceptorMissingOn).toEqual(['q']);
    // Hand-written lists are bounded, and names the server would refuse are left out.
    const huge = {
      ...base,
      interceptorMissingOn: [...Array.from({ length: 1000 }, (_, i) => `q${i}`), 'x'.repeat(300), ''],
      unreportedCloses: Array.from({ length: 1000 }, (_, i) => ({
        workflowId: `w${i}`,
        taskQueue: i === 999 ? 'x'.repeat(300) : 'q',
        outcome: 'completed',
        at: at(i),
      })),
    } as CarriedState;
    const bounded = initialState(config, COORDINATOR_ID, huge);
    expect(bounded.interceptorMissingOn).toHaveLength(MAX_INTERCEPTOR_MISSING_QUEUES);
    expect(bounded.interceptorMissingOn!.at(-1)).toBe('q999');
    expect(bounded.unreportedCloses).toHaveLength(MAX_UNREPORTED_CLOSES);
    expect(bounded.unreportedCloses!.at(-1)!.workflowId).toBe('w998');
    // An entry whose time cannot be read is judged at once rather than kept forever.
    const unreadable = {
      ...base,
      unreportedCloses: [{ workflowId: childId('a'), taskQueue: 'q', outcome: 'completed', at: 'not a time' }],
    } as CarriedState;
    const state = initialState(config, COORDINATOR_ID, unreadable);
    expect(unreportedDueAt(state)).toBeUndefined();
    expect(interceptorNotices(confirmUnreportedCloses(state, at(0)))).toHaveLength(1);
    expect(confirmUnreportedCloses(state, 'not a time either')).toBe(state);
  });

  it('does not change the state it is given', () => {
    const start = deepFreeze(carriedRunning(['a', 'b'], { childTaskQueue: 'q' }));
    const found = deepFreeze(decide(start, sweptUnreported('a', 'completed', 100), at(100)).state);
    deepFreeze(decide(found, [heard('a', 101)], at(101)));
    expect(() => confirmUnreportedCloses(found, at(100 + MARGIN_S))).not.toThrow();
  });

  it('has a descriptive patch ID', () => {
    expect(UNREPORTED_CLOSE_PATCH).toMatch(/^[a-z-]+$/);
  });
});
