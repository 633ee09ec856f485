/**
 * Taking over the open work of a coordinator run that ended without handing it over (terminated, failed, timed out,
 * cancelled): a pure fold of the facts in that run's history, so it needs no replay of the old run's code (which may
 * be the reason it failed) and is tested without a server. `src/activities/recover.ts` reads the facts page by page
 * and folds them as it goes, so it handles any history the server can hold and returns only bounded state.
 */
import type { CarriedState, CloseOutcome, PinnedPolicy, OpenSubmission } from './wire';
import { applyEvent, rejectSubmissions, settleWithoutCommands } from './decide';
import { jsonBytes } from './limits';
import { initialState, toCarried, type CoordinatorState } from './state';
import { adoptChildren, type AdoptedChild } from './adoption';

/**
 * Arguments kept for a start the abandoned run issued but never saw confirmed, so the next run can redo it if it never
 * took place (the server drops a start whose parent was terminated first). Larger ones are not carried.
 */
export const MAX_RESTART_ARGS_BYTES = 64 * 1024;
import type { CoordinatorConfig } from './validation';

/** What the abandoned run's history says happened, in history order; `at` is the event time (ISO-8601). */
export type AbandonedFact =
  | { type: 'submit'; payload: unknown; at: string }
  /** With what the start's memo and type say, so a child the fold had not kept can still be followed. */
  | {
      type: 'startInitiated';
      workflowId: string;
      at: string;
      submissionId?: string;
      seq?: number;
      workflowType?: string;
      /** The start's arguments: kept until the start is confirmed, so a start that never took place can be redone. */
      args?: unknown[];
    }
  | { type: 'started'; workflowId: string; runId: string; at: string }
  | { type: 'startFailed'; workflowId: string; alreadyRunning: boolean; reason: string; at: string }
  | { type: 'closed'; workflowId: string; outcome: CloseOutcome; at: string }
  | { type: 'superseded'; workflowId: string; supersededBy: string }
  | { type: 'cancelRequested'; workflowId: string; at: string }
  /** The abandoned run's own cancellation was requested. */
  | { type: 'coordinatorCancelRequested'; at: string };

/** What a take-over hands to the fresh run: the configuration and state it continues with. */
export interface TakenOver {
  config: CoordinatorConfig;
  carried: CarriedState;
}

function updateRun(
  state: CoordinatorState,
  workflowId: string,
  update: (run: OpenSubmission) => OpenSubmission,
): CoordinatorState {
  return { ...state, runs: state.runs.map((run) => (run.workflowId === workflowId ? update(run) : run)) };
}

/**
 * The history is the judge: a child the abandoned run started exists, even if this fold had decided to drop its
 * submission (a decision the run took with other timing). Its dropped record is taken back and it is followed again.
 */
function revive(state: CoordinatorState, fact: Extract<AbandonedFact, { type: 'startInitiated' }>): CoordinatorState {
  const { workflowId } = fact;
  const index = state.recent.findIndex((run) => run.workflowId === workflowId && run.outcome === 'dropped');
  const dropped = state.recent[index];
  if (dropped?.workflowType !== undefined) {
    const run: OpenSubmission = {
      id: dropped.id,
      seq: dropped.seq,
      workflowId,
      workflowType: dropped.workflowType,
      submittedAt: dropped.submittedAt ?? dropped.closedAt,
    };
    const recent = state.recent.filter((_, i) => i !== index);
    const counters = { ...state.counters, dropped: state.counters.dropped - 1 };
    const runs = [...state.runs, run].sort((a, b) => a.seq - b.seq);
    return { ...state, runs, recent, counters };
  }
  // Its record is gone from `recent`: the start's own memo names the submission.
  if (fact.submissionId === undefined || fact.seq === undefined || fact.workflowType === undefined) return state;
  const run: OpenSubmission = {
    id: fact.submissionId,
    seq: fact.seq,
    workflowId,
    workflowType: fact.workflowType,
    submittedAt: fact.at,
  };
  // Its id is remembered like any handled submission's: a repeat of it is a duplicate, never a second child (whose
  // start would find this one's ID taken, adopt it as this submission's child, and record its outcome twice).
  const seenIds = state.seenIds.includes(run.id)
    ? state.seenIds
    : [...state.seenIds, run.id].slice(-state.config.dedupeWindow);
  const nextSeq = Math.max(state.nextSeq, run.seq + 1);
  return { ...state, nextSeq, seenIds, runs: [...state.runs, run].sort((a, b) => a.seq - b.seq) };
}

export function applyFact(state: CoordinatorState, fact: AbandonedFact): CoordinatorState {
  switch (fact.type) {
    case 'submit':
      return applyEvent(state, fact);
    case 'startInitiated': {
      const known = state.runs.some((run) => run.workflowId === fact.workflowId);
      const base = known ? state : revive(state, fact);
      const counters = { ...base.counters, started: base.counters.started + 1 };
      const argsBytes = fact.args && jsonBytes(fact.args);
      const restartable = argsBytes !== undefined && argsBytes <= MAX_RESTART_ARGS_BYTES;
      return updateRun({ ...base, counters }, fact.workflowId, ({ args: _args, argsBytes: _bytes, ...run }) => ({
        ...run,
        startedAt: fact.at,
        ...(restartable && { args: fact.args, argsBytes }),
      }));
    }
    case 'started': {
      const event = { type: 'childStarted', workflowId: fact.workflowId, runId: fact.runId, at: fact.at } as const;
      // Confirmed: its arguments are no longer needed.
      return updateRun(applyEvent(state, event), fact.workflowId, ({ args: _args, argsBytes: _bytes, ...run }) => run);
    }
    case 'startFailed':
      // Its ID was in use: the fresh run checks (memo) whether that workflow is this submission's child.
      return fact.alreadyRunning
        ? applyEvent(state, { type: 'childStartConflict', workflowId: fact.workflowId, at: fact.at })
        : applyEvent(state, {
            type: 'childStartFailed',
            workflowId: fact.workflowId,
            reason: fact.reason,
            at: fact.at,
          });
    case 'closed':
      return applyEvent(state, {
        type: 'childClosed',
        workflowId: fact.workflowId,
        outcome: fact.outcome,
        at: fact.at,
      });
    case 'superseded':
      return updateRun(state, fact.workflowId, (run) => ({ ...run, supersededBy: fact.supersededBy }));
    case 'cancelRequested': {
      const counters = { ...state.counters, cancelRequested: state.counters.cancelRequested + 1 };
      const terminateAfter = new Date(Date.parse(fact.at) + state.config.cancelGracePeriodMs).toISOString();
      return updateRun({ ...state, counters }, fact.workflowId, (run) =>
        run.cancelRequestedAt !== undefined ? run : { ...run, cancelRequestedAt: fact.at, terminateAfter },
      );
    }
    case 'coordinatorCancelRequested':
      return applyEvent(state, { type: 'coordinatorCancelled', at: fact.at });
  }
}

/**
 * A fold in progress: starts from what the abandoned run was started with (carried state after a rollover, or what it
 * itself took over), takes facts in history order, and settles now and then so that submissions the strategy drops
 * anyway never pile up (with their args) in memory or in the result.
 */
export class TakeOverFold {
  private state: CoordinatorState;
  /**
   * Signals the abandoned run received before its own take-over completed (submissions, its cancellation): that run
   * applied them on top of what it took over, so a rebase applies them again. Only signals, and what a reset's base run
   * did after the reset point when the rebase is onto something that never saw it: anything else before the take-over
   * is in the take-over's result already. Chaos seed 4242: a submission that reached a reset run between its base
   * run's tail and its take-over was lost; and the children a base run started after the reset point were forgotten
   * (their submissions recorded dropped) when the reset run never prepared and the fold rebased onto its predecessor.
   */
  private beforeRebase: { fact: AbandonedFact; fromBaseRun: boolean }[] | undefined = [];

  constructor(
    config: CoordinatorConfig,
    coordinatorWorkflowId: string,
    pinned: PinnedPolicy | undefined,
    base?: { config?: CoordinatorConfig; carried?: CarriedState },
  ) {
    const start = initialState(base?.config ?? config, coordinatorWorkflowId, base?.carried);
    this.state = pinned ? { ...start, pinned } : start;
  }

  /**
   * Restarts from `base`: the abandoned run took over its own predecessor before it handled any signal. A reset run's
   * own take-over read its base run whole; `withBaseRunFacts` says `base` did not (the predecessor of a reset run that
   * never prepared), so what the base run did after the reset point is applied again too.
   */
  rebase(base: TakenOver, withBaseRunFacts = false): void {
    const { coordinatorWorkflowId, pinned } = this.state;
    this.state = { ...initialState(base.config, coordinatorWorkflowId, base.carried), ...(pinned && { pinned }) };
    for (const { fact, fromBaseRun } of this.beforeRebase ?? []) {
      if (!fromBaseRun || withBaseRunFacts) this.state = applyFact(this.state, fact);
    }
    this.beforeRebase = undefined;
  }

  add(fact: AbandonedFact): void {
    if (fact.type === 'submit' || fact.type === 'coordinatorCancelRequested') {
      this.beforeRebase?.push({ fact, fromBaseRun: false });
    }
    this.state = applyFact(this.state, fact);
  }

  /** A fact of what a reset's base run did after the reset point (its starts, closes, cancellations). */
  addFromBaseRun(fact: AbandonedFact): void {
    this.beforeRebase?.push({ fact, fromBaseRun: true });
    this.state = applyFact(this.state, fact);
  }

  /** Records submissions a run refused to handle as rejected with the refusal's reason. */
  reject(payloads: readonly unknown[], reason: string, at: string): void {
    this.state = rejectSubmissions(this.state, payloads, reason, at);
  }

  /** Children found running that name this coordinator (see adoption.ts). */
  adopt(children: readonly AdoptedChild[], at: string): void {
    // Activity code, recorded in its result: a child running under a submission this history dropped reopens it.
    this.state = adoptChildren(this.state, children, at, undefined, true);
  }

  settle(at: string): void {
    this.state = settleWithoutCommands(this.state, at);
  }

  /** The state the fresh run continues with. */
  result(at: string): TakenOver {
    this.settle(at);
    const { cancelledAt: _cancelledAt, ...state } = this.state;
    // A start the abandoned run issued but never saw confirmed may exist on the server: the fresh run checks it by
    // memo before it counts it as its own (and never cancels it unless it is).
    const runs = state.runs.map((run) =>
      run.startedAt !== undefined && run.runId === undefined ? { ...run, conflict: true } : run,
    );
    return { config: state.config, carried: toCarried({ ...state, runs }) };
  }
}

/** The whole fold at once, for tests and small histories. */
export function takeOverAbandoned(
  config: CoordinatorConfig,
  coordinatorWorkflowId: string,
  abandoned: { carried?: CarriedState; facts: AbandonedFact[] },
  at: string,
): TakenOver {
  const fold = new TakeOverFold(
    config,
    coordinatorWorkflowId,
    undefined,
    abandoned.carried && { carried: abandoned.carried },
  );
  for (const fact of abandoned.facts) fold.add(fact);
  return fold.result(at);
}
