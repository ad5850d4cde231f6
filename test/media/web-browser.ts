// A browser participant for the media tests: the web entry built as build.mjs builds dist/wxrtc-web.js (one
// IIFE, `window.wxrtcWeb`), served on 127.0.0.1 from a tiny HTTP server, loaded into Debian's chromium with a
// fake camera and microphone, and driven from the test through a few page functions. Its events, the frames
// its <video>s decoded and the page's console errors are read back into Node. Every wait is bounded.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/browser';

const root = join(__dirname, '..', '..');

/** Chromium as a person's browser would be with a camera: fake devices, permission granted, autoplay allowed once they clicked. */
export const WEB_CHROMIUM_ARGS = [
  ...CHROMIUM_ARGS,
  // Two fake cameras and microphones, so switching devices has somewhere to go.
  '--use-fake-device-for-media-stream=device-count=2',
  '--use-fake-ui-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/**
 * The web entry as a <script> tag gets it: build.mjs's options for dist/wxrtc-web.js (IIFE, global wxrtcWeb,
 * browser platform, es2020), into a scratch file so a parallel `node build.mjs` is not raced. Not minified, so a
 * failure's stack names the source.
 */
export async function buildWebScript(dir: string): Promise<string> {
  const outfile = join(dir, 'wxrtc-web.js');
  await build({
    absWorkingDir: root,
    entryPoints: ['src/web/index.ts'],
    outfile,
    bundle: true,
    format: 'iife',
    globalName: 'wxrtcWeb',
    platform: 'browser',
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"' },
    legalComments: 'none',
    logLevel: 'warning',
    sourcemap: false,
  });
  return outfile;
}

/** The page: a stage for the tiles and a few functions the test calls. Event data are copied to plain JSON. */
const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>wxrtc web participant</title>
<style>body{margin:0;font:12px sans-serif;background:#111;color:#eee}#stage{display:flex;flex-wrap:wrap;gap:4px}.wxrtc-tile{position:relative;width:320px;height:240px;background:#000}.wxrtc-tile video{width:100%;height:100%}.wxrtc-tile-label{position:absolute;left:4px;bottom:4px}</style>
</head><body><div id="stage"></div>
<script src="/wxrtc-web.js"></script>
<script>
window.__test = { events: [], room: null };
const plain = (value) => { if (value === undefined) return null; try { return JSON.parse(JSON.stringify(value)); } catch (e) { return String(value); } };
window.__join = async (options) => {
  const room = wxrtcWeb.createWebRoom(Object.assign({}, options, { video: document.getElementById('stage') }));
  window.__test.room = room;
  for (const code of Object.values(wxrtcWeb.EVENT)) room.on(code, (event) => window.__test.events.push({ code: event.eventCode, data: plain(event.data), at: Date.now() }));
  await room.enter();
};
/** Frames per remote player: the room's own count, and the tile's <video> asked directly. */
window.__frames = () => {
  const out = {};
  const room = window.__test.room;
  for (const p of room ? room.getStats().players : []) out[p.id] = { stats: p.frames, playing: p.playing, src: p.src };
  for (const video of document.querySelectorAll('video[data-player-id]')) {
    const id = video.dataset.playerId;
    out[id] = Object.assign(out[id] || {}, { video: video.getVideoPlaybackQuality().totalVideoFrames, audioBytes: video.webkitAudioDecodedByteCount, currentTime: video.currentTime, paused: video.paused });
  }
  return out;
};
</script></body></html>`;

/** Serves PAGE at / and the built script at /wxrtc-web.js, on 127.0.0.1 (a secure context for getUserMedia). */
export async function servePage(script: string): Promise<{ url: string; close(): Promise<void> }> {
  const body = readFileSync(script);
  const server: Server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(PAGE);
    }
    if (req.url === '/wxrtc-web.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      return void res.end(body);
    }
    // The favicon chromium asks for, and anything else: nothing (a 404 would be a console error).
    res.writeHead(req.url === '/favicon.ico' ? 204 : 404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function scratch(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wxrtc-web-browser-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: WEB_CHROMIUM_ARGS, timeout: 30_000 });
}

export interface BrowserEvent {
  code: string;
  data: any;
  at: number;
}

export interface FrameView {
  stats?: number;
  playing?: boolean;
  src?: string;
  video?: number;
  /** Audio bytes the <video> decoded (Chromium's webkitAudioDecodedByteCount). */
  audioBytes?: number;
  currentTime?: number;
  paused?: boolean;
}

/** One page of the browser, in one room: what the test drives and reads. */
export class BrowserParticipant {
  /** Console errors and uncaught exceptions of the page, in order. */
  readonly errors: string[] = [];
  private seen = 0;

  private constructor(
    readonly page: Page,
    readonly userID: string,
  ) {
    page.on('console', (message) => {
      if (message.type() === 'error') this.errors.push(`console: ${message.text()} (${message.location().url})`);
    });
    page.on('pageerror', (error) => this.errors.push(`pageerror: ${error.message}`));
  }

  static async open(browser: Browser, pageUrl: string, userID: string): Promise<BrowserParticipant> {
    const page = await browser.newPage({ viewport: { width: 700, height: 520 } });
    page.setDefaultTimeout(15_000);
    const participant = new BrowserParticipant(page, userID);
    await page.goto(pageUrl);
    await page.waitForFunction(() => typeof (globalThis as any).wxrtcWeb?.createWebRoom === 'function', undefined, { timeout: 10_000 });
    return participant;
  }

  /** createWebRoom + enter(): resolves on LOCAL_JOIN, rejects with what stopped it. */
  async join(options: { serverUrl: string; sdkAppId: number; userSig: string; roomId: number; [key: string]: unknown }): Promise<void> {
    await this.page.evaluate((o) => (globalThis as any).__join(o), { ...options, userId: this.userID });
  }

  /** Call a WebRoom method with JSON arguments (`muteLocal`, `exit`, ...); its result, awaited. */
  async call(method: string, ...args: unknown[]): Promise<unknown> {
    return this.page.evaluate(async ([m, a]) => {
      const room = (globalThis as any).__test.room;
      const result = await room[m as string](...(a as unknown[]));
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    }, [method, args] as const);
  }

  async events(): Promise<BrowserEvent[]> {
    return this.page.evaluate(() => (globalThis as any).__test.events);
  }

  /** Events since the last mark(). */
  mark(): Promise<number> {
    return this.events().then((events) => (this.seen = events.length));
  }

  async frames(): Promise<Record<string, FrameView>> {
    return this.page.evaluate(() => (globalThis as any).__frames());
  }

  /** Frames the <video> of `id` decoded (0 without one). */
  async videoFrames(id: string): Promise<number> {
    return (await this.frames())[id]?.video ?? 0;
  }

  /** Resolve with the first event since `since` (default: the last mark) matching; reject after `timeoutMs`. */
  async waitFor(code: string, match: (data: any) => boolean = () => true, timeoutMs = 10_000, since = this.seen): Promise<BrowserEvent> {
    const started = Date.now();
    for (;;) {
      const events = await this.events();
      const found = events.slice(since).find((e) => e.code === code && match(e.data));
      if (found) return found;
      if (Date.now() - started > timeoutMs) {
        throw new Error(`${this.userID}: no ${code} within ${timeoutMs} ms; saw ${events.slice(since).map((e) => e.code).join(',')}\nerrors: ${this.errors.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Poll `probe` (async, against the page) until it holds; reject after `timeoutMs` with `message` and `detail()`. */
  async until<T>(probe: () => Promise<T | null | undefined | false>, message: string, timeoutMs = 10_000, detail?: () => Promise<string>): Promise<T> {
    const started = Date.now();
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() - started > timeoutMs) throw new Error(`${this.userID}: ${message} (after ${timeoutMs} ms)${detail ? `\n${await detail()}` : ''}\nerrors: ${this.errors.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Errors not matched by one of `expected`. */
  unexpectedErrors(expected: readonly RegExp[] = []): string[] {
    return this.errors.filter((error) => !expected.some((pattern) => pattern.test(error)));
  }

  async close(): Promise<void> {
    await this.page.close().catch(() => undefined);
  }
}
