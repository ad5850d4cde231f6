// A browser and a mini-program in one room, for real: Debian's chromium (fake camera and microphone) runs the
// web entry (dist/wxrtc-web.js as build.mjs builds it), a headless mini-program runs our TRTC facade with the
// ffmpeg-emulated <live-pusher>/<live-player>, and the dev server bridges them (docs/web-media.md). Each side
// counts the frames it got from the other; mute, a media restart, a refused subscription and leaving reach
// the other side. The page's console errors fail the test unless expected.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegChildren, startMediaRig, until, type MediaRig } from './helpers';
import { BrowserParticipant, buildWebScript, launchChromium, scratch, servePage } from './web-browser';
import { browserSuite } from '../helpers/browser';
import type { Browser } from 'playwright-core';
import type { Participant } from '../helpers/participant';
import type { RtmpPull } from '../../src/testing/rtmp-media';

const { test, beforeAll, afterAll } = browserSuite();

const ROOM = 5150;
const OUTPUT = join(__dirname, '..', '..', 'test-output');
const b64u = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

let browser: Browser | null = null;
let site: { url: string; close(): Promise<void> } | null = null;
const dir = scratch();
let rig: MediaRig | null = null;
let web: BrowserParticipant | null = null;

beforeAll(async () => {
  site = await servePage(await buildWebScript(dir.dir));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await web?.close();
  await rig?.close();
  await browser?.close();
  await site?.close();
  dir.cleanup();
  expect(ffmpegChildren()).toEqual([]);
}, 30_000);

afterEach(async () => {
  await web?.close();
  web = null;
  await rig?.close();
  rig = null;
  // Every bridge and component ffmpeg ended with its server and runtime.
  expect(ffmpegChildren()).toEqual([]);
}, 30_000);

/** A rig, a mini-program 'mini' in ROOM, and the browser 'browser' joined to it. */
async function call(options: Parameters<typeof startMediaRig>[0] = {}): Promise<{ rig: MediaRig; mini: Participant; web: BrowserParticipant }> {
  rig = await startMediaRig(options);
  const mini = rig.join('mini', { roomID: ROOM });
  web = await BrowserParticipant.open(browser!, site!.url, 'browser');
  await web.join({ serverUrl: rig.server.wsUrl, sdkAppId: rig.server.sdkAppID, userSig: rig.server.genUserSig('browser'), roomId: ROOM });
  return { rig, mini, web };
}

/** The mini-program's emulated <live-player> pulls of the browser's stream. */
function pullsOfBrowser(r: MediaRig): RtmpPull[] {
  return r.media.pulls().filter((s) => s.url.includes(`.${b64u('browser')}.`));
}

test('the browser and the mini-program each decode the frames of the other', async () => {
  const { rig, mini, web } = await call();
  await web.waitFor('STREAM_ADDED', (d) => d.userID === 'mini', 15_000);
  await mini.waitFor('STREAM_ADDED', (d) => d.userID === 'browser', 15_000);

  // The browser's <video> of the mini-program decodes frames, and keeps decoding.
  const first = await web.until(async () => ((await web.videoFrames('mini_main')) > 10 ? await web.videoFrames('mini_main') : 0), 'the browser decoded no frames of the mini-program', 15_000, async () => JSON.stringify(await web.frames()));
  await web.until(async () => (await web.videoFrames('mini_main')) > first + 10, 'the browser stopped decoding', 10_000, async () => JSON.stringify(await web.frames()));
  const frames = await web.frames();
  expect(frames['mini_main']!.stats).toBeGreaterThan(first);

  // The mini-program's <live-player> of the browser counts frames, and keeps counting.
  const pull = await until(() => pullsOfBrowser(rig).find((s) => s.running && s.frames > 10), 'the mini-program got no frames of the browser', 15_000, () => rig.media.pulls().map((s) => `${s.url.slice(0, 60)} ${s.frames} ${s.stderrTail.slice(-2).join('|')}`).join('\n'));
  const mark = pull.frames;
  await until(() => pull.frames > mark + 10, 'the mini-program stopped getting frames', 10_000);
  expect(pull.audioFrames).toBeGreaterThan(0);
  expect(mini.mounted.player('browser_main')?.reported).toEqual(expect.arrayContaining([2001, 2002, 2004]));

  // The page as a person sees it: their own preview and the mini-program's test pattern.
  mkdirSync(OUTPUT, { recursive: true });
  await web.page.screenshot({ path: join(OUTPUT, 'web-call-browser.png') });

  const events = await web.events();
  expect(events.filter((e) => e.code === 'STREAM_FAILED')).toEqual([]);
  expect(web.unexpectedErrors()).toEqual([]);
}, 60_000);
