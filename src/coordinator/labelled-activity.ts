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
export function labelledActivity<K extends keyof Activities>(
  name: K,
  options: ActivityOptions,
  summary: string,
): (version: RunVersion) => Activities[K] {
  const plain = proxyActivities<Activities>(options)[name];
  const labelled = proxyActivities<Activities>({ ...options, summary })[name];
  return (version) => (version >= 2 ? labelled : plain);
}

/** {@link labelledActivity} for a local activity. */
export function labelledLocalActivity<K extends keyof Activities>(
  name: K,
  options: LocalActivityOptions,
  summary: string,
): (version: RunVersion) => Activities[K] {
  const plain = proxyLocalActivities<Activities>(options)[name];
  const labelled = proxyLocalActivities<Activities>({ ...options, summary })[name];
  return (version) => (version >= 2 ? labelled : plain);
}
