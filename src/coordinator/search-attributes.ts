/**
 * The search attributes that make one key's runs findable in Temporal Web UI and the CLI:
 * `ConcurrencyKey = "doc-A"` lists the key's coordinator (and its children), whatever their workflow IDs.
 *
 * Both are `Keyword`, and both are optional: a namespace must have them registered before any workflow may carry
 * them (`temporal operator search-attribute create`, see the README), and the library never requires that. The client
 * sets them on a coordinator when the namespace has them and skips them, once detected, when it does not.
 *
 * No Node APIs here: workflow code (the coordinator, when it starts children) uses the same keys and values.
 *
 * @module
 */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { jsonBytes } from './core/limits';

/** `ConcurrencyPolicy` (Keyword): the policy's name. */
export const concurrencyPolicySearchAttribute = defineSearchAttributeKey(
  'ConcurrencyPolicy',
  SearchAttributeType.KEYWORD,
);

/** `ConcurrencyKey` (Keyword): the group key, as `policy.key(input)` returned it. */
export const concurrencyKeySearchAttribute = defineSearchAttributeKey('ConcurrencyKey', SearchAttributeType.KEYWORD);

/** Every search attribute the library sets: what a namespace registers, and what the dev server starts with. */
export const CONCURRENCY_SEARCH_ATTRIBUTES = [concurrencyPolicySearchAttribute, concurrencyKeySearchAttribute] as const;

/**
 * Longest value (its JSON payload, in bytes) the library puts in a search attribute. The server refuses any value over
 * `frontend.searchAttributesSizeOfValueLimit` (2 KB by default; a key may be 1,000 characters of up to 3 bytes each),
 * and SQL visibility stores keep custom Keyword values in 255-character columns. A longer value is left out, never
 * cut: a cut key would match the wrong equality query.
 */
export const MAX_SEARCH_ATTRIBUTE_VALUE_BYTES = 255;

/**
 * The `typedSearchAttributes` of a coordinator (or child) of `policy` and `key`: `ConcurrencyPolicy` and
 * `ConcurrencyKey`, each left out when its value is longer than {@link MAX_SEARCH_ATTRIBUTE_VALUE_BYTES}.
 */
export function concurrencySearchAttributes(policy: string, key: string): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [];
  for (const [attribute, value] of [
    [concurrencyPolicySearchAttribute, policy],
    [concurrencyKeySearchAttribute, key],
  ] as const) {
    if ((jsonBytes(value) ?? Infinity) <= MAX_SEARCH_ATTRIBUTE_VALUE_BYTES) pairs.push({ key: attribute, value });
  }
  return pairs;
}
