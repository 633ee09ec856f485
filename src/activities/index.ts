/**
 * Activities the coordinators need on their workers. Workflows import this module as types only.
 *
 * @module
 */
import { Context } from '@temporalio/activity';
import type {
  CoordinatorActivities,
  RunCheck,
  RunPreparation,
  RunPreparationInput,
} from '../coordinator/core/activity-contract';
import type { PinnedPolicy } from '../coordinator/messages';
import { adoptOrphanedChildren, findOrphanedChildren } from './orphans';
import {
  distrustedContinuation,
  findAbandonedPredecessor,
  readAbandonedRun,
  readIdleRun,
  resetBaseRunId,
} from './recover';
import { cancelChildren, sweepChildren, terminateChildren } from './sweep';

export type { AbandonedPredecessor } from './recover';
export type {
  ChildToSweep,
  CoordinatorActivities,
  RunCheck,
  RunPreparation,
  RunPreparationInput,
  SweptChild,
} from '../coordinator/core/activity-contract';

/** Options of {@link createActivities}. */
export interface ActivitiesOptions {
  /**
   * Policies this worker pins, by policy name: their fields override what submitters send, and their allow-lists
   * reject submissions for other workflow types or task queues. Every worker polling a coordinator task queue must
   * pin the same policies.
   */
  pinnedPolicies?: Record<string, PinnedPolicy>;
}

/** The activities coordinators run: `withConcurrency`/`createWorker` register them next to the application's. */
export function createActivities(options: ActivitiesOptions = {}): CoordinatorActivities {
  const pinnedPolicies = options.pinnedPolicies ?? {};
  const pinsOf = (policy: string): Pick<RunPreparation, 'pinned'> => {
    const pinned = Object.prototype.hasOwnProperty.call(pinnedPolicies, policy) ? pinnedPolicies[policy] : undefined;
    return { ...(pinned && { pinned }) };
  };
  return {
    sweepChildren,
    terminateChildren,
    cancelChildren,
    /**
     * The cheap part of a run's preparation, run as a local activity in the run's first workflow task: the pinned
     * policy, and whether there is anything to take over (a reset, or a predecessor that ended without handing over).
     * Only then does the run pay for `prepareCoordinatorRun`'s history fold in a regular activity.
     */
    async checkCoordinatorRun(input: RunPreparationInput): Promise<RunCheck> {
      const withPins = pinsOf(input.config.policy);
      const { client } = Context.current();
      if (input.runId !== input.originalExecutionRunId) return { takeOver: true, ...withPins };
      const distrusted = await distrustedContinuation(client, input);
      if (distrusted) return { takeOver: true, carriedDistrusted: distrusted, ...withPins };
      if (input.continued) return { takeOver: false, ...withPins };
      const predecessor = await findAbandonedPredecessor(client, input);
      if (predecessor) return { takeOver: true, ...withPins };
      // No earlier run (none, or deleted): children that outlived it still name this coordinator in their memo.
      const orphans = input.adoptOrphans ? await findOrphanedChildren(client, input.workflowId, new Set()) : [];
      return { takeOver: orphans.length > 0, ...withPins };
    },
    /**
     * Runs at the start of a coordinator run that `checkCoordinatorRun` found something to take over for (and of every
     * run of coordinators recorded before that check existed): the worker's pinned policy, and the state the run continues
     * with when it does not simply continue as new — the work of the run a reset replaced, of a predecessor that was
     * terminated, failed, timed out or cancelled, or the bookkeeping of one that completed idle.
     */
    async prepareCoordinatorRun(input: RunPreparationInput): Promise<RunPreparation> {
      const { client } = Context.current();
      const withPins = pinsOf(input.config.policy);
      const fold = { workflowId: input.workflowId, config: input.config, ...withPins };
      if (input.runId !== input.originalExecutionRunId) {
        // A reset replaced a run: its history knows the children it started after the reset point, which this run's
        // replayed signals do not. Its signals come again here and are recognised as duplicates.
        const base = (await resetBaseRunId(client, input.workflowId, input.runId)) ?? input.originalExecutionRunId;
        const takenOver = await readAbandonedRun(client, { ...fold, runId: base });
        return { ...withPins, takenOver, takenFrom: { runId: base, status: 'RESET' } };
      }
      const distrusted = await distrustedContinuation(client, input);
      if (input.continued && !distrusted) return withPins;
      const predecessor = await findAbandonedPredecessor(client, input);
      let takenOver =
        predecessor === undefined
          ? undefined
          : predecessor.status === 'COMPLETED'
            ? await readIdleRun(client, { ...fold, runId: predecessor.runId })
            : await readAbandonedRun(client, { ...fold, runId: predecessor.runId });
      if (input.adoptOrphans) takenOver = await adoptOrphanedChildren(client, input, takenOver);
      return {
        ...withPins,
        ...(distrusted && { carriedDistrusted: distrusted }),
        ...(takenOver && { takenOver }),
        ...(takenOver && predecessor && { takenFrom: predecessor }),
      };
    },
  };
}

export type Activities = CoordinatorActivities;
