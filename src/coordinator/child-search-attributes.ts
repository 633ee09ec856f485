/**
 * The search attributes a coordinator hands on to its children (`search-attributes.ts`): `ConcurrencyKey =
 * "doc-A"` then finds a key's children too, whatever their workflow IDs.
 *
 * A namespace without them registered refuses any workflow start that carries them, so the coordinator never decides
 * on its own to set them: it passes on the ones it was started with. `submit()` sets them only when the namespace has
 * them; a coordinator started without them (the plain `temporal` CLI, or a namespace without them) starts its children
 * without them too.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { CONCURRENCY_SEARCH_ATTRIBUTES } from './search-attributes';

type Attribute = (typeof CONCURRENCY_SEARCH_ATTRIBUTES)[number];

/** Of the library's attributes, those the coordinator carries itself, for its children's start. */
export function childSearchAttributes(
  coordinator: { get(key: Attribute): string | undefined } | undefined,
): SearchAttributePair[] {
  return CONCURRENCY_SEARCH_ATTRIBUTES.flatMap((key): SearchAttributePair[] => {
    const value = coordinator?.get(key);
    return value === undefined ? [] : [{ key, value }];
  });
}
