/**
 * Workflow interceptor for coordinated children: tells the coordinator a child closed (the `runClosed` signal), and
 * lets a superseded child show who superseded it (the `superseded` signal, into its memo and current details).
 *
 * The coordinator follows the children it started through their handles, but a child started by an earlier run
 * (before continue-as-new) has no handle in the current run; this signal reaches it by workflow ID. Installed on
 * the worker (see `concurrencyInterceptors`), so user workflows need no change. Workflows without the
 * coordinator's memo are passed through untouched.
 */
import {
  CancellationScope,
  ContinueAsNew,
  TemporalFailure,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setCurrentDetails,
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
  runClosedSignal,
  supersededSignal,
  type ChildMemo,
  type CloseOutcome,
  type Superseded,
} from '../coordinator/messages';

function coordinatorOf(memo: Record<string, unknown> | undefined): string | undefined {
  const entry = memo?.[CHILD_MEMO_KEY] as Partial<ChildMemo> | undefined;
  return typeof entry?.coordinatorWorkflowId === 'string' ? entry.coordinatorWorkflowId : undefined;
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
    const coordinatorWorkflowId = coordinatorOf(workflowInfo().memo);
    if (coordinatorWorkflowId === undefined) return next(input);
    setHandler(supersededSignal, recordSupersession);
    let outcome: CloseOutcome | undefined;
    try {
      const result = await next(input);
      outcome = 'completed';
      return result;
    } catch (err) {
      outcome = outcomeOfError(err);
      throw err;
    } finally {
      if (outcome !== undefined) await notify(coordinatorWorkflowId, outcome);
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
