import type { ChatMessage } from './activities';
import { defineConcurrencyPolicy } from '../src';

/** The seed's example: one reply workflow per chat message, newest message per user wins. */
export const chatPolicy = defineConcurrencyPolicy({
  name: 'chat',
  maxRuns: 1,
  limitStrategy: 'CANCEL_IN_PROGRESS',
  key: (message: ChatMessage) => message.userId,
});
