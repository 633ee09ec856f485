import { defineConcurrencyPolicy } from 'temporal-concurrency';
import type { PreviewInput } from './activities';

// At most one preview per document: the newest edit wins, older renders are cancelled and clean up.
export const previewPolicy = defineConcurrencyPolicy({
  name: 'preview',
  maxRuns: 1,
  limitStrategy: 'CANCEL_IN_PROGRESS',
  key: (input: PreviewInput) => input.docId,
  childTaskQueue: process.env.PREVIEW_TASK_QUEUE, // where renderPreview runs; default: the coordinators' queue
});
