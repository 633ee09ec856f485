import { Client } from '@temporalio/client';
import { getSubmissionStatus, submit, type SubmitResult } from 'temporal-concurrency';
import { previewPolicy } from './policy';
import type { renderPreview } from './workflows';

/** Every edit of a document asks for a new preview; the coordinator cancels the one in progress. */
export async function onDocumentEdited(client: Client, docId: string, text: string): Promise<SubmitResult> {
  return submit<typeof renderPreview>(client, {
    policy: previewPolicy,
    workflow: 'renderPreview',
    args: [{ docId, text }],
  });
}

/** Where a preview stands: queued, running, cancelling, completed, cancelled (and by whom), dropped… */
export async function previewStatus(client: Client, submitted: SubmitResult): Promise<string> {
  const status = await getSubmissionStatus(client, submitted);
  return status.status;
}
