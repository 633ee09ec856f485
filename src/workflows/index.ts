/**
 * Entry point of the workflow bundle the library's worker runs.
 *
 * @module
 */
export { concurrencyCoordinator } from '../coordinator/workflow';
export { demoWork } from './demo-work';
export { chatReply } from './chat-reply';
