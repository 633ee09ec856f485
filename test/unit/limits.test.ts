/**
 * The server's limits as the library knows them, and the string helpers the checks rest on. Each helper is compared
 * with an independent oracle from Node (Buffer, encodeURIComponent) on random strings.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COORDINATOR_ID_PREFIX,
  MAX_KEY_LENGTH,
  MAX_MAX_RUNS,
  MAX_POLICY_NAME_LENGTH,
  MAX_START_BYTES_PER_TASK,
  MAX_STARTS_PER_TASK,
  MAX_SUBMISSION_ID_LENGTH,
  MAX_SUMMARY_BYTES,
  MAX_TEMPORAL_ID_LENGTH,
  RESERVED_TASK_QUEUE_PREFIX,
  hasLoneSurrogate,
  jsonBytes,
  looksLikeCoordinatorId,
  truncateUtf8,
  utf8Length,
} from '../../src/coordinator/core/limits';

/** Oracle: encodeURIComponent throws a URIError exactly for strings with a lone surrogate. */
function isWellFormed(value: string): boolean {
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}

const HIGH = '\uD83D';
const LOW = '\uDE00';

/** Strings that mix ASCII, astral characters and, now and then, a lone half of a surrogate pair. */
const maybeMalformedArb = fc
  .array(fc.oneof(fc.string({ unit: 'binary', maxLength: 4 }), fc.constantFrom(HIGH, LOW, `${HIGH}${LOW}`, '😀')), {
    maxLength: 8,
  })
  .map((parts) => parts.join(''));

describe('the limits', () => {
  it('are the documented values', () => {
    expect({
      MAX_TEMPORAL_ID_LENGTH,
      RESERVED_TASK_QUEUE_PREFIX,
      COORDINATOR_ID_PREFIX,
      MAX_POLICY_NAME_LENGTH,
      MAX_KEY_LENGTH,
      MAX_SUBMISSION_ID_LENGTH,
      MAX_MAX_RUNS,
      MAX_START_BYTES_PER_TASK,
      MAX_STARTS_PER_TASK,
      MAX_SUMMARY_BYTES,
    }).toEqual({
      MAX_TEMPORAL_ID_LENGTH: 255,
      RESERVED_TASK_QUEUE_PREFIX: '/_sys/',
      COORDINATOR_ID_PREFIX: 'concurrency/',
      MAX_POLICY_NAME_LENGTH: 100,
      MAX_KEY_LENGTH: 1000,
      MAX_SUBMISSION_ID_LENGTH: 200,
      MAX_MAX_RUNS: 1000,
      MAX_START_BYTES_PER_TASK: 1024 * 1024,
      MAX_STARTS_PER_TASK: 100,
      MAX_SUMMARY_BYTES: 200,
    });
  });

  it('keep a hashed coordinator ID under 150 characters, though a default child ID may exceed the ID limit', () => {
    // `concurrency/<policy>/~<32 hex>` with the longest policy; admit() checks `<coordinator ID>/<id>` itself.
    const longest = `concurrency/${'p'.repeat(MAX_POLICY_NAME_LENGTH)}/~${'0'.repeat(32)}`;
    expect(longest.length).toBeLessThan(150);
    expect(`${longest}/${'i'.repeat(MAX_SUBMISSION_ID_LENGTH)}`.length).toBeGreaterThan(MAX_TEMPORAL_ID_LENGTH);
  });
});

describe('hasLoneSurrogate', () => {
  it.each([
    ['', false],
    ['plain', false],
    ['😀', false],
    [`a${HIGH}${LOW}b`, false],
    [HIGH, true],
    [LOW, true],
    [`a${HIGH}`, true],
    [`${HIGH}a${LOW}`, true],
    [`${LOW}${HIGH}`, true],
    [`😀${HIGH}`, true],
    [`${HIGH}${HIGH}${LOW}`, true],
  ])('%j → %s', (value, expected) => {
    expect(hasLoneSurrogate(value)).toBe(expected);
  });

  it('agrees with encodeURIComponent on random strings', () => {
    fc.assert(
      fc.property(maybeMalformedArb, (value) => {
        expect(hasLoneSurrogate(value)).toBe(!isWellFormed(value));
      }),
      { numRuns: 500 },
    );
  });
});

describe('utf8Length', () => {
  it.each([
    ['', 0],
    ['a', 1],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['a€😀', 8],
  ])('%j is %i bytes', (value, bytes) => {
    expect(utf8Length(value)).toBe(bytes);
  });

  it('agrees with Buffer.byteLength on well-formed strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (value) => {
        expect(utf8Length(value)).toBe(Buffer.byteLength(value, 'utf8'));
      }),
      { numRuns: 500 },
    );
  });
});

describe('jsonBytes', () => {
  it('is the UTF-8 size of the JSON text', () => {
    expect(jsonBytes([])).toBe(2);
    expect(jsonBytes(['é'])).toBe(6);
    expect(jsonBytes({ a: 1 })).toBe(7);
    expect(jsonBytes(undefined)).toBe(0);
  });

  it('agrees with Buffer.byteLength(JSON.stringify(value)) on JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(jsonBytes(value)).toBe(Buffer.byteLength(JSON.stringify(value), 'utf8'));
      }),
      { numRuns: 300 },
    );
  });

  it('counts a lone surrogate as the escape JSON writes for it', () => {
    expect(jsonBytes([HIGH])).toBe(JSON.stringify([HIGH]).length);
  });

  it('is undefined for values JSON cannot encode', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonBytes(cycle)).toBeUndefined();
    expect(jsonBytes([1n])).toBeUndefined();
  });
});

describe('looksLikeCoordinatorId', () => {
  it.each([
    ['concurrency/chat/user%201', true],
    [`concurrency/chat/~${'a'.repeat(32)}`, true],
    ['concurrency/chat/user/m-1', false],
    ['concurrency/chat/', false],
    ['concurrency//k', false],
    ['concurrency/chat', false],
    ['x/concurrency/chat/k', false],
    ['Concurrency/chat/k', false],
  ])('%s → %s', (workflowId, expected) => {
    expect(looksLikeCoordinatorId(workflowId)).toBe(expected);
  });
});

describe('truncateUtf8', () => {
  it('returns a text that fits unchanged', () => {
    const text = 'é'.repeat(MAX_SUMMARY_BYTES / 2);
    expect(truncateUtf8(text)).toBe(text);
  });

  it('cuts to the byte budget, marks the cut, and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), fc.integer({ min: 3, max: 250 }), (text, max) => {
        const cut = truncateUtf8(text, max);
        expect(utf8Length(cut)).toBeLessThanOrEqual(max);
        expect(hasLoneSurrogate(cut)).toBe(false);
        if (utf8Length(text) <= max) expect(cut).toBe(text);
        else {
          expect(cut.endsWith('…')).toBe(true);
          expect(text.startsWith(cut.slice(0, -1))).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('cuts a long coordinator summary to 200 bytes by default', () => {
    const cut = truncateUtf8(`concurrency coordinator chat/${'😀'.repeat(100)}`);
    expect(utf8Length(cut)).toBeLessThanOrEqual(200);
    expect(cut.endsWith('…')).toBe(true);
  });
});
