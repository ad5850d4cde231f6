// The call page (/call) as a person meets it after `npm start`, in Debian's chromium with a fake camera and
// microphone: the dev server on 127.0.0.1 (random ports) with the demo room's real streams (ffmpeg), the page
// joins the demo room with no userSig pasted, plays alice and bob (decoded frames rising in its <video>
// tiles), and the demo's own players count the browser's frames. Nothing leaves 127.0.0.1. Screenshots go to
// test-output/call/ (gitignored); docs/images/call-page.png is one of them.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDevServer, type DevServer } from '../../server';
import { startDemoRoom, type DemoRoom } from '../../server/media/demo-room';
import { ffmpegAvailable } from '../../src/testing/rtmp-media';
import type { HeadlessWx } from '../../src/testing/wx';
import { browserSuite, CHROMIUM, CHROMIUM_ARGS } from '../helpers/browser';

/**
 * Skipped only as the other suites skip: chromium missing with WXRTC_SKIP_BROWSER=1, or ffmpeg missing with
 * WXRTC_SKIP_MEDIA=1 (the demo room's real streams), never in CI. Otherwise a missing tool fails the suite.
 */
const SKIP_MEDIA = !ffmpegAvailable() && process.env.WXRTC_SKIP_MEDIA === '1' && !process.env.CI;
const nothing: jest.Lifecycle = () => undefined;
const { test, beforeAll, afterAll } = SKIP_MEDIA ? { test: globalThis.test.skip, beforeAll: nothing, afterAll: nothing } : browserSuite();

const OUTPUT = join(__dirname, '..', '..', 'test-output', 'call');
const STEP_TIMEOUT_MS = 20_000;
const USER = 'web-tester';

let server: DevServer;
let demo: DemoRoom;
let context: BrowserContext | null = null;
let page: Page;
let profile: string;
const pageErrors: string[] = [];
/** What the page's Content-Security-Policy refused (chromium says so on the console). */
const refusedByPolicy: string[] = [];
/** Every url the browser asked for: pages, scripts, fetches, websockets. */
const requested: string[] = [];

beforeAll(async () => {
  // Real streams need ffmpeg; the suite says so rather than quietly testing less.
  if (!ffmpegAvailable()) throw new Error('the call page test plays the demo room\'s real streams: it needs ffmpeg on the PATH (apt-get install -y ffmpeg, or FFMPEG_PATH); WXRTC_SKIP_MEDIA=1 skips it outside CI');
  server = await startDevServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, media: 'rtmp', logLevel: 'silent' });
  demo = await startDemoRoom(server, { realMedia: true });
  await demo.ready(30_000);
  server.setStatus('demo', { roomID: demo.roomID, users: [...demo.users], media: 'real' });
  profile = mkdtempSync(join(tmpdir(), 'wxrtc-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', ...CHROMIUM_ARGS, '--use-fake-device-for-media-stream=device-count=2', '--use-fake-ui-for-media-stream'],
    viewport: { width: 1400, height: 900 },
    timeout: 30_000,
  });
  context.on('request', (request) => requested.push(request.url()));
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (load|connect|execute|apply)/i.test(message.text())) refusedByPolicy.push(message.text());
  });
  page.on('websocket', (socket) => requested.push(socket.url()));
  mkdirSync(OUTPUT, { recursive: true });
}, 90_000);

afterAll(async () => {
  await context?.close();
  const socketsClosed = (globalThis as unknown as { wx?: HeadlessWx }).wx?.whenSocketsClosed(5_000);
  await demo?.close();
  await server?.close();
  await socketsClosed;
  if (profile) rmSync(profile, { recursive: true, force: true });
}, 30_000);

/** Decoded frames per remote tile, as the <video> elements count them. */
function remoteFrames(): Promise<Record<string, number>> {
  return page.$$eval('.wxrtc-tile:not([data-stream-id="local"])', (tiles) =>
    Object.fromEntries(
      tiles.map((tile) => {
        const video = tile.querySelector('video') as unknown as { getVideoPlaybackQuality(): { totalVideoFrames: number } } | null;
        return [(tile as unknown as { dataset: { streamId: string } }).dataset.streamId, video ? video.getVideoPlaybackQuality().totalVideoFrames : 0];
      }),
    ),
  );
}

async function until<T>(probe: () => Promise<T> | T, ok: (value: T) => boolean, what: string, timeoutMs = STEP_TIMEOUT_MS, detail: () => Promise<unknown> = pageStats): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what} (last: ${JSON.stringify(value)}; page: ${JSON.stringify(await detail().catch((e: Error) => e.message))})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What the page's room says of its push and players (for failure messages). */
function pageStats(): Promise<unknown> {
  return page.evaluate('window.wxrtcCall.room()?.getStats() ?? null');
}

/** The demo's players of the browser's stream (an RTMP pull whose stream name holds its userID). */
function demoPullsOfBrowser(): Array<{ running: boolean; frames: number }> {
  const name = `.${Buffer.from(USER).toString('base64url')}.main`;
  return demo.media!.pulls().filter((pull) => pull.url.includes(name)).map((pull) => ({ running: pull.running, frames: pull.frames }));
}

test('the page offers the demo room, joins it with no userSig pasted, and shows the local preview and a tile per demo participant', async () => {
  await page.goto(`${server.httpUrl}/call?user=${USER}#key=${encodeURIComponent(server.inspector!.viewKey)}`);
  expect(await page.title()).toBe('wxrtc call');
  await page.waitForFunction("document.getElementById('room').value !== ''");
  expect(await page.inputValue('#room')).toBe(String(demo.roomID));
  expect(await page.inputValue('#user')).toBe(USER);
  expect(await page.textContent('#hint')).toContain(`The demo room ${demo.roomID}: alice and bob`);
  // The inspector link opens the charts: it carries the view key the page was opened with.
  expect(await page.getAttribute('#inspector-link', 'href')).toBe(`/inspect#key=${encodeURIComponent(server.inspector!.viewKey)}`);
  await page.screenshot({ path: join(OUTPUT, 'call-before-join.png') });

  await page.click('#join');
  await page.waitForSelector('#status[data-status="live"]');
  expect(await page.textContent('#room-title')).toBe(`Room ${demo.roomID} as ${USER}`);
  await page.waitForSelector('#tiles .wxrtc-tile[data-stream-id="local"] video');
  await page.waitForSelector('#tiles .wxrtc-tile[data-stream-id="alice_main"]');
  await page.waitForSelector('#tiles .wxrtc-tile[data-stream-id="bob_main"]');
  expect(await page.$$eval('#tiles .wxrtc-tile-label', (labels) => labels.map((l) => l.textContent))).toEqual([`${USER} (you)`, 'alice', 'bob']);
  // The room sees the browser: the server's room lists it among alice and bob.
  const members = await until(
    async () => (await server.store.getMember(`n:${demo.roomID}`, USER)) !== null,
    (present) => present,
    'the browser is a member of the demo room',
  );
  expect(members).toBe(true);
  // Its room chart went to the inspector, labelled with its user id.
  await until(() => server.inspector!.relay.sessionList().some((s) => s.label === `web ${USER}` && s.closedAt === null), (found) => found, 'the page streams its chart to the inspector');
  // Now the inspector link opens this page's own room chart.
  const link = `/inspect#key=${encodeURIComponent(server.inspector!.viewKey)}&label=${encodeURIComponent(`web ${USER}`)}`;
  expect(await page.getAttribute('#inspector-link', 'href')).toBe(link);
  const inspectorPage = await context!.newPage();
  try {
    inspectorPage.setDefaultTimeout(STEP_TIMEOUT_MS);
    await inspectorPage.goto(`${server.httpUrl}${link}`);
    await inspectorPage.waitForSelector(`#participants li.selected[data-label^="web ${USER}"]`);
    await inspectorPage.waitForSelector('section.actor[data-name="room"] svg');
    await inspectorPage.screenshot({ path: join(OUTPUT, 'call-inspector.png') });
  } finally {
    await inspectorPage.close();
  }
  // Fake devices: two cameras and two microphones to choose from.
  expect(await page.$$eval('#videoinput option', (options) => options.length)).toBe(2);
  expect(await page.$$eval('#audioinput option', (options) => options.length)).toBeGreaterThanOrEqual(2);
  expect(pageErrors).toEqual([]);
}, 60_000);

test('the page plays the demo participants: frames rise in their <video> tiles, and their tone is heard', async () => {
  const first = await until(remoteFrames, (f) => (f.alice_main ?? 0) > 0 && (f.bob_main ?? 0) > 0, 'decoded frames in the alice and bob tiles', 45_000);
  const later = await until(remoteFrames, (f) => (f.alice_main ?? 0) > first.alice_main! + 10 && (f.bob_main ?? 0) > first.bob_main! + 10, 'frames keep rising in both tiles', 30_000);
  expect(later.alice_main).toBeGreaterThan(first.alice_main!);
  // And hears them: the tiles decode the demo's 440 Hz tone, unmuted (the Join click allowed sound).
  const audio = () =>
    page.$$eval('.wxrtc-tile:not([data-stream-id="local"]) video', (videos) =>
      videos.map((v) => {
        const video = v as unknown as { muted: boolean; webkitAudioDecodedByteCount: number };
        return { muted: video.muted, bytes: video.webkitAudioDecodedByteCount };
      }),
    );
  const heard = await until(audio, (tiles) => tiles.length === 2 && tiles.every((t) => t.bytes > 0), 'decoded audio in both tiles', 30_000);
  expect(heard.map((t) => t.muted)).toEqual([false, false]);
  await until(audio, (tiles) => tiles.every((t, i) => t.bytes > heard[i]!.bytes), 'the audio keeps coming', 30_000);
  await page.waitForTimeout(1500); // the tiles' frame badges refresh every second
  await page.screenshot({ path: join(OUTPUT, 'call-page.png') });
}, 90_000);

test("the demo room's players receive the browser's stream: frames counted by their emulated <live-player>", async () => {
  // Earlier plays of it (a retry, a restart) stay listed, stopped: only the running ones count.
  const running = () => demoPullsOfBrowser().filter((pull) => pull.running);
  const first = await until(running, (p) => p.length >= demo.users.length && p.every((x) => x.frames > 0), "both demo participants play the browser's frames", 45_000);
  const before = Math.max(...first.map((p) => p.frames));
  await until(running, (p) => p.length >= demo.users.length && p.every((x) => x.frames > before), 'their frame counts keep rising', 30_000);
}, 90_000);

test('mute, unmute, another camera, leave: the controls drive the room, and leaving ends the browser\'s stream for the demo', async () => {
  // What the room's server holds for the browser: the state every other participant's MUTE_* events follow.
  const muted = async () => (await server.store.getMember(`n:${demo.roomID}`, USER))?.muted ?? null;
  await page.click('#mic');
  expect(await page.textContent('#mic')).toBe('Unmute mic');
  await until(muted, (m) => m?.audio === true && m.video === false, 'the server hears the microphone muted');
  await page.click('#camera');
  expect(await page.textContent('#camera')).toBe('Turn camera on');
  await until(muted, (m) => m?.audio === true && m.video === true, 'the server sees the camera off');
  await page.waitForSelector('.wxrtc-tile.wxrtc-video-off[data-stream-id="local"]');
  await page.screenshot({ path: join(OUTPUT, 'call-muted.png') });
  await page.click('#mic');
  await page.click('#camera');
  expect(await page.textContent('#mic')).toBe('Mute mic');
  expect(await page.textContent('#camera')).toBe('Turn camera off');
  await until(muted, (m) => m?.audio === false && m.video === false, 'the server has both back on');
  expect(await page.$$('.wxrtc-tile.wxrtc-video-off[data-stream-id="local"]')).toHaveLength(0);

  // The other camera: the push goes on with it, and the demo's players keep getting frames.
  const current = await page.inputValue('#videoinput');
  const other = (await page.$$eval('#videoinput option', (options) => options.map((o) => (o as unknown as { value: string }).value))).find((id) => id !== current)!;
  await page.selectOption('#videoinput', other);
  await until(() => page.evaluate('window.wxrtcCall.room().currentDevices().videoinput'), (id) => id === other, 'the page uses the other camera');
  await page.waitForSelector('#events li:has-text("DEVICE videoinput")');
  const running = () => demoPullsOfBrowser().filter((pull) => pull.running);
  const atSwitch = Math.max(0, ...running().map((p) => p.frames));
  await until(running, (p) => p.length >= demo.users.length && p.every((x) => x.frames > atSwitch), "the demo's players get frames from the other camera", 30_000);

  await page.click('#leave');
  await page.waitForSelector('#join-form:not([hidden])');
  expect(await page.$$('#tiles .wxrtc-tile')).toHaveLength(0);
  await until(async () => server.store.getMember(`n:${demo.roomID}`, USER), (member) => member === null, 'the browser left the room');
  await until(demoPullsOfBrowser, (p) => p.every((x) => !x.running), "the demo's players of the browser stopped");
  expect(pageErrors).toEqual([]);
}, 60_000);

test('from elsewhere (here: through a proxy) the server mints nothing; the page says why and takes the admin key; a kick ends its call', async () => {
  await page.setExtraHTTPHeaders({ 'x-forwarded-for': '203.0.113.7' });
  try {
    await page.goto(`${server.httpUrl}/call?user=${USER}-2`);
    await page.waitForFunction("document.getElementById('room').value !== ''");
    expect(await page.getAttribute('#key-box', 'open')).toBeNull();
    await page.click('#join');
    await page.waitForSelector('#hint.error');
    expect(await page.textContent('#hint')).toContain('the server mints a userSig only for a request from this machine');
    expect(await page.getAttribute('#key-box', 'open')).not.toBeNull();
    expect(await page.$$('#tiles .wxrtc-tile')).toHaveLength(0);
    await page.screenshot({ path: join(OUTPUT, 'call-refused.png') });
    // The operator's key (the development one on this server) lets the same request through.
    await page.fill('#admin-key', server.config.adminKey);
    await page.click('#join');
    await page.waitForSelector('#status[data-status="live"]');
    expect(await page.textContent('#room-title')).toBe(`Room ${demo.roomID} as ${USER}-2`);
    // The operator removes it (the admin API): the page says so and is ready to join again.
    const removed = await fetch(`${server.httpUrl}/admin/rooms/${encodeURIComponent(`n:${demo.roomID}`)}/users/${USER}-2/remove`, { method: 'POST', headers: { 'x-admin-key': server.config.adminKey } });
    expect(removed.status).toBe(200);
    await page.waitForSelector('#status[data-status="closed"]');
    expect(await page.textContent('#status')).toBe('removed from the room');
    await page.waitForSelector('#join-form:not([hidden])');
    expect(await page.$$('#tiles .wxrtc-tile')).toHaveLength(0);
    await page.waitForSelector('#events li.error:has-text("KICKED_OUT")');
    await until(async () => server.store.getMember(`n:${demo.roomID}`, `${USER}-2`), (member) => member === null, 'the second user is out of the room');
  } finally {
    await page.setExtraHTTPHeaders({});
  }
  expect(pageErrors).toEqual([]);
}, 60_000);

const root = join(__dirname, '..', '..');
const WEB_DOCS = ['README.md', 'README.zh-CN.md', 'docs/web.md', 'docs/web.zh-CN.md'];

/** The ```html blocks of a doc: the pages of a web app on 'wxrtc/web'. */
function htmlBlocks(file: string): string[] {
  return [...readFileSync(join(root, file), 'utf8').matchAll(/^```html\n([\s\S]*?)^```/gm)].map((m) => m[1]!);
}

/** The code without its comments: the English and Chinese pages differ only there. */
const codeOf = (html: string) =>
  html
    .replace(/(^|\s)\/\/.*$/gm, '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .join('\n');

test('the docs give the same web pages in both languages', () => {
  for (const [english, chinese] of [WEB_DOCS.slice(0, 2), WEB_DOCS.slice(2)] as Array<[string, string]>) {
    expect(htmlBlocks(english).length).toBeGreaterThan(0);
    expect(htmlBlocks(chinese).map(codeOf)).toEqual(htmlBlocks(english).map(codeOf));
  }
});

// The docs' web pages run as shown, served by a web app of their own on another port.
let app: Server;
let html = '';
let appUrl = '';
// What the README says to run for the page's userSig.
const userSig = () => execFileSync('npm', ['run', '--silent', 'usersig', '--', '--user', 'web-app'], { cwd: root, encoding: 'utf8', timeout: 30_000 }).trim();

beforeAll(async () => {
  app = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  if (!app) return;
  // The browser keeps its connection alive; the page is done with it.
  app.closeAllConnections();
  await new Promise<void>((resolve) => app.close(() => resolve()));
});

const pages = [...new Map(WEB_DOCS.filter((f) => f.endsWith('.md') && !f.includes('zh-CN')).flatMap((file) => htmlBlocks(file).map((block, i) => [codeOf(block), `${file} #${i + 1}`] as const))).entries()];

test.each(pages.map(([code, where]) => [where, code]))("the docs' web page %s runs as shown, from a web app on another port", async (_where, code) => {
  const sig = userSig();
  html = code.replace(/\b127\.0\.0\.1:8787\b/g, `127.0.0.1:${server.port}`).replace(/<userSig>/g, sig);
  const logged: string[] = [];
  const listener = (message: { text(): string }) => logged.push(message.text());
  page.on('console', listener);
  try {
    await page.goto(appUrl);
    // Each page says what it got to on the console, last of all 'entered room 1234' or 'left room 1234'.
    const last = /console\.log\('((?:entered|left) room 1234)'\)/g;
    const expected = [...code.matchAll(last)].map((m) => m[1]!);
    expect(expected.length).toBeGreaterThan(0);
    await until(() => logged, (lines) => expected.every((line) => lines.includes(line)), `the page logs ${expected.join(', ')}`, 45_000, async () => logged);
    expect(logged.filter((line) => line.startsWith('error'))).toEqual([]);
    if (!expected.includes('left room 1234')) {
      // It plays the demo room: alice's tile decodes frames.
      await until(remoteFrames, (f) => (f.alice_main ?? 0) > 0, "the page plays alice's stream", 45_000);
    }
    expect(pageErrors).toEqual([]);
  } finally {
    page.off('console', listener);
    await page.goto('about:blank');
  }
}, 120_000);

test('offline: every request the page made went to 127.0.0.1, and its policy refused nothing it needs', () => {
  expect(requested.length).toBeGreaterThan(3);
  expect(refusedByPolicy).toEqual([]);
  const elsewhere = requested.filter((url) => !/^(data:|blob:|about:blank$)/.test(url) && new URL(url).hostname !== '127.0.0.1');
  expect(elsewhere).toEqual([]);
  // The page, its two stylesheets, its script and the config, all from the dev server.
  for (const path of ['/call', '/call/inspector.css', '/call/call.css', '/call/call.js', '/call/wxrtc-web.js', '/call/config', '/call/session']) {
    expect(requested.some((url) => new URL(url).pathname === path)).toBe(true);
  }
});
