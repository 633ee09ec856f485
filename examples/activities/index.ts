/**
 * The examples' activities: `demoWork`'s heartbeating work and cleanup, the chat example's reply drafting.
 *
 * @module
 */
import { composeReply, discardDraft } from './chat';
import { cleanUpAfterCancel, simulateWork } from './demo';

export type { ChatMessage } from './chat';
export type { SimulateWorkInput } from './demo';

export const exampleActivities = { simulateWork, cleanUpAfterCancel, composeReply, discardDraft };

export type ExampleActivities = typeof exampleActivities;
