import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

/** Cancels children with submitter-chosen IDs through the client, addressed by first run ID (see `cancelChildren`). */
export const { cancelChildren } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '10 seconds', maximumAttempts: 10 },
});
