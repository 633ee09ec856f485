/**
 * Activities registered by the library's worker. Workflows import this module as types only.
 *
 * @module
 */
import { composeReply, discardDraft } from './chat';
import { cleanUpAfterCancel, simulateWork } from './demo';
import { findAbandonedPredecessor, readAbandonedRun } from './recover';
import { sweepChildren, terminateStuckChildren } from './sweep';

export type { ChatMessage } from './chat';
export type { SimulateWorkInput } from './demo';
export type { AbandonedPredecessor } from './recover';
export type { SweptChild } from './sweep';

/** All activities of the library's worker, as one object for `Worker.create({ activities })`. */
export function createActivities() {
  return {
    simulateWork,
    cleanUpAfterCancel,
    composeReply,
    discardDraft,
    sweepChildren,
    terminateStuckChildren,
    findAbandonedPredecessor,
    readAbandonedRun,
  };
}

export type Activities = ReturnType<typeof createActivities>;
