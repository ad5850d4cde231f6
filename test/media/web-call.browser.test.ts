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
/** mpegts.js's own console line for a play socket that failed (the player reports it as -2301 too). */
const MPEGTS_LOADER_ERROR = /\[IOController\] > Loader error|\[TransmuxingController\] > IOException/;
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
  // And hears it: the <video> decodes the mini-program's audio too.
  await web.until(async () => ((await web.frames())['mini_main']?.audioBytes ?? 0) > 0, 'the browser decoded no audio of the mini-program', 5_000, async () => JSON.stringify(await web.frames()));

  // The mini-program's <live-player> of the browser counts frames, and keeps counting.
  const pull = await until(() => pullsOfBrowser(rig).find((s) => s.running && s.frames > 10), 'the mini-program got no frames of the browser', 15_000, () => rig.media.pulls().map((s) => `${s.url.slice(0, 60)} ${s.frames} ${s.stderrTail.slice(-2).join('|')}`).join('\n'));
  const mark = pull.frames;
  await until(() => pull.frames > mark + 10, 'the mini-program stopped getting frames', 10_000);
  expect(pull.audioFrames).toBeGreaterThan(0);
  expect(mini.mounted.player('browser_main')?.reported).toEqual(expect.arrayContaining([2001, 2002, 2004]));
  // The first pull already decoded the browser's stream: no failed probe, no retry.
  expect(mini.of('STREAM_FAILED')).toEqual([]);

  // The page as a person sees it: their own preview and the mini-program's test pattern.
  mkdirSync(OUTPUT, { recursive: true });
  await web.page.screenshot({ path: join(OUTPUT, 'web-call-browser.png') });

  const events = await web.events();
  expect(events.filter((e) => e.code === 'STREAM_FAILED')).toEqual([]);
  expect(web.unexpectedErrors()).toEqual([]);
}, 60_000);

/** The user an event is about: its `userID`, or its player's (REMOTE_VIDEO_ADD and the like carry `player`). */
const userOf = (data: any): string | undefined => data?.userID ?? data?.player?.userID;

/** What the browser's tile of `id` shows: hidden when the remote video is off, silent when its audio is. */
async function tile(w: BrowserParticipant, id: string): Promise<{ visibility: string; muted: boolean; videoOff: boolean } | null> {
  return w.page.evaluate((streamId) => {
    const doc = (globalThis as any).document;
    const video = doc.querySelector(`video[data-player-id="${streamId}"]`);
    if (!video) return null;
    return { visibility: video.style.visibility, muted: video.muted, videoOff: video.parentElement.classList.contains('wxrtc-video-off') };
  }, id);
}

test('mute and unmute reach the other side, both ways', async () => {
  const { rig, mini, web } = await call();
  await web.until(async () => (await web.videoFrames('mini_main')) > 5, 'the browser decoded no frames of the mini-program', 15_000);
  const pull = await until(() => pullsOfBrowser(rig).find((s) => s.running && s.frames > 5), 'the mini-program got no frames of the browser', 15_000);
  await web.waitFor('REMOTE_VIDEO_ADD', (d) => userOf(d) === 'mini', 5_000, 0);
  await web.waitFor('REMOTE_AUDIO_ADD', (d) => userOf(d) === 'mini', 5_000, 0);
  await mini.waitFor('REMOTE_VIDEO_ADD', (d) => userOf(d) === 'browser', 5_000);
  await mini.waitFor('REMOTE_AUDIO_ADD', (d) => userOf(d) === 'browser', 5_000);
  expect(await tile(web, 'mini_main')).toEqual({ visibility: 'visible', muted: false, videoOff: false });

  // The browser turns its camera off: the mini-program hears REMOTE_VIDEO_REMOVE; its player goes on (audio).
  const miniMark = mini.events.length;
  const since = (code: string) => mini.waitUntil(() => mini.events.slice(miniMark).find((e) => e.code === code && userOf(e.data) === 'browser'), `mini: no ${code} of the browser; saw ${mini.codes().slice(miniMark)}`, 8_000);
  await web.call('muteLocal', { video: true });
  await since('REMOTE_VIDEO_REMOVE');
  await web.call('muteLocal', { audio: true });
  await since('REMOTE_AUDIO_REMOVE');
  await web.call('muteLocal', { video: false });
  await since('REMOTE_VIDEO_ADD');
  await web.call('muteLocal', { audio: false });
  await since('REMOTE_AUDIO_ADD');
  // Muting changed tracks, not the push: the same pull still gets frames.
  const framesAfterUnmute = pull.frames;
  await until(() => pull.running && pull.frames > framesAfterUnmute + 10, 'the mini-program stopped getting the browser after unmute', 10_000);
  expect(mini.of('STREAM_REMOVED')).toEqual([]);

  // The mini-program turns its camera off (as a trtc-wx page does): the browser hears it, hides the tile.
  await web.mark();
  mini.page.setData({ pusher: mini.sdk.setPusherAttributes({ enableCamera: false }) });
  await web.waitFor('REMOTE_VIDEO_REMOVE', (d) => userOf(d) === 'mini', 8_000);
  await web.until(async () => (await tile(web, 'mini_main'))?.visibility === 'hidden', 'the browser still shows the muted video', 5_000, async () => JSON.stringify(await tile(web, 'mini_main')));
  expect((await tile(web, 'mini_main'))!.videoOff).toBe(true);
  mini.page.setData({ pusher: mini.sdk.setPusherAttributes({ enableMic: false }) });
  await web.waitFor('REMOTE_AUDIO_REMOVE', (d) => userOf(d) === 'mini', 8_000);
  await web.until(async () => (await tile(web, 'mini_main'))?.muted === true, 'the browser still plays the muted audio', 5_000);

  // And back on: shown, heard, and frames advancing again.
  mini.page.setData({ pusher: mini.sdk.setPusherAttributes({ enableCamera: true, enableMic: true }) });
  await web.waitFor('REMOTE_VIDEO_ADD', (d) => userOf(d) === 'mini', 8_000);
  await web.waitFor('REMOTE_AUDIO_ADD', (d) => userOf(d) === 'mini', 8_000);
  await web.until(async () => JSON.stringify(await tile(web, 'mini_main')) === JSON.stringify({ visibility: 'visible', muted: false, videoOff: false }), 'the browser did not show and play the mini-program again', 5_000, async () => JSON.stringify(await tile(web, 'mini_main')));
  const before = await web.videoFrames('mini_main');
  await web.until(async () => (await web.videoFrames('mini_main')) > before + 10, 'the browser decodes no frames after unmute', 10_000, async () => JSON.stringify(await web.frames()));

  const events = await web.events();
  expect(events.filter((e) => e.code === 'STREAM_FAILED' || e.code === 'STREAM_REMOVED')).toEqual([]);
  expect(web.unexpectedErrors()).toEqual([]);
}, 90_000);

test('a media restart gives the browser UPDATE_URL for its push and its player, and its <video> keeps playing', async () => {
  const { rig, mini, web } = await call();
  await web.until(async () => (await web.videoFrames('mini_main')) > 5, 'the browser decoded no frames of the mini-program', 15_000);
  await until(() => pullsOfBrowser(rig).find((s) => s.running && s.frames > 5), 'the mini-program got no frames of the browser', 15_000);
  const pullsBefore = new Set(rig.media.pulls());
  await web.mark();

  const response = await fetch(`${rig.server.httpUrl}/admin/media/restart`, { method: 'POST', headers: { 'x-admin-key': rig.server.config.adminKey } });
  expect(await response.json()).toEqual({ generation: 2 });
  const restartedAt = Date.now();

  // The push and the play socket really broke, and the browser said so as a phone does: STREAM_FAILED, retried.
  const localFailure = await web.waitFor('STREAM_FAILED', (d) => d.local, 10_000);
  expect(localFailure.data).toMatchObject({ userID: 'browser', code: -1307, willRetry: true });
  expect(localFailure.data.reason).toContain('4502 media-failed');
  const remoteFailure = await web.waitFor('STREAM_FAILED', (d) => !d.local && d.userID === 'mini', 10_000);
  expect(remoteFailure.data).toMatchObject({ streamType: 'main', code: -2301, willRetry: true });
  expect(remoteFailure.data.reason).toContain('4502 media-failed');

  // New ws:// urls of the new generation, for the push and for the player.
  const GEN_2 = /^ws:\/\/127\.0\.0\.1:\d+\/v1\/media\/web\/(publish|play)\/.*[?&]gen=2&/;
  await web.waitFor('UPDATE_URL', (d) => d.local && GEN_2.test(d.url), 10_000);
  await web.waitFor('UPDATE_URL', (d) => !d.local && d.userID === 'mini' && GEN_2.test(d.url), 10_000);

  // The <video> plays the new url: its frames advance past where they were after the restart.
  await web.until(async () => GEN_2.test((await web.frames())['mini_main']?.src ?? ''), 'the browser player is not on the new url', 10_000, async () => JSON.stringify(await web.frames()));
  const after = await web.videoFrames('mini_main');
  await web.until(async () => (await web.videoFrames('mini_main')) > after + 15, 'the browser <video> did not play again after the restart', 15_000, async () => JSON.stringify(await web.frames()));
  expect((await web.frames())['mini_main']!.paused).toBe(false);

  // And the browser's push came back: the mini-program plays it on a fresh pull.
  await until(() => pullsOfBrowser(rig).find((s) => !pullsBefore.has(s) && s.startedAt >= restartedAt && s.running && s.frames > 15), 'the mini-program did not play the browser again', 20_000, () =>
    rig.media.pulls().map((s) => `${s.url.slice(-80)} frames=${s.frames} codes=${s.codes}`).join('\n'),
  );
  // The room kept the streams through the restart.
  expect((await web.events()).slice(0).filter((e) => e.code === 'STREAM_REMOVED')).toEqual([]);
  expect(mini.of('STREAM_REMOVED')).toEqual([]);
  // What the restart may print: mpegts.js logging the cut play socket.
  expect(web.unexpectedErrors([MPEGTS_LOADER_ERROR])).toEqual([]);
}, 90_000);

test('a subscription the server refuses (the subscription limit) is STREAM_FAILED for the browser, final; the stream it may play plays', async () => {
  // One subscription per user: the browser may play one of the two mini-programs, not both.
  const { rig, web } = await call({ server: { limits: { subscriptionsPerUser: 1 } } });
  const other = rig.join('mini2', { roomID: ROOM });
  await web.waitFor('STREAM_ADDED', (d) => d.userID === 'mini', 15_000, 0);
  await web.waitFor('STREAM_ADDED', (d) => d.userID === 'mini2', 15_000, 0);
  const refused = await web.waitFor('STREAM_FAILED', (d) => !d.local, 15_000, 0);
  expect(refused.data).toMatchObject({ streamType: 'main', code: 8023, willRetry: false });
  expect(refused.data.reason).toContain('already subscribed to 1 streams');
  const played = refused.data.userID === 'mini' ? 'mini2' : 'mini';
  expect(refused.data.userID).toBe(played === 'mini' ? 'mini2' : 'mini');

  // The one it got plays; the refused one never gets a play socket, and is not retried.
  await web.until(async () => (await web.videoFrames(`${played}_main`)) > 10, `the browser did not play ${played}`, 15_000, async () => JSON.stringify(await web.frames()));
  const bridges = rig.server.webMedia.history.filter((e) => e.type === 'opened' && e.direction === 'play');
  expect(bridges.map((e) => e.streamName.split('.')[1])).toEqual([b64u(played)]);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect((await web.events()).filter((e) => e.code === 'STREAM_FAILED')).toHaveLength(1);
  expect(other.userID).toBe('mini2');
  expect(web.unexpectedErrors()).toEqual([]);
}, 60_000);

test('a play url the media server refuses is STREAM_FAILED for the browser with the reason, retried a bounded number of times', async () => {
  rig = await startMediaRig();
  rig.plane.refuse('pull', 'maintenance');
  const mini = rig.join('mini', { roomID: ROOM });
  web = await BrowserParticipant.open(browser!, site!.url, 'browser');
  await web.join({ serverUrl: rig.server.wsUrl, sdkAppId: rig.server.sdkAppID, userSig: rig.server.genUserSig('browser'), roomId: ROOM, retry: { maxAttempts: 2, baseDelayMs: 300, maxDelayMs: 600 } });
  const failure = await web.waitFor('STREAM_FAILED', (d) => !d.local && d.userID === 'mini', 15_000, 0);
  expect(failure.data).toMatchObject({ streamType: 'main', code: -2301, willRetry: true });
  // The media plane's refusal, through the bridge's close code (4403 maintenance), as a phone reads it.
  expect(failure.data.reason).toContain('pull url refused: maintenance');
  const last = await web.waitFor('STREAM_FAILED', (d) => !d.local && d.userID === 'mini' && d.willRetry === false, 15_000, 0);
  expect(last.data.reason).toContain('pull url refused: maintenance');
  const failures = (await web.events()).filter((e) => e.code === 'STREAM_FAILED' && !e.data.local);
  expect(failures).toHaveLength(3);
  // Every attempt was a bridge the server refused with 4403. (A retry also replays the old url for a moment
  // before the re-subscription's new one arrives: that socket the browser closes itself.)
  const closed = rig.server.webMedia.history.filter((e) => e.type === 'closed' && e.direction === 'play');
  expect(closed.filter((e) => e.type === 'closed' && e.code === 4403 && e.reason === 'maintenance').length).toBeGreaterThanOrEqual(3);
  for (const e of closed) expect(e.type === 'closed' && (e.code === 4403 || e.reason === 'client closed' || e.reason === 'stopped')).toBe(true);
  // The browser's own push was never the problem: the media plane took it and the room announced it (the
  // mini-program's pull of it is refused too, by the same switch).
  await mini.waitFor('STREAM_ADDED', (d) => d.userID === 'browser', 10_000);
  expect((await web.events()).filter((e) => e.code === 'STREAM_FAILED' && e.data.local)).toEqual([]);
  expect(web.unexpectedErrors([MPEGTS_LOADER_ERROR])).toEqual([]);
}, 60_000);

/** The stream ids of the browser's remote tiles in the page. */
async function tiles(w: BrowserParticipant): Promise<string[]> {
  return w.page.evaluate(() => [...(globalThis as any).document.querySelectorAll('.wxrtc-tile')].map((t: any) => t.dataset.streamId));
}

test('leaving ends the other side\'s player, both ways', async () => {
  const { rig, mini, web } = await call();
  const stay = rig.join('mini2', { roomID: ROOM });
  for (const id of ['mini_main', 'mini2_main']) await web.until(async () => (await web.videoFrames(id)) > 5, `the browser did not play ${id}`, 15_000);
  await until(() => pullsOfBrowser(rig).filter((s) => s.running && s.frames > 5).length === 2, 'both mini-programs did not play the browser', 15_000);
  expect((await tiles(web)).sort()).toEqual(['local', 'mini2_main', 'mini_main']);

  // A mini-program leaves: the browser hears it, its player and tile go, its play socket ends cleanly.
  await web.mark();
  mini.exit();
  await web.waitFor('STREAM_REMOVED', (d) => d.userID === 'mini', 10_000);
  await web.waitFor('REMOTE_USER_LEAVE', (d) => d.userID === 'mini', 10_000);
  await web.until(async () => !(await tiles(web)).includes('mini_main'), 'the browser still shows the mini-program that left', 5_000);
  expect(Object.keys(await web.frames())).toEqual(['mini2_main']);
  await until(() => !rig.server.webMedia.list().some((b) => b.direction === 'play' && b.streamName.includes(`.${b64u('mini')}.`)), 'the play bridge of the mini-program that left is still open', 5_000);
  expect((await web.events()).filter((e) => e.code === 'STREAM_FAILED')).toEqual([]);

  // The browser leaves: the mini-program that stayed hears it, and its <live-player> of the browser goes.
  const pull = pullsOfBrowser(rig).find((s) => s.running && s.url.includes(`sub=${b64u('mini2')}`))!;
  expect(pull).toBeDefined();
  await web.call('exit');
  await web.waitFor('LOCAL_LEAVE', () => true, 5_000);
  await stay.waitFor('STREAM_REMOVED', (d) => d.userID === 'browser', 10_000);
  await stay.waitFor('REMOTE_USER_LEAVE', (d) => d.userID === 'browser', 10_000);
  await until(() => stay.mounted.player('browser_main') === undefined, 'the mini-program still has a <live-player> for the browser', 5_000);
  await pull.exited;
  expect(pull.codes).not.toContain(-2301);
  expect(stay.of('STREAM_FAILED').filter((e) => e.data.userID === 'browser')).toEqual([]);
  // The browser let go of everything: no tile but its own, no bridge (nor its ffmpeg) left on the server.
  await web.until(async () => (await tiles(web)).join() === 'local', 'the browser kept remote tiles after leaving', 5_000, async () => JSON.stringify(await tiles(web)));
  await until(() => rig.server.webMedia.list().length === 0, 'a bridge outlived the browser leaving', 5_000, () => JSON.stringify(rig.server.webMedia.list()));
  expect(web.unexpectedErrors()).toEqual([]);
}, 90_000);

test('the browser unpublishes and publishes again, and stops and starts receiving a remote user', async () => {
  const { rig, mini, web } = await call();
  await web.until(async () => (await web.videoFrames('mini_main')) > 5, 'the browser decoded no frames of the mini-program', 15_000);
  await until(() => pullsOfBrowser(rig).find((s) => s.running && s.frames > 5), 'the mini-program got no frames of the browser', 15_000);

  // unpublish(): the mini-program sees the stream go; publish(): it comes back and plays on a new pull.
  const mark = mini.events.length;
  await web.call('unpublish');
  await mini.waitUntil(() => mini.events.slice(mark).find((e) => e.code === 'STREAM_REMOVED' && e.data.userID === 'browser'), 'mini: the browser\'s stream was not removed', 8_000);
  await until(() => mini.mounted.player('browser_main') === undefined, 'the mini-program still plays the unpublished browser', 5_000);
  await until(() => !rig.server.webMedia.list().some((b) => b.direction === 'publish'), 'the publish bridge outlived unpublish', 5_000);
  const pullsBefore = new Set(rig.media.pulls());
  await web.call('publish');
  await mini.waitUntil(() => mini.events.slice(mark).find((e) => e.code === 'STREAM_ADDED' && e.data.userID === 'browser'), 'mini: the browser\'s stream did not come back', 10_000);
  await until(() => pullsOfBrowser(rig).find((s) => !pullsBefore.has(s) && s.running && s.frames > 10), 'the mini-program did not play the browser again', 15_000);
  expect(mini.of('STREAM_FAILED')).toEqual([]);

  // muteRemote: the browser stops receiving the mini-program's video (hidden), then both tracks (no socket), then takes them back.
  await web.call('muteRemote', 'mini', { video: true });
  await web.until(async () => (await tile(web, 'mini_main'))?.visibility === 'hidden', 'the muted remote video still shows', 5_000);
  await web.call('muteRemote', 'mini', { audio: true });
  await web.until(async () => (await web.frames())['mini_main']?.playing === false, 'the browser still plays a remote it muted entirely', 5_000, async () => JSON.stringify(await web.frames()));
  await until(() => !rig.server.webMedia.list().some((b) => b.direction === 'play'), 'the play bridge outlived muting both tracks', 5_000);
  await web.call('muteRemote', 'mini', { audio: false, video: false });
  await web.until(async () => JSON.stringify(await tile(web, 'mini_main')) === JSON.stringify({ visibility: 'visible', muted: false, videoOff: false }), 'the browser did not take the remote back', 5_000, async () => JSON.stringify(await tile(web, 'mini_main')));
  const before = await web.videoFrames('mini_main');
  await web.until(async () => (await web.videoFrames('mini_main')) > before + 10, 'the browser decodes no frames after taking the remote back', 15_000, async () => JSON.stringify(await web.frames()));

  expect((await web.events()).filter((e) => e.code === 'STREAM_FAILED' || e.code === 'ERROR')).toEqual([]);
  expect(web.unexpectedErrors()).toEqual([]);
}, 90_000);

test('the browser switches camera mid-call (getDevices, switchDevice): the mini-program goes on getting its frames', async () => {
  const { rig, mini, web } = await call();
  const pull = await until(() => pullsOfBrowser(rig).find((s) => s.running && s.frames > 5), 'the mini-program got no frames of the browser', 15_000);
  const devices = (await web.call('getDevices')) as Array<{ kind: string; deviceId: string; label: string }>;
  const cameras = devices.filter((d) => d.kind === 'videoinput');
  expect(cameras.length).toBe(2);
  const current = ((await web.call('currentDevices')) as Record<string, string>).videoinput;
  const next = cameras.find((c) => c.deviceId !== current)!;
  const startedAt = Date.now();
  await web.call('switchDevice', 'videoinput', next.deviceId);
  expect(((await web.call('currentDevices')) as Record<string, string>).videoinput).toBe(next.deviceId);

  // The push restarts on the same url with the new camera (MediaRecorder cannot change tracks): the media
  // server sees it stop and start, so the mini-program may see the stream go and come back, never fail.
  const frames = pull.frames;
  await until(
    () => pullsOfBrowser(rig).find((s) => s.running && (s === pull ? s.frames > frames + 15 : s.startedAt >= startedAt && s.frames > 15)),
    'the mini-program got no frames after the switch',
    15_000,
    () => rig.media.pulls().map((s) => `${s.url.slice(-40)} running=${s.running} frames=${s.frames} codes=${s.codes}`).join('\n'),
  );
  const publishes = rig.server.webMedia.history.filter((e) => e.type === 'opened' && e.direction === 'publish');
  expect(publishes).toHaveLength(2);
  expect(new Set(publishes.map((e) => e.streamName)).size).toBe(1);
  expect(mini.of('STREAM_FAILED')).toEqual([]);
  expect((await web.events()).filter((e) => e.code === 'STREAM_FAILED' || e.code === 'ERROR')).toEqual([]);
  expect(web.unexpectedErrors()).toEqual([]);
}, 60_000);

test('the browser turns invisible: the mini-program no longer sees it or its stream; visible and publishing again, it is back', async () => {
  const { rig, mini, web } = await call();
  await until(() => pullsOfBrowser(rig).find((s) => s.running && s.frames > 5), 'the mini-program got no frames of the browser', 15_000);
  const mark = mini.events.length;
  const after = (code: string) => mini.waitUntil(() => mini.events.slice(mark).find((e) => e.code === code && userOf(e.data) === 'browser'), `mini: no ${code} of the browser; saw ${mini.codes().slice(mark)}`, 10_000);
  await web.call('setUserVisibility', false);
  await after('STREAM_REMOVED');
  await after('REMOTE_USER_LEAVE');
  await until(() => mini.mounted.player('browser_main') === undefined, 'the mini-program still plays the invisible browser', 5_000);
  // (Its push goes on, as a phone's does: the room machine does not unpublish on visibility; the server hides it.)
  // Still in the room, still watching.
  const seen = await web.videoFrames('mini_main');
  await web.until(async () => (await web.videoFrames('mini_main')) > seen + 10, 'the invisible browser stopped watching', 10_000);

  const pullsBefore = new Set(rig.media.pulls());
  await web.call('setUserVisibility', true);
  await after('REMOTE_USER_JOIN');
  // The server unpublished the invisible user's stream; visible again, it publishes again (as on a phone).
  expect(mini.events.slice(mark).filter((e) => e.code === 'STREAM_ADDED')).toEqual([]);
  await web.call('publish');
  await after('STREAM_ADDED');
  await until(() => pullsOfBrowser(rig).find((s) => !pullsBefore.has(s) && s.running && s.frames > 10), 'the mini-program does not play the browser again', 15_000, () => rig.media.pulls().map((s) => `${s.url.slice(-40)} running=${s.running} frames=${s.frames} codes=${s.codes} ${s.stderrTail.slice(-2).join('|')}`).join('\n'));
  expect(mini.of('STREAM_FAILED')).toEqual([]);
  expect((await web.events()).filter((e) => e.code === 'STREAM_FAILED' || e.code === 'ERROR')).toEqual([]);
  expect(web.unexpectedErrors()).toEqual([]);
}, 60_000);

test('the browser removed by the admin: KICKED_OUT, its players and push end without a failure, the mini-program sees it go', async () => {
  const { rig, mini, web } = await call();
  await web.until(async () => (await web.videoFrames('mini_main')) > 5, 'the browser decoded no frames of the mini-program', 15_000);
  await until(() => pullsOfBrowser(rig).find((s) => s.running && s.frames > 5), 'the mini-program got no frames of the browser', 15_000);
  const mark = await web.mark();
  const removed = await fetch(`${rig.server.httpUrl}/admin/rooms/${encodeURIComponent(`n:${ROOM}`)}/users/browser/remove`, { method: 'POST', headers: { 'x-admin-key': rig.server.config.adminKey } });
  expect(removed.status).toBe(200);
  await web.waitFor('KICKED_OUT', () => true, 10_000);
  await mini.waitFor('REMOTE_USER_LEAVE', (d) => d.userID === 'browser', 10_000);
  await until(() => mini.mounted.player('browser_main') === undefined, 'the mini-program still plays the removed browser', 5_000);
  await until(() => rig.server.webMedia.list().length === 0, 'a bridge outlived the removal', 5_000, () => JSON.stringify(rig.server.webMedia.list()));
  await web.until(async () => (await tiles(web)).join() === 'local', 'the removed browser kept remote tiles', 5_000, async () => JSON.stringify(await tiles(web)));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const after = (await web.events()).slice(mark);
  expect(after.filter((e) => e.code === 'STREAM_FAILED' || e.code === 'ERROR')).toEqual([]);
  expect(((await web.call('getStats')) as any).publisher.pushing).toBe(false);
  expect(web.unexpectedErrors()).toEqual([]);
}, 60_000);

test('two browsers in one room with a mini-program: every one decodes the frames of every other', async () => {
  const { rig, web } = await call();
  const second = await BrowserParticipant.open(browser!, site!.url, 'browser2');
  try {
    await second.join({ serverUrl: rig.server.wsUrl, sdkAppId: rig.server.sdkAppID, userSig: rig.server.genUserSig('browser2'), roomId: ROOM });
    for (const [me, others] of [
      [web, ['mini_main', 'browser2_main']],
      [second, ['mini_main', 'browser_main']],
    ] as const) {
      for (const id of others) await me.until(async () => (await me.videoFrames(id)) > 10, `${me.userID} decoded no frames of ${id}`, 20_000, async () => JSON.stringify(await me.frames()));
    }
    await until(() => rig.media.pulls().filter((s) => s.running && s.frames > 10).length === 2, 'the mini-program does not play both browsers', 15_000);
    for (const me of [web, second]) {
      expect((await me.events()).filter((e) => e.code === 'STREAM_FAILED' || e.code === 'ERROR')).toEqual([]);
      expect(me.unexpectedErrors()).toEqual([]);
    }
  } finally {
    await second.close();
  }
}, 60_000);
