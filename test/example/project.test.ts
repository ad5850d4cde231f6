// The example mini-program is a project WeChat DevTools can open: every page app.json lists has its four
// files, every handler and data root its WXML names exists in its JS, and it reaches wxrtc only as a package.

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { EXAMPLE_ROOT, dataRootsIn, handlerNamesIn, loadPageDefinition, readWxml } from './harness';

const readJson = (...parts: string[]) => JSON.parse(readFileSync(join(EXAMPLE_ROOT, ...parts), 'utf8'));
const app = readJson('app.json') as { pages: string[]; sitemapLocation: string };
const pageNames = app.pages.map((path) => path.split('/')[1]!);

test('app.json lists the index and the three scenes, each with .js .wxml .wxss .json', () => {
  expect(app.pages).toEqual(['pages/index/index', 'pages/call/call', 'pages/meeting/meeting', 'pages/live/live']);
  for (const path of app.pages) for (const ext of ['js', 'wxml', 'wxss', 'json']) expect(existsSync(join(EXAMPLE_ROOT, `${path}.${ext}`))).toBe(true);
  for (const file of ['app.js', 'app.wxss', app.sitemapLocation, 'config.js', 'project.config.json', 'package.json']) expect(existsSync(join(EXAMPLE_ROOT, file))).toBe(true);
});

test.each(pageNames)("pages/%s: every handler and data root its WXML names is in the page's JS", (name) => {
  const definition = loadPageDefinition(name);
  const wxml = readWxml(name);
  for (const handler of handlerNamesIn(wxml)) expect([handler, typeof definition[handler]]).toEqual([handler, 'function']);
  for (const root of dataRootsIn(wxml)) expect([root, root in definition.data]).toEqual([root, true]);
});

test("DevTools' build npm reads wxrtc's miniprogram_dist (project.config.json, package.json)", () => {
  const project = readJson('project.config.json');
  expect(project.appid).toBe('touristappid');
  expect(project.compileType).toBe('miniprogram');
  expect(existsSync(join(EXAMPLE_ROOT, project.miniprogramRoot, 'app.json'))).toBe(true);
  expect(project.setting.packNpmManually).toBe(true);
  expect(project.setting.packNpmRelationList).toEqual([{ packageJsonPath: './package.json', miniprogramNpmDistDir: './' }]);
  // The example depends on this repository as a package, whose `miniprogram` field is what build npm copies.
  expect(readJson('package.json').dependencies).toEqual({ wxrtc: 'file:../..' });
  const root = JSON.parse(readFileSync(join(EXAMPLE_ROOT, '..', '..', 'package.json'), 'utf8'));
  expect(root.miniprogram).toBe('miniprogram_dist');
  // Every compile mode opens a page that exists.
  for (const mode of project.condition.miniprogram.list) expect(app.pages).toContain(mode.pathName);
});

test("the example's JS reaches the SDK only through require('wxrtc')", () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'miniprogram_npm') continue;
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.js')) files.push(join(dir, entry.name));
    }
  };
  walk(EXAMPLE_ROOT);
  const requires = files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/require\('([^']+)'\)/g)].map((m) => m[1]!));
  expect(requires).toContain('wxrtc');
  for (const path of requires) expect(path === 'wxrtc' || /^\.\.?\/(?!.*\/src\/)/.test(path)).toBe(true);
});
