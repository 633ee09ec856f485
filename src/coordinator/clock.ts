/** Workflow time as ISO-8601: `Date` is deterministic in the workflow sandbox, the time of the current task. */
export function now(): string {
  return new Date(Date.now()).toISOString();
}
