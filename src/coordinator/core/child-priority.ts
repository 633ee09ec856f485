/**
 * The Temporal priority a child is started with (the childPriority behaviour): the submission's `priority` as the
 * task queue's `priorityKey`, and the key as the `fairnessKey`, so that a worker shared by many keys dispatches their
 * children's tasks fairly among keys — Temporal's Priority & Fairness weights dispatch; the coordinator caps and
 * queues whole runs. Both are set only where they mean something: no `priorityKey` means "inherit, else the default".
 */
import { utf8Length } from './limits';
import { sha256Hex } from './sha256';

/** Temporal refuses longer fairness keys. */
export const MAX_FAIRNESS_KEY_BYTES = 64;

/** A child's Temporal priority, in the SDK's shape. */
export interface ChildPriority {
  priorityKey?: number;
  fairnessKey: string;
}

/**
 * The key itself when it fits in 64 bytes, else `~` and the first 32 hex digits of its sha256 (the coordinator ID's
 * own scheme for long keys), so one key always has one fairness key and two long keys almost never share one.
 */
export function fairnessKeyOf(key: string): string {
  return utf8Length(key) <= MAX_FAIRNESS_KEY_BYTES ? key : `~${sha256Hex(key).slice(0, 32)}`;
}

export function childPriorityOf(priority: number | undefined, key: string): ChildPriority {
  return { ...(priority !== undefined && { priorityKey: priority }), fairnessKey: fairnessKeyOf(key) };
}
