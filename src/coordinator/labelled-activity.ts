import {
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { CoordinatorActivities as Activities } from './core/activity-contract';
import type { Behaviours } from './behaviours';

/**
 * An activity of the coordinator of a run with describeInWebUi carries a summary, so Web UI's timeline says what it is
 * for ("sweep: …") instead of only its type; runs of earlier behaviour replay with the proxy they were recorded with.
 * The summary is fixed per proxy (SDK 1.13 has no per-call options), hence one proxy per activity.
 */
function labelled<O extends { summary?: string }, K extends keyof Activities>(
  proxy: (options: O) => Activities,
  name: K,
  options: O,
  summary: string,
): (behaviours: Behaviours) => Activities[K] {
  const plain = proxy(options)[name];
  const withSummary = proxy({ ...options, summary })[name];
  return (behaviours) => (behaviours.has('describeInWebUi') ? withSummary : plain);
}

export function labelledActivity<K extends keyof Activities>(name: K, options: ActivityOptions, summary: string) {
  return labelled((o: ActivityOptions) => proxyActivities<Activities>(o), name, options, summary);
}

/** {@link labelledActivity} for a local activity. */
export function labelledLocalActivity<K extends keyof Activities>(
  name: K,
  options: LocalActivityOptions,
  summary: string,
) {
  return labelled((o: LocalActivityOptions) => proxyLocalActivities<Activities>(o), name, options, summary);
}
