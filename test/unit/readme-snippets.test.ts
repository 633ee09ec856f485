/**
 * The README's TypeScript is code that compiles: every `ts` block must be the text of a file (or a part of one) that
 * a test type-checks — the consumer app's sources (compiled with `tsc --strict` against the packed tarball by
 * test/integration/consumer-package.test.ts) or the repository's own (`examples/`, `src/`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const compiledSources = ['test/consumer/app/src', 'examples', 'src'];

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .flatMap((entry) =>
      entry.isFile() && entry.name.endsWith('.ts') ? [path.join(entry.parentPath, entry.name)] : [],
    );
}

function snippets(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!.trimEnd());
}

it('every TypeScript snippet in the README is quoted from a compiled source file', () => {
  const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
  const sources = compiledSources
    .flatMap((dir) => filesUnder(path.join(root, dir)))
    .map((file) => fs.readFileSync(file, 'utf8'));
  const found = snippets(readme);
  expect(found.length).toBeGreaterThanOrEqual(5);
  const unquoted = found.filter((snippet) => !sources.some((source) => source.includes(snippet)));
  expect(unquoted).toEqual([]);
});
