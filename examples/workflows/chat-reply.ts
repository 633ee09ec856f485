import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { ExampleActivities as Activities, ChatMessage } from '../activities';

const { composeReply, discardDraft } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '5 seconds',
});

/**
 * The seed's use case: one workflow per chat message, grouped by user, where only the newest message of a
 * user deserves a reply. Run it under a CANCEL_IN_PROGRESS policy keyed by `userId` (see `chatPolicy`).
 */
export async function chatReply(message: ChatMessage): Promise<string> {
  try {
    return await composeReply(message);
  } catch (err) {
    if (isCancellation(err)) await CancellationScope.nonCancellable(() => discardDraft(message));
    throw err;
  }
}
