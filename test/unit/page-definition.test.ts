// wxrtc/testing's loadPageDefinition: the object a page file hands to Page({...}), from a path (Node's
// require, afresh each time), from a loader function (jest's require), or from an async loader (import()).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createPage } from '../../src/testing/page';
import { loadPageDefinition } from '../../src/testing/page-definition';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxrtc-page-definition-'));
  writeFileSync(join(dir, 'helper.js'), 'module.exports = { greeting: "hi" }\n');
  writeFileSync(join(dir, 'page.js'), "const { greeting } = require('./helper')\nPage({ data: { greeting, loads: ++globalThis.__loads }, hello() { return this.data.greeting } })\n");
  writeFileSync(join(dir, 'not-a-page.js'), 'module.exports = {}\n');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  delete (globalThis as Record<string, unknown>).__loads;
});

test('a path: the file runs with a global Page, its requires resolve beside it, and each call loads it afresh', () => {
  (globalThis as Record<string, unknown>).__loads = 0;
  const first = loadPageDefinition(join(dir, 'page.js'));
  expect(first.data).toEqual({ greeting: 'hi', loads: 1 });
  const page = createPage(first as { data: Record<string, unknown>; hello(): string });
  expect(page.hello()).toBe('hi');
  // Relative to the current directory, as the README shows it; a second load runs the file again.
  expect(loadPageDefinition(relative(process.cwd(), join(dir, 'page.js'))).data).toEqual({ greeting: 'hi', loads: 2 });
  expect((globalThis as Record<string, unknown>).Page).toBeUndefined();
});

test('a loader function, sync or async; the global Page is put back either way', async () => {
  const definition = loadPageDefinition(() => (globalThis as unknown as { Page(d: object): void }).Page({ data: { a: 1 } }));
  expect(definition).toEqual({ data: { a: 1 } });
  const later = loadPageDefinition(async () => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    (globalThis as unknown as { Page(d: object): void }).Page({ data: { b: 2 } });
  });
  expect((globalThis as Record<string, unknown>).Page).toEqual(expect.any(Function));
  await expect(later).resolves.toEqual({ data: { b: 2 } });
  expect((globalThis as Record<string, unknown>).Page).toBeUndefined();
});

test('a file that never calls Page(), or that throws, is an error, and Page is put back', async () => {
  expect(() => loadPageDefinition(join(dir, 'not-a-page.js'))).toThrow(/did not call Page\(\)/);
  expect(() =>
    loadPageDefinition(() => {
      throw new Error('syntax');
    }),
  ).toThrow('syntax');
  await expect(loadPageDefinition(() => Promise.reject(new Error('import failed')))).rejects.toThrow('import failed');
  expect((globalThis as Record<string, unknown>).Page).toBeUndefined();
});
