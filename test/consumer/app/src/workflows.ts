import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';
import type { PreviewInput } from './activities';

const { renderPreviewImage } = proxyActivities<typeof activities>({
  startToCloseTimeout: '1 minute',
  heartbeatTimeout: '5 seconds',
});
const { discardPartialPreview } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

/** Renders a document's preview; a newer edit of the same document cancels it, and it cleans up. */
export async function renderPreview(input: PreviewInput): Promise<string> {
  try {
    return await renderPreviewImage(input);
  } catch (err) {
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => discardPartialPreview(input));
    throw err;
  }
}
