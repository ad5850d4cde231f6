// Every ```js snippet of both READMEs runs, as shown, on the headless runtime against a dev server started
// here. The one change made to a snippet's text: the dev server's address in it (127.0.0.1:8787, and the LAN
// example 192.168.1.10:8787) becomes this server's. `import` lines become requires (what DevTools' ES6
// compile does), with 'wxrtc', 'wxrtc/testing' and 'wxrtc/inspect' the sources and './trtc-wx.js' the drop-in
// file's export (the TRTC class itself). A snippet the runner cannot classify fails the test.
//
// - a page (`Page({...})`): loaded with wxrtc/testing's loadPageDefinition, mounted as alice and bob; if it
//   enters a room, both must push and have entered (1018), and where it unmutes remote video each must play
//   the other; onUnload must stop the pusher.
// - a jest test (`test(...)` with wxrtc/testing): run with jest's expect; its `require('./pages/call/call.js')`
//   is the README's first page snippet (the one the text says it tests).
// - a fragment (neither): run as page code, `this` being a page.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../../server';
import { logger } from '../../src/core/log';
import { createPage, type PageInstance } from '../../src/testing/page';
import { loadPageDefinition } from '../../src/testing/page-definition';
import { HeadlessRuntime, type MountedPage } from '../../src/testing/runtime';
import { eventually } from '../example/harness';

const root = join(__dirname, '..', '..');
const READMES = ['README.md', 'README.zh-CN.md'];

/** The ```js blocks of a markdown file, dedented (list items indent theirs). */
function snippetsIn(markdown: string): string[] {
  return [...markdown.matchAll(/^( *)```js\n([\s\S]*?)^ *```/gm)].map((m) => {
    const indent = m[1]!.length;
    return m[2]!
      .split('\n')
      .map((line) => line.slice(Math.min(indent, line.length - line.trimStart().length)))
      .join('\n');
  });
}

/** The code without its comments and labels: the English and Chinese snippets differ only there. */
const codeOf = (snippet: string) =>
  snippet
    .replace(/(^|\s)\/\/.*$/gm, '')
    // An inspector's label is the reader's language.
    .replace(/label: '[^'\n]*'/g, "label: '(text)'")
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .join('\n');

const MODULES: Record<string, () => unknown> = {
  wxrtc: () => require('../../src/index'),
  'wxrtc/statecharts': () => require('../../src/statecharts'),
  'wxrtc/testing': () => require('../../src/testing/index'),
  'wxrtc/inspect': () => require('../../src/inspect/index'),
  // build.mjs's drop-in entry: module.exports is the class, so `import TRTC from` gets it (no __esModule).
  './trtc-wx.js': () => (require('../../src/trtc') as { TRTC: unknown }).TRTC,
};

/** `import` lines -> requires, as DevTools compiles a page's ES modules; default imports get babel's interop. */
function toScript(snippet: string): string {
  let n = 0;
  return snippet.replace(/^import\s+(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\})?\s*from\s*'([^']+)'\s*;?$/gm, (_line, name: string | undefined, names: string | undefined, from: string) => {
    const m = `__m${n++}`;
    const parts = [`const ${m} = require(${JSON.stringify(from)});`];
    if (name) parts.push(`const ${name} = ${m} && ${m}.__esModule ? ${m}.default : ${m};`);
    if (names) parts.push(`const { ${names.replace(/\b(\w+)\s+as\s+(\w+)/g, '$1: $2')} } = ${m};`);
    return parts.join(' ');
  });
}

let server: DevServer;
let address = '';

function withServer(snippet: string): string {
  // The inspector's publish key is printed at start-up; the README writes the placeholder in its place.
  const publishKey = server.inspector ? encodeURIComponent(server.inspector.publishKey) : '';
  return snippet.replace(/\b(127\.0\.0\.1|192\.168\.1\.10):8787\b/g, address).replace(/<publish key>/g, publishKey);
}

/**
 * Run a snippet as a script: its requires through MODULES (and `extra`), `this` as given. `async` wraps it in
 * an async function (for top-level await); a page file's top level is synchronous, and runs so, so that
 * Page() has been called when it returns and what it throws is thrown here.
 */
function run(snippet: string, self: unknown, scope: Record<string, unknown> = {}, extra: Record<string, () => unknown> = {}, async = false): unknown {
  const load = (specifier: string) => {
    const module = extra[specifier] ?? MODULES[specifier];
    if (!module) throw new Error(`the snippet requires ${specifier}, which the runner does not provide`);
    return module();
  };
  const names = Object.keys(scope);
  const code = toScript(withServer(snippet));
  const body = new Function('require', ...names, async ? `return (async function () {\n${code}\n}).call(this)` : code);
  return body.call(self, load, ...names.map((name) => scope[name]));
}

/** A page snippet's definition: the file runs with loadPageDefinition's global Page, as in a user's test. */
function pageDefinition(snippet: string, logs: string[] = []): Record<string, unknown> {
  const console = { log: (...args: unknown[]) => logs.push(args.map(String).join(' ')), error: (...args: unknown[]) => logs.push(args.map(String).join(' ')) };
  return loadPageDefinition(() => run(snippet, undefined, { console }));
}

const readmes = READMES.map((file) => [file, snippetsIn(readFileSync(join(root, file), 'utf8'))] as const);

beforeAll(async () => {
  server = await startDevServer({ port: 0, inspector: true });
  address = new URL(server.wsUrl).host;
});

afterAll(async () => {
  await server?.close();
});

let runtime: HeadlessRuntime;
beforeEach(() => {
  runtime = new HeadlessRuntime({ signalingUrl: server.wsUrl }).install();
  // A snippet's own warnings (an unheard ERROR) would show in the test output; failures are asserted instead.
  logger.setLevel(4);
});
afterEach(async () => {
  logger.setLevel(2);
  await runtime.close();
});

test('both READMEs have the same snippets, apart from comments', () => {
  const [english, chinese] = readmes.map(([, snippets]) => snippets.map(codeOf));
  expect(english!.length).toBeGreaterThanOrEqual(6);
  expect(chinese).toEqual(english);
});

type Kind = 'page' | 'jest' | 'fragment';
const kindOf = (snippet: string): Kind => (/^Page\(\{/m.test(snippet) ? 'page' : /^test\(/m.test(snippet) && snippet.includes("'wxrtc/testing'") ? 'jest' : 'fragment');

const cases = readmes.flatMap(([file, snippets]) => snippets.map((snippet, i) => [`${file} snippet ${i + 1} (${kindOf(snippet)}: ${snippet.split('\n')[0]})`, file, snippet] as const));

test.each(cases)('%s runs as shown', async (_name, file, snippet) => {
  const kind = kindOf(snippet);
  const firstPage = readmes.find(([f]) => f === file)![1].find((s) => kindOf(s) === 'page' && s.includes("'./trtc-wx.js'"))!;
  if (kind === 'fragment') {
    const page = createPage({ data: {} });
    runtime.mount(page);
    run(snippet, page);
    return;
  }
  if (kind === 'jest') {
    // The dev server's default sdkAppID is the one the snippet enters with.
    expect(snippet).toContain(`sdkAppID: '${server.sdkAppID}'`);
    const tests: Array<() => Promise<void>> = [];
    const previous = process.env.USERSIG;
    process.env.USERSIG = server.genUserSig('alice');
    try {
      // What `require('./pages/call/call.js')` gives inside loadPageDefinition: the page file runs, calling Page().
      const pageFile = () => run(firstPage, undefined);
      await run(snippet, undefined, { test: (_title: string, fn: () => Promise<void>) => tests.push(fn), expect }, { './pages/call/call.js': pageFile }, true);
      expect(tests).toHaveLength(1);
      await tests[0]!();
    } finally {
      if (previous === undefined) delete process.env.USERSIG;
      else process.env.USERSIG = previous;
    }
    return;
  }
  // A page: alice and bob open it.
  const logs: string[] = [];
  const opened: Array<{ page: PageInstance; mounted: MountedPage; userID: string }> = [];
  for (const userID of ['alice', 'bob']) {
    const page = createPage(pageDefinition(snippet, logs) as { data: Record<string, unknown> });
    const mounted = runtime.mount(page);
    (page as unknown as { onLoad(query: object): void }).onLoad({ sdkAppID: String(server.sdkAppID), userID, userSig: server.genUserSig(userID), roomID: '6601' });
    opened.push({ page, mounted, userID });
  }
  const enters = /enterRoom\(|'ENTER_ROOM'/.test(snippet);
  if (enters) {
    for (const { mounted, userID } of opened) {
      await eventually(() => mounted.pusher.state === 'pushing' && mounted.pusher.reported.includes(1018), () => `${userID}: pusher ${mounted.pusher.state}, reported ${mounted.pusher.reported}`, 15_000);
    }
    if (snippet.includes('muteVideo: false')) {
      for (const [me, other] of [opened, [...opened].reverse()].map(([a, b]) => [a!, b!] as const)) {
        const id = `${other.userID}_main`;
        await eventually(() => me.mounted.player(id)?.playing === true, () => `${me.userID} never played ${id}: players ${[...me.mounted.players.keys()]}`, 15_000);
      }
    }
    if (snippet.includes("console.log(event.type)")) expect(logs).toContain('LOCAL_JOIN');
  }
  const inspector = (opened[0]!.page as unknown as { inspector?: { stats: { sent: number } } }).inspector;
  if (inspector) await eventually(() => inspector.stats.sent > 0, () => `the inspector sent nothing: ${JSON.stringify(inspector.stats)}`, 15_000);
  for (const { page, mounted } of opened) {
    (page as unknown as { onUnload(): void }).onUnload();
    if (enters) await eventually(() => mounted.pusher.state === 'idle', () => `pusher still ${mounted.pusher.state} after onUnload`, 5000);
  }
}, 60_000);

test('the runner fails a snippet that does not run: a page that throws in onLoad, a require it cannot give', () => {
  const broken = "import TRTC from 'wxrtc'\n\nPage({\n  onLoad() {\n    this.TRTC = new TRTC(this)\n    this.TRTC.enterRom({})\n  },\n})\n";
  const page = createPage(pageDefinition(broken) as { data: Record<string, unknown> });
  expect(() => (page as unknown as { onLoad(): void }).onLoad()).toThrow(/enterRom/);
  (page as unknown as { TRTC: { destroy(): void } }).TRTC.destroy();
  expect(() => run("import { nothing } from 'wxrtc/server'\n", undefined)).toThrow(/does not provide/);
});
