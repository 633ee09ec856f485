/**
 * Thrown by the client before any network call when an input cannot be right. `field` names the offending
 * field (e.g. `maxRuns`, `key`, `args`), `value` is what was given.
 */
export class ConcurrencyInputError extends TypeError {
  override readonly name = 'ConcurrencyInputError';

  constructor(
    readonly field: string,
    message: string,
    readonly value?: unknown,
  ) {
    super(message);
  }
}
