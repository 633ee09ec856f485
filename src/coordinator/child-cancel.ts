import { labelledActivity } from './labelled-activity';

/** Cancels children with submitter-chosen IDs through the client, addressed by first run ID (see `cancelChildren`). */
export const cancelChildren = labelledActivity(
  'cancelChildren',
  { startToCloseTimeout: '30 seconds', retry: { maximumInterval: '10 seconds', maximumAttempts: 10 } },
  'cancel a child that continued as new, by its first run ID',
);
