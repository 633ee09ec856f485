/**
 * Configuration that changes on purpose: every submission carries its policy's configuration as the submitter's code
 * says it now, and the coordinator applies the fields that changed at once (the next reconcile enforces them). A
 * worker's pinned policy wins over submitters. Pure; every change is recorded as a notice in `state`.
 */
import type { SubmitterConfig } from './wire';
import { withNotice, type CoordinatorState } from './state';
import { TUNABLE_FIELDS, type CoordinatorConfig } from './validation';

/** The tunable fields `source` sets (pinned policies also carry allow-lists, which are not configuration). */
export function tunableFieldsOf(source: SubmitterConfig | undefined): Partial<CoordinatorConfig> {
  const picked: Record<string, unknown> = {};
  for (const field of TUNABLE_FIELDS) {
    const value = (source as Record<string, unknown> | undefined)?.[field];
    if (value !== undefined) picked[field] = value;
  }
  return picked;
}

/** Applies `patch` (then the worker's pins on top) and records what changed, naming `source`. */
export function applyConfig(
  state: CoordinatorState,
  patch: SubmitterConfig,
  source: string,
  at: string,
): CoordinatorState {
  const next = { ...state.config, ...tunableFieldsOf(patch), ...tunableFieldsOf(state.pinned) };
  const changes = TUNABLE_FIELDS.filter((field) => next[field] !== state.config[field]).map(
    (field) => `${field} ${String(state.config[field])} → ${String(next[field])}`,
  );
  if (changes.length === 0) return state;
  return withNotice({ ...state, config: next }, at, `configuration changed by ${source}: ${changes.join(', ')}`);
}
