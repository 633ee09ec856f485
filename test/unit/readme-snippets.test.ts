/**
 * The docs' TypeScript is code that compiles: every `ts` block in README.md and docs/ must be the text of a file (or
 * a part of one) that a test type-checks — the consumer app's sources (compiled with `tsc --strict` against the
 * packed tarball by test/integration/consumer-package.test.ts) or the repository's own (`examples/`, `src/`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const root = path.join(__dirname, '..', '..');
const compiledSources = ['test/consumer/app/src', 'examples', 'src'];

function filesUnder(dir: string, extensions: string[]): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .flatMap((entry) =>
      entry.isFile() && extensions.some((extension) => entry.name.endsWith(extension))
        ? [path.join(entry.parentPath, entry.name)]
        : [],
    );
}

function snippets(markdown: string): string[] {
  return [...markdown.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!.trimEnd());
}

const docs = ['README.md', ...filesUnder(path.join(root, 'docs'), ['.md']).map((file) => path.relative(root, file))];

it.each(docs)('every TypeScript snippet in %s is quoted from a compiled source file', (doc) => {
  const sources = compiledSources
    .flatMap((dir) => filesUnder(path.join(root, dir), ['.ts', '.mts']))
    .map((file) => fs.readFileSync(file, 'utf8'));
  const found = snippets(fs.readFileSync(path.join(root, doc), 'utf8'));
  const unquoted = found.filter((snippet) => !sources.some((source) => source.includes(snippet)));
  expect(unquoted).toEqual([]);
});

it('the README and docs/ show the package in use: at least 8 TypeScript snippets, 4 in the README', () => {
  const count = (doc: string) => snippets(fs.readFileSync(path.join(root, doc), 'utf8')).length;
  expect(count('README.md')).toBeGreaterThanOrEqual(4);
  expect(docs.map(count).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(8);
});

it.each(docs)('%s shows TypeScript only in ts blocks, so the check above sees all of it', (doc) => {
  const blocks = [...fs.readFileSync(path.join(root, doc), 'utf8').matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)];
  const disguised = blocks
    .filter(([, language, body]) =>
      /^(typescript|tsx?|mts|cts|jsx?|mjs|javascript)$/.test(language!)
        ? language !== 'ts'
        : /^\s*(import .* from '|export (async )?function |const \w+ = await )/m.test(body!),
    )
    .map(([block]) => block.slice(0, 80));
  expect(disguised).toEqual([]);
});
