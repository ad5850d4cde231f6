// The example's WXML, compiled by wcc (WeChat's WXML compiler) and rendered with each page's real data — the
// data the page holds once it is in a room with a second user, on the headless runtime against the dev
// server. Every handler the markup binds is a method of the page, every data name it reads exists, the
// pusher's url reaches <live-pusher url> and the player list becomes the <live-player>s. Typos planted in a
// copy of the project must each fail the same check.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../server';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { EXAMPLE_ROOT, ExamplePage, eventually, loadPageDefinition } from '../example/harness';
import { INSTALL_TIMEOUT_MS, ensureToolchain } from './install';
import { compilePages, nodesOf, render, wxmlProblems } from './wxml';

let server: DevServer;
let runtime: HeadlessRuntime;
const opened: ExamplePage[] = [];
/** Each page's data once it is in its room and plays the second user (the index page: its initial data). */
const pageData = new Map<string, Record<string, any>>();
let scratch = '';

function open(name: string, userID: string, roomID: number, extra: Record<string, string> = {}): ExamplePage {
  const page = new ExamplePage(runtime, name);
  opened.push(page);
  return page.load({ driver: 'websocket', signalingUrl: server.wsUrl, sdkAppID: String(server.sdkAppID), userID, userSig: server.genUserSig(userID), roomID: String(roomID), ...extra });
}

beforeAll(async () => {
  await ensureToolchain();
  scratch = mkdtempSync(join(tmpdir(), 'wxrtc-wxml-'));
  server = await startDevServer({ port: 0, inspector: false });
  runtime = new HeadlessRuntime({ signalingUrl: server.wsUrl }).install();
  const scenes: Array<[string, ExamplePage, ExamplePage]> = [
    ['call', open('call', 'alice', 6501), open('call', 'bob', 6501)],
    ['meeting', open('meeting', 'ann', 6502), open('meeting', 'ben', 6502)],
    ['live', open('live', 'anchor', 6503, { role: 'anchor' }), open('live', 'cohost', 6503, { role: 'anchor' })],
  ];
  for (const [name, me, other] of scenes) {
    const id = `${other.data.userID}_main`;
    await eventually(
      () => me.playing().includes(id) && Boolean(me.data.pusher?.url),
      () => `pages/${name}: ${me.data.userID} never played ${id} (status ${me.data.status}, error ${me.data.error})`,
      15_000,
    );
    pageData.set(name, structuredClone(me.data));
  }
  pageData.set('index', structuredClone(loadPageDefinition('index').data));
}, INSTALL_TIMEOUT_MS + 60_000);

afterAll(async () => {
  for (const page of opened) page.unload();
  await runtime?.close();
  await server?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const PAGES = ['index', 'call', 'meeting', 'live'];

test.each(PAGES)('pages/%s: wcc compiles it, and rendered with its data it binds only what the JS has', (name) => {
  const renderPage = compilePages(EXAMPLE_ROOT)(`pages/${name}/${name}`);
  expect(wxmlProblems(renderPage, loadPageDefinition(name), pageData.get(name)!)).toEqual([]);
});

test('the check sees what the pages bind: the pusher url, a player per item, the handlers', () => {
  const compiled = compilePages(EXAMPLE_ROOT);
  const call = render(compiled('pages/call/call'), pageData.get('call')!);
  expect(nodesOf(call.tree, 'live-pusher')[0]!.attr).toMatchObject({ url: pageData.get('call')!.pusher.url, bindstatechange: '_pusherStateChangeHandler' });
  expect(nodesOf(call.tree, 'live-player').map((node) => node.attr)).toEqual([expect.objectContaining({ id: 'bob_main', bindstatechange: '_playerStateChange' })]);
  expect(call.roots.sort()).toEqual(['error', 'playerList', 'pusher', 'roomID', 'status', 'userID']);
});

/** A copy of the example with one WXML edit, compiled and checked like the real one. */
function problemsWith(page: string, from: string, to: string): string[] {
  const project = mkdtempSync(join(scratch, `${page}-`));
  cpSync(EXAMPLE_ROOT, project, { recursive: true, filter: (src) => !/[\\/](node_modules|miniprogram_npm)$/.test(src) });
  const file = join(project, 'pages', page, `${page}.wxml`);
  const wxml = readFileSync(file, 'utf8');
  expect(wxml).toContain(from);
  writeFileSync(file, wxml.replace(from, to));
  try {
    return wxmlProblems(compilePages(project)(`pages/${page}/${page}`), loadPageDefinition(page), pageData.get(page)!);
  } catch (error) {
    return [`compile: ${(error as Error).message}`];
  }
}

test.each([
  ['call', 'url="{{pusher.url}}"', 'url="{{pusher.urll}}"', /<live-pusher url="">/],
  ['call', 'url="{{pusher.url}}"', 'url="{{pushr.url}}"', /\{\{pushr\}\}: not in the page's data/],
  ['call', 'bindstatechange="_playerStateChange"', 'bindstatechange="_playerStatechange"', /no method _playerStatechange/],
  ['call', 'bindstatechange="_pusherStateChangeHandler"', 'bindstatechang="_pusherStateChangeHandler"', /statechang is not an event of <live-pusher>/],
  ['call', '{{userID}}', '{{userId}}', /\{\{userId\}\}: not in the page's data/],
  ['meeting', 'wx:for="{{playerList}}"', 'wx:for="{{playerlist}}"', /<live-player id>s \[\], playerList ids \[ben_main\]/],
  ['meeting', 'id="{{item.id}}"', 'id="{{item.ID}}"', /<live-player id>s \[\], playerList ids \[ben_main\]/],
  ['live', '</view>', '</vew>', /^compile: /],
  ['live', 'bindtap="leave"', 'bindtap="leav"', /no method leav/],
  ['index', 'bindtap="open"', 'bindtap="opn"', /no method opn/],
  ['index', '{{driver}}', '{{driver}', /^compile: /],
])('pages/%s: the typo %s -> %s fails the check', (page, from, to, expected) => {
  const problems = problemsWith(page, from, to);
  expect(problems.length).toBeGreaterThan(0);
  expect(problems.join('\n')).toMatch(expected);
});
