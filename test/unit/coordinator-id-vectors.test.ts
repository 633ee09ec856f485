/**
 * The coordinator ID scheme as test vectors, for other SDKs to check their own implementation against: the JSON in
 * test/fixtures/coordinator-id-vectors.json, computed by `coordinatorWorkflowId`, and the same rows as the table in
 * docs/guarantees.md ("Coordinator ID test vectors"), where long strings are written `"x".repeat(183)`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { coordinatorWorkflowId, MAX_COORDINATOR_ID_LENGTH } from '../../src/client/ids';

interface Vector {
  policy: string;
  key: string;
  workflowId: string;
}

const root = path.join(__dirname, '..', '..');
const vectors = JSON.parse(
  fs.readFileSync(path.join(root, 'test', 'fixtures', 'coordinator-id-vectors.json'), 'utf8'),
) as Vector[];

/** A table cell's value: JSON strings, each optionally `.repeat(N)`, joined by ` + `. */
function cellValue(cell: string): string {
  const text = cell.trim().replace(/^`|`$/g, '');
  const part = /"(?:[^"\\]|\\.)*"(?:\.repeat\((\d+)\))?/g;
  let value = '';
  let rest = text;
  for (const match of text.matchAll(part)) {
    const literal = JSON.parse(match[0].replace(/\.repeat\(\d+\)$/, '')) as string;
    value += match[1] === undefined ? literal : literal.repeat(Number(match[1]));
    rest = rest.replace(match[0], '');
  }
  if (rest.replace(/\s*\+\s*/g, '') !== '') throw new Error(`not a string expression: ${cell}`);
  return value;
}

function docVectors(): Vector[] {
  const doc = fs.readFileSync(path.join(root, 'docs', 'guarantees.md'), 'utf8');
  const section = doc.split(/^## Coordinator ID test vectors$/m)[1]?.split(/^## /m)[0] ?? '';
  return section
    .split('\n')
    .filter((line) => line.startsWith('|') && !/^\|\s*(case|-)/.test(line))
    .map((line) => {
      const [, policy, key, workflowId] = line.split('|').slice(1, -1);
      return {
        policy: policy!.trim().replace(/^`|`$/g, ''),
        key: cellValue(key!),
        workflowId: cellValue(workflowId!),
      };
    });
}

describe('coordinator ID test vectors', () => {
  it.each(vectors.map((vector) => [vector.workflowId.slice(0, 60), vector] as const))(
    '%s',
    (_name, { policy, key, workflowId }) => {
      expect(coordinatorWorkflowId(policy, key)).toBe(workflowId);
      expect(workflowId.length).toBeLessThanOrEqual(MAX_COORDINATOR_ID_LENGTH);
    },
  );

  it('cover the cases the scheme is about: quote, tilde, percent, slash, space, non-BMP, the length boundary', () => {
    const keys = vectors.map((vector) => vector.key);
    expect(keys.some((key) => key.includes("'"))).toBe(true);
    expect(keys.some((key) => key.startsWith('~'))).toBe(true);
    expect(keys.some((key) => /.~/.test(key))).toBe(true);
    expect(keys.some((key) => key.includes('%'))).toBe(true);
    expect(keys.some((key) => key.includes('/'))).toBe(true);
    expect(keys.some((key) => key.includes(' '))).toBe(true);
    expect(keys.some((key) => /[\u{10000}-\u{10FFFF}]/u.test(key))).toBe(true);
    expect(vectors.some((vector) => vector.workflowId.length === MAX_COORDINATOR_ID_LENGTH)).toBe(true);
    expect(vectors.some((vector) => /\/~[0-9a-f]{32}$/.test(vector.workflowId))).toBe(true);
  });

  it('docs/guarantees.md lists the same vectors, in the same order', () => {
    expect(docVectors()).toEqual(vectors);
  });
});
