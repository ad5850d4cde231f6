// The dev server's pages as a newcomer meets them after `npm start`, in Debian's chromium at 1400x900: the
// landing page at / and its links, the inspector with a demo room whose visitor comes and goes (the event log
// beside the charts, a zoom hint, labels readable on hover, ended sessions folded, flat payloads, the call
// quality graphs drawn from what the room's participants reported), and the Stately bridge with the hosted
// inspector unreachable. Screenshots go to test-output/ (gitignored).

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { startDevServer, type DevServer } from '../../server';
import { freePort } from '../../server/media/ports';
import { startDemoRoom, type DemoRoom } from '../../server/media/demo-room';
import type { HeadlessWx } from '../../src/testing/wx';
import { browserSuite, CHROMIUM } from '../helpers/browser';
import { TestClient } from '../server/helpers/client';

const { test, beforeAll, afterAll } = browserSuite();

const OUTPUT = join(__dirname, '..', '..', 'test-output');
const STEP_TIMEOUT_MS = 15_000;

let server: DevServer;
let demo: DemoRoom;
let context: BrowserContext | null = null;
let page: Page;
let profile: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  server = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', media: 'none' });
  // A visitor every 400 ms: several have come and gone by the time the page looks.
  demo = await startDemoRoom(server, { realMedia: false, churnEveryMs: 400 });
  await demo.ready(STEP_TIMEOUT_MS);
  server.setStatus('demo', { roomID: demo.roomID, users: [...demo.users], media: 'simulated' });
  profile = mkdtempSync(join(tmpdir(), 'wxrtc-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1400, height: 900 },
    timeout: 30_000,
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  mkdirSync(OUTPUT, { recursive: true });
}, 60_000);

afterAll(async () => {
  await context?.close();
  // The demo's headless wx (installed globally while it runs): its sockets must have finished closing (their
  // 'close' handlers touch it) before jest tears the globals down.
  const socketsClosed = (globalThis as unknown as { wx?: HeadlessWx }).wx?.whenSocketsClosed(5_000);
  await demo?.close();
  await server?.close();
  await socketsClosed;
  if (profile) rmSync(profile, { recursive: true, force: true });
}, 30_000);

test('the landing page links the inspector, the admin API and the demo room', async () => {
  await page.goto(`${server.httpUrl}/`);
  await page.screenshot({ path: join(OUTPUT, 'landing.png'), fullPage: true });
  expect(await page.title()).toBe('wxrtc dev server');
  expect(await page.textContent('#demo + p')).toContain(`Room ${demo.roomID}: alice and bob publish and play each other on simulated media`);
  await page.click('nav a[href="#admin-api"]');
  expect(await page.isVisible('#admin-api')).toBe(true);
  await page.click('nav a[href="/inspect"]');
  await page.waitForURL(`${server.httpUrl}/inspect`);
  // The landing page carries no key (anyone reaching it would read it): the inspector says where to get one.
  await page.waitForSelector('#status[data-status="closed"]');
  expect(await page.textContent('#status')).toContain('no key');
  // The printed url's fragment, pasted into this tab, connects without a reload by hand.
  await page.evaluate(`location.hash = ${JSON.stringify(new URL(server.inspector!.url).hash)}`);
  await page.waitForSelector('#status[data-status="live"]');
  expect(pageErrors).toEqual([]);
}, 30_000);

test('the inspector at 1400x900: log beside the charts, zoom hint, labels on hover, ended visitors folded, flat payloads', async () => {
  await page.goto(server.inspector!.url);
  await page.waitForSelector('#status[data-status="live"]');
  await page.click('#participants li[data-label^="demo alice"]');
  await page.waitForSelector('section.actor[data-name="room"] svg');
  await page.waitForSelector('#log tbody tr');

  // The log sits beside the charts, in view, not under them.
  const actors = (await page.locator('#actors').boundingBox())!;
  const log = (await page.locator('#log-pane').boundingBox())!;
  expect(log.x).toBeGreaterThanOrEqual(actors.x + actors.width);
  expect(log.y).toBeLessThan(200);
  expect(log.y + log.height).toBeLessThanOrEqual(900);

  // The page says clicking zooms.
  expect(await page.textContent('#hint')).toContain('Click a chart to zoom it');

  // Hovering a transition shows its label at a readable size.
  const edge = page.locator('section.actor[data-name="room"] g.wxc-edge').first();
  const label = (await edge.locator('text').textContent()) ?? '';
  expect(label).not.toBe('');
  await edge.locator('rect').hover({ force: true });
  await page.waitForSelector('#tip:not([hidden])');
  expect(await page.textContent('#tip')).toContain(label);
  const tipFont = await page.$eval('#tip', (tip) => parseFloat((globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } }).getComputedStyle(tip).fontSize));
  expect(tipFont).toBeGreaterThanOrEqual(10);
  const drawn = await edge.locator('text').evaluate((text) => text.getBoundingClientRect().height);
  await page.screenshot({ path: join(OUTPUT, 'inspector-1400x900.png') });

  // Clicking a chart zooms it to full size, where the labels themselves are readable.
  await page.mouse.move(0, 0);
  await page.click('section.actor[data-name="room"] .chart', { position: { x: 5, y: 5 } });
  expect(await page.getAttribute('section.actor[data-name="room"] .chart', 'class')).toContain('zoomed');
  const zoomed = await edge.locator('text').evaluate((text) => text.getBoundingClientRect().height);
  expect(zoomed).toBeGreaterThanOrEqual(10);
  expect(zoomed).toBeGreaterThan(drawn);
  await page.screenshot({ path: join(OUTPUT, 'inspector-zoomed.png') });
  await page.click('section.actor[data-name="room"] .chart', { position: { x: 5, y: 5 } });

  // Visitors who left are folded under "Ended", not listed as "stopped · connected" among the live ones.
  const until = Date.now() + STEP_TIMEOUT_MS;
  while (Number(await page.textContent('#ended-count')) < 2 && Date.now() < until) await page.waitForTimeout(100);
  expect(Number(await page.textContent('#ended-count'))).toBeGreaterThanOrEqual(2);
  const live = await page.$$eval('#participants li', (items) => items.map((li) => `${li.querySelector('.summary')?.textContent} · ${li.querySelector('.meta')?.textContent}`));
  expect(live.length).toBeLessThanOrEqual(3);
  for (const item of live) expect(item).not.toMatch(/^stopped|· closed ·/);
  expect(await page.isVisible('#ended-participants li')).toBe(false);
  await page.click('#ended summary');
  expect(await page.isVisible('#ended-participants li')).toBe(true);
  // An ended visitor says it ended, not the state it was in when it went.
  expect(await page.textContent('#ended-participants li .summary')).toMatch(/^ended \d\d:\d\d:\d\d\.\d{3}$/);
  await page.screenshot({ path: join(OUTPUT, 'inspector-ended.png') });

  // Component events: one flat payload, no detail inside detail inside detail.
  const payloads = await page.$$eval('#log tr[data-type^="LIVE_P"] td.payload', (cells) => cells.map((cell) => cell.getAttribute('title') ?? ''));
  expect(payloads.length).toBeGreaterThan(0);
  for (const payload of payloads) expect(payload).not.toContain('"detail":{');
  expect(pageErrors).toEqual([]);
}, 60_000);

test('the inspector draws each participant\'s call quality from what the demo room reported: bitrate, fps and jitter per stream', async () => {
  await page.goto(server.inspector!.url);
  await page.waitForSelector('#status[data-status="live"]');
  // The demo's components report netstatus every second, the SDK samples every 2 s, the page polls every 2 s:
  // a line needs two samples of a stream.
  const aliceUp = '#quality .quality-room[data-room="n:1234"] .quality-participant[data-user="alice"] .quality-stream[data-stream="push:alice:main"]';
  await page.waitForSelector(`${aliceUp} svg.spark[data-metric="bitrate"] polyline`, { timeout: 20_000 });
  await page.waitForSelector('.quality-participant[data-user="bob"] .quality-stream[data-stream="play:alice:main"] svg.spark[data-metric="fps"] polyline', { timeout: 20_000 });
  expect(await page.isVisible('#no-quality')).toBe(false);
  // The two who stay are listed live, not folded with those who left.
  const listed = await page.$$eval('#quality .quality-room[data-room="n:1234"] > .quality-participant', (items) => items.map((i) => `${i.getAttribute('data-user')}${i.classList.contains('ended') ? ' ended' : ''}`));
  expect(listed).toEqual(expect.arrayContaining(['alice', 'bob']));
  expect(listed.filter((entry) => entry.endsWith(' ended'))).toEqual([]);

  // What the page drew is what the server kept: the admin API's series for the same stream.
  const admin = (await (await fetch(`${server.httpUrl}/admin/rooms/n%3A1234/stats`, { headers: { 'x-admin-key': server.config.adminKey } })).json()) as {
    participants: Array<{ userID: string; streams: Array<{ kind: string; userID: string; samples: Array<{ videoBitrate?: number; audioBitrate?: number; videoFPS?: number }> }> }>;
  };
  const kept = admin.participants.find((p) => p.userID === 'alice')!.streams.find((s) => s.kind === 'push')!.samples;
  const drawn = Number(await page.getAttribute(`${aliceUp} svg.spark[data-metric="bitrate"]`, 'data-points'));
  expect(drawn).toBeGreaterThanOrEqual(2);
  // The page polled a moment before this fetch: it drew at most what is kept now, and not much less.
  expect(drawn).toBeLessThanOrEqual(kept.length);
  expect(drawn).toBeGreaterThanOrEqual(kept.length - 2);
  const bitrates = new Set(kept.map((s) => `${(s.videoBitrate ?? 0) + (s.audioBitrate ?? 0)} kbps`));
  expect(bitrates.has((await page.textContent(`${aliceUp} .quality-metric[data-metric="bitrate"] .value`)) ?? '')).toBe(true);
  expect(await page.textContent(`${aliceUp} .name`)).toContain('640×360');
  // Three graphs per stream, each with a line inside its box.
  // (Measured in one go: the panel is redrawn on every poll.)
  const boxes = await page.$$eval(`${aliceUp} svg.spark`, (svgs) => svgs.map((svg) => ({ metric: svg.getAttribute('data-metric'), width: svg.getBoundingClientRect().width, height: svg.getBoundingClientRect().height })));
  expect(boxes.map((b) => b.metric)).toEqual(['bitrate', 'fps', 'jitter']);
  for (const box of boxes) {
    expect(box.width).toBeGreaterThan(100);
    expect(box.height).toBeGreaterThan(10);
  }
  const points = (await page.getAttribute(`${aliceUp} svg.spark[data-metric="fps"] polyline`, 'points'))!.split(' ');
  expect(points.length).toBeGreaterThanOrEqual(2);
  for (const point of points) {
    const [x, y] = point.split(',').map(Number);
    expect(x).toBeGreaterThanOrEqual(0);
    expect(x).toBeLessThanOrEqual(200);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(y).toBeLessThanOrEqual(28);
  }
  // Someone who reported and left is folded under "ended", with what they reported.
  const carol = await TestClient.connect(server.wsUrl, 'carol');
  await carol.ok<'join'>({ type: 'join', sdkAppID: server.sdkAppID, userID: 'carol', userSig: server.genUserSig('carol'), roomID: demo.roomID, scene: 'rtc', role: 'anchor', visible: true });
  await carol.ok<'publish'>({ type: 'publish', streamType: 'main' });
  expect(await carol.ok<'net-stats'>({ type: 'net-stats', samples: [{ kind: 'push', userID: 'carol', streamType: 'main', at: Date.now(), videoBitrate: 321, videoFPS: 9, packetLoss: 4 }] })).toEqual({ accepted: 1, dropped: 0 });
  await carol.ok<'leave'>({ type: 'leave' });
  await carol.close();
  const folded = '#quality .quality-room[data-room="n:1234"] details.quality-ended .quality-participant.ended[data-user="carol"]';
  await page.waitForSelector('#quality .quality-room[data-room="n:1234"] details.quality-ended summary', { timeout: 10_000 });
  await page.click('#quality .quality-room[data-room="n:1234"] details.quality-ended summary');
  await page.waitForSelector(folded);
  // Its one sample is a dot, and a reported loss is drawn as loss rather than jitter.
  expect(await page.textContent(`${folded} .quality-metric[data-metric="loss"] .value`)).toBe('4% loss');
  expect(await page.$$eval(`${folded} svg.spark[data-metric="bitrate"] circle`, (dots) => dots.length)).toBe(1);
  // The fold stays open across the panel's redraws.
  await page.waitForTimeout(2_500);
  expect(await page.isVisible(folded)).toBe(true);
  await page.locator('#quality-pane').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(OUTPUT, 'inspector-quality.png') });
  expect(pageErrors).toEqual([]);
}, 60_000);

test('/inspect/stately with the hosted inspector unreachable says so, and points to the local one', async () => {
  const closed = await freePort('127.0.0.1');
  await page.goto(`${server.httpUrl}/inspect/stately?url=${encodeURIComponent(`http://127.0.0.1:${closed}/inspect`)}`);
  await page.waitForSelector('#offline:not([hidden])', { timeout: 5_000 });
  expect(await page.textContent('#offline')).toContain('The Stately inspector did not load');
  expect(await page.textContent('#offline-url')).toBe(`http://127.0.0.1:${closed}/inspect`);
  expect(await page.getAttribute('#offline a', 'href')).toBe('/inspect');
  await page.screenshot({ path: join(OUTPUT, 'stately-offline.png') });
}, 30_000);

test('/inspect/stately refuses a javascript: url', async () => {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await page.goto(`${server.httpUrl}/inspect/stately?url=${encodeURIComponent('javascript:alert(document.domain)')}`);
  await page.waitForTimeout(500);
  expect(dialogs).toEqual([]);
  expect(await page.getAttribute('#inspector', 'src')).toBe('https://stately.ai/inspect');
}, 30_000);
