/**
 * The examples' workflows: `demoWork` (SPEC section 2, what the demo, the tests and the CLI example submit) and the
 * chat example's `chatReply`. Workers merge them with the coordinators through `withConcurrency`.
 *
 * @module
 */
export { demoWork, type DemoWorkInput, type DemoWorkResult } from './demo-work';
export { chatReply } from './chat-reply';
