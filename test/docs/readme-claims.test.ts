// What the READMEs state that code can check: the error table is the ErrorCode catalogue (every code, with
// its name), the entries they import from are package exports, and the files they link to exist.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCode } from '../../src/core/errors';

const root = join(__dirname, '..', '..');
const readmes = ['README.md', 'README.zh-CN.md'].map((file) => [file, readFileSync(join(root, file), 'utf8')] as const);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };

/** `| 7051 / 7052 | SIGNALING_UNAVAILABLE / SIGNALING_TIMEOUT |` and `| 8000–8004 | A, B, C, D, E |` rows, expanded to code -> name. */
function errorTable(markdown: string): Map<number, string> {
  const table = new Map<number, string>();
  for (const row of markdown.matchAll(/^\| (\d{4}(?: \/ \d{4}|–\d{4})?) \| ([A-Z_]+(?:(?:, | \/ |、)[A-Z_]+)*) \|/gm)) {
    const [first, last] = row[1]!.split(/ \/ |–/).map(Number) as [number, number | undefined];
    const names = row[2]!.split(/, | \/ |、/);
    const codes = last === undefined ? [first] : row[1]!.includes('/') ? [first, last] : Array.from({ length: last - first + 1 }, (_, i) => first + i);
    // Ranges list names in ErrorCode's order, which is not always numeric (8026 is declared before 8024).
    const byName = names.map((name) => [(ErrorCode as Record<string, number>)[name], name] as const);
    expect(byName.map(([code]) => code).sort()).toEqual(codes.sort());
    for (const [code, name] of byName) table.set(code!, name);
  }
  return table;
}

test.each(readmes)('%s: the error table is the whole ErrorCode catalogue, each code with its name', (_file, markdown) => {
  const table = errorTable(markdown);
  const catalogue = new Map(Object.entries(ErrorCode).map(([name, code]) => [code as number, name]));
  expect([...table.entries()].sort((a, b) => a[0] - b[0])).toEqual([...catalogue.entries()].sort((a, b) => a[0] - b[0]));
});

test.each(readmes)('%s: every entry it imports from is a package export', (_file, markdown) => {
  const entries = [...markdown.matchAll(/(?:from |require\()'(wxrtc(?:\/[a-z/-]+)?)'/g)].map((m) => m[1]!);
  expect(entries).toEqual(expect.arrayContaining(['wxrtc', 'wxrtc/testing', 'wxrtc/inspect']));
  for (const entry of new Set(entries)) expect(Object.keys(pkg.exports)).toContain(entry === 'wxrtc' ? '.' : `.${entry.slice('wxrtc'.length)}`);
});

test.each(readmes)('%s: every relative link points at a file in the repository', (_file, markdown) => {
  for (const link of markdown.matchAll(/\]\((\.\/[^)#]+)(?:#[^)]*)?\)/g)) expect([link[1], existsSync(join(root, link[1]!))]).toEqual([link[1], true]);
});
