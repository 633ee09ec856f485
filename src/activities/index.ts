/**
 * Activities registered by the library's worker. Workflows import this module as types only.
 *
 * @module
 */
import { composeReply, discardDraft } from './chat';
import { cleanUpAfterCancel, simulateWork } from './demo';
import { findAbandonedPredecessor, recoverAbandonedState } from './recover';
import { sweepChildren, terminateStuckChildren } from './sweep';

export type { ChatMessage } from './chat';
export type { SimulateWorkInput } from './demo';
export type { AbandonedRun, AbandonedState } from './recover';
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
    recoverAbandonedState,
  };
}

export type Activities = ReturnType<typeof createActivities>;
