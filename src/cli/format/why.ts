import type { Explanation } from '../explain';
import { formatFields } from './table';

/** `why`'s answer as text: the sentence first, then the facts behind it and which source they came from. */
export function formatWhy(answer: Explanation): string {
  const fields = formatFields([
    ['coordinator', answer.coordinatorWorkflowId],
    [
      'child workflow',
      answer.childRunId ? `${answer.childWorkflowId} (run ${answer.childRunId})` : answer.childWorkflowId,
    ],
    ['status', answer.status],
    ['superseded by', answer.supersededBy],
    ['reason', answer.reason],
    ['seq', answer.seq],
    ['submitted', answer.submittedAt],
    ['started', answer.startedAt],
    ['cancel requested', answer.cancelRequestedAt],
    ['closed', answer.closedAt],
    ['answered by', `the ${answer.source}`],
  ]);
  const notes = answer.notes.map((note) => `note: ${note}`);
  return [`submission ${answer.submissionId}: ${answer.summary}`, fields, ...notes].join('\n');
}
