import {
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { RunVersion } from './run-version';

/**
 * An activity of the coordinator that runs from behaviour 2 on carry a summary, so Web UI's timeline says what it is
 * for ("sweep: …") instead of only its type; runs of earlier behaviour replay with the proxy they were recorded with.
 * The summary is fixed per proxy (SDK 1.13 has no per-call options), hence one proxy per activity.
 */
function labelled<O extends { summary?: string }, K extends keyof Activities>(
  proxy: (options: O) => Activities,
  name: K,
  options: O,
  summary: string,
): (version: RunVersion) => Activities[K] {
  const plain = proxy(options)[name];
  const withSummary = proxy({ ...options, summary })[name];
  return (version) => (version >= 2 ? withSummary : plain);
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
