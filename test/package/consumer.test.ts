// A new user's first minutes: a fresh project, `npm install` of the packed tarball, then every entry loaded by
// Node (require and import) and compiled by TypeScript with default settings — no skipLibCheck, so every
// published declaration is checked. Two projects: a Node one (tests, scripts: @types/node, all four entries,
// an ESM file and a CommonJS file) and a mini-program one (no @types at all: 'wxrtc' and 'wxrtc/inspect').

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT, npmInstall, packTarball } from './tarball';

let scratch = '';
let nodeProject = '';
let mpProject = '';
const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
// The @types/node this repository is locked to: a version the registry (or npm's cache) surely has.
const typesNode = (JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules', '@types', 'node', 'package.json'), 'utf8')) as { version: string }).version;

function project(name: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir);
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

/** tsc -p as the user runs it; resolves what it prints (empty when it compiled). */
function compile(dir: string, tsconfig = 'tsconfig.json'): string {
  const run = spawnSync(process.execPath, [tsc, '-p', tsconfig, '--pretty', 'false'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
  return `${run.stdout}${run.stderr}`.trim() + (run.status === 0 ? '' : `\n(tsc exit ${run.status})`);
}

// tsc --init's module settings for Node (module nodenext); strict. Not skipLibCheck.
const NODE_TSCONFIG = { compilerOptions: { module: 'nodenext', target: 'esnext', types: ['node'], strict: true, noEmit: true, verbatimModuleSyntax: true } };

const ESM_USER = `import TRTC, { EVENT, type TRTCOptions } from 'wxrtc';
import { createActor, roomMachine } from 'wxrtc/statecharts';
import { HeadlessRuntime, createPage, loadPageDefinition } from 'wxrtc/testing';
import { createInspector } from 'wxrtc/inspect';
import { createNodeInspector } from 'wxrtc/inspect/node';

const page = createPage({ data: {} });
const options: TRTCOptions = {};
const trtc: TRTC = new TRTC(page, options);
trtc.on(EVENT.LOCAL_JOIN, () => undefined);
const actor = createActor(roomMachine, { input: { page } });
const runtime: HeadlessRuntime = new HeadlessRuntime({ signalingUrl: 'ws://127.0.0.1:8787/v1/signaling' });
export const used = [actor.id, runtime, createInspector, createNodeInspector, loadPageDefinition];
`;

const CJS_USER = `import wxrtc = require('wxrtc');
import statecharts = require('wxrtc/statecharts');
import testing = require('wxrtc/testing');
import inspect = require('wxrtc/inspect');
import inspectNode = require('wxrtc/inspect/node');

const page = testing.createPage({ data: {} });
const trtc: wxrtc.TRTC = new wxrtc.default(page, {});
const actor = statecharts.createActor(statecharts.roomMachine, { input: { page } });
export = [trtc.EVENT.LOCAL_JOIN, actor.id, inspect.createInspector, inspectNode.createNodeInspector, testing.HeadlessRuntime, testing.loadPageDefinition];
`;

const MINIPROGRAM_USER = `import TRTC, { EVENT } from 'wxrtc';
import { createInspector } from 'wxrtc/inspect';
import { createActor, roomMachine, bindPage } from 'wxrtc/statecharts';

export function onLoad(page: object): TRTC {
  const trtc = new TRTC(page, { inspect: createInspector({ url: 'ws://127.0.0.1:8787/v1/inspect' }) });
  trtc.on(EVENT.LOCAL_JOIN, () => undefined);
  return trtc;
}

// The README's page on the statechart API: the actor, bound to the page's data.
export function onLoadWithActor(page: { data: Record<string, unknown>; setData(data: Record<string, unknown>): void }): () => void {
  const room = createActor(roomMachine, { input: { page } }).start();
  bindPage(page, room);
  return () => room.stop();
}
`;

// A web app: the DOM, no @types, a bundler's resolution; 'wxrtc/web' is ESM only (for bundlers and browsers).
const WEB_USER = `import { createWebRoom, EVENT, type WebRoomOptions } from 'wxrtc/web';

const options: WebRoomOptions = { serverUrl: 'ws://127.0.0.1:8787/v1/signaling', sdkAppId: 1400000001, userId: 'web', userSig: 'sig', roomId: 1, video: document.body };
const room = createWebRoom(options);
room.on(EVENT.STREAM_ADDED, ({ data }) => console.log(data));
export const joined: Promise<void> = room.enter();
export const actorId: string = room.getActor().id;
`;
let webProject = '';

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'wxrtc-consumer-'));
  const tarball = packTarball(scratch);
  nodeProject = project('node-user', {
    'package.json': JSON.stringify({ name: 'node-user', private: true, type: 'module' }),
    'tsconfig.json': JSON.stringify(NODE_TSCONFIG),
    'esm.ts': ESM_USER,
    'cjs.cts': CJS_USER,
    // A page file as a mini-program has it (CommonJS; .cjs because this project is "type": "module").
    'page.cjs': "const { TRTC } = require('wxrtc')\nPage({ data: {}, onLoad() { this.TRTC = new TRTC(this) } })\n",
  });
  npmInstall(nodeProject, [tarball, `@types/node@${typesNode}`]);
  mpProject = project('miniprogram-user', {
    'package.json': JSON.stringify({ name: 'miniprogram-user', private: true, type: 'module' }),
    // No @types at all (a mini-program has no Node); as tsc --init writes it, with module nodenext...
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'esnext', types: [], strict: true, noEmit: true } }),
    // ...and as a bundler-based project (or WeChat's TypeScript template) resolves.
    'tsconfig.bundler.json': JSON.stringify({ compilerOptions: { module: 'esnext', moduleResolution: 'bundler', target: 'es2018', strict: true, noEmit: true } }),
    'page.ts': MINIPROGRAM_USER,
  });
  npmInstall(mpProject, [tarball]);
  webProject = project('web-user', {
    'package.json': JSON.stringify({ name: 'web-user', private: true, type: 'module' }),
    'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'esnext', moduleResolution: 'bundler', target: 'es2020', lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true } }),
    'tsconfig.nodenext.json': JSON.stringify({ compilerOptions: { module: 'nodenext', target: 'esnext', lib: ['es2022', 'dom'], types: [], strict: true, noEmit: true } }),
    'app.ts': WEB_USER,
  });
  npmInstall(webProject, [tarball]);
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

test('after `npm install wxrtc`, Node loads every entry with require and with import (ws and xstate came along)', () => {
  const entries = ['wxrtc', 'wxrtc/testing', 'wxrtc/inspect', 'wxrtc/inspect/node', 'wxrtc/statecharts'];
  const cjs = entries.map((entry) => `Object.keys(require('${entry}')).length`).join(', ');
  expect(execFileSync(process.execPath, ['-e', `console.log([${cjs}].every((n) => n > 0))`], { cwd: nodeProject, encoding: 'utf8' }).trim()).toBe('true');
  const esm = entries.map((entry, i) => `import * as m${i} from '${entry}';`).join(' ') + ` console.log(typeof m0.default, typeof m1.HeadlessRuntime, typeof m2.createInspector, typeof m3.createNodeInspector);`;
  expect(execFileSync(process.execPath, ['--input-type=module', '-e', esm], { cwd: nodeProject, encoding: 'utf8' }).trim()).toBe('function function function function');
});

test("wxrtc/testing's loadPageDefinition takes the definition out of a page file that calls Page()", () => {
  const script = `const { createPage, installWx, loadPageDefinition } = require('wxrtc/testing')
const { uninstall } = installWx()
const page = createPage(loadPageDefinition('./page.cjs'))
page.onLoad()
console.log(typeof page.TRTC.enterRoom, typeof globalThis.Page)
page.TRTC.destroy()
uninstall()`;
  expect(execFileSync(process.execPath, ['-e', script], { cwd: nodeProject, encoding: 'utf8' }).trim()).toBe('function undefined');
});

test('a Node project compiles an ESM and a CommonJS file importing all four entries (no skipLibCheck)', () => {
  expect(compile(nodeProject)).toBe('');
});

test('a mini-program project with no @types compiles wxrtc and wxrtc/inspect, nodenext and bundler resolution', () => {
  expect(compile(mpProject)).toBe('');
  expect(compile(mpProject, 'tsconfig.bundler.json')).toBe('');
});

test("a web project compiles 'wxrtc/web' with the DOM and no @types, bundler and nodenext resolution; the <script> file ships too", () => {
  expect(compile(webProject)).toBe('');
  expect(compile(webProject, 'tsconfig.nodenext.json')).toBe('');
  const installed = join(webProject, 'node_modules', 'wxrtc');
  expect(readFileSync(join(installed, 'dist', 'wxrtc-web.js'), 'utf8')).toMatch(/^"use strict";var wxrtcWeb=/);
  // mpegts.js is inside the web bundles, not a dependency npm (or WeChat's "build npm") would install.
  expect(() => readFileSync(join(webProject, 'node_modules', 'mpegts.js', 'package.json'))).toThrow();
});

test('the check catches a broken declaration: a default import that is not the class fails to compile', () => {
  writeFileSync(join(mpProject, 'wrong.ts'), "import TRTC from 'wxrtc/inspect';\nexport const t = new TRTC({});\n");
  try {
    expect(compile(mpProject)).toMatch(/error TS/);
  } finally {
    rmSync(join(mpProject, 'wrong.ts'));
  }
});
