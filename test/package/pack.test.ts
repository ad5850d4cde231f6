// What `npm publish` would ship, from a clean checkout: `npm pack --dry-run` runs prepack (the build) and
// lists the tarball. It must hold the built entries and nothing else: no sources, tests, server or scripts,
// and the SDK bundles must carry no server code.
//
// It runs in a staging copy of the checkout (the files git tracks or would add, node_modules linked in):
// test/build.test.ts rebuilds dist/ in place, and another jest worker may run it at the same time.

import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

interface PackResult {
  files: Array<{ path: string; size: number }>;
  entryCount: number;
  unpackedSize: number;
}

let stage = '';
let packed: PackResult;
let paths: string[] = [];
const at = (file: string) => join(stage, file);

beforeAll(() => {
  stage = mkdtempSync(join(tmpdir(), 'wxrtc-pack-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\0');
  for (const file of files) {
    // Deleted in the work tree but still in the index: a clean checkout would have it, this one does not.
    if (file === '' || !existsSync(join(root, file))) continue;
    cpSync(join(root, file), join(stage, file), { recursive: false });
  }
  symlinkSync(join(root, 'node_modules'), join(stage, 'node_modules'), 'dir');
  // prepack builds; its output comes first on stdout, then the JSON list.
  const stdout = execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  const lines = stdout.split('\n');
  packed = (JSON.parse(lines.slice(lines.indexOf('[')).join('\n')) as PackResult[])[0]!;
  paths = packed.files.map((f) => f.path).sort();
}, 180_000);

afterAll(() => {
  if (stage) rmSync(stage, { recursive: true, force: true });
});

test('prepack builds every entry, and the tarball holds them', () => {
  for (const file of [
    'package.json',
    'README.md',
    'README.zh-CN.md',
    'LICENSE',
    'CHANGELOG.md',
    'dist/trtc-wx.js',
    'miniprogram_dist/index.js',
    'miniprogram_dist/inspect.js',
    'dist/esm/package.json',
    'miniprogram_dist/statecharts.js',
    ...['index', 'statecharts', 'testing', 'inspect', 'inspect-node'].flatMap((entry) => [`dist/esm/${entry}.js`, `dist/cjs/${entry}.js`]),
    'dist/types/index.d.ts',
    'dist/types/statecharts.d.ts',
    'dist/types/testing/index.d.ts',
    'dist/types/inspect/index.d.ts',
    'dist/types/inspect/node.d.ts',
  ]) {
    expect(paths).toContain(file);
  }
});

test('nothing but the built entries and the documents: no sources, tests, server, scripts, bench or example', () => {
  const topLevel = new Set(['package.json', 'README.md', 'README.zh-CN.md', 'LICENSE', 'CHANGELOG.md']);
  for (const path of paths) {
    expect([path, topLevel.has(path) || /^(dist|miniprogram_dist)\//.test(path)]).toEqual([path, true]);
    expect(path).not.toMatch(/(^|\/)(src|test|server|scripts|bench|example|statecharts|docs|node_modules)\//);
    expect(path).not.toMatch(/\.test\.|\.spec\./);
    // TypeScript only as declarations; the maps carry the sources (below), so src/ is not shipped.
    if (path.endsWith('.ts')) expect(path).toMatch(/\.d\.ts$/);
  }
  expect(paths).not.toContain('dist/bundle-inputs.json');
  // What `npm install` unpacks (not the mini-program package: miniprogram_dist is bounded above). The maps carry
  // the sources, so each npm entry costs about 3x its bundle; 'wxrtc/statecharts' (ESM + CJS + maps, ~0.8 MB)
  // took the package past 5 MiB.
  expect(packed.unpackedSize).toBeLessThan(6 * 1024 * 1024);
});

test('every path package.json points at is in the tarball', () => {
  const targets: string[] = [pkg.main, pkg.module, pkg.types];
  const walk = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(pkg.exports);
  for (const target of targets) expect(paths).toContain(target.replace(/^\.\//, ''));
  expect(Object.keys(pkg.exports).sort()).toEqual(['.', './inspect', './inspect/node', './package.json', './statecharts', './testing', './trtc-wx.js', './web', './wxrtc-web.js']);
  expect(paths.some((p) => p.startsWith(`${pkg.miniprogram}/`))).toBe(true);
});

test('package.json is ready to publish', () => {
  expect(pkg.private).not.toBe(true);
  expect(pkg.license).toBe('MIT');
  expect(pkg.engines.node).toBe('>=20');
  expect(pkg.miniprogram).toBe('miniprogram_dist');
  expect(pkg.sideEffects).toBe(false);
  // WeChat's "build npm" builds every package in `dependencies` (and optionalDependencies) and its parser
  // rejects xstate's ES2020 build; peers it leaves alone (test/toolchain/build-npm.test.ts runs it). npm 7+
  // installs non-optional peers, so `npm i wxrtc` still brings xstate, and ws for wxrtc/testing.
  expect(pkg.dependencies ?? {}).toEqual({});
  expect(pkg.optionalDependencies ?? {}).toEqual({});
  expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['ws', 'xstate']);
  expect(pkg.peerDependenciesMeta ?? {}).toEqual({});
  expect(pkg.keywords).toEqual(expect.arrayContaining(['wechat', 'miniprogram', 'trtc']));
  expect(pkg.scripts.prepack).toBe('node build.mjs');
});

test('the SDK bundles hold no server, test or script code (build inputs and contents)', () => {
  const inputs = JSON.parse(readFileSync(at('dist/bundle-inputs.json'), 'utf8')) as Record<string, string[]>;
  // node_modules is linked into the stage, so esbuild names dependencies by their real path: keep the tail.
  const normal = (input: string) => (input.includes('node_modules/') ? input.slice(input.lastIndexOf('node_modules/')) : input);
  const sdkEntries = ['dist/esm/statecharts.js', 'dist/cjs/statecharts.js', 'dist/esm/index.js', 'dist/cjs/index.js', 'dist/trtc-wx.js', 'miniprogram_dist/index.js'];
  for (const entry of sdkEntries) {
    expect(inputs[entry]).toBeDefined();
    for (const input of inputs[entry]!.map(normal)) {
      // trtc-wx-entry.js and miniprogram-index.js are build.mjs's one-line entries for the drop-in file (module.exports = TRTC) and the mini-program's index (the facade, plus the statechart API that statecharts.js hands out).
      const allowed = (/^src\//.test(input) && !/^src\/(testing|inspect)\//.test(input)) || /^node_modules\/xstate\//.test(input) || input === 'trtc-wx-entry.js' || input === 'miniprogram-index.js';
      expect([entry, input, allowed]).toEqual([entry, input, true]);
    }
    const code = readFileSync(at(entry), 'utf8');
    for (const serverOnly of ['wxrtc-development-secret', 'x-admin-key', 'node-media-server', 'tls-sig-api-v2', 'HeadlessRuntime', 'node:child_process']) {
      expect([entry, serverOnly, code.includes(serverOnly)]).toEqual([entry, serverOnly, false]);
    }
  }
});

test('what the npm entries import is a Node builtin, a dependency or a peer dependency', () => {
  const allowed = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  for (const path of paths.filter((p) => /^dist\/(esm|cjs)\/.*\.js$/.test(p))) {
    const code = readFileSync(at(path), 'utf8');
    // esbuild writes static imports at line starts and requires as require("x"). A member call such as
    // es6-promise's `Function("return this")().require("vertx")` (inside mpegts.js) is a runtime probe, not
    // a module a bundler or Node resolves, so `.require(` is not counted.
    const specifiers = [...code.matchAll(/^\s*(?:import|export)\b[^;"']*?from\s*"([^"]+)"|^\s*import\s*"([^"]+)"|(?<![.\w$])require\("([^"]+)"\)|\bimport\("([^"]+)"\)/gm)]
      .map((m) => m[1] ?? m[2] ?? m[3] ?? m[4]!)
      .filter((specifier) => !specifier.startsWith('.'));
    expect(specifiers.length).toBeGreaterThan(0);
    for (const specifier of specifiers) {
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      const ok = allowed.has(name) || specifier.startsWith('node:') || builtinModules.includes(name);
      expect([path, specifier, ok]).toEqual([path, specifier, true]);
    }
  }
  // The mini-program bundles require nothing: WeChat's "build npm" copies them alone.
  for (const path of ['dist/trtc-wx.js', 'miniprogram_dist/index.js', 'miniprogram_dist/inspect.js']) {
    expect(readFileSync(at(path), 'utf8')).not.toMatch(/require\(["'][^"'.]/);
  }
});

test('source maps carry their sources, so the tarball needs no src/', () => {
  for (const path of paths.filter((p) => p.endsWith('.js.map'))) {
    const map = JSON.parse(readFileSync(at(path), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
    expect(map.sourcesContent?.length).toBe(map.sources.length);
    expect(map.sourcesContent!.every((content) => typeof content === 'string' && content.length > 0)).toBe(true);
  }
  expect(dirname('dist/esm/index.js.map')).toBe('dist/esm');
});

test("what `npm pack` and the example's `npm install` write is ignored by git", () => {
  const written = [`${pkg.name}-${pkg.version}.tgz`, 'example/miniprogram/package-lock.json', 'example/miniprogram/node_modules/wxrtc', 'example/miniprogram/miniprogram_npm/wxrtc/index.js'];
  // check-ignore prints each path that is ignored; the files need not exist.
  const ignored = execFileSync('git', ['check-ignore', '--no-index', ...written], { cwd: root, encoding: 'utf8' }).trim().split('\n');
  expect(ignored).toEqual(written);
});
