// The browser's media path (docs/web-media.md): WebSockets on the HTTP port, one ffmpeg behind each.
//   publish: MediaRecorder's webm chunks in -> ffmpeg -> H.264/AAC FLV pushed to the room's RTMP stream
//   play:    the room's RTMP stream -> ffmpeg -c copy -> FLV bytes out, for mpegts.js
// Each socket's url is checked by the one check of every RTMP push and play (MediaAccess.authorize), and its
// ffmpeg connects to the media plane with the same signed query in rtmp:// form, so the plane checks it again
// and reports the push to signaling like any other. A session that ends has its bridges cut where its RTMP
// media is cut (MediaAccess.onSessionEnded). Every bridge is bounded (size, rate, idle time, count), and no
// ffmpeg outlives its socket: each end kills it, SIGKILL after a grace.

import { spawn, type ChildProcess } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WEB_MEDIA_PATH, WebMediaClose, type WebMediaDirection } from '../../src/core/web-media';
import type { Logger } from '../log';
import type { MediaPlane } from '../media-plane';
import type { MediaUrlKind, MediaUrls } from '../media-urls';
import type { MediaAccess } from './authorize';
import { killOnExit } from './kill-on-exit';

export interface WebBridgeOptions {
  /** The ffmpeg binary; default $FFMPEG_PATH, else `ffmpeg` on the PATH. */
  ffmpegPath?: string;
  /** Largest message a browser may send (ws closes with 1009 past it). Default 1 MiB. */
  maxMessageBytes?: number;
  /** Bridges one session may hold at once. Default 8. */
  perSession?: number;
  /** Bridges (sockets, checked or not) the server holds at once: each is an ffmpeg. Default 32. */
  maxBridges?: number;
  /** Chunks kept while the url is being checked. Default 4 MiB. */
  maxPendingBytes?: number;
  /** Publish messages per second, averaged over 2 s. Default 100. */
  maxMessagesPerSecond?: number;
  /** Nothing arriving for this long (publish: chunks; play: media) closes the socket. Default 10 s. */
  idleTimeoutMs?: number;
  /** A play socket whose browser has this much unsent is closed (it reads slower than the stream comes). Default 4 MiB. */
  maxUnsentBytes?: number;
  /** Browser H.264 is copied ('copy', default) or re-encoded like VP8 ('encode'). */
  h264?: 'copy' | 'encode';
  /** Seconds between keyframes of what ffmpeg encodes. Default 1. */
  keyframeIntervalSec?: number;
  /** After SIGTERM, SIGKILL follows this late. Default 1 s. */
  killGraceMs?: number;
}

/** What the bridges did, for tests, the admin view and logs (bounded). */
export type WebBridgeEvent =
  | { type: 'opened'; at: number; id: number; direction: WebMediaDirection; streamName: string; sessionId: string; pid: number | null; codec: 'vp8' | 'h264' | null }
  | { type: 'closed'; at: number; id: number; direction: WebMediaDirection; streamName: string; sessionId: string | null; code: number; reason: string; pid: number | null };

/** A bridge as the tests and the admin view see it. */
export interface WebBridgeView {
  id: number;
  direction: WebMediaDirection;
  streamName: string;
  sessionId: string | null;
  pid: number | null;
  /** Bytes from the browser (publish) or to it (play). */
  bytes: number;
}

const HISTORY_LIMIT = 1000;
/** A socket that does not answer our close frame is cut this long after. */
const CLOSE_CUT_MS = 1_000;

type Resolved = Required<WebBridgeOptions>;

export interface WebMediaBridgeContext {
  urls: MediaUrls;
  access: MediaAccess;
  media: MediaPlane;
  log: Logger;
}

export class WebMediaBridge {
  readonly history: WebBridgeEvent[] = [];
  private readonly options: Resolved;
  private readonly wss: WebSocketServer;
  private readonly bridges = new Set<Bridge>();
  private readonly stopRevocations: () => void;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly context: WebMediaBridgeContext,
    options: WebBridgeOptions = {},
  ) {
    this.options = {
      ffmpegPath: options.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg',
      maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024,
      perSession: options.perSession ?? 8,
      maxBridges: options.maxBridges ?? 32,
      maxPendingBytes: options.maxPendingBytes ?? 4 * 1024 * 1024,
      maxMessagesPerSecond: options.maxMessagesPerSecond ?? 100,
      idleTimeoutMs: options.idleTimeoutMs ?? 10_000,
      maxUnsentBytes: options.maxUnsentBytes ?? 4 * 1024 * 1024,
      h264: options.h264 ?? 'copy',
      keyframeIntervalSec: options.keyframeIntervalSec ?? 1,
      killGraceMs: options.killGraceMs ?? 1_000,
    };
    this.wss = new WebSocketServer({ noServer: true, maxPayload: this.options.maxMessageBytes, clientTracking: false, perMessageDeflate: false });
    this.wss.on('error', (error) => context.log.warn('web media websocket error', error));
    this.stopRevocations = context.access.onSessionEnded((sessionId) => this.cut(sessionId));
  }

  /** Take an HTTP upgrade on WEB_MEDIA_PATH; false when the path is not ours (the caller answers 404). */
  handleUpgrade(path: string, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const target = parseTarget(path);
    if (!target) return false;
    socket.on('error', (error) => this.context.log.debug('web media upgrade socket error', error));
    if (this.closed) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, target, rawQuery(req.url ?? '')));
    return true;
  }

  /** Bridges open now (checked or being checked). */
  list(): WebBridgeView[] {
    return [...this.bridges].map((b) => b.view());
  }

  /** Close every bridge (1001) and wait until each ffmpeg is gone. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopRevocations();
    await Promise.all([...this.bridges].map((b) => b.end(WebMediaClose.GOING_AWAY, 'server shutting down')));
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // --- internals --------------------------------------------------------------------------------------------

  private accept(ws: WebSocket, target: Target, query: URLSearchParams): void {
    const bridge = new Bridge(this.nextId++, ws, target, this.options, this.context.log, (event) => this.record(event), () => this.bridges.delete(bridge));
    this.bridges.add(bridge);
    if (this.closed) return void bridge.end(WebMediaClose.GOING_AWAY, 'server shutting down');
    if (this.bridges.size > this.options.maxBridges) return void bridge.end(WebMediaClose.LIMIT, 'server-cap');
    void this.open(bridge, target, query);
  }

  private async open(bridge: Bridge, target: Target, query: URLSearchParams): Promise<void> {
    const { media, access, urls, log } = this.context;
    // Without a media server there is no RTMP stream to bridge to.
    if (!media.confirmsStreams) return void bridge.end(WebMediaClose.REFUSED, 'no-media-server');
    const kind: MediaUrlKind = target.direction === 'publish' ? 'push' : 'pull';
    const fields = Object.fromEntries(query);
    let grant: Awaited<ReturnType<MediaAccess['authorize']>>;
    try {
      grant = await access.authorize(kind, target.streamName, fields, { generation: media.generation });
    } catch (error) {
      log.error('web media: authorizing failed', error);
      return void bridge.end(WebMediaClose.REFUSED, 'internal');
    }
    if (bridge.ended) return;
    // What changed while signaling was asked.
    if (grant.ok && grant.generation !== media.generation) grant = { ok: false, reason: 'stale-generation' };
    if (grant.ok && access.isRevoked(grant.holder.sessionId)) grant = { ok: false, reason: 'session-ended' };
    if (!grant.ok) return void bridge.end(WebMediaClose.REFUSED, grant.reason);
    const sessionId = grant.holder.sessionId;
    let held = 0;
    for (const b of this.bridges) if (b.sessionId === sessionId) held += 1;
    if (held >= this.options.perSession) return void bridge.end(WebMediaClose.LIMIT, 'session-cap');
    if (target.direction === 'publish') {
      // A browser that got a new url, or opened the socket again, publishes anew: the newest wins.
      for (const b of this.bridges) {
        if (b !== bridge && b.direction === 'publish' && b.streamName === target.streamName && b.sessionId !== null) void b.end(WebMediaClose.SUPERSEDED, 'superseded');
      }
    }
    // Only the signed fields go on: nothing else a client put in the query reaches ffmpeg.
    const signed = new URLSearchParams({ gen: fields.gen!, expires: fields.expires!, sid: fields.sid!, sub: fields.sub!, sign: fields.sign! }).toString();
    bridge.start(sessionId, urls.rtmpUrlFor(kind, target.streamName, signed, grant.holder));
  }

  /** The session ended: its bridges go now. */
  private cut(sessionId: string): void {
    for (const b of this.bridges) if (b.sessionId === sessionId) void b.end(WebMediaClose.SESSION_ENDED, 'session-ended');
  }

  private record(event: WebBridgeEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
  }
}

interface Target {
  direction: WebMediaDirection;
  streamName: string;
}

/** /v1/media/web/<publish|play>/<streamName>; the name's own shape is checked with the signature. */
function parseTarget(path: string): Target | null {
  if (!path.startsWith(`${WEB_MEDIA_PATH}/`)) return null;
  const [direction, streamName, ...rest] = path.slice(WEB_MEDIA_PATH.length + 1).split('/');
  if ((direction !== 'publish' && direction !== 'play') || !streamName || rest.length > 0 || streamName.length > 512) return null;
  return { direction, streamName };
}

function rawQuery(target: string): URLSearchParams {
  try {
    return new URL(target, 'http://localhost').searchParams;
  } catch {
    return new URLSearchParams();
  }
}

/** One socket and its ffmpeg. */
class Bridge {
  sessionId: string | null = null;
  ended = false;
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private bytes = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private tokens: number;
  private tokensAt = Date.now();
  private stderrTail: string[] = [];
  private stderrRest = '';
  private ending: Promise<void> | null = null;
  /** Where ffmpeg connects, once the url checked out. */
  private rtmpUrl: string | null = null;

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    private readonly target: Target,
    private readonly options: Resolved,
    private readonly log: Logger,
    private readonly record: (event: WebBridgeEvent) => void,
    private readonly forget: () => void,
  ) {
    this.tokens = options.maxMessagesPerSecond * 2;
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('error', (error) => log.debug(`web media socket ${id} error`, error));
    ws.on('close', (code, reason) => void this.end(code === 1005 ? 1000 : code, reason.toString('utf8') || 'client closed', false));
    this.armIdle();
  }

  get direction(): WebMediaDirection {
    return this.target.direction;
  }

  get streamName(): string {
    return this.target.streamName;
  }

  view(): WebBridgeView {
    return { id: this.id, direction: this.direction, streamName: this.streamName, sessionId: this.sessionId, pid: this.child?.pid ?? null, bytes: this.bytes };
  }

  /**
   * The url checked out: run ffmpeg between the socket and the RTMP stream. A publish waits for its first chunk
   * (the webm header names the codec, which decides whether video is copied).
   */
  start(sessionId: string, rtmpUrl: string): void {
    if (this.ended) return;
    this.sessionId = sessionId;
    this.rtmpUrl = rtmpUrl;
    if (this.direction === 'play' || this.pending.length > 0) this.spawn();
  }

  private spawn(): void {
    const rtmpUrl = this.rtmpUrl!;
    const sessionId = this.sessionId!;
    const codec = this.direction === 'publish' ? sniffVideoCodec(this.pending) : null;
    const args = this.direction === 'publish' ? publishArgs(rtmpUrl, codec === 'h264' && this.options.h264 === 'copy', this.options.keyframeIntervalSec) : playArgs(rtmpUrl, this.options.idleTimeoutMs);
    const child = spawn(this.options.ffmpegPath, args, { stdio: [this.direction === 'publish' ? 'pipe' : 'ignore', this.direction === 'play' ? 'pipe' : 'ignore', 'pipe'] });
    this.child = child;
    killOnExit(child);
    this.exited = new Promise((resolve) => child.once('close', () => resolve()));
    child.on('error', (error) => {
      this.log.error(`web media: cannot run ${this.options.ffmpegPath}`, error);
      void this.end(WebMediaClose.MEDIA_FAILED, 'media-failed');
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => this.onStderr(chunk));
    child.on('close', (code, signal) => this.onExit(code, signal));
    this.record({ type: 'opened', at: Date.now(), id: this.id, direction: this.direction, streamName: this.streamName, sessionId, pid: child.pid ?? null, codec });
    if (this.direction === 'publish') {
      const stdin = child.stdin!;
      // ffmpeg gone (EPIPE) is reported by its exit.
      stdin.on('error', () => undefined);
      stdin.on('drain', () => this.ws.resume());
      for (const chunk of this.pending.splice(0)) this.feed(chunk);
      this.pendingBytes = 0;
    } else {
      child.stdout!.on('data', (chunk: Buffer) => this.deliver(chunk));
    }
  }

  /** Close the socket with `code`/`reason` and stop ffmpeg; resolves once ffmpeg is gone. Idempotent. */
  end(code: number, reason: string, closeSocket = true): Promise<void> {
    this.ending ??= this.finish(code, reason, closeSocket);
    return this.ending;
  }

  private async finish(code: number, reason: string, closeSocket: boolean): Promise<void> {
    this.ended = true;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.pending.length = 0;
    this.record({ type: 'closed', at: Date.now(), id: this.id, direction: this.direction, streamName: this.streamName, sessionId: this.sessionId, code, reason, pid: this.child?.pid ?? null });
    if (closeSocket) {
      try {
        this.ws.close(code, reason.slice(0, 120));
      } catch {
        this.ws.terminate();
      }
      setTimeout(() => this.ws.terminate(), CLOSE_CUT_MS).unref();
    }
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.stdin?.destroy();
      child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), this.options.killGraceMs);
      kill.unref();
      await this.exited;
      clearTimeout(kill);
    }
    this.forget();
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.ended) return;
    if (this.direction === 'play') return void this.end(WebMediaClose.UNSUPPORTED, 'play-is-receive-only');
    if (!isBinary) return void this.end(WebMediaClose.UNSUPPORTED, 'binary-only');
    if (!this.take()) return void this.end(WebMediaClose.LIMIT, 'rate');
    const chunk = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    this.bytes += chunk.length;
    this.armIdle();
    if (!this.child) {
      this.pendingBytes += chunk.length;
      if (this.pendingBytes > this.options.maxPendingBytes) return void this.end(WebMediaClose.LIMIT, 'rate');
      this.pending.push(chunk);
      if (this.rtmpUrl !== null) this.spawn();
      return;
    }
    this.feed(chunk);
  }

  /** Into ffmpeg; when its pipe is full the socket pauses (TCP back-pressure) instead of buffering. */
  private feed(chunk: Buffer): void {
    const stdin = this.child?.stdin;
    if (!stdin || stdin.destroyed) return;
    if (!stdin.write(chunk)) this.ws.pause();
  }

  private deliver(chunk: Buffer): void {
    if (this.ended) return;
    this.armIdle();
    if (this.ws.bufferedAmount > this.options.maxUnsentBytes) return void this.end(WebMediaClose.LIMIT, 'slow-reader');
    this.bytes += chunk.length;
    this.ws.send(chunk, { binary: true });
  }

  /** Token bucket: maxMessagesPerSecond, with a burst of two seconds' worth. */
  private take(): boolean {
    const now = Date.now();
    const rate = this.options.maxMessagesPerSecond;
    this.tokens = Math.min(rate * 2, this.tokens + ((now - this.tokensAt) / 1000) * rate);
    this.tokensAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  private armIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => void this.end(WebMediaClose.IDLE, 'idle'), this.options.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private onStderr(chunk: string): void {
    const lines = (this.stderrRest + chunk).split(/\r\n|\r|\n/);
    this.stderrRest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      this.stderrTail.push(line);
      if (this.stderrTail.length > 20) this.stderrTail.shift();
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.ended) return;
    const tail = [...this.stderrTail, this.stderrRest].join('\n');
    this.log.info(`web media ${this.direction} ${this.streamName}: ffmpeg ended (${signal ?? code}): ${tail.slice(-400)}`);
    // The media plane's own refusal, as ffmpeg prints it ("Server error: pull url refused: not-subscribed").
    const refused = /Server error: (?:push|pull) url refused: ([a-z-]+)/.exec(tail);
    if (refused) return void this.end(WebMediaClose.REFUSED, refused[1]!);
    if (/Server error: stream not found/.test(tail)) return void this.end(WebMediaClose.REFUSED, 'not-published');
    // A play that ends cleanly is the stream's end (the plane sent UnpublishNotify); a read error prints first.
    if (this.direction === 'play' && code === 0 && !/error/i.test(tail)) return void this.end(WebMediaClose.ENDED, 'stream-ended');
    void this.end(WebMediaClose.MEDIA_FAILED, 'media-failed');
  }
}

/** The video codec a webm header names (its first chunk carries the Tracks element): MediaRecorder's choice. */
function sniffVideoCodec(chunks: readonly Buffer[]): 'vp8' | 'h264' | null {
  const head = Buffer.concat(chunks.slice(0, 4)).subarray(0, 64 * 1024);
  if (head.includes('V_MPEG4/ISO/AVC')) return 'h264';
  if (head.includes('V_VP8') || head.includes('V_VP9')) return 'vp8';
  return null;
}

/** webm from the browser -> what live-player plays: H.264 baseline and AAC in FLV, pushed over RTMP. */
function publishArgs(rtmpUrl: string, copyVideo: boolean, keyframeIntervalSec: number): string[] {
  const video = copyVideo
    ? ['-c:v', 'copy']
    : [
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p',
        '-force_key_frames', `expr:gte(t,n_forced*${keyframeIntervalSec})`, '-b:v', '800k', '-maxrate', '1200k', '-bufsize', '1200k',
      ];
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning',
    // The chunks come as they are recorded: a small probe, so reading starts at once. Not `-fflags +nobuffer`:
    // it drops the packets the probe read, the browser's first keyframe among them, and Chromium's
    // MediaRecorder may not make another for a long time (copied H.264 and re-encoded VP8 alike had no
    // decodable picture until then).
    '-probesize', '32768', '-analyzeduration', '0',
    '-f', 'webm', '-i', 'pipe:0',
    '-map', '0:v?', '-map', '0:a?',
    ...video,
    // MediaRecorder's frames come when the camera has them: keep their timestamps rather than invent a rate.
    '-fps_mode', 'passthrough',
    '-c:a', 'aac', '-ar', '48000', '-b:a', '64k',
    '-f', 'flv', '-flvflags', 'no_duration_filesize',
    rtmpUrl,
  ];
}

/** The room's RTMP stream -> FLV bytes on stdout, copied (it is already H.264/AAC). */
function playArgs(rtmpUrl: string, idleTimeoutMs: number): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning',
    '-rw_timeout', String(idleTimeoutMs * 1000),
    // No `-fflags +nobuffer` (as for publish): the probe's packets, the media server's cached GOP and its
    // keyframe, would be dropped and the browser would wait for the next keyframe to show anything.
    '-analyzeduration', '500000',
    '-i', rtmpUrl,
    '-map', '0:v?', '-map', '0:a?',
    '-c', 'copy', '-f', 'flv', '-flvflags', 'no_duration_filesize', '-flush_packets', '1', 'pipe:1',
  ];
}
