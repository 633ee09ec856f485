/**
 * Hostile input: submissions that name workflows the coordinator did not start, keys that spell another
 * key's coordinator ID, IDs and queues Temporal refuses, arguments near the server's size limits, and strings that
 * are not well-formed UTF-16. Each must be refused by `submit()` before any network call and, sent raw, recorded as
 * rejected with a reason, while the key keeps serving the next good submission. Judged from Temporal's histories
 * where the promise is about Temporal (who was cancelled, whether the coordinator was closed by the server).
 */
import { expect, it } from 'vitest';
import {
  ConcurrencyInputError,
  defineConcurrencyPolicy,
  getSubmissionStatus,
  type SubmitResult,
} from '../../src/client';
import type { ClosedSubmission, CoordinatorStateView } from '../../src/coordinator/messages';
import { settled, waitForState } from '../helpers/demo';
import { childTimeline } from '../helpers/histories';
import {
  closeTypeOf,
  coordinatorRuns,
  coordinatorStatus,
  describeError,
  errorOf,
  eventsOf,
  expectedCoordinatorId,
  hasCancelRequest,
  inPool,
  keyedPolicy,
  offlineClient,
  padding,
  rawSubmit,
  sha256Hex,
  stateOrBreakage,
  submitKeyed,
} from '../helpers/hostile';
import { createTestWorker, eventually, uniqueName } from '../helpers/temporal';
import { useTestServer } from '../helpers/server';

const ctx = useTestServer();

/** `error` is a ConcurrencyInputError naming one of `fields`; the message shows what was thrown instead. */
function expectInputError(error: unknown, fields: string[], what: string): void {
  expect(describeError(error), what).toMatch(new RegExp(`^ConcurrencyInputError\\[(${fields.join('|')})\\]`));
  expect(error).toBeInstanceOf(ConcurrencyInputError);
}

/** Recorded once as rejected, with a reason. */
function expectRejected(state: CoordinatorStateView, id: string): void {
  const recorded = recordedOnce(state, id);
  expect(recorded?.outcome, `${id}: ${recorded?.reason ?? 'no reason'}`).toBe('rejected');
  expect(recorded?.reason, `${id} has a reason`).toBeTruthy();
}

function recordedOnce(state: CoordinatorStateView, id: string): ClosedSubmission | undefined {
  const entries = state.recent.filter((run) => run.id === id);
  expect(entries.length, `${id} recorded ${entries.length} times`).toBeLessThanOrEqual(1);
  return entries[0];
}

/** Open or recorded: the coordinator has handled a submission with this id. */
function handled(state: CoordinatorStateView, id: string): boolean {
  return [...state.running, ...state.queued, ...state.recent].some((run) => run.id === id);
}

async function terminateQuietly(workflowId: string): Promise<void> {
  await ctx.client.workflow
    .getHandle(workflowId)
    .terminate('test over')
    .catch(() => undefined);
}

it('2. a submission naming a running workflow the coordinator did not start is rejected, and that workflow is never cancelled', async () => {
  const taskQueue = uniqueName('foreign-id');
  const worker = await createTestWorker(ctx, taskQueue);
  // Someone else's workflow in the same namespace, e.g. a payment.
  const foreignId = uniqueName('payments/charge');
  try {
    await worker.runUntil(async () => {
      await ctx.client.workflow.start('sleepyWork', { workflowId: foreignId, taskQueue, args: [{ sleepMs: 60_000 }] });
      const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
      const hijack = await submitKeyed(
        ctx.client,
        policy,
        'k',
        'hijack',
        'sleepyWork',
        { sleepMs: 200 },
        {
          workflowId: foreignId,
        },
      );
      await waitForState(ctx.client, hijack.coordinatorWorkflowId, (s) => handled(s, 'hijack'), 'hijack handled');
      // Under maxRuns 1 a newer submission supersedes whatever `hijack` holds: today, the adopted foreign workflow.
      await submitKeyed(ctx.client, policy, 'k', 'newer', 'sleepyWork', { sleepMs: 200 });
      const { state, status } = await stateOrBreakage(
        ctx.client,
        hijack.coordinatorWorkflowId,
        (s) => s.recent.some((r) => r.id === 'newer'),
        'newer recorded',
      );

      // The promise is about Temporal: the foreign workflow's own history shows no cancellation request.
      const foreign = await eventsOf(ctx.client, foreignId);
      expect(hasCancelRequest(foreign), 'the foreign workflow was asked to cancel').toBe(false);
      expect(closeTypeOf(foreign), 'the foreign workflow is still running').toBeUndefined();
      expect(status).toBe('RUNNING');
      const rejected = recordedOnce(state as CoordinatorStateView, 'hijack');
      expect(rejected?.outcome).toBe('rejected');
      expect(rejected?.reason).toMatch(/not started by this coordinator/i);
      expect(recordedOnce(state as CoordinatorStateView, 'newer')?.outcome).toBe('completed');
    });
  } finally {
    await terminateQuietly(foreignId);
  }
});

it("2. a child workflowId that is a coordinator's ID (another key's or its own) is refused by submit(), rejected raw, and no coordinator is cancelled", async () => {
  const taskQueue = uniqueName('coordinator-id');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    // Another key's coordinator, busy with a child.
    const other = await submitKeyed(ctx.client, policy, 'other', 'o-1', 'sleepyWork', { sleepMs: 30_000 });
    await waitForState(
      ctx.client,
      other.coordinatorWorkflowId,
      (s) => s.running[0]?.runId !== undefined,
      'o-1 started',
    );
    const ownId = expectedCoordinatorId(policy.name, 'k');

    // One at a time, each handled before the next, so each is live (not dropped unseen) when the next arrives.
    for (const [id, workflowId] of [
      ['names-other', other.coordinatorWorkflowId],
      ['names-self', ownId],
    ] as const) {
      await rawSubmit(ctx.client, policy, 'k', {
        id,
        workflowType: 'sleepyWork',
        args: [{ sleepMs: 200 }],
        workflowId,
      });
      await stateOrBreakage(ctx.client, ownId, (s) => handled(s, id), `${id} handled`, 15_000);
    }
    await rawSubmit(ctx.client, policy, 'k', { id: 'good', workflowType: 'sleepyWork', args: [{ sleepMs: 200 }] });
    const final = await stateOrBreakage(
      ctx.client,
      ownId,
      (s) => settled(s) && s.recent.some((r) => r.id === 'good'),
      'good completed, nothing left running',
      20_000,
    ).catch((err: unknown) => err);

    // From the coordinators' own histories first: neither was ever asked to cancel.
    expect(hasCancelRequest(await eventsOf(ctx.client, other.coordinatorWorkflowId)), 'other coordinator').toBe(false);
    expect(hasCancelRequest(await eventsOf(ctx.client, ownId)), 'own coordinator cancelled itself').toBe(false);
    expect(hasCancelRequest(await eventsOf(ctx.client, other.childWorkflowId)), "other key's child").toBe(false);
    if (final instanceof Error) throw final;
    const { state } = final as { state: CoordinatorStateView };
    for (const id of ['names-other', 'names-self']) {
      expectRejected(state, id);
    }
    expect(recordedOnce(state, 'good')?.outcome).toBe('completed');

    // And submit() refuses both before any network call: `concurrency/` IDs are reserved.
    for (const workflowId of [other.coordinatorWorkflowId, ownId, 'concurrency/anything/else']) {
      const error = await errorOf(() =>
        submitKeyed(offlineClient(), policy, 'k', 'x', 'sleepyWork', {}, { workflowId }),
      );
      expectInputError(error, ['workflowId'], `submit() with workflowId ${workflowId}`);
    }
  });
});

it("3. a short key spelling a long key's hashed coordinator ID gets its own coordinator and never touches the long key's child", async () => {
  const taskQueue = uniqueName('id-collision');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    const longKey = `long-${'k'.repeat(220)}`;
    const shortKey = `~${sha256Hex(longKey).slice(0, 32)}`;
    const long = await submitKeyed(ctx.client, policy, longKey, 'long-1', 'sleepyWork', { sleepMs: 20_000 });
    await waitForState(ctx.client, long.coordinatorWorkflowId, (s) => s.running[0]?.runId !== undefined, 'long-1');

    const short = await submitKeyed(ctx.client, policy, shortKey, 'short-1', 'sleepyWork', { sleepMs: 200 });
    await waitForState(
      ctx.client,
      short.coordinatorWorkflowId,
      (s) => s.recent.some((r) => r.id === 'short-1'),
      'short-1 recorded',
      20_000,
    );
    // The long key's child, from its own history: a submission on another key must never cancel it.
    const longChild = await childTimeline(ctx.client, long.childWorkflowId);
    expect(longChild.cancelRequestedAtMs, "the long key's child was asked to cancel").toBeUndefined();
    expect(longChild.closeType).toBeUndefined();
    expect(short.coordinatorWorkflowId).not.toBe(long.coordinatorWorkflowId);
    expect(short.coordinatorWorkflowId).toBe(`concurrency/${policy.name}/%7E${shortKey.slice(1)}`);
    expect(long.coordinatorWorkflowId).toBe(`concurrency/${policy.name}/${shortKey}`);
    await terminateQuietly(long.childWorkflowId);
  });
});

it('4. submissions Temporal would refuse are refused by submit() and, sent raw, rejected; with maxRuns 2 a good submission still runs', async () => {
  const taskQueue = uniqueName('refused-starts');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 2, { sweepIntervalMs: 1000 });
    const coordinatorId = expectedCoordinatorId(policy.name, 'k');
    // Over the dev server's 1000-character limit (so the server refuses the start today), and the reserved queue.
    const long = 'w'.repeat(1100);
    const refused = [
      { id: 'long-workflow-id', workflowType: 'sleepyWork', args: [{ sleepMs: 100 }], workflowId: `wf-${long}` },
      { id: 'long-type', workflowType: `t${long}`, args: [] },
      { id: 'long-queue', workflowType: 'sleepyWork', args: [{ sleepMs: 100 }], taskQueue: `q${long}` },
      { id: 'sys-queue', workflowType: 'sleepyWork', args: [{ sleepMs: 100 }], taskQueue: '/_sys/hostile' },
      // Over the 255 characters the wire contract (docs/wire-contract.md) holds every ID to, though this dev server would take it.
      { id: 'id-over-255', workflowType: 'sleepyWork', args: [{ sleepMs: 100 }], workflowId: `wf-${'w'.repeat(300)}` },
    ];
    // One at a time, each handled before the next: with maxRuns 2 each is kept (about to start) when it arrives.
    for (const submission of refused) {
      await rawSubmit(ctx.client, policy, 'k', submission);
      await stateOrBreakage(
        ctx.client,
        coordinatorId,
        (s) => handled(s, submission.id),
        `${submission.id} handled`,
        15_000,
      );
    }
    await rawSubmit(ctx.client, policy, 'k', { id: 'good', workflowType: 'sleepyWork', args: [{ sleepMs: 100 }] });
    const { state } = await stateOrBreakage(
      ctx.client,
      coordinatorId,
      (s) => s.recent.some((r) => r.id === 'good'),
      'good recorded',
    );
    const view = state as CoordinatorStateView;
    expect(recordedOnce(view, 'good')?.outcome).toBe('completed');
    for (const { id } of refused) {
      expectRejected(view, id);
    }
    const runs = await coordinatorRuns(ctx.client, coordinatorId);
    expect(
      runs.flatMap((run) => run.taskFailures),
      `coordinator runs: ${JSON.stringify(runs)}`,
    ).toEqual([]);

    // An 800-character policy name with a 200-character id: the default child ID is over 1000 characters. A
    // coordinator may reject the submission or refuse its own configuration, but must not wedge.
    // Not through defineConcurrencyPolicy, which may refuse the name: a raw submitter has no such check.
    const longName = 'p'.repeat(800);
    const longPolicy = { ...policy, name: longName };
    const longPolicyId = await rawSubmit(ctx.client, longPolicy, 'k', {
      id: 'i'.repeat(200),
      workflowType: 'sleepyWork',
      args: [{ sleepMs: 100 }],
    }).catch((err: unknown) => `signalWithStart refused: ${describeError(err)}`);
    if (!longPolicyId.startsWith('signalWithStart refused')) {
      const outcome = await eventually(
        async () => {
          const status = await coordinatorStatus(ctx.client, longPolicyId);
          if (status === 'FAILED') return 'coordinator failed at once';
          const view = await ctx.client.workflow.getHandle(longPolicyId).query('state');
          return (view as CoordinatorStateView).recent[0]?.outcome;
        },
        { what: 'the long-policy submission rejected (or its coordinator failed at once)', timeoutMs: 15_000 },
      );
      expect(['rejected', 'coordinator failed at once']).toContain(outcome);
    }

    // submit() refuses every one of them before any network call.
    const offline = offlineClient();
    const attempts: [string, string[], () => Promise<SubmitResult>][] = [
      [
        'workflowId of 256',
        ['workflowId'],
        () => submitKeyed(offline, policy, 'k', 'a', 'sleepyWork', {}, { workflowId: 'w'.repeat(256) }),
      ],
      [
        'workflow type of 256',
        ['workflow', 'workflowType'],
        () => submitKeyed(offline, policy, 'k', 'a', 't'.repeat(256)),
      ],
      [
        'taskQueue of 256',
        ['taskQueue'],
        () => submitKeyed(offline, policy, 'k', 'a', 'sleepyWork', {}, { taskQueue: 'q'.repeat(256) }),
      ],
      [
        'taskQueue /_sys/',
        ['taskQueue'],
        () => submitKeyed(offline, policy, 'k', 'a', 'sleepyWork', {}, { taskQueue: '/_sys/hostile' }),
      ],
      // A 150-character key keeps the coordinator ID readable; with a 150-character id the child ID is over 255.
      [
        'default child ID over 255',
        ['id', 'workflowId'],
        () => submitKeyed(offline, policy, 'k'.repeat(150), 'i'.repeat(150), 'sleepyWork'),
      ],
      [
        'policy name of 101',
        ['name', 'policy'],
        () =>
          submitKeyed(offline, defineConcurrencyPolicy({ ...policy, name: 'p'.repeat(101) }), 'k', 'a', 'sleepyWork'),
      ],
      [
        '800-character policy name with a 200-character id',
        ['name', 'policy', 'id', 'workflowId'],
        () =>
          submitKeyed(
            offline,
            defineConcurrencyPolicy({ ...policy, name: longName }),
            'k',
            'i'.repeat(200),
            'sleepyWork',
          ),
      ],
    ];
    for (const [what, fields, attempt] of attempts) expectInputError(await errorOf(attempt), fields, what);
  });
});

it('5. twenty submissions of ~500 KB args with maxRuns 20 are all accounted for, and the server never terminates the coordinator', async () => {
  const taskQueue = uniqueName('large-args');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 20, { sweepIntervalMs: 1000, maxArgsBytes: 600_000 });
    const ids = Array.from({ length: 20 }, (_, i) => `big-${i}`);
    // All at once, so they land in as few workflow tasks as possible: today all 20 starts go in one completion.
    const submitted = await inPool(ids, 20, (id) =>
      submitKeyed(ctx.client, policy, 'k', id, 'sleepyWork', { sleepMs: 300, pad: padding(500_000) }),
    );
    const coordinatorId = submitted[0]!.coordinatorWorkflowId;
    const { state, status } = await stateOrBreakage(
      ctx.client,
      coordinatorId,
      (s) => settled(s) && ids.every((id) => s.recent.some((r) => r.id === id)),
      'all 20 accounted for',
      40_000,
    );
    // Judged from the coordinator's histories: no run was closed by the server, no workflow task failed.
    const runs = await coordinatorRuns(ctx.client, coordinatorId);
    expect(
      runs.map((run) => run.closeType ?? 'open'),
      'how each coordinator run closed',
    ).not.toContain('terminated');
    expect(status, JSON.stringify(runs)).toMatch(/RUNNING|COMPLETED/);
    expect(
      runs.flatMap((run) => run.taskFailures),
      `coordinator runs: ${JSON.stringify(runs)}`,
    ).toEqual([]);
    for (const id of ids) {
      const recorded = recordedOnce(state as CoordinatorStateView, id);
      if (recorded?.outcome === 'completed') {
        expect((await childTimeline(ctx.client, `${coordinatorId}/${id}`)).closeType, id).toBe('completed');
      } else {
        expect(recorded?.outcome, id).toMatch(/dropped|rejected/);
        expect(recorded?.reason, `${id} has a reason`).toBeTruthy();
      }
    }
  });
});

it('5. large args queued behind held slots are bounded by maxQueuedBytes, args over maxArgsBytes are rejected, and a later small submission runs', async () => {
  const taskQueue = uniqueName('queued-bytes');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    // Continue-as-new is frequent, so queued arguments would be carried across it (today: over the payload limit).
    const policy = keyedPolicy(taskQueue, 5, {
      slotRelease: 'on-close',
      sweepIntervalMs: 1000,
      continueAsNewAfterEvents: 60,
      maxArgsBytes: 600_000,
    });
    // Five children that ignore their cancellation hold every on-close slot until released.
    const held = await inPool(['held-0', 'held-1', 'held-2', 'held-3', 'held-4'], 5, (id) =>
      submitKeyed(ctx.client, policy, 'k', id, 'heldWork', { maxMs: 60_000, ignoreCancel: true }),
    );
    const coordinatorId = held[0]!.coordinatorWorkflowId;
    await waitForState(
      ctx.client,
      coordinatorId,
      (s) => s.running.filter((r) => r.runId !== undefined).length === 5,
      'five held children started',
    );
    const bigIds = Array.from({ length: 10 }, (_, i) => `big-${i}`);
    for (const id of bigIds) {
      await submitKeyed(ctx.client, policy, 'k', id, 'sleepyWork', { sleepMs: 100, pad: padding(500_000) });
    }
    // Over maxArgsBytes, sent raw: submit() would refuse it.
    await rawSubmit(ctx.client, policy, 'k', {
      id: 'oversized',
      workflowType: 'sleepyWork',
      args: [{ key: 'k', sleepMs: 100, pad: padding(700_000) }],
    });
    await submitKeyed(ctx.client, policy, 'k', 'small', 'sleepyWork', { sleepMs: 100 });
    for (const { childWorkflowId } of held) await ctx.client.workflow.getHandle(childWorkflowId).signal('release');

    const all = [...held.map((h) => h.submissionId), ...bigIds, 'oversized', 'small'];
    const { state, status } = await stateOrBreakage(
      ctx.client,
      coordinatorId,
      (s) => settled(s) && s.recent.some((r) => r.id === 'small'),
      'small recorded, nothing left',
      30_000,
    );
    const runs = await coordinatorRuns(ctx.client, coordinatorId);
    expect(
      runs.flatMap((run) => run.taskFailures),
      `coordinator runs: ${JSON.stringify(runs)}`,
    ).toEqual([]);
    expect(status, JSON.stringify(runs)).toMatch(/RUNNING|COMPLETED/);
    const view = state as CoordinatorStateView;
    expect(recordedOnce(view, 'small')?.outcome).toBe('completed');
    // A rollover while the big children's args are open state may trim the oldest recent outcomes to fit the
    // handover (`fitCarried`, documented); the counters keep every outcome. Whatever recent still holds must be right.
    const trimmed = all.filter((id) => recordedOnce(view, id) === undefined);
    if (recordedOnce(view, 'oversized')) expectRejected(view, 'oversized');
    else expect(view.counters.rejected, 'oversized: trimmed from recent, still counted').toBeGreaterThanOrEqual(1);
    const c = view.counters;
    const outcomes = c.completed + c.failed + c.cancelled + c.terminated + c.timedOut + c.dropped + c.rejected;
    expect(outcomes, `every submission has an outcome (trimmed from recent: ${trimmed.join(', ')})`).toBe(all.length);
    for (const id of all) {
      const recorded = recordedOnce(view, id);
      if (recorded?.outcome === 'dropped' || recorded?.outcome === 'rejected') expect(recorded.reason, id).toBeTruthy();
    }
    const overBudget = view.recent.filter(
      (r) => r.outcome === 'dropped' && /maxQueuedBytes|queued bytes/i.test(r.reason ?? ''),
    );
    // The byte-budget drops happen first, so they are the oldest outcomes: the first a trim removes from recent.
    if (bigIds.every((id) => recordedOnce(view, id) !== undefined)) {
      expect(overBudget.length, 'queued submissions dropped for the byte budget').toBeGreaterThan(0);
    } else {
      expect(c.dropped, `drops counted though trimmed from recent (${trimmed.join(', ')})`).toBeGreaterThan(0);
    }

    // submit() refuses args over maxArgsBytes before any network call.
    const error = await errorOf(() =>
      submitKeyed(offlineClient(), policy, 'k', 'too-big', 'sleepyWork', { pad: padding(700_000) }),
    );
    expectInputError(error, ['args'], 'args over maxArgsBytes');
  });
});

it('12. resubmitting an id after its coordinator went idle reports the earlier outcome at once, never an adopted run', async () => {
  const taskQueue = uniqueName('resubmit-idle');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    // The default sweep interval (60 s): the answer must not wait for a sweep.
    const policy = keyedPolicy(taskQueue, 1, { idleTimeoutMs: 1000 });
    const first = await submitKeyed(ctx.client, policy, 'k', 'r-1', 'sleepyWork', { sleepMs: 100 });
    await eventually(
      async () =>
        (await coordinatorStatus(ctx.client, first.coordinatorWorkflowId)) === 'COMPLETED' ? true : undefined,
      { what: 'the coordinator idled and completed', timeoutMs: 20_000 },
    );
    const firstRunId = (await ctx.client.workflow.getHandle(first.childWorkflowId).describe()).runId;

    const again = await submitKeyed(ctx.client, policy, 'k', 'r-1', 'sleepyWork', { sleepMs: 100 });
    const seen: string[] = [];
    const deadline = Date.now() + 8000;
    let last = '';
    while (Date.now() < deadline && last !== 'completed') {
      const status = await getSubmissionStatus(ctx.client, again).catch((err: unknown) => ({
        status: `query failed: ${describeError(err)}`,
      }));
      const runId = 'run' in status ? (status.run as { runId?: string }).runId : undefined;
      last = status.status;
      const shown = runId === undefined ? last : `${last}(${runId})`;
      if (seen.at(-1) !== shown) seen.push(shown);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(
      seen.filter((shown) => shown.includes('adopted')),
      `statuses seen: ${seen.join(', ')}`,
    ).toEqual([]);
    expect(last, `statuses seen within 8 s: ${seen.join(', ')}`).toBe('completed');
    // No second child: the child workflow ID's newest run is still the first one.
    expect((await ctx.client.workflow.getHandle(first.childWorkflowId).describe()).runId).toBe(firstRunId);
  });
});

it('12. a key, id or workflowId with a lone UTF-16 surrogate is a ConcurrencyInputError in submit(), and rejected raw', async () => {
  const taskQueue = uniqueName('lone-surrogate');
  const worker = await createTestWorker(ctx, taskQueue);
  await worker.runUntil(async () => {
    const policy = keyedPolicy(taskQueue, 1, { sweepIntervalMs: 1000 });
    const offline = offlineClient();
    expectInputError(
      await errorOf(() => submitKeyed(offline, policy, 'user-\uD800', 'a', 'sleepyWork')),
      ['key'],
      'key with a lone high surrogate',
    );
    expectInputError(
      await errorOf(() => submitKeyed(offline, policy, 'k', 'id-\uDC00', 'sleepyWork')),
      ['id'],
      'id with a lone low surrogate',
    );
    expectInputError(
      await errorOf(() => submitKeyed(offline, policy, 'k', 'a', 'sleepyWork', {}, { workflowId: 'wf-\uD83D' })),
      ['workflowId'],
      'workflowId with a lone surrogate',
    );

    // Raw: JSON carries the lone surrogates escaped, so the coordinator sees them as they were sent.
    const coordinatorId = await rawSubmit(ctx.client, policy, 'k', {
      id: 'id-\uDC00',
      workflowType: 'sleepyWork',
      args: [{ sleepMs: 100 }],
    });
    await rawSubmit(ctx.client, policy, 'k', {
      id: 'bad-workflow-id',
      workflowType: 'sleepyWork',
      args: [{ sleepMs: 100 }],
      workflowId: 'wf-\uD83D',
    });
    await rawSubmit(ctx.client, policy, 'k', { id: 'good', workflowType: 'sleepyWork', args: [{ sleepMs: 100 }] });
    const { state } = await stateOrBreakage(
      ctx.client,
      coordinatorId,
      (s) => settled(s) && s.recent.some((r) => r.id === 'good'),
      'good recorded',
      20_000,
    );
    const view = state as CoordinatorStateView;
    expect(recordedOnce(view, 'good')?.outcome).toBe('completed');
    const rejected = view.recent.filter((r) => r.outcome === 'rejected');
    expect(rejected.map((r) => r.reason ?? '(no reason)')).toHaveLength(2);
    expect(rejected.some((r) => r.id === 'bad-workflow-id')).toBe(true);
  });
});
