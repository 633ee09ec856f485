/**
 * The search attributes `ConcurrencyPolicy` and `ConcurrencyKey` (Keyword): `ConcurrencyKey = "doc-A"` in Web UI or
 * `temporal workflow list --query` finds one key's coordinator and children, which a workflow ID prefix cannot (a
 * prefix also matches longer keys, and children may have IDs the submitter chose).
 *
 * They are never required. `submit()` sets them on the coordinator when the namespace has them registered; the
 * coordinator passes the ones it was started with on to its children, so a namespace without them costs nothing and a
 * coordinator started without them (the plain `temporal` CLI) starts its children without them too.
 */
import { SearchAttributeType, defineSearchAttributeKey, type SearchAttributePair } from '@temporalio/common';

export const CONCURRENCY_POLICY_ATTRIBUTE = defineSearchAttributeKey('ConcurrencyPolicy', SearchAttributeType.KEYWORD);
export const CONCURRENCY_KEY_ATTRIBUTE = defineSearchAttributeKey('ConcurrencyKey', SearchAttributeType.KEYWORD);

/** The attributes a coordinator hands on to its children: those of the two it carries itself. */
export function childSearchAttributes(
  coordinator: { get(key: typeof CONCURRENCY_KEY_ATTRIBUTE): string | undefined } | undefined,
): SearchAttributePair[] {
  return [CONCURRENCY_POLICY_ATTRIBUTE, CONCURRENCY_KEY_ATTRIBUTE].flatMap((key): SearchAttributePair[] => {
    const value = coordinator?.get(key);
    return value === undefined ? [] : [{ key, value }];
  });
}
