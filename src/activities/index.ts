/**
 * Activities registered by the library's worker. Workflows import this module as types only.
 *
 * @module
 */
import { Context } from '@temporalio/activity';
import type { PinnedPolicy } from '../coordinator/messages';
import type { TakenOver } from '../coordinator/take-over';
import type { CoordinatorConfig } from '../coordinator/validation';
import { composeReply, discardDraft } from './chat';
import { cleanUpAfterCancel, simulateWork } from './demo';
import { findAbandonedPredecessor, readAbandonedRun, type AbandonedPredecessor } from './recover';
import { sweepChildren, terminateChildren } from './sweep';

export type { ChatMessage } from './chat';
export type { SimulateWorkInput } from './demo';
export type { AbandonedPredecessor } from './recover';
export type { ChildToSweep, SweptChild } from './sweep';

/** Options of {@link createActivities}. */
export interface ActivitiesOptions {
  /**
   * Policies this worker pins, by policy name: their fields override what submitters send, and their allow-lists
   * reject submissions for other workflow types or task queues. Every worker polling a coordinator task queue must
   * pin the same policies.
   */
  pinnedPolicies?: Record<string, PinnedPolicy>;
}

/** What a coordinator run learns from its worker before it starts: the pinned policy and an abandoned predecessor. */
export interface RunPreparation {
  pinned?: PinnedPolicy;
  abandoned?: AbandonedPredecessor;
}

/** All activities of the library's worker, as one object for `Worker.create({ activities })`. */
export function createActivities(options: ActivitiesOptions = {}) {
  const pinnedPolicies = options.pinnedPolicies ?? {};
  return {
    simulateWork,
    cleanUpAfterCancel,
    composeReply,
    discardDraft,
    sweepChildren,
    terminateChildren,
    /** Local activity at the start of every coordinator run: one marker event answers both questions. */
    async prepareCoordinatorRun(input: {
      policy: string;
      /** Set for a fresh run (not a continue-as-new), which may have abandoned work to take over. */
      chain?: { workflowId: string; runId: string; originalExecutionRunId: string; chainStartTime: string };
    }): Promise<RunPreparation> {
      const pinned = Object.prototype.hasOwnProperty.call(pinnedPolicies, input.policy)
        ? pinnedPolicies[input.policy]
        : undefined;
      const abandoned = input.chain ? await findAbandonedPredecessor(Context.current().client, input.chain) : undefined;
      return { ...(pinned && { pinned }), ...(abandoned && { abandoned }) };
    },
    async readAbandonedRun(input: {
      workflowId: string;
      runId: string;
      config: CoordinatorConfig;
      pinned?: PinnedPolicy;
    }): Promise<TakenOver> {
      return readAbandonedRun(Context.current().client, input);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
