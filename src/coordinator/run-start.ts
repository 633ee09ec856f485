/**
 * The first thing a coordinator run does: decide what it may believe of its start input (start-input.ts) and either
 * refuse to run — visibly, with every submission that reached it rejected — or build the state it starts from.
 */
import { ApplicationFailure, setHandler, workflowInfo } from '@temporalio/workflow';
import { now } from './clock';
import { stateQuery, type CoordinatorInput } from './messages';
import type { Behaviours } from './behaviours';
import { continuedAsNew, refusedState, runStartConfig, type RunStartConfig } from './core/start-input';
import { initialState, toView, withNotice, type CoordinatorEvent, type CoordinatorState } from './core/state';
import { parseCoordinatorInput, type Vocabulary } from './core/validation';

export interface RunBeginning {
  state: CoordinatorState;
  /** The run continues as new from a run of its chain (trustOnlyContinueAsNew: as the server records it). */
  continued: boolean;
  /** The carried state the run believes, if any. */
  carried: CoordinatorInput['carried'];
}

/** Behaviours 1 and 2: an invalid start input fails the run, and its submissions are only named in the failure. */
function legacyStartConfig(input: CoordinatorInput): RunStartConfig {
  const parsed = parseCoordinatorInput(input, 'cancel-in-progress');
  if (parsed.ok) return { ok: true, config: parsed.value };
  return {
    ok: false,
    failureType: 'InvalidCoordinatorInput',
    field: parsed.problem.field,
    message: `invalid coordinator input: ${parsed.problem.message}`,
  };
}

/** The run's starting state, or a thrown, non-retryable refusal (the submissions in `inbox` rejected with it). */
export function beginRun(
  input: CoordinatorInput,
  inbox: readonly CoordinatorEvent[],
  behaviours: Behaviours,
): RunBeginning {
  const info = workflowInfo();
  const submits = inbox.flatMap((event) => (event.type === 'submit' ? [event.payload] : []));
  // strategySet, timedQueue: what a run understands; one replayed from before either parses as it did then.
  const vocabulary: Vocabulary = behaviours.has('timedQueue')
    ? 'full'
    : behaviours.has('strategySet')
      ? 'strategy-set'
      : 'cancel-in-progress';
  const start = behaviours.has('refuseUntrustedStart')
    ? runStartConfig(input, submits, info.workflowId, vocabulary)
    : legacyStartConfig(input);
  if (!start.ok) {
    // Refuse visibly rather than hold a key with a limit nobody meant, or a second limit for one key. The
    // submissions that came with it are rejected with the reason, which the state query tells their submitters.
    const refused = refusedState(input, info.workflowId, submits, start.message, now(), vocabulary);
    if (behaviours.has('refuseUntrustedStart')) setHandler(stateQuery, () => toView(refused));
    throw ApplicationFailure.create({
      type: start.failureType,
      message: start.message,
      nonRetryable: true,
      details: [
        {
          ...(start.field !== undefined && { field: start.field }),
          ...(start.canonicalWorkflowId !== undefined && { canonicalWorkflowId: start.canonicalWorkflowId }),
          rejectedSubmissions: refused.recent.map((run) => run.id),
        },
      ],
    });
  }
  // trustOnlyContinueAsNew: only a continue-as-new (which the server records, and no client can make) hands a run its state.
  const continued = behaviours.has('trustOnlyContinueAsNew') ? continuedAsNew(info) : input.carried !== undefined;
  const carried = continued ? input.carried : undefined;
  let state: CoordinatorState = {
    ...initialState(start.config, info.workflowId, carried),
    taskQueue: info.taskQueue,
    ...(vocabulary !== 'full' && { vocabulary }),
  };
  if (input.carried !== undefined && !continued) {
    state = withNotice(
      state,
      now(),
      'ignored the carried state of a start input: only a continue-as-new carries state',
    );
  }
  if (behaviours.has('refuseUntrustedStart') && start.repairedBy) {
    const { submissionId, problem } = start.repairedBy;
    state = withNotice(
      state,
      now(),
      `invalid start input (${problem.message}): configured by submission ${submissionId}`,
    );
  }
  return { state, continued, carried };
}
