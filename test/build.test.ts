// The shipped artifacts, built once by `node build.mjs`: the drop-in dist/trtc-wx.js works for an unchanged
// trtc-wx page, miniprogram_dist default-exports TRTC, and no test-only or server-only code reached a bundle.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createPage } from '../src/testing/page';
import { installWx } from '../src/testing/wx';

const root = join(__dirname, '..');
const at = (file: string) => join(root, file);

interface DropInTRTC {
  createPusher(config: object): unknown;
  enterRoom(params: object): { url?: string };
  exitRoom(): unknown;
  destroy(): void;
}
type DropInClass = (new (page: object, options?: object) => DropInTRTC) & { EVENT: Record<string, string> };

let buildOutput = '';

beforeAll(() => {
  buildOutput = execFileSync(process.execPath, [at('build.mjs')], { cwd: root, encoding: 'utf8' });
}, 120_000);

test('every artifact is written', () => {
  for (const file of [
    'dist/esm/index.js',
    'dist/esm/testing.js',
    'dist/esm/index.js.map',
    'dist/cjs/index.js',
    'dist/cjs/testing.js',
    'dist/cjs/index.js.map',
    'dist/types/index.d.ts',
    'dist/types/testing/index.d.ts',
    'dist/trtc-wx.js',
    'miniprogram_dist/index.js',
    'dist/esm/web.js',
    'dist/wxrtc-web.js',
    'dist/types/web/index.d.ts',
    'dist/types-esm/web/index.d.ts',
  ]) {
    expect(existsSync(at(file))).toBe(true);
  }
  expect(buildOutput).toMatch(/dist\/trtc-wx\.js\s+\d+\s+\d+\s+\d+/);
  expect(buildOutput).toMatch(/miniprogram_dist\/index\.js\s+\d+\s+\d+\s+\d+/);
});

test("dist/trtc-wx.js is one CommonJS file whose module.exports is the TRTC class", () => {
  const TRTC = require(at('dist/trtc-wx.js')) as DropInClass;
  expect(typeof TRTC).toBe('function');
  expect(TRTC.EVENT.LOCAL_JOIN).toBe('LOCAL_JOIN');
  expect(TRTC.EVENT.ERROR).toBe('ERROR');
  // xstate is inside: the file requires nothing a mini-program would have to provide.
  expect(readFileSync(at('dist/trtc-wx.js'), 'utf8')).not.toMatch(/require\(["']/);
});

test('a trtc-wx page enters a room with the drop-in file', () => {
  const TRTC = require(at('dist/trtc-wx.js')) as DropInClass;
  const { uninstall } = installWx();
  try {
    const trtc = new TRTC(createPage({}), { env: 'test' });
    trtc.createPusher({});
    const pusher = trtc.enterRoom({ sdkAppID: 1400000001, userID: 'a', userSig: 's', roomID: 1 });
    expect(pusher.url).toMatch(/^room:\/\/cloud\.tencent\.com\/rtc\?/);
    trtc.exitRoom();
    trtc.destroy();
  } finally {
    uninstall();
  }
});

test('miniprogram_dist default-exports TRTC for `import TRTC from "wxrtc"`', () => {
  const bundle = require(at('miniprogram_dist/index.js')) as { __esModule?: boolean; default: DropInClass; TRTC: DropInClass; EVENT: object };
  expect(bundle.__esModule).toBe(true);
  expect(bundle.default).toBe(bundle.TRTC);
  expect(bundle.default.EVENT).toBe(bundle.EVENT);
  expect(readFileSync(at('miniprogram_dist/index.js'), 'utf8')).not.toMatch(/require\(["']xstate/);
});

test('miniprogram_dist is minified and holds no source maps (build npm copies the folder into the package)', () => {
  const files = readdirSync(at('miniprogram_dist')).sort();
  expect(files).toEqual(['index.js', 'inspect.js', 'statecharts.js']);
  // 'wxrtc/statecharts' hands out what index.js carries: no second copy of the machines and xstate in the package.
  expect(readFileSync(at('miniprogram_dist/statecharts.js'), 'utf8')).toBe("module.exports = require('./index.js').__statecharts;\n");
  const statecharts = require(at('miniprogram_dist/statecharts.js')) as { createActor?: unknown; roomMachine?: { provide?: unknown } };
  expect([typeof statecharts.createActor, typeof statecharts.roomMachine?.provide]).toEqual(['function', 'function']);
  for (const file of files.filter((name) => name !== 'statecharts.js')) {
    const code = readFileSync(at(`miniprogram_dist/${file}`), 'utf8');
    expect(code).not.toMatch(/sourceMappingURL/);
    // esbuild's minified output: a handful of long lines, no indentation (unminified, index.js was 7000 lines).
    expect([file, code.split('\n').length < 50, /\n {2}/.test(code)]).toEqual([file, true, false]);
  }
  expect(statSync(at('miniprogram_dist/index.js')).size).toBeLessThan(160 * 1024);
});

const isInspectBundle = (bundle: string) => /(^|\/)inspect(-node)?\.js$/.test(bundle);
const isWebBundle = (bundle: string) => /(^|\/)(web|wxrtc-web)\.js$/.test(bundle);
const isSdkBundle = (bundle: string) => !isInspectBundle(bundle) && !isWebBundle(bundle);

test('no test-only or server-only input reached an SDK bundle', () => {
  const bundles = JSON.parse(readFileSync(at('dist/bundle-inputs.json'), 'utf8')) as Record<string, string[]>;
  expect(Object.keys(bundles).filter(isSdkBundle).sort()).toEqual(['dist/cjs/index.js', 'dist/cjs/statecharts.js', 'dist/esm/index.js', 'dist/esm/statecharts.js', 'dist/trtc-wx.js', 'miniprogram_dist/index.js']);
  for (const [bundle, inputs] of Object.entries(bundles)) {
    // The statechart entry is the machines without the facade; every other SDK bundle is the facade.
    if (isSdkBundle(bundle)) expect(inputs).toContain(/statecharts\.js$/.test(bundle) ? 'src/machines/room.machine.ts' : 'src/trtc.ts');
    const offending = inputs.filter((input) => /^(src\/testing|server|test|scripts|bench|example)\//.test(input) || input.startsWith('node_modules/ws/'));
    expect({ bundle, offending }).toEqual({ bundle, offending: [] });
  }
});

test("the inspector is opt-in: only 'wxrtc/inspect' bundles hold it or @statelyai/inspect", () => {
  const bundles = JSON.parse(readFileSync(at('dist/bundle-inputs.json'), 'utf8')) as Record<string, string[]>;
  expect(Object.keys(bundles).filter(isInspectBundle).sort()).toEqual([
    'dist/cjs/inspect-node.js',
    'dist/cjs/inspect.js',
    'dist/esm/inspect-node.js',
    'dist/esm/inspect.js',
    'miniprogram_dist/inspect.js',
  ]);
  for (const [bundle, inputs] of Object.entries(bundles)) {
    const inspector = inputs.filter((input) => input.startsWith('src/inspect/') || input.startsWith('node_modules/@statelyai/'));
    if (isInspectBundle(bundle)) expect(inspector).toEqual(expect.arrayContaining(['src/inspect/index.ts', 'node_modules/@statelyai/inspect/dist/index.mjs']));
    else expect({ bundle, inspector }).toEqual({ bundle, inspector: [] });
  }
  expect(readFileSync(at('dist/trtc-wx.js'), 'utf8')).not.toMatch(/statelyai|@wxrtc\.hello/);
  // The mini-program's inspect entry runs on wx.connectSocket: neither `ws` nor a require of anything.
  expect(readFileSync(at('miniprogram_dist/inspect.js'), 'utf8')).not.toMatch(/require\(["']/);
  for (const file of ['dist/cjs/inspect.js', 'miniprogram_dist/inspect.js']) expect(typeof require(at(file)).createInspector).toBe('function');
});

test("the browser entry stays in its own bundles: no mini-program or SDK bundle holds src/web or mpegts.js", () => {
  const bundles = JSON.parse(readFileSync(at('dist/bundle-inputs.json'), 'utf8')) as Record<string, string[]>;
  expect(Object.keys(bundles).filter(isWebBundle).sort()).toEqual(['dist/esm/web.js', 'dist/wxrtc-web.js']);
  for (const [bundle, inputs] of Object.entries(bundles)) {
    const web = inputs.filter((input) => input.startsWith('src/web/') || input.startsWith('node_modules/mpegts.js/'));
    if (isWebBundle(bundle)) {
      // The same room statechart as the mini-program SDK, and mpegts.js inside (it is a devDependency).
      expect(web).toEqual(expect.arrayContaining(['src/web/index.ts', 'src/web/player.ts']));
      expect(web.some((input) => input.startsWith('node_modules/mpegts.js/'))).toBe(true);
      expect(inputs).toContain('src/machines/room.machine.ts');
      expect(inputs).not.toContain('src/trtc.ts');
    } else {
      expect({ bundle, web }).toEqual({ bundle, web: [] });
    }
  }
  // For bundlers xstate stays external, as in the other npm entries; the <script> file carries everything.
  expect(bundles['dist/esm/web.js']!.some((input) => input.startsWith('node_modules/xstate/'))).toBe(false);
  expect(bundles['dist/wxrtc-web.js']!.some((input) => input.startsWith('node_modules/xstate/'))).toBe(true);
  // One IIFE that sets window.wxrtcWeb: no import or export statement for a <script> tag to choke on.
  const script = readFileSync(at('dist/wxrtc-web.js'), 'utf8');
  expect({ iife: /^(["']use strict["'];)?var wxrtcWeb=\(\(\)=>/.test(script), esm: /^\s*(import|export)\s/m.test(script) }).toEqual({ iife: true, esm: false });
  for (const file of ['dist/trtc-wx.js', 'miniprogram_dist/index.js', 'miniprogram_dist/inspect.js']) {
    expect({ file, mpegts: /mpegts|MediaRecorder/.test(readFileSync(at(file), 'utf8')) }).toEqual({ file, mpegts: false });
  }
});
