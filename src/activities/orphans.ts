/**
 * Children no history accounts for: the coordinator run that started them was deleted (`temporal workflow delete`, or
 * retention after a terminate), or a closed child was reset and runs again. They still say whose they are — their
 * parent is the coordinator's workflow ID and their memo names it and the submission — so a fresh run finds them in
 * visibility and counts them, instead of starting a second child beside them under the key's limit.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { CHILD_MEMO_KEY, type ChildMemo } from '../coordinator/messages';
import type { AdoptedChild } from '../coordinator/core/adoption';
import { TakeOverFold, type TakenOver } from '../coordinator/core/take-over';
import type { CoordinatorConfig } from '../coordinator/core/validation';
import type { PinnedPolicy } from '../coordinator/messages';

/** More running children than this under one coordinator is more than any limit allows: the rest wait a sweep. */
const MAX_ADOPTED = 1000;

/** The running children of `coordinatorWorkflowId` not in `known` whose memo names it (visibility, so eventually). */
export async function findOrphanedChildren(
  client: Client,
  coordinatorWorkflowId: string,
  known: ReadonlySet<string>,
): Promise<AdoptedChild[]> {
  const query = `ParentWorkflowId = ${JSON.stringify(coordinatorWorkflowId)} AND ExecutionStatus = "Running"`;
  const found: AdoptedChild[] = [];
  for await (const info of client.workflow.list({ query })) {
    if (known.has(info.workflowId)) continue;
    const child = adoptable(info, coordinatorWorkflowId);
    if (child) found.push(child);
    if (found.length >= MAX_ADOPTED) break;
  }
  return found;
}

/** The child's submission, if its memo proves it is this coordinator's child. */
function adoptable(info: WorkflowExecutionInfo, coordinatorWorkflowId: string): AdoptedChild | undefined {
  const memo = info.memo?.[CHILD_MEMO_KEY] as Partial<ChildMemo> | undefined;
  if (memo?.coordinatorWorkflowId !== coordinatorWorkflowId) return undefined;
  if (typeof memo.submissionId !== 'string' || typeof memo.seq !== 'number' || !Number.isInteger(memo.seq)) {
    return undefined;
  }
  return {
    workflowId: info.workflowId,
    // The chain's first run: the coordinator cancels a chosen-ID child by it (see cancelChild in the workflow).
    runId: info.raw.firstRunId || info.runId,
    workflowType: info.type,
    submissionId: memo.submissionId,
    seq: memo.seq,
    startedAt: info.startTime.toISOString(),
  };
}

/** `takenOver` (or a fresh state) with the orphaned children adopted as running. */
export async function adoptOrphanedChildren(
  client: Client,
  input: { workflowId: string; config: CoordinatorConfig; pinned?: PinnedPolicy },
  takenOver: TakenOver | undefined,
): Promise<TakenOver | undefined> {
  const known = new Set(takenOver?.carried.runs.map((run) => run.workflowId) ?? []);
  const orphans = await findOrphanedChildren(client, input.workflowId, known);
  if (orphans.length === 0) return takenOver;
  const fold = new TakeOverFold(input.config, input.workflowId, input.pinned, takenOver);
  const at = new Date().toISOString();
  fold.adopt(orphans, at);
  return fold.result(at);
}
