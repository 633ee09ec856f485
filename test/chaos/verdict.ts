/** What the checker concludes: violations of the five invariants, numbered as in the chaos report. */
export const CHECK_NAMES = {
  1: 'limit',
  2: 'outcomes',
  3: 'foreign cancels',
  4: 'progress',
  5: 'one coordinator per key',
} as const;
export type CheckNumber = keyof typeof CHECK_NAMES;

export interface Violation {
  check: CheckNumber;
  message: string;
}

export function describeCheck(check: CheckNumber): string {
  return `${check} (${CHECK_NAMES[check]})`;
}
