/**
 * From `submit`'s flags to the library's `SubmitOptions`: a policy whose key is the one on the command line. Every
 * value is checked by the library itself (`defineConcurrencyPolicy`, `prepareSubmission`), so the CLI accepts exactly
 * what `submit()` from code does; what the flags cannot even express (JSON that does not parse, a number that is not
 * one, an unknown policy option) fails the same way, with a {@link ConcurrencyInputError} naming the flag.
 */
import { ConcurrencyInputError } from '../client/errors';
import { defineConcurrencyPolicy, type ConcurrencyPolicy } from '../client/policy';
import type { SubmitOptions } from '../client/submit';
import type { LimitStrategy, SlotRelease } from '../coordinator/messages';
import type { SubmitRequest } from './program';

/** Policy options `--policy-options` may set: those without a flag of their own. */
export const POLICY_OPTION_FIELDS = [
  'idleTimeoutMs',
  'sweepIntervalMs',
  'continueAsNewAfterEvents',
  'continueAsNewAfterSignals',
  'recentLimit',
  'dedupeWindow',
  'cancelGracePeriodMs',
  'maxArgsBytes',
  'maxQueuedBytes',
  'waitingChildTimeoutMs',
  'childTaskQueue',
] as const satisfies readonly (keyof ConcurrencyPolicy)[];

type PolicyOptions = Partial<Pick<ConcurrencyPolicy, (typeof POLICY_OPTION_FIELDS)[number]>>;

function parseJson(field: string, flag: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ConcurrencyInputError(field, `${flag} must be JSON: ${(err as Error).message}`, text);
  }
}

/** An integer flag; anything else is left for the library to name (it says what it expects). */
function integerOrText(value: string): number | string {
  return /^-?\d+$/.test(value.trim()) ? Number(value) : value;
}

function policyOptionsOf(text: string | undefined): PolicyOptions {
  if (text === undefined) return {};
  const options = parseJson('policyOptions', '--policy-options', text);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConcurrencyInputError('policyOptions', '--policy-options must be a JSON object', options);
  }
  const unknown = Object.keys(options).filter((name) => !(POLICY_OPTION_FIELDS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new ConcurrencyInputError(
      'policyOptions',
      `--policy-options has unknown option ${unknown.join(', ')}; known: ${POLICY_OPTION_FIELDS.join(', ')}`,
      options,
    );
  }
  // The values are the library's to check (defineConcurrencyPolicy), like every other flag's.
  return options;
}

function argsOf(text: string | undefined): unknown[] {
  if (text === undefined) return [];
  const args = parseJson('args', '--args', text);
  if (!Array.isArray(args)) {
    throw new ConcurrencyInputError(
      'args',
      `--args must be a JSON array of the workflow's arguments, e.g. '[${text}]', got ${typeof args}`,
      args,
    );
  }
  return args;
}

/**
 * The `submit()` options `submit`'s flags describe.
 *
 * @throws {@link ConcurrencyInputError} naming the first invalid value
 */
export function submitOptionsOf(request: SubmitRequest): SubmitOptions<(...args: unknown[]) => Promise<unknown>> {
  const { key } = request;
  const policy = defineConcurrencyPolicy<unknown>({
    ...policyOptionsOf(request.policyOptions),
    name: request.policy,
    // The key comes from the command line, not from the input: the run's arguments need not contain it.
    key: () => key,
    maxRuns: integerOrText(request.maxRuns) as number,
    limitStrategy: request.limitStrategy as LimitStrategy,
    ...(request.slotRelease !== undefined && { slotRelease: request.slotRelease as SlotRelease }),
    ...(request.coordinatorTaskQueue !== undefined && { taskQueue: request.coordinatorTaskQueue }),
  });
  return {
    policy,
    workflow: request.workflowType,
    args: argsOf(request.args),
    ...(request.id !== undefined && { id: request.id }),
    ...(request.workflowId !== undefined && { workflowId: request.workflowId }),
    ...(request.taskQueue !== undefined && { taskQueue: request.taskQueue }),
  };
}
