/**
 * The coordinator's metrics derived from its state changes (`metricUpdates`), without a server: the test plays the
 * workflow shell, feeding each decision's before and after state, events and commands to the pure function.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/coordinator/core/decide';
import {
  CANCELLATION_REASONS,
  COUNTERS,
  DROP_REASONS,
  HISTOGRAMS,
  METRIC_DESCRIPTIONS,
  METRIC_PREFIX,
  REJECTION_REASONS,
  displacingArrival,
  metricUpdates,
  supersedeLatencyUpdate,
  type MetricUpdate,
} from '../../src/coordinator/core/metrics';
import { CLOSE_OUTCOMES, type CoordinatorInput } from '../../src/coordinator/messages';
import { initialState, type CoordinatorEvent, type CoordinatorState } from '../../src/coordinator/core/state';
import {
  at,
  childId,
  closedEvent,
  confirmations,
  coordinatorCancelledEvent,
  foreignEvent,
  makeConfig,
  makeState,
  rawSubmit,
  startedEvent,
  submitEvent,
} from './support';

/** One decision, as the workflow shell takes it, with the metric updates it records. */
function step(state: CoordinatorState, events: CoordinatorEvent[], time: string) {
  const decision = decide(state, events, time);
  const updates = metricUpdates({ before: state, after: decision.state, events, commands: decision.commands });
  return { decision, state: decision.state, updates };
}

/**
 * What the workflow shell records when the server confirms the delivery of each superseding cancellation request a
 * decision issued (at `time`, a later workflow task): the arrival is read as the request is issued.
 */
function deliver(decided: ReturnType<typeof step>, time: string): MetricUpdate[] {
  return decided.decision.commands.flatMap((command) => {
    if (command.type !== 'cancel' || command.supersededBy === undefined) return [];
    const update = supersedeLatencyUpdate('p', displacingArrival(decided.state, command.supersededBy), time);
    return update ? [update] : [];
  });
}

/** Totals per metric name and label set, e.g. `temporal_concurrency_dropped{reason=superseded}`. */
function totals(updates: readonly MetricUpdate[]): Record<string, number> {
  const sums: Record<string, number> = {};
  for (const update of updates) {
    if (update.kind !== 'counter') continue;
    const { policy: _policy, ...labels } = update.labels;
    const suffix = Object.entries(labels)
      .map(([name, value]) => `${name}=${value}`)
      .join(',');
    const key = suffix === '' ? update.name : `${update.name}{${suffix}}`;
    sums[key] = (sums[key] ?? 0) + update.value;
  }
  return sums;
}

function histogramValues(updates: readonly MetricUpdate[], name: string): number[] {
  return updates.filter((update) => update.kind === 'histogram' && update.name === name).map((u) => u.value);
}

describe('metric names', () => {
  const names = [...Object.values(COUNTERS), ...Object.values(HISTOGRAMS)];

  it('are prefixed, unique and described', () => {
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name.startsWith(METRIC_PREFIX)).toBe(true);
      expect(name).toMatch(/^[a-z_]+$/);
      expect(METRIC_DESCRIPTIONS[name]).toBeTruthy();
    }
  });

  it('are documented in docs/metrics.md, with every label value', () => {
    const section = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'metrics.md'), 'utf8');
    const documented = [...names, ...CANCELLATION_REASONS, ...DROP_REASONS, ...REJECTION_REASONS, ...CLOSE_OUTCOMES];
    expect(documented.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });
});

describe('metricUpdates: CANCEL_IN_PROGRESS', () => {
  it('counts a submission, its start, and the admission latency once the start is confirmed', () => {
    const first = step(makeState(), [submitEvent('a', at(0))], at(0));
    expect(totals(first.updates)).toEqual({ [COUNTERS.submissions]: 1, [COUNTERS.childrenStarted]: 1 });
    // Nothing is admitted until the server confirms the start.
    expect(histogramValues(first.updates, HISTOGRAMS.admissionLatency)).toEqual([]);
    const confirmed = step(first.state, [startedEvent(childId('a'), at(3))], at(3));
    expect(histogramValues(confirmed.updates, HISTOGRAMS.admissionLatency)).toEqual([3000]);
    expect(totals(confirmed.updates)).toEqual({});
    // A second confirmation of the same child (a sweep verifying it) is not a second admission.
    const again = step(confirmed.state, [startedEvent(childId('a'), at(4))], at(4));
    expect(histogramValues(again.updates, HISTOGRAMS.admissionLatency)).toEqual([]);
  });

  it('counts the cancellation of a superseded child; its latency runs from the newer arrival to the delivery', () => {
    let state = step(makeState(), [submitEvent('a', at(0))], at(0)).state;
    state = step(state, [startedEvent(childId('a'), at(1))], at(1)).state;
    // b arrived at 5 and is decided at 6 (say the task was busy); the server confirms the request's delivery at 7.
    const superseding = step(state, [submitEvent('b', at(5))], at(6));
    expect(totals(superseding.updates)).toEqual({
      [COUNTERS.submissions]: 1,
      [COUNTERS.childrenStarted]: 1,
      [`${COUNTERS.cancellations}{reason=superseded}`]: 1,
    });
    // Issue 15 item 10: nothing is measured as the request is decided (workflow time stands still within a task,
    // so that read 0 ms); the delivery, a later task, is.
    expect(histogramValues(superseding.updates, HISTOGRAMS.supersedeLatency)).toEqual([]);
    expect(histogramValues(deliver(superseding, at(7)), HISTOGRAMS.supersedeLatency)).toEqual([2000]);
  });

  it('a supersede decided in the task of the displacing submission measures its delivery, not 0 ms', () => {
    let state = step(makeState(), [submitEvent('a', at(0))], at(0)).state;
    state = step(state, [startedEvent(childId('a'), at(1))], at(1)).state;
    const superseding = step(state, [submitEvent('b', at(5))], at(5));
    expect(histogramValues(deliver(superseding, '2025-01-01T00:00:05.120Z'), HISTOGRAMS.supersedeLatency)).toEqual([
      120,
    ]);
  });

  it('supersedeLatencyUpdate: nothing without an arrival, never negative', () => {
    expect(supersedeLatencyUpdate('p', undefined, at(1))).toBeUndefined();
    expect(supersedeLatencyUpdate('p', at(2), at(1))).toMatchObject({ value: 0, labels: { policy: 'p' } });
  });

  it('measures a cancellation deferred until the start was confirmed from the displacing arrival', () => {
    const first = step(makeState(), [submitEvent('a', at(0))], at(0));
    // b displaces a before a's start is confirmed: a holds its slot, its cancellation waits.
    const displaced = step(first.state, [submitEvent('b', at(1))], at(1));
    expect(totals(displaced.updates)).toEqual({ [COUNTERS.submissions]: 1 });
    const confirmed = step(displaced.state, [startedEvent(childId('a'), at(4))], at(4));
    expect(totals(confirmed.updates)).toEqual({
      [`${COUNTERS.cancellations}{reason=superseded}`]: 1,
      [COUNTERS.childrenStarted]: 1,
    });
    expect(histogramValues(deliver(confirmed, at(5)), HISTOGRAMS.supersedeLatency)).toEqual([4000]);
    expect(histogramValues(confirmed.updates, HISTOGRAMS.admissionLatency)).toEqual([4000]);
  });

  it('counts submissions displaced before they started as dropped (superseded)', () => {
    const burst = step(
      makeState(),
      ['a', 'b', 'c'].map((id) => submitEvent(id, at(0))),
      at(0),
    );
    expect(totals(burst.updates)).toEqual({
      [COUNTERS.submissions]: 3,
      [COUNTERS.childrenStarted]: 1,
      [`${COUNTERS.dropped}{reason=superseded}`]: 2,
    });
  });

  it('counts drops over maxQueuedBytes as queue_full', () => {
    // Two children hold both slots until they close (on-close): c and d wait, and their args exceed the budget.
    const input: Partial<CoordinatorInput> = { maxRuns: 2, slotRelease: 'on-close', maxQueuedBytes: 1000 };
    let state = step(makeState(input), [submitEvent('a', at(0)), submitEvent('b', at(0))], at(0)).state;
    state = step(state, [startedEvent(childId('a'), at(1)), startedEvent(childId('b'), at(1))], at(1)).state;
    const big = (id: string) => submitEvent(id, at(2), { args: ['x'.repeat(600)] });
    const over = step(state, [big('c'), big('d')], at(2));
    expect(totals(over.updates)).toMatchObject({ [`${COUNTERS.dropped}{reason=queue_full}`]: 1 });
  });

  it('counts every close by outcome', () => {
    const input = { maxRuns: CLOSE_OUTCOMES.length };
    const ids = CLOSE_OUTCOMES.map((outcome) => `s-${outcome}`);
    const submitted = step(
      makeState(input),
      ids.map((id) => submitEvent(id, at(0))),
      at(0),
    );
    const started = step(submitted.state, confirmations(submitted.decision.commands, at(1)), at(1));
    const closes = CLOSE_OUTCOMES.map((outcome) => closedEvent(childId(`s-${outcome}`), outcome, at(2)));
    const closed = step(started.state, closes, at(2));
    expect(totals(closed.updates)).toEqual(
      Object.fromEntries(CLOSE_OUTCOMES.map((outcome) => [`${COUNTERS.childOutcomes}{outcome=${outcome}}`, 1])),
    );
  });

  it("counts the coordinator's own cancellation as its own reason, for cancels and drops", () => {
    let state = step(makeState({ maxRuns: 1, slotRelease: 'on-close' }), [submitEvent('a', at(0))], at(0)).state;
    state = step(state, [startedEvent(childId('a'), at(1))], at(1)).state;
    // With on-close, b waits for a's slot; the coordinator's cancellation then drops it and cancels a.
    const cancelled = step(state, [coordinatorCancelledEvent(at(2))], at(2));
    expect(totals(cancelled.updates)).toEqual({
      [`${COUNTERS.cancellations}{reason=coordinator_cancelled}`]: 1,
    });
    state = step(makeState({ maxRuns: 1, slotRelease: 'on-close' }), [submitEvent('a', at(0))], at(0)).state;
    state = step(state, [startedEvent(childId('a'), at(1))], at(1)).state;
    state = step(state, [submitEvent('b', at(2))], at(2)).state; // a's cancellation requested; b waits (on-close)
    const winding = step(state, [coordinatorCancelledEvent(at(3))], at(3));
    expect(totals(winding.updates)).toEqual({ [`${COUNTERS.dropped}{reason=coordinator_cancelled}`]: 1 });
  });

  it('counts resubmissions as duplicates, not submissions', () => {
    const first = step(makeState(), [submitEvent('a', at(0))], at(0));
    const again = step(first.state, [submitEvent('a', at(1))], at(1));
    expect(totals(again.updates)).toEqual({ [COUNTERS.duplicates]: 1 });
  });

  it('counts events folded without a decision (the rollover) and issues nothing for them', () => {
    const before = makeState();
    const events = [submitEvent('a', at(0)), rawSubmit({ id: 'bad' }, at(0))];
    const after = events.reduce((state, event) => decide(state, [event], at(0)).state, before);
    const updates = metricUpdates({ before, after, events, commands: [] });
    expect(totals(updates)).toMatchObject({
      [COUNTERS.submissions]: 1,
      [`${COUNTERS.rejected}{reason=invalid}`]: 1,
    });
    expect(totals(updates)[COUNTERS.childrenStarted]).toBeUndefined();
  });
});

describe('metricUpdates: rejection reasons are a small fixed set, from every rejection the coordinator writes', () => {
  const rejectedReason = (state: CoordinatorState, events: CoordinatorEvent[]) => {
    const { updates } = step(state, events, at(9));
    return updates.filter((update) => update.name === COUNTERS.rejected).map((update) => update.labels.reason);
  };

  it.each([
    ['not an object', 'nope'],
    ['a missing id', { workflowType: 'demoWork' }],
    ['a missing workflow type', { id: 'x' }],
    ['args that are not an array', { id: 'x', workflowType: 'demoWork', args: 'a' }],
    ['a workflow ID under concurrency/', { id: 'x', workflowType: 'demoWork', workflowId: 'concurrency/p/x' }],
    ['a reserved task queue', { id: 'x', workflowType: 'demoWork', taskQueue: '/_sys/x' }],
    ['a bad config', { id: 'x', workflowType: 'demoWork', config: { maxRuns: 0 } }],
    ['args that are not JSON', { id: 'x', workflowType: 'demoWork', args: [1n] }],
  ])('invalid: %s', (_what, payload) => {
    expect(rejectedReason(makeState(), [rawSubmit(payload)])).toEqual(['invalid']);
  });

  it('workflow_id_too_long: the default child ID would be longer than the server takes', () => {
    const state = initialState(makeConfig(), `concurrency/p/${'k'.repeat(100)}`);
    expect(rejectedReason(state, [submitEvent('i'.repeat(200))])).toEqual(['workflow_id_too_long']);
  });

  it('args_too_large: over maxArgsBytes', () => {
    const state = makeState({ maxArgsBytes: 10 });
    expect(rejectedReason(state, [submitEvent('a', at(0), { args: ['x'.repeat(20)] })])).toEqual(['args_too_large']);
  });

  it("not_allowed: the worker's pinned allow-lists", () => {
    const state = { ...makeState(), pinned: { allowedWorkflowTypes: ['other'], allowedTaskQueues: ['q'] } };
    expect(rejectedReason(state, [submitEvent('a')])).toEqual(['not_allowed']);
    const queues = { ...makeState(), pinned: { allowedTaskQueues: ['q'] } };
    expect(rejectedReason(queues, [submitEvent('a', at(0), { taskQueue: 'elsewhere' })])).toEqual(['not_allowed']);
  });

  it("workflow_id_in_use: another submission's child ID, or a foreign workflow holding it", () => {
    const same = { workflowId: 'my-child' };
    expect(rejectedReason(makeState(), [submitEvent('a', at(0), same), submitEvent('b', at(0), same)])).toEqual([
      'workflow_id_in_use',
    ]);
    const started = step(makeState(), [submitEvent('a')], at(0)).state;
    expect(rejectedReason(started, [foreignEvent(childId('a'))])).toEqual(['workflow_id_in_use']);
  });

  it('other, for the rejections whose records `recent` no longer holds', () => {
    const state = makeState({ recentLimit: 1 });
    const reasons = rejectedReason(state, [rawSubmit('one'), rawSubmit('two'), rawSubmit('three')]);
    expect(reasons.sort()).toEqual(['invalid', 'other']);
    const { updates } = step(state, [rawSubmit('one'), rawSubmit('two'), rawSubmit('three')], at(9));
    expect(totals(updates)).toEqual({
      [`${COUNTERS.rejected}{reason=invalid}`]: 1,
      [`${COUNTERS.rejected}{reason=other}`]: 2,
    });
  });
});

describe('metricUpdates: bounded labels, and totals that match the state counters', () => {
  it('over a scripted life of a key, labels are the policy and fixed categories, and totals match', () => {
    const input: Partial<CoordinatorInput> = { maxRuns: 2, maxArgsBytes: 100 };
    let state = makeState(input);
    const all: MetricUpdate[] = [];
    let time = 0;
    const run = (events: CoordinatorEvent[]) => {
      const result = step(state, events, at(++time));
      all.push(...result.updates);
      state = result.state;
      // Every start is confirmed at once, as a server would.
      const confirmed = step(state, confirmations(result.decision.commands, at(++time)), at(time));
      all.push(...confirmed.updates);
      state = confirmed.state;
    };
    for (let i = 0; i < 6; i++) run([submitEvent(`s${i}`, at(time)), submitEvent(`t${i}`, at(time))]);
    run([rawSubmit({ id: 'bad' }), submitEvent('big', at(time), { args: ['x'.repeat(200)] }), submitEvent('s5')]);
    for (const open of state.runs.filter((r) => r.startedAt !== undefined)) {
      run([closedEvent(open.workflowId, open.cancelRequestedAt === undefined ? 'completed' : 'cancelled', at(time))]);
    }
    run([submitEvent('last', at(time))]);
    run([coordinatorCancelledEvent(at(time))]);

    const allowed: Record<string, readonly string[]> = {
      [COUNTERS.cancellations]: CANCELLATION_REASONS,
      [COUNTERS.dropped]: DROP_REASONS,
      [COUNTERS.rejected]: REJECTION_REASONS,
      [COUNTERS.childOutcomes]: CLOSE_OUTCOMES,
    };
    for (const update of all) {
      expect(update.labels.policy).toBe('p');
      expect(update.value).toBeGreaterThan(0);
      const { policy: _policy, reason, outcome, ...rest } = update.labels;
      expect(rest).toEqual({});
      const category = reason ?? outcome;
      if (category !== undefined) expect(allowed[update.name]).toContain(category);
    }
    const sum = (prefix: string) =>
      Object.entries(totals(all))
        .filter(([key]) => key === prefix || key.startsWith(`${prefix}{`))
        .reduce((total, [, value]) => total + value, 0);
    const { counters } = state;
    expect(sum(COUNTERS.submissions)).toBe(counters.submitted);
    expect(sum(COUNTERS.duplicates)).toBe(counters.duplicates);
    expect(sum(COUNTERS.childrenStarted)).toBe(counters.started);
    expect(sum(COUNTERS.cancellations)).toBe(counters.cancelRequested);
    expect(sum(COUNTERS.dropped)).toBe(counters.dropped);
    expect(sum(COUNTERS.rejected)).toBe(counters.rejected);
    expect(sum(COUNTERS.childOutcomes)).toBe(counters.completed + counters.cancelled);
    expect(counters.duplicates).toBe(1);
    expect(counters.rejected).toBe(2);
    expect(histogramValues(all, HISTOGRAMS.admissionLatency)).toHaveLength(counters.started);
    // Recorded at each request's delivery by the workflow shell, never by metricUpdates.
    expect(histogramValues(all, HISTOGRAMS.supersedeLatency)).toEqual([]);
  });
});
