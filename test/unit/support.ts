/**
 * Builders shared by the unit tests of the pure coordinator core: configurations, states, events and the
 * bookkeeping a test needs to play the workflow shell (confirming starts, closing children).
 */
import type { CloseOutcome, CoordinatorInput, OpenSubmission } from '../../src/coordinator/messages';
import { expect } from 'vitest';
import type { AdoptedChild } from '../../src/coordinator/core/adoption';
import {
  initialState,
  type Command,
  type CoordinatorEvent,
  type CoordinatorState,
  type Decision,
} from '../../src/coordinator/core/state';
import { parseCoordinatorInput, type CoordinatorConfig } from '../../src/coordinator/core/validation';

export const COORDINATOR_ID = 'concurrency/p/k';

export function makeConfig(overrides: Partial<CoordinatorInput> = {}): CoordinatorConfig {
  const parsed = parseCoordinatorInput({
    policy: 'p',
    key: 'k',
    maxRuns: 1,
    limitStrategy: 'CANCEL_IN_PROGRESS',
    ...overrides,
  });
  if (!parsed.ok) throw new Error(`test config is invalid: ${parsed.problem.message}`);
  return parsed.value;
}

export function makeState(overrides: Partial<CoordinatorInput> = {}): CoordinatorState {
  return initialState(makeConfig(overrides), COORDINATOR_ID);
}

/** Workflow time `second` seconds after a fixed origin, so every decision has its own distinct timestamp. */
export function at(second: number): string {
  return new Date(Date.UTC(2025, 0, 1) + second * 1000).toISOString();
}

export function childId(submissionId: string): string {
  return `${COORDINATOR_ID}/${submissionId}`;
}

export function submitEvent(id: string, time = at(0), extra: Record<string, unknown> = {}): CoordinatorEvent {
  return { type: 'submit', payload: { id, workflowType: 'demoWork', args: [{ label: id }], ...extra }, at: time };
}

export function rawSubmit(payload: unknown, time = at(0)): CoordinatorEvent {
  return { type: 'submit', payload, at: time };
}

export function startedEvent(workflowId: string, time = at(0)): CoordinatorEvent {
  return { type: 'childStarted', workflowId, runId: `run-of-${workflowId}`, at: time };
}

export function closedEvent(workflowId: string, outcome: CloseOutcome, time = at(0)): CoordinatorEvent {
  return { type: 'childClosed', workflowId, outcome, at: time };
}

export function startFailedEvent(workflowId: string, reason: string, time = at(0)): CoordinatorEvent {
  return { type: 'childStartFailed', workflowId, reason, at: time };
}

/** Starting the child found its workflow ID in use; the shell then checks the running workflow's memo. */
export function conflictEvent(workflowId: string, time = at(0)): CoordinatorEvent {
  return { type: 'childStartConflict', workflowId, at: time };
}

/** The memo check found that the workflow holding the child's ID is not this submission's child. */
export function foreignEvent(
  workflowId: string,
  reason = 'held by a foreign workflow',
  time = at(0),
): CoordinatorEvent {
  return { type: 'childStartFailed', workflowId, reason, outcome: 'rejected', at: time };
}

export function waitingEvent(workflowId: string, reason: string | undefined, time = at(0)): CoordinatorEvent {
  return { type: 'childWaiting', workflowId, ...(reason !== undefined && { reason }), at: time };
}

export function coordinatorCancelledEvent(time = at(0)): CoordinatorEvent {
  return { type: 'coordinatorCancelled', at: time };
}

/** The childStarted events the shell would report for a decision's start commands. */
export function confirmations(commands: readonly Command[], time = at(0)): CoordinatorEvent[] {
  return startsOf(commands).map((run) => startedEvent(run.workflowId, time));
}

export function startsOf(commands: readonly Command[]): OpenSubmission[] {
  return commands.flatMap((command) => (command.type === 'start' ? [command.run] : []));
}

export function cancelsOf(commands: readonly Command[]): Extract<Command, { type: 'cancel' }>[] {
  return commands.flatMap((command) => (command.type === 'cancel' ? [command] : []));
}

/** Freezes a plain value all the way down, so any write to it by the code under test throws. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/** A decision that changed nothing: the same state, no commands and no starts left for the next decision. */
export function expectNoChange(decision: Decision, state: CoordinatorState): void {
  expect(decision.commands).toEqual([]);
  expect(decision.state).toEqual(state);
  expect(decision.deferredStarts ?? 0).toBe(0);
}

/** A running child found by its memo (adoption.ts): submission `id`, child `<coordinator>/<id>`, started at(0). */
export function adoptedChild(id: string, seq: number): AdoptedChild {
  return {
    workflowId: childId(id),
    runId: `run-${id}`,
    workflowType: 'demoWork',
    submissionId: id,
    seq,
    startedAt: at(0),
  };
}
