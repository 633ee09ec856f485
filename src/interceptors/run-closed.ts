/**
 * Workflow interceptor for coordinated children: tells the coordinator a child closed (the `runClosed` signal), and
 * lets a superseded child show who superseded it (the `superseded` signal, into its memo and current details).
 *
 * The coordinator follows the children it started through their handles, but a child started by an earlier run
 * (before continue-as-new) has no handle in the current run; `runClosed` reaches it by workflow ID. Children of
 * current coordinators (memo `reportClose: 'when-asked'`) send it only once a run that did not start them asked
 * (`reportClose`): the run that started a child hears of its close through the handle, and a signal it ignores would
 * cost it an event, a workflow task and a billed Action. Children of earlier coordinators always send it. Installed on
 * the worker (see `concurrencyInterceptors`), so user workflows need no change. Workflows without the coordinator's
 * memo are passed through untouched.
 */
import {
  CancellationScope,
  ContinueAsNew,
  TemporalFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  sleep,
  setHandler,
  upsertMemo,
  workflowInfo,
  type Next,
  type WorkflowExecuteInput,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptorsFactory,
} from '@temporalio/workflow';
import {
  CHILD_MEMO_KEY,
  reportCloseSignal,
  runClosedSignal,
  supersededSignal,
  type ChildMemo,
  type CloseOutcome,
  type Superseded,
} from '../coordinator/messages';
import { summaryText } from '../coordinator/core/limits';

/**
 * `patched()` ID of the timeline note: a child recorded before it replays without the timer. Asked only when a
 * `superseded` signal comes, so children that are never superseded record nothing.
 */
export const SUPERSEDED_TIMELINE_PATCH = 'show-superseded-on-timeline';

/** Long enough that the note never fires before a cancelled child closes; if it does, it wakes the child once. */
const TIMELINE_NOTE_MS = 60 * 60 * 1000;

function childMemoOf(memo: Record<string, unknown> | undefined): Partial<ChildMemo> | undefined {
  const entry = memo?.[CHILD_MEMO_KEY] as Partial<ChildMemo> | undefined;
  return typeof entry?.coordinatorWorkflowId === 'string' ? entry : undefined;
}

/**
 * The outcome a thrown error gives the workflow, or undefined when the workflow does not close: continue-as-new
 * keeps it open, and a non-Temporal error fails only the workflow task, which the server retries.
 */
function outcomeOfError(err: unknown): CloseOutcome | undefined {
  if (err instanceof ContinueAsNew) return undefined;
  if (isCancellation(err)) return 'cancelled';
  if (err instanceof TemporalFailure) return 'failed';
  return undefined;
}

class RunClosedInterceptor implements WorkflowInboundCallsInterceptor {
  async execute(input: WorkflowExecuteInput, next: Next<WorkflowInboundCallsInterceptor, 'execute'>): Promise<unknown> {
    const memo = childMemoOf(workflowInfo().memo);
    if (memo?.coordinatorWorkflowId === undefined) return next(input);
    const coordinatorWorkflowId = memo.coordinatorWorkflowId;
    setHandler(supersededSignal, recordSupersession);
    // Decided by the memo the child was started with, so a replay decides the same.
    let reportClose = memo.reportClose !== 'when-asked';
    setHandler(reportCloseSignal, () => {
      reportClose = true;
    });
    let outcome: CloseOutcome | undefined;
    try {
      const result = await next(input);
      outcome = 'completed';
      return result;
    } catch (err) {
      outcome = outcomeOfError(err);
      throw err;
    } finally {
      if (outcome !== undefined && reportClose) await notify(coordinatorWorkflowId, outcome);
    }
  }
}

/** Makes a superseded child show why it is being cancelled: in its memo and its current details in the Web UI. */
function recordSupersession(superseded: Superseded): void {
  const memo = workflowInfo().memo?.[CHILD_MEMO_KEY] as ChildMemo | undefined;
  upsertMemo({ [CHILD_MEMO_KEY]: { ...memo, supersededBy: superseded.supersededBy } });
  setCurrentDetails(
    `Cancelled by **${superseded.coordinatorWorkflowId}**: submission \`${superseded.submissionId}\` ` +
      `was superseded by the newer submission \`${superseded.supersededBy}\`.`,
  );
  if (patched(SUPERSEDED_TIMELINE_PATCH)) noteOnTimeline(superseded);
}

/**
 * Names the superseding submission on the child's first screen in Web UI, its timeline: a timer is the one command
 * whose summary Web UI 2.54 shows there (a signal's or a local activity's is not, and the SDK's cancel request carries
 * no reason). The timer only labels a row; the child closes long before it fires.
 */
function noteOnTimeline(superseded: Superseded): void {
  const summary = summaryText(
    `superseded by ${superseded.supersededBy} · cancelled by ${superseded.coordinatorWorkflowId}`,
  );
  CancellationScope.nonCancellable(() => sleep(TIMELINE_NOTE_MS, { summary })).catch((err: unknown) =>
    log.debug('timeline note did not run', { error: String(err) }),
  );
}

async function notify(coordinatorWorkflowId: string, outcome: CloseOutcome): Promise<void> {
  // Non-cancellable: a cancelled child must still report that it closed.
  await CancellationScope.nonCancellable(async () => {
    try {
      await getExternalWorkflowHandle(coordinatorWorkflowId).signal(runClosedSignal, {
        workflowId: workflowInfo().workflowId,
        outcome,
      });
    } catch (err) {
      // The coordinator may have completed (idle) or been terminated; the child's own outcome stands.
      log.warn('could not signal runClosed to coordinator', { coordinatorWorkflowId, error: String(err) });
    }
  });
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new RunClosedInterceptor()] });
