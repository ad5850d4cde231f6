// The latency bench's page script in real Chromium (bench/browser/latency-page.ts, bundled as the bench
// bundles it): getUserMedia gives a canvas camera whose frames carry the page's clock as blocks, which read
// back (RGBA, through a <video> and a canvas) as a time between the call and the read; a remote-like <video>
// (not a local MediaStream) is read frame by frame into the sample list, and the local preview is left alone.

import type { Browser, Page } from 'playwright-core';
import { pageScript, servePage } from '../../bench/latency';
import { browserSuite, CHROMIUM, CHROMIUM_ARGS } from '../helpers/browser';

const { test, beforeAll, afterAll } = browserSuite();

let browser: Browser | null = null;
let page: Page;
let served: { url: string; close(): Promise<void> } | null = null;

beforeAll(async () => {
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required'], timeout: 30_000 });
  page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  await page.addInitScript({ content: await pageScript() });
  // No web entry here: the page's <script src="/wxrtc-web.js"> gets an empty script.
  served = await servePage(Buffer.from(''));
  await page.goto(served.url);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await served?.close();
}, 30_000);

test('the replaced camera films the page clock: a frame of its stream reads back as a time from the call until now', async () => {
  // Page-side code as a string: this file compiles with Node's types, not the DOM's.
  const read = (await page.evaluate(`(async () => {
    const before = performance.timeOrigin + performance.now();
    const stream = await navigator.mediaDevices.getUserMedia({ video: true, audio: true });
    const video = document.createElement('video');
    video.muted = true;
    video.srcObject = stream;
    document.body.append(video);
    await video.play();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Read at a quarter of the size (the blocks read at any size), so fewer pixels cross back to node.
    const canvas = document.createElement('canvas');
    canvas.width = 80;
    canvas.height = 60;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(video, 0, 0, 80, 60);
    const pixels = ctx.getImageData(0, 0, 80, 60);
    return {
      before,
      after: performance.timeOrigin + performance.now(),
      size: [video.videoWidth, video.videoHeight],
      width: 80,
      height: 60,
      data: Array.from(pixels.data),
      tracks: stream.getTracks().map((t) => t.kind).sort(),
      drawn: globalThis.wxrtcLatency.drawn,
    };
  })()`)) as { before: number; after: number; size: number[]; width: number; height: number; data: number[]; tracks: string[]; drawn: number };
  expect(read.tracks).toEqual(['audio', 'video']);
  expect(read.size).toEqual([320, 240]);
  expect(read.drawn).toBeGreaterThan(1);
  const { decodeStamp } = await import('../../bench/lib/timecode');
  const stamp = decodeStamp({ data: read.data, width: read.width, height: read.height, channels: 4 });
  expect(stamp).not.toBeNull();
  expect(stamp!).toBeGreaterThanOrEqual(Math.floor(read.before));
  expect(stamp!).toBeLessThanOrEqual(Math.ceil(read.after));
}, 30_000);

test('a <video> that is not a local MediaStream is read frame by frame into the samples; the local preview is not', async () => {
  const outcome = (await page.evaluate(`(async () => {
    const state = globalThis.wxrtcLatency;
    const watchingBefore = state.watching;
    // A stand-in for a remote player: the camera's stream recorded to webm and played back from a blob url,
    // as MediaSource-backed players play from one (srcObject stays null).
    const stream = await navigator.mediaDevices.getUserMedia({ video: true });
    const recorder = new MediaRecorder(stream, { mimeType: 'video/webm;codecs=vp8' });
    const chunks = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    recorder.start();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await new Promise((resolve) => {
      recorder.onstop = () => resolve();
      recorder.stop();
    });
    const video = document.createElement('video');
    video.muted = true;
    video.src = URL.createObjectURL(new Blob(chunks, { type: 'video/webm' }));
    document.body.append(video);
    await video.play();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return { watchingBefore, watching: state.watching, samples: state.samples.length, stamps: state.samples.map((s) => s.stamp), unreadable: state.unreadable, now: performance.timeOrigin + performance.now() };
  })()`)) as { watchingBefore: number; watching: number; samples: number; stamps: number[]; unreadable: number; now: number };
  // The preview of the first test (srcObject) was never watched; the blob-url video is.
  expect(outcome.watchingBefore).toBe(0);
  expect(outcome.watching).toBe(1);
  expect(outcome.samples).toBeGreaterThan(3);
  // Every sample is a time of this page, newer than the one before (a picture counts once).
  for (let i = 1; i < outcome.stamps.length; i++) expect(outcome.stamps[i]!).toBeGreaterThan(outcome.stamps[i - 1]!);
  expect(outcome.stamps.every((s) => s > outcome.now - 60_000 && s <= outcome.now)).toBe(true);
}, 30_000);
