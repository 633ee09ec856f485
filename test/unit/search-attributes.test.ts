/**
 * The search attributes `submit()` sets on a coordinator (`ConcurrencyPolicy`, `ConcurrencyKey`) and what it does when
 * the namespace refuses them: recognise the refusal, remember it per connection and namespace, send again without
 * them. No server: stand-in clients throw the errors the real server was seen to return
 * (test/integration/search-attributes.test.ts checks against real dev servers).
 */
import { Client, ServiceError } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';
import { submit, type ConcurrencyPolicy } from '../../src/client';
import {
  isSearchAttributeRefusal,
  searchAttributesRefused,
  sendWithSearchAttributes,
} from '../../src/client/search-attribute-fallback';
import {
  CONCURRENCY_SEARCH_ATTRIBUTES,
  MAX_SEARCH_ATTRIBUTE_VALUE_BYTES,
  concurrencyKeySearchAttribute,
  concurrencyPolicySearchAttribute,
  concurrencySearchAttributes,
} from '../../src/coordinator/search-attributes';

/** How the client reports a refusal: a ServiceError whose cause is the gRPC error (code 3 = INVALID_ARGUMENT). */
function serverError(message: string, code = 3): ServiceError {
  const grpc = Object.assign(new Error(`${code} INVALID_ARGUMENT: ${message}`), { code, details: message });
  return new ServiceError('Failed to signalWithStart Workflow', { cause: grpc });
}

const NO_MAPPING = 'Namespace default has no mapping defined for search attribute ConcurrencyPolicy';

/** Options of each signalWithStart; refuses the ones that carry search attributes while `refuse` is true. */
function stubClient({
  refuse = false,
  namespace = 'default',
  connection = {},
}: { refuse?: boolean; namespace?: string; connection?: object } = {}) {
  const sent: { typedSearchAttributes?: SearchAttributePair[] }[] = [];
  const client = {
    connection,
    options: { namespace },
    workflow: {
      signalWithStart(_type: string, options: { workflowId: string; typedSearchAttributes?: SearchAttributePair[] }) {
        sent.push(options);
        if (refuse && options.typedSearchAttributes) return Promise.reject(serverError(NO_MAPPING));
        return Promise.resolve({ workflowId: options.workflowId });
      },
    },
  };
  return { client: client as unknown as Client, sent };
}

const policy: ConcurrencyPolicy<{ doc: string }> = {
  name: 'preview',
  maxRuns: 1,
  limitStrategy: 'CANCEL_IN_PROGRESS',
  key: (input) => input.doc,
};

const submitDoc = (client: Client, doc: string, id: string) =>
  submit(client, { policy, workflow: 'renderPreview', args: [{ doc }], id });

let warnings: MockInstance;
beforeEach(() => {
  warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
});
afterEach(() => {
  warnings.mockRestore();
});

describe('the search attributes', () => {
  it('are ConcurrencyPolicy and ConcurrencyKey, both Keyword', () => {
    expect(CONCURRENCY_SEARCH_ATTRIBUTES.map(({ name, type }) => `${name}=${type}`)).toEqual([
      'ConcurrencyPolicy=KEYWORD',
      'ConcurrencyKey=KEYWORD',
    ]);
  });

  it('carry the policy name and the key', () => {
    expect(concurrencySearchAttributes('preview', 'doc-A')).toEqual([
      { key: concurrencyPolicySearchAttribute, value: 'preview' },
      { key: concurrencyKeySearchAttribute, value: 'doc-A' },
    ]);
  });

  it('leave out a value whose JSON is over 255 bytes, never cut it (a cut key would match the wrong query)', () => {
    const longest = 'k'.repeat(MAX_SEARCH_ATTRIBUTE_VALUE_BYTES - 2); // plus the JSON quotes
    expect(concurrencySearchAttributes('preview', longest).map((pair) => pair.value)).toEqual(['preview', longest]);
    expect(concurrencySearchAttributes('preview', `${longest}k`).map((pair) => pair.key.name)).toEqual([
      'ConcurrencyPolicy',
    ]);
    // 100 characters of 3 UTF-8 bytes each: short in characters, long in bytes.
    expect(concurrencySearchAttributes('preview', '文'.repeat(100)).map((pair) => pair.key.name)).toEqual([
      'ConcurrencyPolicy',
    ]);
    // Escapes count: 130 quotes are 262 bytes of JSON.
    expect(concurrencySearchAttributes('preview', '"'.repeat(130)).map((pair) => pair.key.name)).toEqual([
      'ConcurrencyPolicy',
    ]);
  });
});

describe('isSearchAttributeRefusal', () => {
  it.each([
    ['no mapping (SQL visibility, the dev server)', NO_MAPPING],
    ['not defined (Elasticsearch)', 'search attribute ConcurrencyKey is not defined'],
    ['registered with another type', 'invalid value for search attribute ConcurrencyKey of type Int: "doc-A"'],
    ['a value over the size limit', 'search attribute ConcurrencyKey value size 2050 exceeds size limit 2048'],
  ])('recognises %s', (_what, message) => {
    expect(isSearchAttributeRefusal(serverError(message))).toBe(true);
  });

  it.each([
    ['another attribute', 'Namespace default has no mapping defined for search attribute CustomerId'],
    ['a longer name', 'Namespace default has no mapping defined for search attribute ConcurrencyKeyV2'],
    ['the signal cap', 'exceeded workflow execution limit for signal events'],
  ])('ignores %s', (_what, message) => {
    expect(isSearchAttributeRefusal(serverError(message))).toBe(false);
  });

  it('needs INVALID_ARGUMENT: the same words under another status are something else', () => {
    expect(isSearchAttributeRefusal(serverError(NO_MAPPING, 14))).toBe(false);
    expect(isSearchAttributeRefusal(new Error(NO_MAPPING))).toBe(false);
    expect(isSearchAttributeRefusal(NO_MAPPING)).toBe(false);
  });
});

describe('submit() on a namespace', () => {
  it('with the attributes registered: sends them', async () => {
    const { client, sent } = stubClient();
    await submitDoc(client, 'doc-A', 'm-1');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.typedSearchAttributes).toEqual(concurrencySearchAttributes('preview', 'doc-A'));
    expect(warnings).not.toHaveBeenCalled();
  });

  it('without them: the refused submission goes again without them, and later ones skip them', async () => {
    const { client, sent } = stubClient({ refuse: true });
    const result = await submitDoc(client, 'doc-A', 'm-1');
    expect(result.submissionId).toBe('m-1');
    expect(sent.map((options) => options.typedSearchAttributes?.length ?? 0)).toEqual([2, 0]);
    expect(searchAttributesRefused(client)).toBe(true);

    await submitDoc(client, 'doc-B', 'm-2');
    expect(sent.map((options) => options.typedSearchAttributes?.length ?? 0)).toEqual([2, 0, 0]);
    expect(warnings).toHaveBeenCalledOnce();
    expect(String(warnings.mock.calls[0]?.[0])).toContain('no mapping defined for search attribute ConcurrencyPolicy');
  });

  it('remembers per connection and namespace', async () => {
    const connection = {};
    const first = stubClient({ refuse: true, connection });
    await submitDoc(first.client, 'doc-A', 'm-1');
    // Another client on the same connection and namespace: already known.
    const sameNamespace = stubClient({ refuse: true, connection });
    await submitDoc(sameNamespace.client, 'doc-A', 'm-2');
    expect(sameNamespace.sent.map((options) => options.typedSearchAttributes?.length ?? 0)).toEqual([0]);
    // Another namespace, or another connection: tried afresh.
    const otherNamespace = stubClient({ connection, namespace: 'billing' });
    await submitDoc(otherNamespace.client, 'doc-A', 'm-3');
    expect(otherNamespace.sent[0]?.typedSearchAttributes).toHaveLength(2);
    const otherConnection = stubClient();
    await submitDoc(otherConnection.client, 'doc-A', 'm-4');
    expect(otherConnection.sent[0]?.typedSearchAttributes).toHaveLength(2);
  });

  it('fails as before on any other error, and remembers nothing', async () => {
    const { client } = stubClient();
    const unavailable = serverError('connection refused', 14);
    await expect(
      sendWithSearchAttributes(client, concurrencySearchAttributes('preview', 'doc-A'), () =>
        Promise.reject(unavailable),
      ),
    ).rejects.toBe(unavailable);
    expect(searchAttributesRefused(client)).toBe(false);
  });

  it('leaves out a key too long to carry, and still sends the policy', async () => {
    const { client, sent } = stubClient();
    await submitDoc(client, 'k'.repeat(300), 'm-1');
    expect(sent[0]?.typedSearchAttributes?.map((pair) => pair.key.name)).toEqual(['ConcurrencyPolicy']);
  });
});
