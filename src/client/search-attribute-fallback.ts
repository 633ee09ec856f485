/**
 * Sending a coordinator's search attributes only where the namespace takes them. A namespace without
 * `ConcurrencyPolicy`/`ConcurrencyKey` registered refuses every start that carries them (INVALID_ARGUMENT,
 * "Namespace default has no mapping defined for search attribute ConcurrencyPolicy"), so the first refusal is
 * remembered per connection and namespace, and that submission and every later one go without them: a submission
 * never fails for want of an optional index.
 */
import type { Client } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { CONCURRENCY_SEARCH_ATTRIBUTES } from '../coordinator/search-attributes';

/** gRPC's INVALID_ARGUMENT, the status the server refuses unknown or ill-typed search attributes with. */
const INVALID_ARGUMENT = 3;

/**
 * Matches the server's messages about one of the library's attributes, whatever the visibility store:
 * "Namespace <ns> has no mapping defined for search attribute ConcurrencyPolicy" (SQL, the dev server),
 * "search attribute ConcurrencyKey is not defined" (Elasticsearch), "invalid value for search attribute
 * ConcurrencyKey of type Int" (registered with another type), "search attribute ConcurrencyKey value size … exceeds
 * size limit" (a lowered limit).
 */
const REFUSAL = new RegExp(`search attribute (${CONCURRENCY_SEARCH_ATTRIBUTES.map((a) => a.name).join('|')})\\b`);

/** The message of the cause of `err` that refuses the library's search attributes, if one does. */
function refusalIn(err: unknown): string | undefined {
  for (let cause = err; cause instanceof Error; cause = cause.cause) {
    if ((cause as { code?: unknown }).code === INVALID_ARGUMENT && REFUSAL.test(cause.message)) return cause.message;
  }
  return undefined;
}

/**
 * Whether `err` (or a cause of it) is the server refusing the library's search attributes: INVALID_ARGUMENT naming
 * `ConcurrencyPolicy` or `ConcurrencyKey`. Nothing else (another attribute, another status, the signal cap) counts.
 */
export function isSearchAttributeRefusal(err: unknown): boolean {
  return refusalIn(err) !== undefined;
}

/** Namespaces that refused the attributes, per connection (a stand-in client without one is its own key). */
const refusedBy = new WeakMap<object, Set<string>>();

function refusalsOf(client: Client): { namespace: string; refused: Set<string> } {
  const { connection, options } = client as Partial<Pick<Client, 'connection' | 'options'>>;
  const owner: object = connection ?? client;
  let refused = refusedBy.get(owner);
  if (!refused) refusedBy.set(owner, (refused = new Set()));
  return { namespace: options?.namespace ?? 'default', refused };
}

/** Whether `client`'s namespace is known to refuse the library's search attributes. */
export function searchAttributesRefused(client: Client): boolean {
  const { namespace, refused } = refusalsOf(client);
  return refused.has(namespace);
}

/**
 * Runs `send` with `attributes`, unless the client's namespace is known to refuse them; if the server refuses them
 * now, remembers that (one Node warning per connection and namespace) and runs `send` again without them. Any other
 * error is `send`'s own and propagates.
 */
export async function sendWithSearchAttributes<T>(
  client: Client,
  attributes: SearchAttributePair[],
  send: (attributes: SearchAttributePair[] | undefined) => Promise<T>,
): Promise<T> {
  const { namespace, refused } = refusalsOf(client);
  if (attributes.length === 0 || refused.has(namespace)) return send(undefined);
  try {
    return await send(attributes);
  } catch (err) {
    const refusal = refusalIn(err);
    if (refusal === undefined) throw err;
    if (!refused.has(namespace)) {
      refused.add(namespace);
      process.emitWarning(
        `namespace ${namespace} refused the search attributes ${CONCURRENCY_SEARCH_ATTRIBUTES.map((a) => a.name).join(
          ' and ',
        )} (${refusal}); submitting without them from now on. Register them (Keyword) to find runs by key.`,
        { type: 'TemporalConcurrencyWarning', code: 'TEMPORAL_CONCURRENCY_SEARCH_ATTRIBUTES' },
      );
    }
    return send(undefined);
  }
}
