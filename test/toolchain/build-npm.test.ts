// The README's npm path, with WeChat's own builder: `npm pack` the repository, `npm install` the tarball in
// the example mini-program, run miniprogram-ci's packNpm (what DevTools' "Tools -> Build npm" runs), then run
// the example's call page on what it built, loaded the way WeChat loads modules (miniprogram_npm, no
// node_modules), on the headless runtime against the dev server: two pages enter a room and play each other.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../server';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { TRTC as SourceTRTC } from '../../src/trtc';
import { npmInstall, packTarball } from '../package/tarball';
import { EXAMPLE_ROOT, ExamplePage, bindingsFromWxml, eventually, readWxml } from '../example/harness';
import { INSTALL_TIMEOUT_MS, ensureToolchain, toolchainPath } from './install';
import { MiniprogramModules } from './wechat-modules';

let scratch = '';
let project = '';
let packResult: { ok: boolean; error?: string; warnings?: unknown[]; report?: Record<string, unknown> };
let installedPackage: { dependencies?: Record<string, string>; peerDependencies?: Record<string, string> };

beforeAll(async () => {
  await ensureToolchain();
  scratch = mkdtempSync(join(tmpdir(), 'wxrtc-build-npm-'));
  const tarball = packTarball(scratch);
  project = join(scratch, 'miniprogram');
  cpSync(EXAMPLE_ROOT, project, { recursive: true, filter: (src) => !/[\\/](node_modules|miniprogram_npm)$/.test(src) });
  // As a user would: `npm install wxrtc` (here, the tarball) in the mini-program's own package folder.
  npmInstall(project, [tarball]);
  installedPackage = JSON.parse(readFileSync(join(project, 'node_modules', 'wxrtc', 'package.json'), 'utf8'));
  const out = execFileSync(process.execPath, [join(__dirname, 'pack-npm.js'), project], {
    encoding: 'utf8',
    env: { ...process.env, NODE_PATH: join(toolchainPath('miniprogram-ci/package.json'), '..', '..') },
    timeout: 120_000,
  }).trim();
  packResult = JSON.parse(out.split('\n').pop()!);
}, INSTALL_TIMEOUT_MS + 360_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test("packNpm builds the installed package: the builder is handed no ES2020 dependency to parse", () => {
  expect(packResult).toMatchObject({ ok: true });
  expect(packResult.warnings).toEqual([]);
  // wxrtc came from its `miniprogram` folder; nothing was built from node_modules sources.
  expect(packResult.report).toMatchObject({ miniprogram_pack_num: 1, other_pack_num: 0 });
  // The builder follows `dependencies` (and optionalDependencies, which npm merges into them): xstate and ws
  // are peers, installed for Node and bundler users but not handed to it.
  expect(installedPackage.dependencies ?? {}).toEqual({});
  expect(Object.keys(installedPackage.peerDependencies ?? {}).sort()).toEqual(['ws', 'xstate']);
  expect(existsSync(join(project, 'node_modules', 'xstate'))).toBe(true);
  expect(readdirSync(join(project, 'miniprogram_npm'))).toEqual(['wxrtc']);
});

test('miniprogram_npm/wxrtc is the minified bundle, without source maps', () => {
  const built = join(project, 'miniprogram_npm', 'wxrtc');
  expect(readdirSync(built).sort()).toEqual(['index.js', 'inspect.js', 'statecharts.js']);
  for (const file of ['index.js', 'inspect.js']) {
    const code = readFileSync(join(built, file), 'utf8');
    expect(code).not.toMatch(/sourceMappingURL/);
    // Minified: a few very long lines, not thousands of indented ones.
    expect(code.split('\n').length).toBeLessThan(50);
  }
  expect(readFileSync(join(built, 'index.js')).length).toBeLessThan(160 * 1024);
});

test("what the builder copied parses as ES2018, the syntax WeChat's JS parser takes", () => {
  // acorn is what packNpm parses with; xstate's own build failed exactly here (optional chaining).
  const { parse } = require(toolchainPath('acorn')) as { parse(code: string, options: object): unknown };
  // The drop-in file a trtc-wx page copies in by hand goes through WeChat's parser too.
  for (const file of ['miniprogram_npm/wxrtc/index.js', 'miniprogram_npm/wxrtc/inspect.js', 'miniprogram_npm/wxrtc/statecharts.js', 'node_modules/wxrtc/dist/trtc-wx.js']) {
    const code = readFileSync(join(project, file), 'utf8');
    let error = '';
    try {
      parse(code, { ecmaVersion: 2018, sourceType: 'script' });
    } catch (thrown) {
      error = String(thrown);
    }
    expect([file, error]).toEqual([file, '']);
  }
  expect(() => parse('a?.b', { ecmaVersion: 2018, sourceType: 'script' })).toThrow();
});

describe('the call page on the built package, loaded as WeChat loads it', () => {
  let server: DevServer;
  let runtime: HeadlessRuntime;
  const pages: ExamplePage[] = [];

  beforeAll(async () => {
    // WeChat runs the package folder's JS only: what was in node_modules must not be reachable.
    rmSync(join(project, 'node_modules'), { recursive: true, force: true });
    server = await startDevServer({ port: 0, inspector: false });
    runtime = new HeadlessRuntime({ signalingUrl: server.wsUrl }).install();
  });

  afterAll(async () => {
    for (const page of pages) page.unload();
    await runtime?.close();
    await server?.close();
  });

  let modules: MiniprogramModules;

  function open(userID: string): ExamplePage {
    modules = new MiniprogramModules(project);
    const page = new ExamplePage(runtime, 'call', bindingsFromWxml(readWxml('call')), modules.pageDefinition('pages/call/call'));
    pages.push(page);
    return page.load({ driver: 'websocket', signalingUrl: server.wsUrl, sdkAppID: String(server.sdkAppID), userID, userSig: server.genUserSig(userID), roomID: '6401' });
  }

  test('two pages enter the room and play each other', async () => {
    const alice = open('alice');
    const bob = open('bob');
    // The page's TRTC is the built bundle's class, not the sources jest maps 'wxrtc' to.
    expect(alice.trtc).not.toBeInstanceOf(SourceTRTC);
    expect(modules.loaded().map((file) => file.slice(project.length + 1)).sort()).toEqual(['config.js', 'miniprogram_npm/wxrtc/index.js', 'pages/call/call.js', 'utils/room.js']);
    for (const [me, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const id = `${other.data.userID}_main`;
      await eventually(
        () => me.saw('LOCAL_JOIN') && me.playing().includes(id) && me.data.status === 'in call',
        () => `${me.data.userID} never played ${id}: status ${me.data.status}, error ${me.data.error}, events ${me.events.map((e) => e.code)}`,
        15_000,
      );
      expect(String(me.data.pusher.url)).not.toBe('');
    }
  }, 30_000);
});
