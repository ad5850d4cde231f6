// Glass-to-glass latency on loopback (group `latency`, 8.): every frame carries the wall-clock time it was
// made at, as blocks (bench/lib/timecode.ts), and the receiving end reads the time back from the decoded
// picture and subtracts it from its own clock. Through a dev server started here on 127.0.0.1 (random ports)
// with the in-process RTMP plane (node-media-server) and the web media bridge:
//
//   mini-program -> mini-program  node draws gray frames -> ffmpeg (x264 as the emulated live-pusher) -> RTMP
//                                 -> ffmpeg pulling the signed play url -> gray rawvideo -> node reads (baseline)
//   mini-program -> browser       the same push -> the bridge's ffmpeg -> FLV over ws -> mpegts.js in Chromium
//                                 -> <video>, read each presented frame (requestVideoFrameCallback) via a canvas
//   browser -> mini-program       a canvas stream in Chromium (getUserMedia replaced) -> wxrtc/web's
//                                 MediaRecorder -> ws -> the bridge's ffmpeg -> RTMP -> ffmpeg pull -> node
//
// Each direction runs in a few sessions (a new player each); both browser directions run at once, as in a
// call. Node's clock (Date.now) and Chromium's (performance.timeOrigin + performance.now) are the same
// machine's wall clock; the offset between them is measured (the round trip of a page.evaluate, halved) and
// subtracted. Every child (ffmpeg, chromium) is killed at the end. Standalone:
// `node --import tsx bench/latency.ts [--sessions N] [--seconds N] [--no-browser]`; `npm run bench -- --only
// latency` runs it too. BENCH_WEB_FILE=<file> plays another build of dist/wxrtc-web.js.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Writable } from 'node:stream';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startDevServer, type DevServer } from '../server/index';
import { rtmpMediaPlane } from '../server/media/index';
import { ffmpegAvailable } from '../src/testing/rtmp-media';
import { TestClient } from '../test/server/helpers/client';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/helpers/browser';
import type { Row, Sample } from './lib/stats';
import { decodeStamp, drawStampGray, percentiles } from './lib/timecode';

const ROOT = join(__dirname, '..');
const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
export const WIDTH = 320;
export const HEIGHT = 240;
export const FPS = 15;
/** What the emulated live-pusher encodes at (src/testing/rtmp-media.ts defaults). */
const VIDEO_KBPS = 300;
/** The tone sent with the frames, and how many frames' worth of it goes ahead of the first frame. */
const AUDIO_RATE = 48_000;
const AUDIO_LEAD_FRAMES = 4;
/** Each session measures from this long after both ends read their first frame: a player's start catches up. */
const WARM_UP_MS = 3_000;
/** Every wait has a bound; a direction that never decodes a frame gives no row rather than a hang. */
const FIRST_FRAME_TIMEOUT_MS = 30_000;
/** Each list of arrivals stops growing here (15 fps for 5 minutes): a bound, far above what one run keeps. */
const MAX_KEPT = 4_500;
/** Decoded times further than this from the receiver's clock are not frames of this run. */
const PLAUSIBLE_MS = 60_000;
const ROOM_ID = 8801;
export const TARGET_MS = 1_500;
/** Sessions per direction (each a new player, starting elsewhere in the stream) and seconds measured in each. */
export const SESSIONS = 3;
export const SECONDS = 10;

export interface Direction {
  label: string;
  /** Latencies in ms of every new picture within the measuring windows, all sessions pooled. */
  samples: number[];
  /** Each session's median: a player that starts elsewhere in the stream may settle at another latency. */
  sessionMedians: number[];
  /** Frames the receiver looked at, and how many of them carried no readable code. */
  frames: number;
  unreadable: number;
  /** Frames that showed a picture already counted (same timecode again). */
  repeats: number;
  /** Why a session measured nothing. */
  failures: string[];
  /** In the browser: how far the <video>'s buffer reached beyond the picture shown, per picture (ms). */
  bufferedAheadMs?: number[];
}

export type Offset = { offsetMs: number; roundTripMs: number };

export interface LatencyResult {
  directions: Direction[];
  /** Chromium's clock minus node's, as measured at the start of each browser session. */
  offsets: Offset[];
  sessions: number;
  seconds: number;
  /** What the browser's MediaRecorder sent, as the bridge saw it ('h264' is passed through, 'vp8' transcoded). */
  browserCodec: string | null;
  loadBefore: number[];
  loadAfter: number[];
}

/** Every child this module starts, killed at the end whatever happened. */
const children = new Set<ChildProcess>();
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
async function killAll(): Promise<void> {
  const waits = [...children].map((child) => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  }));
  await Promise.all(waits);
}
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** The last lines of a child's stderr (diagnostics for a failure), bounded. */
function keepTail(lines: string[], chunk: string): void {
  lines.push(chunk.trim());
  if (lines.length > 20) lines.shift();
}

/** Frames written to a pusher's ffmpeg and not yet read by it, at most (about half a second of video). */
const MAX_QUEUED_BYTES = 8 * WIDTH * HEIGHT;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The mini-program's camera: node draws a frame every 1/15 s with the time it drew it at, ffmpeg encodes it
 * as the emulated live-pusher does (x264 ultrafast, zerolatency, a keyframe a second, 300 kbps) and pushes it
 * to the session's signed RTMP url.
 */
class StampPusher {
  private readonly child: ChildProcess;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly audio: Writable;
  private audioFrames = 0;
  frames = 0;
  dropped = 0;
  readonly stderr: string[] = [];

  constructor(url: string) {
    this.child = track(
      spawn(FFMPEG, [
        '-hide_banner', '-nostdin', '-loglevel', process.env.LATENCY_FFMPEG_LOG ?? 'error',
        '-f', 'rawvideo', '-pix_fmt', 'gray', '-video_size', `${WIDTH}x${HEIGHT}`, '-framerate', String(FPS), '-i', 'pipe:0',
        // A tone, as the live-pusher always sends audio: written by node with each frame (1/15 s of it), so
        // video and audio come from one clock and ffmpeg never holds frames back to wait for the other.
        // Nothing to probe in raw PCM: without these, opening it reads seconds of it before the picture flows.
        '-probesize', '32', '-analyzeduration', '0', '-f', 's16le', '-ar', String(AUDIO_RATE), '-ac', '1', '-i', 'pipe:3',
        '-map', '0:v', '-map', '1:a', '-c:a', 'aac', '-b:a', '48k', '-ac', '1',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
        '-g', String(FPS), '-b:v', `${VIDEO_KBPS}k`, '-maxrate', `${VIDEO_KBPS}k`, '-bufsize', `${VIDEO_KBPS * 2}k`,
        // No waiting to interleave: each packet goes out as it is encoded, as a phone's pusher sends it.
        '-max_interleave_delta', '0', '-f', 'flv', '-flvflags', 'no_duration_filesize', url,
      ], { stdio: ['pipe', 'ignore', 'pipe', 'pipe'] }),
    );
    this.audio = this.child.stdio[3] as Writable;
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (line: string) => keepTail(this.stderr, line));
    this.child.stdin!.on('error', () => undefined);
    this.audio.on('error', () => undefined);
    // Audio leads by a few frames: ffmpeg feeds its encoders lowest timestamp first, and video that is ahead of
    // the audio waits for it (audio's encoder delay would otherwise add ~70 ms to every video frame).
    for (let i = 0; i < AUDIO_LEAD_FRAMES; i++) this.tone();
    this.timer = setInterval(() => this.frame(), 1000 / FPS);
    this.frame();
  }

  private frame(): void {
    if (!this.child.stdin!.writable) return;
    // The tone goes on whatever happens to the picture: ffmpeg may be reading only the audio pipe (opening
    // it, or catching up on it), and holding it back would leave both sides waiting for the other.
    this.tone();
    // A camera does not queue: while ffmpeg has not taken the last frames (starting, or a stalled encoder),
    // this one is dropped.
    if (this.child.stdin!.writableLength > MAX_QUEUED_BYTES) {
      this.dropped += 1;
      return;
    }
    const frame = new Uint8Array(WIDTH * HEIGHT);
    drawStampGray(frame, WIDTH, HEIGHT, Date.now());
    this.child.stdin!.write(frame);
    this.frames += 1;
  }

  /** 1/15 s of a 440 Hz tone. */
  private tone(): void {
    const samples = AUDIO_RATE / FPS;
    const tone = Buffer.alloc(samples * 2);
    for (let i = 0; i < samples; i++) tone.writeInt16LE(Math.round(3000 * Math.sin((2 * Math.PI * 440 * (this.audioFrames * samples + i)) / AUDIO_RATE)), i * 2);
    this.audioFrames += 1;
    // Bounded too (a few seconds of it), should ffmpeg stop reading altogether.
    if (this.audio.writable && this.audio.writableLength < 64 * tone.length) this.audio.write(tone);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  stop(): void {
    clearInterval(this.timer);
    this.child.stdin!.end();
    this.audio.end();
    this.child.kill('SIGTERM');
  }
}

/**
 * The mini-program's player: ffmpeg pulls the signed RTMP url as the emulated live-player does (nobuffer) and
 * decodes every frame to gray rawvideo on its stdout; node reads the time in each frame as its last byte
 * arrives.
 */
class StampReader {
  private readonly child: ChildProcess;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  frames = 0;
  unreadable = 0;
  repeats = 0;
  private lastStamp = -1;
  firstAt: number | null = null;
  /** When each new picture arrived (node's clock) and its latency. */
  readonly samples: Array<{ at: number; latency: number }> = [];
  readonly stderr: string[] = [];

  /** `toNodeClock` maps a decoded time onto node's clock (the browser's stamps carry its own). */
  constructor(url: string, private readonly toNodeClock: (stamp: number) => number = (s) => s) {
    this.child = track(
      spawn(FFMPEG, [
        '-hide_banner', '-nostdin', '-loglevel', 'error',
        '-rw_timeout', String(20_000_000), '-fflags', 'nobuffer', '-flags', 'low_delay', '-analyzeduration', '500000',
        '-i', url,
        '-map', '0:v', '-vf', `scale=${WIDTH}:${HEIGHT}`, '-pix_fmt', 'gray', '-fps_mode', 'passthrough',
        '-f', 'rawvideo', '-flush_packets', '1', 'pipe:1',
      ], { stdio: ['ignore', 'pipe', 'pipe'] }),
    );
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (line: string) => keepTail(this.stderr, line));
    this.child.stdout!.on('data', (chunk: Buffer) => this.onData(chunk, Date.now()));
  }

  /** The latencies of pictures that arrived within [from, to]. */
  within(from: number, to: number): number[] {
    return this.samples.filter((s) => s.at >= from && s.at <= to).map((s) => s.latency);
  }

  private onData(chunk: Buffer, at: number): void {
    const size = WIDTH * HEIGHT;
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= size) {
      const all = Buffer.concat(this.pending);
      const frame = all.subarray(0, size);
      const rest = all.subarray(size);
      this.pending = rest.length ? [rest] : [];
      this.pendingBytes = rest.length;
      this.frames += 1;
      const stamp = decodeStamp({ data: frame, width: WIDTH, height: HEIGHT, channels: 1 });
      if (stamp === null) {
        this.unreadable += 1;
        continue;
      }
      const latency = at - this.toNodeClock(stamp);
      if (Math.abs(latency) > PLAUSIBLE_MS) {
        this.unreadable += 1;
        continue;
      }
      // A picture shown again (a frame rate converter repeats frames) is not a new picture: its first
      // arrival is its latency.
      if (stamp <= this.lastStamp) {
        this.repeats += 1;
        continue;
      }
      this.lastStamp = stamp;
      this.firstAt ??= at;
      if (this.samples.length < MAX_KEPT) this.samples.push({ at, latency });
    }
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}

/** A raw protocol client in the room: joined, kept alive with pings, and asked for urls. */
async function miniClient(server: DevServer, userID: string): Promise<{ client: TestClient; joinedStreams: string[]; stop(): Promise<void> }> {
  const client = await TestClient.connect(server.wsUrl, userID);
  const joined = await client.ok({ type: 'join', sdkAppID: server.sdkAppID, userID, userSig: server.genUserSig(userID), roomID: ROOM_ID, scene: 'rtc', role: 'anchor', visible: true });
  const keepAlive = setInterval(() => void client.ok({ type: 'ping' }).catch(() => undefined), 5_000);
  return {
    client,
    joinedStreams: joined.streams.map((st) => st.userID),
    async stop() {
      clearInterval(keepAlive);
      await client.close();
    },
  };
}

/** Resolve once `probe` holds (polling every 50 ms), or reject after `timeoutMs` with `what` and `detail()`. */
async function until(probe: () => boolean, what: string, timeoutMs: number, detail: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s${detail() ? `: ${detail()}` : ''}`);
    await sleep(50);
  }
}

/** An empty tally of one direction; sessions add to it. */
function direction(label: string): Direction {
  return { label, samples: [], sessionMedians: [], frames: 0, unreadable: 0, repeats: 0, failures: [] };
}

/** The first line of an error (page.evaluate's carry the page's stack), bounded. */
function why(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.slice(0, 400);
}

/** One session's share: its latencies (pooled) and its median (the spread between sessions). */
function add(d: Direction, part: { samples: number[]; frames: number; unreadable: number; repeats: number }): void {
  d.frames += part.frames;
  d.unreadable += part.unreadable;
  d.repeats += part.repeats;
  if (part.samples.length === 0) return void d.failures.push('no frame within the measuring window');
  d.samples.push(...part.samples);
  d.sessionMedians.push(percentiles(part.samples)!.median);
}

/**
 * mini-program -> mini-program: the pipeline without the browser, through the same server. One push for the
 * whole; each session is a new subscriber, so each starts its player at another point of the stream.
 */
async function miniToMini(server: DevServer, sessions: number, seconds: number, progress: (m: string) => void): Promise<Direction> {
  const d = direction('mini-program -> mini-program');
  const pub = await miniClient(server, 'mini-pub');
  let pusher: StampPusher | null = null;
  try {
    const { url } = await pub.client.ok<'publish'>({ type: 'publish', streamType: 'main' });
    pusher = new StampPusher(url);
    for (let k = 1; k <= sessions; k++) {
      const sub = await miniClient(server, `mini-sub-${k}`);
      let reader: StampReader | null = null;
      try {
        if (!sub.joinedStreams.includes('mini-pub')) await sub.client.waitFor('stream-added', (n) => n.userID === 'mini-pub', 15_000);
        const { url: playUrl } = await sub.client.ok<'subscribe'>({ type: 'subscribe', userID: 'mini-pub', streamType: 'main', audio: false, video: true });
        const r = new StampReader(playUrl);
        reader = r;
        await until(() => r.firstAt !== null, 'the mini-program player read no timecode', FIRST_FRAME_TIMEOUT_MS, () => [...r.stderr, ...pusher!.stderr].slice(-4).join(' | '));
        const from = Date.now() + WARM_UP_MS;
        await sleep(WARM_UP_MS + seconds * 1000);
        add(d, { samples: r.within(from, Date.now()), frames: r.frames, unreadable: r.unreadable, repeats: r.repeats });
        progress(`${d.label}: session ${k} of ${sessions} done`);
      } catch (error) {
        d.failures.push(why(error));
      } finally {
        reader?.stop();
        await sub.stop();
      }
    }
  } catch (error) {
    d.failures.push(why(error));
  } finally {
    pusher?.stop();
    await pub.stop();
  }
  return d;
}

const PAGE = '<!doctype html><html><head><meta charset="utf-8"><title>wxrtc latency</title></head><body><div id="videos"></div><script src="/wxrtc-web.js"></script></body></html>';

/** The page (tiles in #videos) and dist/wxrtc-web.js, on 127.0.0.1 at a random port. */
export async function servePage(bundle: Buffer): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      return void res.end(PAGE);
    }
    if (req.url === '/wxrtc-web.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      return void res.end(bundle);
    }
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

/** The bench page's script (stamped canvas camera, frame reader), bundled for the browser. */
export async function pageScript(): Promise<string> {
  const { build } = await import('esbuild');
  const out = await build({ entryPoints: [join(ROOT, 'bench', 'browser', 'latency-page.ts')], bundle: true, write: false, format: 'iife', target: 'es2020', platform: 'browser', logLevel: 'silent' });
  return out.outputFiles[0]!.text;
}

interface PageState {
  samples: Array<{ stamp: number; shownAt: number; aheadMs: number }>;
  frames: number;
  unreadable: number;
  repeats: number;
  watching: number;
  drawn: number;
  errors: string[];
  events: string[];
}


type WebRoomHandle = { wxrtcLatency: PageState & { join(options: Record<string, unknown>): Promise<void>; leave(): Promise<void>; videos(): string } };
const inPage = () => (globalThis as unknown as WebRoomHandle).wxrtcLatency;

/**
 * The browser both ways at once, one session per fresh page (a new participant, `browser-<k>`): it plays the
 * mini-program's stamped stream and publishes its stamped canvas, which a new mini-program session plays.
 */
async function browserSessions(
  server: DevServer,
  sessions: number,
  seconds: number,
  progress: (m: string) => void,
): Promise<{ directions: [Direction, Direction]; offsets: Offset[]; codec: string | null }> {
  const toBrowser: Direction = { ...direction('mini-program -> browser'), bufferedAheadMs: [] };
  const fromBrowser = direction('browser -> mini-program');
  const offsets: Offset[] = [];
  const fail = (reason: string) => {
    toBrowser.failures.push(reason);
    fromBrowser.failures.push(reason);
    return { directions: [toBrowser, fromBrowser] as [Direction, Direction], offsets, codec: null };
  };
  // BENCH_WEB_FILE: another build of the web entry (a what-if, as BENCH_OURS_FILE is for the drop-in).
  const bundle = process.env.BENCH_WEB_FILE ?? join(ROOT, 'dist', 'wxrtc-web.js');
  if (!existsSync(bundle)) return fail(`${bundle} is missing (run node build.mjs, or the bench without --no-build)`);
  if (!existsSync(CHROMIUM)) return fail(`no chromium at ${CHROMIUM}`);
  const { chromium } = await import('playwright-core');
  const script = await pageScript();
  const pub = await miniClient(server, 'mini-cam');
  let pusher: StampPusher | null = null;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...CHROMIUM_ARGS, '--autoplay-policy=no-user-gesture-required', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    timeout: 30_000,
  });
  const browserPid = (browser as unknown as { process?: () => ChildProcess | undefined }).process?.()?.pid;
  // A real page on 127.0.0.1: Chromium's local network access checks refuse a page with no address (one
  // fulfilled by page.route) a socket to the loopback dev server.
  const pageServer = await servePage(readFileSync(bundle));
  try {
    const { url } = await pub.client.ok<'publish'>({ type: 'publish', streamType: 'main' });
    pusher = new StampPusher(url);
    for (let k = 1; k <= sessions; k++) {
      const userId = `browser-${k}`;
      const viewer = await miniClient(server, `mini-viewer-${k}`);
      const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
      page.setDefaultTimeout(20_000);
      const pageErrors: string[] = [];
      page.on('pageerror', (error) => pageErrors.push(error.message));
      let reader: StampReader | null = null;
      try {
        await page.addInitScript({ content: script });
        await page.goto(pageServer.url);
        await page.waitForFunction(() => typeof (globalThis as unknown as { wxrtcWeb?: { createWebRoom?: unknown } }).wxrtcWeb?.createWebRoom === 'function', undefined, { timeout: 10_000 });
        // Node's clock against the page's: the reading with the shortest round trip.
        let offset: Offset | null = null;
        for (let i = 0; i < 7; i++) {
          const t0 = Date.now();
          const theirs = await page.evaluate(() => performance.timeOrigin + performance.now());
          const t1 = Date.now();
          if (!offset || t1 - t0 < offset.roundTripMs) offset = { offsetMs: theirs - (t0 + t1) / 2, roundTripMs: t1 - t0 };
        }
        offsets.push(offset!);
        const offsetMs = offset!.offsetMs;
        // The mini-program's stream is live (a viewer has it) before the browser joins.
        if (!viewer.joinedStreams.includes('mini-cam')) {
          await viewer.client.waitFor('stream-added', (n) => n.userID === 'mini-cam', 15_000).catch((error: unknown) => {
            throw new Error(`${why(error)}; the pusher's ffmpeg: ${pusher!.running ? 'running' : 'gone'}, ${pusher!.frames} frames written, ${pusher!.dropped} dropped, stderr ${pusher!.stderr.join(' | ') || '(none)'}`);
          });
        }
        await page.evaluate((o) => (globalThis as unknown as WebRoomHandle).wxrtcLatency.join(o), { serverUrl: server.wsUrl, sdkAppId: server.sdkAppID, userId, userSig: server.genUserSig(userId), roomId: ROOM_ID });
        await viewer.client.waitFor('stream-added', (n) => n.userID === userId, 20_000);
        const { url: playUrl } = await viewer.client.ok<'subscribe'>({ type: 'subscribe', userID: userId, streamType: 'main', audio: false, video: true });
        const r = new StampReader(playUrl, (stamp) => stamp - offsetMs);
        reader = r;
        const state = () =>
          page.evaluate(() => {
            const { samples, frames, unreadable, repeats, watching, drawn, errors, events } = (globalThis as unknown as WebRoomHandle).wxrtcLatency;
            return { samples, frames, unreadable, repeats, watching, drawn, errors, events };
          });
        const firstInBrowser = async () => {
          const deadline = Date.now() + FIRST_FRAME_TIMEOUT_MS;
          for (;;) {
            const s = await state();
            if (s.samples.length > 0) return;
            if (Date.now() > deadline) {
              const videos = await page.evaluate(() => (globalThis as unknown as WebRoomHandle).wxrtcLatency.videos());
              throw new Error(`the browser read no timecode within ${FIRST_FRAME_TIMEOUT_MS / 1000} s: ${s.watching} remote <video> watched, ${s.frames} frames looked at, ${s.unreadable} unreadable; videos ${videos}; events ${s.events.slice(-5).join(' | ')}; errors ${[...s.errors, ...pageErrors].slice(-3).join(' | ')}`);
            }
            await sleep(200);
          }
        };
        const first = await Promise.allSettled([
          firstInBrowser(),
          until(() => r.firstAt !== null, 'the mini-program read no timecode from the browser', FIRST_FRAME_TIMEOUT_MS, () => r.stderr.slice(-3).join(' | ')),
        ]);
        const from = Date.now() + WARM_UP_MS;
        await sleep(WARM_UP_MS + seconds * 1000);
        const to = Date.now();
        const s = await state();
        if (first[0].status === 'fulfilled') {
          // Shown times on node's clock, within the same window as the other direction.
          const kept = s.samples.map((x) => ({ ...x, at: x.shownAt - offsetMs })).filter((x) => x.at >= from && x.at <= to);
          add(toBrowser, { samples: kept.map((x) => x.at - x.stamp), frames: s.frames, unreadable: s.unreadable, repeats: s.repeats });
          toBrowser.bufferedAheadMs!.push(...kept.map((x) => x.aheadMs));
        } else toBrowser.failures.push(why(first[0].reason));
        if (first[1].status === 'fulfilled') add(fromBrowser, { samples: r.within(from, to), frames: r.frames, unreadable: r.unreadable, repeats: r.repeats });
        else fromBrowser.failures.push(why(first[1].reason));
        progress(`browser: session ${k} of ${sessions} done (clock offset ${offsetMs.toFixed(1)} ms, ${s.drawn} canvas frames drawn, ${s.frames} read)`);
      } catch (error) {
        toBrowser.failures.push(why(error));
        fromBrowser.failures.push(why(error));
      } finally {
        reader?.stop();
        // Leave the room (bounded), so the next session's room holds only the mini-programs and it.
        await Promise.race([page.evaluate(() => (globalThis as unknown as WebRoomHandle).wxrtcLatency.leave()).catch(() => undefined), sleep(5_000)]);
        await page.close().catch(() => undefined);
        await viewer.stop();
      }
    }
    const opened = server.webMedia.history.find((e) => e.type === 'opened' && e.direction === 'publish');
    return { directions: [toBrowser, fromBrowser], offsets, codec: opened && 'codec' in opened ? opened.codec : null };
  } catch (error) {
    return fail(why(error));
  } finally {
    pusher?.stop();
    await pub.stop();
    await browser.close().catch(() => undefined);
    await pageServer.close();
    if (browserPid) {
      try {
        process.kill(browserPid, 'SIGKILL');
      } catch {
        // gone already
      }
    }
  }
}

/** Every direction, `sessions` times each, through one dev server started for it. */
export async function measureLatency(options: { sessions?: number; seconds?: number; browser?: boolean; progress?: (m: string) => void } = {}): Promise<LatencyResult> {
  const sessions = options.sessions ?? SESSIONS;
  const seconds = options.seconds ?? SECONDS;
  const progress = options.progress ?? (() => undefined);
  const loadBefore = loadavg();
  const server = await startDevServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, logLevel: 'silent', inspector: false, mediaPlane: rtmpMediaPlane() });
  const directions: Direction[] = [];
  let offsets: Offset[] = [];
  let browserCodec: string | null = null;
  try {
    progress(`latency: mini-program -> mini-program (node -> ffmpeg -> RTMP -> ffmpeg -> node), ${sessions} sessions of ${seconds} s`);
    directions.push(await miniToMini(server, sessions, seconds, progress));
    if (options.browser !== false) {
      progress(`latency: the browser both ways at once (chromium, wxrtc-web.js, the web media bridge), ${sessions} sessions of ${seconds} s`);
      const both = await browserSessions(server, sessions, seconds, progress);
      directions.push(...both.directions);
      offsets = both.offsets;
      browserCodec = both.codec;
    }
  } finally {
    await killAll();
    await server.close();
  }
  return { directions, offsets, browserCodec, sessions, seconds, loadBefore, loadAfter: loadavg() };
}

/**
 * Rows for bench/run.ts, per direction: the median of every frame of every session, with the range of the
 * sessions' own medians in brackets, and the p95 of every frame. The 1.5 s target is on the browser rows.
 */
export function latencyRows(result: LatencyResult): { rows: Row[]; notes: string[] } {
  const rows: Row[] = [];
  const notes: string[] = [];
  result.directions.forEach((d, i) => {
    const head = i === 0 ? '8. latency, ' : '   ';
    const targeted = d.label.includes('browser');
    const target = targeted ? '<= 1500 ms' : '';
    const stats = percentiles(d.samples);
    if (!stats) {
      rows.push({ metric: `${head}${d.label}: median`, unit: 'ms', ours: null, theirs: null, target, met: 'pending' });
      notes.push(`latency ${d.label}: not measured: ${d.failures.join('; ') || 'no samples'}`);
      return;
    }
    const sessions = d.sessionMedians.length;
    const median: Sample = { median: stats.median, min: Math.min(...d.sessionMedians), max: Math.max(...d.sessionMedians), runs: sessions };
    rows.push({ metric: `${head}${d.label}: median of ${stats.count} frames, ${sessions} session${sessions === 1 ? '' : 's'}`, unit: 'ms', ours: median, theirs: null, target, met: targeted ? stats.median <= TARGET_MS : null });
    rows.push({ metric: `   ${d.label}: p95`, unit: 'ms', ours: stats.p95, theirs: null, target: '', met: null });
    notes.push(
      `latency ${d.label}: ${d.frames} frames decoded, ${d.unreadable} without a readable timecode, ${d.repeats} repeating a picture already counted; ` +
        `session medians ${d.sessionMedians.map((m) => m.toFixed(0)).join(', ')} ms; frames min ${stats.min.toFixed(0)}, max ${stats.max.toFixed(0)} ms` +
        (d.bufferedAheadMs?.length ? `; the <video> had ${percentiles(d.bufferedAheadMs)!.median.toFixed(0)} ms buffered beyond the picture shown (median)` : '') +
        (d.failures.length ? `; sessions that measured nothing: ${d.failures.join('; ')}` : ''),
    );
  });
  notes.unshift(`8. latency: medians of every new picture in ${result.sessions} sessions of ${result.seconds} s per direction (after a ${WARM_UP_MS / 1000} s warm-up each), [min..max] of the sessions' medians`);
  if (result.offsets.length) {
    notes.push(`latency: chromium's clock - node's clock, per session: ${result.offsets.map((o) => `${o.offsetMs.toFixed(1)} ms (round trip ${o.roundTripMs} ms)`).join(', ')}; subtracted`);
  }
  if (result.browserCodec) notes.push(`latency: the browser's MediaRecorder sent ${result.browserCodec}${result.browserCodec === 'h264' ? ' (the bridge passes it through)' : ' (the bridge transcodes it to H.264)'}`);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  notes.push(`latency: load average before ${load(result.loadBefore)}, after ${load(result.loadAfter)} (1, 5, 15 min; 2 vCPUs)`);
  return { rows, notes };
}

export function latencyAvailable(): string | null {
  return ffmpegAvailable() ? null : 'no ffmpeg on this machine';
}

if (require.main === module) {
  const arg = (name: string, fallback: number) => {
    const i = process.argv.indexOf(name);
    return i >= 0 ? Number(process.argv[i + 1]) : fallback;
  };
  const browser = !process.argv.includes('--no-browser');
  void (async () => {
    const result = await measureLatency({ sessions: arg('--sessions', SESSIONS), seconds: arg('--seconds', SECONDS), browser, progress: (m) => process.stderr.write(`  ${m}\n`) });
    const { rows, notes } = latencyRows(result);
    const { renderTable } = await import('./lib/stats');
    console.log(renderTable(rows));
    console.log(notes.join('\n'));
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
