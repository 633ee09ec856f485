import { Context } from '@temporalio/activity';

export interface PreviewInput {
  docId: string;
  text: string;
}

/** Renders a preview, heartbeating so that a cancellation reaches it within a second. */
export async function renderPreviewImage(input: PreviewInput): Promise<string> {
  const context = Context.current();
  for (let step = 0; step < 20; step++) {
    await context.sleep(100); // throws once the run is cancelled
    context.heartbeat(step);
  }
  return `preview of ${input.docId}: ${input.text.length} characters`;
}

/** Cleanup a cancelled run performs: a superseded preview must not be left half-written. */
export async function discardPartialPreview(input: PreviewInput): Promise<void> {
  Context.current().log.info('discarded partial preview', { docId: input.docId });
}
