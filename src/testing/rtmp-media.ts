// The real media engine: an emulated <live-pusher> pushes an ffmpeg test pattern and tone over RTMP, an
// emulated <live-player> pulls with ffmpeg and counts the frames that arrive; what ffmpeg says and does is
// mapped to the status codes and netstatus a phone's components report. Node only (child processes).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { MediaEngine, MediaHandle, NetStatusReport, PullRequest, PushRequest, StatusReport } from './media';

export interface RtmpMediaOptions {
  /** The ffmpeg binary; default $FFMPEG_PATH, else `ffmpeg` on the PATH. */
  ffmpegPath?: string;
  /** The test pattern pushed: 320x240 at 15 fps unless told otherwise. */
  width?: number;
  height?: number;
  fps?: number;
  videoKbps?: number;
  audioKbps?: number;
  /** A playing stream with no media for this long reports 2007 (loading) until media comes back. */
  stallMs?: number;
  /** A pull that hears nothing at all for this long fails (ffmpeg's rw_timeout). */
  readTimeoutMs?: number;
  /** How often netstatus is reported. */
  netStatusIntervalMs?: number;
  /** stop() asks ffmpeg to quit (SIGTERM) and kills it (SIGKILL) if it has not after this long. */
  stopGraceMs?: number;
  /** Every line ffmpeg writes on stderr, for debugging. */
  onLog?: (handle: RtmpStream, line: string) => void;
}

type Resolved = Required<Omit<RtmpMediaOptions, 'onLog'>> & Pick<RtmpMediaOptions, 'onLog'>;

/** Children still running, across every engine: killed if the process exits without closing them. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/** True when the ffmpeg binary can be run (tests and the dev server check before relying on it). */
export function ffmpegAvailable(ffmpegPath = process.env.FFMPEG_PATH ?? 'ffmpeg'): boolean {
  try {
    return spawnSync(ffmpegPath, ['-hide_banner', '-version'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
  } catch {
    return false;
  }
}

/** One ffmpeg process behind one pusher or player, with what it did so far. */
export abstract class RtmpStream implements MediaHandle {
  abstract readonly kind: 'push' | 'pull';
  readonly startedAt = Date.now();
  /** Every status code reported, in order. */
  readonly codes: number[] = [];
  /** Video frames sent (push) or received (pull). */
  frames = 0;
  audioFrames = 0;
  /** Media bytes sent or received. */
  bytes = 0;
  firstFrameAt: number | null = null;
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  /** Last lines of ffmpeg's stderr (diagnostics for failed tests). */
  readonly stderrTail: string[] = [];
  /** Resolves when the process has exited (at once if it could not start). */
  readonly exited: Promise<void>;
  protected readonly child: ChildProcess;
  protected stopped = false;
  protected failure: string | null = null;
  private markExited!: () => void;
  private killTimer: ReturnType<typeof setTimeout> | null = null;
  private timers: Array<ReturnType<typeof setInterval>> = [];
  private stderrRest = '';

  constructor(
    readonly url: string,
    protected readonly options: Resolved,
    protected readonly request: { report: StatusReport; netStatus: NetStatusReport; video: boolean; audio: boolean },
    args: string[],
  ) {
    this.exited = new Promise((resolve) => (this.markExited = resolve));
    this.child = spawn(options.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    track(this.child);
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (chunk: string) => this.onStderr(chunk));
    this.child.on('error', (error) => {
      // Spawning failed (no ffmpeg): there is no process to wait for.
      this.failure ??= `cannot run ${options.ffmpegPath}: ${error.message}`;
      this.finish(null, null);
    });
    // 'close', not 'exit': what ffmpeg said last (the reason it failed) may still be in the stderr pipe at exit.
    this.child.on('close', (code, signal) => this.finish(code, signal));
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The process is still there. */
  get running(): boolean {
    return this.child.pid !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimers();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    this.killTimer = setTimeout(() => this.child.kill('SIGKILL'), this.options.stopGraceMs);
    this.killTimer.unref();
  }

  /** stop(), then SIGKILL at once if it is still there; resolves once the process is gone. */
  async kill(): Promise<void> {
    this.stop();
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined) this.child.kill('SIGKILL');
    await this.exited;
  }

  protected report(code: number, message: string): void {
    if (this.stopped) return;
    this.codes.push(code);
    this.request.report(code, message);
  }

  protected netStatus(info: Record<string, unknown>): void {
    if (!this.stopped) this.request.netStatus(info);
  }

  protected every(ms: number, work: () => void): void {
    const timer = setInterval(work, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** One line of ffmpeg's log. */
  protected abstract onLine(line: string): void;
  /** The process ended by itself (not stop()): what the component reports. */
  protected abstract onEnd(code: number | null, signal: NodeJS.Signals | null): void;

  private onStderr(chunk: string): void {
    const lines = (this.stderrRest + chunk).split(/\r\n|\r|\n/);
    this.stderrRest = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      this.stderrTail.push(line);
      if (this.stderrTail.length > 40) this.stderrTail.shift();
      this.options.onLog?.(this, line);
      const serverError = /Server error: (.*)$/.exec(line);
      if (serverError) this.failure ??= serverError[1]!.trim();
      const refused = /Connection to (\S+) failed: (.*)$/.exec(line);
      if (refused) this.failure ??= `cannot connect to ${refused[1]}: ${refused[2]!.trim()}`;
      this.onLine(line);
    }
  }

  private finish(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exitCode !== null || this.exitSignal !== null) return;
    this.exitCode = code ?? (signal ? null : -1);
    this.exitSignal = signal;
    this.clearTimers();
    if (this.killTimer) clearTimeout(this.killTimer);
    if (!this.stopped) this.onEnd(code, signal);
    this.stopped = true;
    this.markExited();
  }

  private clearTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** Why the process ended, in a line: the server's own words when it gave any. */
  protected reason(code: number | null, signal: NodeJS.Signals | null): string {
    if (this.failure) return this.failure;
    const lastError = [...this.stderrTail].reverse().find((l) => /error|failed|refused|broken pipe|timed out|end of file/i.test(l));
    if (lastError) return lastError.replace(/^\[[^\]]+\]\s*/, '').trim();
    return signal ? `ffmpeg was killed (${signal})` : `ffmpeg exited with code ${code}`;
  }
}

/** <live-pusher>: ffmpeg encodes a test pattern (testsrc2) and a 440 Hz tone and pushes them as FLV over RTMP. */
export class RtmpPush extends RtmpStream {
  readonly kind = 'push' as const;
  private connected = false;
  private begun = false;
  private encoding = false;
  private progress: Record<string, string> = {};
  private last = { at: Date.now(), frames: 0, bytes: 0 };
  private stdoutRest = '';

  constructor(request: PushRequest, options: Resolved) {
    super(request.url, options, request, RtmpPush.args(request, options));
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (chunk: string) => this.onProgress(chunk));
  }

  private static args(request: PushRequest, o: Resolved): string[] {
    // Neither track wanted still pushes (a muted phone sends silence): the tone then carries the connection.
    const video = request.video;
    const audio = request.audio || !request.video;
    const inputs: string[] = [];
    if (video) inputs.push('-re', '-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${o.fps}`);
    if (audio) inputs.push(...(video ? [] : ['-re']), '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100');
    const codecs: string[] = [];
    if (video) {
      codecs.push('-map', '0:v', '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p');
      codecs.push('-g', String(o.fps), '-b:v', `${o.videoKbps}k`, '-maxrate', `${o.videoKbps}k`, '-bufsize', `${o.videoKbps * 2}k`);
    }
    if (audio) codecs.push('-map', `${video ? 1 : 0}:a`, '-c:a', 'aac', '-b:a', `${o.audioKbps}k`, '-ac', '1');
    return [
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'verbose',
      ...inputs,
      ...codecs,
      '-f', 'flv', '-flvflags', 'no_duration_filesize',
      '-progress', 'pipe:1', '-stats_period', String(o.netStatusIntervalMs / 1000),
      request.url,
    ];
  }

  protected onLine(line: string): void {
    if (/^Input #\d+, lavfi, from 'testsrc2/.test(line) && this.request.video) this.report(1003, 'camera opened');
    if (/Successfully connected to/.test(line) && !this.connected) {
      this.connected = true;
      this.report(1001, 'connected to the push server');
    }
    // ffmpeg prints the output only once the RTMP server answered the publish (NetStream.Publish.Start).
    if (/^Output #0, flv/.test(line) && !this.begun) {
      if (!this.connected) {
        this.connected = true;
        this.report(1001, 'connected to the push server');
      }
      this.begun = true;
      this.report(1002, 'push begin: the server accepted the stream');
    }
  }

  private onProgress(chunk: string): void {
    const lines = (this.stdoutRest + chunk).split('\n');
    this.stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      const eq = line.indexOf('=');
      if (eq < 0) continue;
      const key = line.slice(0, eq).trim();
      this.progress[key] = line.slice(eq + 1).trim();
      if (key === 'progress') this.onProgressBlock();
    }
  }

  private onProgressBlock(): void {
    const frames = Number(this.progress.frame ?? 0) || 0;
    const bytes = Number(this.progress.total_size ?? 0) || 0;
    const outTimeUs = Number(this.progress.out_time_us ?? 0) || 0;
    this.frames = frames;
    this.bytes = bytes;
    if (this.begun && !this.encoding && (frames > 0 || outTimeUs > 0)) {
      this.encoding = true;
      this.firstFrameAt = Date.now();
      if (this.request.video) this.report(1008, 'encoder started');
      this.report(1007, 'first frame captured');
    }
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.last.at) / 1000);
    const kbps = Math.round(((bytes - this.last.bytes) * 8) / 1000 / seconds);
    const fps = Math.round((frames - this.last.frames) / seconds);
    this.last = { at: now, frames, bytes };
    if (!this.begun) return;
    const audioKbps = this.request.audio || !this.request.video ? this.options.audioKbps : 0;
    this.netStatus({
      videoBitrate: this.request.video ? Math.max(0, kbps - audioKbps) : 0,
      audioBitrate: audioKbps,
      videoFPS: this.request.video ? fps : 0,
      videoGOP: 1,
      videoWidth: this.request.video ? this.options.width : 0,
      videoHeight: this.request.video ? this.options.height : 0,
      netSpeed: kbps,
      netJitter: 0,
      videoCache: 0,
      audioCache: 0,
    });
  }

  protected onEnd(code: number | null, signal: NodeJS.Signals | null): void {
    // Any end the page did not ask for is a broken push, even ffmpeg's exit 0.
    this.report(-1307, `push disconnected: ${this.reason(code, signal)}`);
  }
}

/** FLV tags as ffmpeg copies them out: counts audio/video frames and bytes without decoding. */
class FlvTagReader {
  private buffer: Buffer = Buffer.alloc(0);
  private headerDone = false;

  constructor(private readonly onTag: (type: number, frame: boolean, size: number) => void) {}

  push(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    let offset = 0;
    if (!this.headerDone) {
      if (this.buffer.length < 13) return;
      offset = this.buffer.readUInt32BE(5) + 4; // header, then PreviousTagSize0
      this.headerDone = true;
    }
    while (this.buffer.length - offset >= 11) {
      const type = this.buffer[offset]! & 0x1f;
      const size = this.buffer.readUIntBE(offset + 1, 3);
      if (this.buffer.length - offset < 11 + size + 4) break;
      const data = this.buffer.subarray(offset + 11, offset + 11 + size);
      this.onTag(type, isFrame(type, data), size);
      offset += 11 + size + 4;
    }
    this.buffer = this.buffer.subarray(offset);
  }
}

/** A tag that carries a frame, not a codec's configuration (AVC/AAC sequence headers). */
function isFrame(type: number, data: Buffer): boolean {
  if (data.length === 0) return false;
  if (type === 9) return (data[0]! & 0x0f) !== 7 || data[1] === 1;
  if (type === 8) return data[0]! >> 4 !== 10 || data[1] === 1;
  return false;
}

/** <live-player>: ffmpeg pulls the url and copies it out as FLV; the frames that arrive are counted here. */
export class RtmpPull extends RtmpStream {
  readonly kind = 'pull' as const;
  private connected = false;
  private begun = false;
  private playing = false;
  private loading = false;
  private lastMediaAt = 0;
  private firstAudioAt: number | null = null;
  private readError: string | null = null;
  private videoSize: { width: number; height: number } | null = null;
  private window = { at: Date.now(), frames: 0, audioFrames: 0, videoBytes: 0, audioBytes: 0 };
  private videoBytes = 0;
  private audioBytes = 0;

  constructor(request: PullRequest, options: Resolved) {
    super(request.url, options, request, RtmpPull.args(request, options));
    const reader = new FlvTagReader((type, frame, size) => this.onTag(type, frame, size));
    this.child.stdout!.on('data', (chunk: Buffer) => reader.push(chunk));
    this.every(Math.min(250, options.stallMs / 2), () => this.checkStall());
    this.every(options.netStatusIntervalMs, () => this.reportNetStatus());
  }

  private static args(request: PullRequest, o: Resolved): string[] {
    const maps = [...(request.video ? ['-map', '0:v?'] : []), ...(request.audio ? ['-map', '0:a?'] : [])];
    return [
      // No -xerror: it would also abort on a timestamp jump (a publisher taking over); read errors are told
      // apart from the announced end by what ffmpeg prints (see onLine).
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'verbose',
      '-rw_timeout', String(o.readTimeoutMs * 1000),
      '-fflags', 'nobuffer', '-analyzeduration', '500000',
      '-i', request.url,
      ...maps,
      '-c', 'copy', '-f', 'flv', '-flush_packets', '1', 'pipe:1',
    ];
  }

  protected onLine(line: string): void {
    // ffmpeg ends an input that broke like one that ended, exit 0 both, but prints the read error first:
    // "<url>: Input/output error" (5.x), "Error during demuxing: ..." / "Error retrieving a packet ..." (6.x+).
    // Only the server's NetStream.Play.UnpublishNotify ends a play with no such line.
    if (line.startsWith(`${this.url}: `)) this.readError ??= line.slice(this.url.length + 2).trim();
    const demuxError = /Error (?:during demuxing|retrieving a packet from demuxer): (.*)$/.exec(line);
    if (demuxError) this.readError ??= demuxError[1]!.trim();
    if (/Successfully connected to/.test(line) && !this.connected) {
      this.connected = true;
      this.report(2001, 'connected to the server');
    }
    if (/^Input #0, flv/.test(line) && !this.begun) {
      if (!this.connected) {
        this.connected = true;
        this.report(2001, 'connected to the server');
      }
      this.begun = true;
      this.report(2002, 'pull begin: the server is sending the stream');
    }
    const size = /Stream #0:\d+.*Video: .*?, (\d{2,5})x(\d{2,5})/.exec(line);
    if (size) this.videoSize = { width: Number(size[1]), height: Number(size[2]) };
  }

  private onTag(type: number, frame: boolean, size: number): void {
    if (type === 9) this.videoBytes += size;
    if (type === 8) this.audioBytes += size;
    this.bytes += size;
    if (!frame) return;
    const now = Date.now();
    this.lastMediaAt = now;
    if (type === 9) {
      this.frames += 1;
      if (this.firstFrameAt === null) {
        this.firstFrameAt = now;
        this.report(2003, 'first video frame received');
      }
    } else {
      this.audioFrames += 1;
      this.firstAudioAt ??= now;
      // With video wanted, playing begins with the picture (as a phone's player reports it), unless none comes.
      if (!this.playing && this.request.video && now - this.firstAudioAt < 1_000) return;
    }
    if (!this.playing) {
      this.playing = true;
      this.report(2004, 'play begin');
    } else if (this.loading) {
      this.loading = false;
      this.report(2004, 'play resumed');
    }
  }

  private checkStall(): void {
    if (!this.playing || this.loading || Date.now() - this.lastMediaAt < this.options.stallMs) return;
    this.loading = true;
    this.report(2007, 'loading: no media arriving');
  }

  private reportNetStatus(): void {
    if (!this.playing) return;
    const now = Date.now();
    const seconds = Math.max(0.001, (now - this.window.at) / 1000);
    const videoKbps = Math.round(((this.videoBytes - this.window.videoBytes) * 8) / 1000 / seconds);
    const audioKbps = Math.round(((this.audioBytes - this.window.audioBytes) * 8) / 1000 / seconds);
    const fps = Math.round((this.frames - this.window.frames) / seconds);
    this.window = { at: now, frames: this.frames, audioFrames: this.audioFrames, videoBytes: this.videoBytes, audioBytes: this.audioBytes };
    this.netStatus({
      videoBitrate: videoKbps,
      audioBitrate: audioKbps,
      videoFPS: fps,
      videoWidth: this.videoSize?.width ?? 0,
      videoHeight: this.videoSize?.height ?? 0,
      netSpeed: videoKbps + audioKbps,
      netJitter: 0,
      videoCache: 0,
      audioCache: 0,
    });
  }

  protected onEnd(code: number | null, signal: NodeJS.Signals | null): void {
    if (code === 0 && this.readError === null) this.report(2006, 'play end: the stream was unpublished');
    else this.report(-2301, `play failed: ${this.failure ?? (this.readError !== null ? `connection lost (${this.readError})` : this.reason(code, signal))}`);
  }
}

/** `new HeadlessRuntime({ media: new RtmpMedia() })`: components move real streams through an RTMP server. */
export class RtmpMedia implements MediaEngine {
  /** Every push and pull this engine started, oldest first (finished ones included). */
  readonly streams: RtmpStream[] = [];
  private readonly options: Resolved;
  private closed = false;

  constructor(options: RtmpMediaOptions = {}) {
    this.options = {
      ffmpegPath: options.ffmpegPath ?? process.env.FFMPEG_PATH ?? 'ffmpeg',
      width: options.width ?? 320,
      height: options.height ?? 240,
      fps: options.fps ?? 15,
      videoKbps: options.videoKbps ?? 300,
      audioKbps: options.audioKbps ?? 32,
      stallMs: options.stallMs ?? 1_500,
      readTimeoutMs: options.readTimeoutMs ?? 8_000,
      netStatusIntervalMs: options.netStatusIntervalMs ?? 500,
      stopGraceMs: options.stopGraceMs ?? 1_000,
      onLog: options.onLog,
    };
  }

  /** Push an ffmpeg test pattern and tone to the request's rtmp:// url. */
  push(request: PushRequest): RtmpPush {
    const stream = new RtmpPush(request, this.options);
    this.adopt(stream);
    return stream;
  }

  /** Pull the request's rtmp:// url with ffmpeg and count what arrives. */
  pull(request: PullRequest): RtmpPull {
    const stream = new RtmpPull(request, this.options);
    this.adopt(stream);
    return stream;
  }

  /** Every push started, oldest first. */
  pushes(): RtmpPush[] {
    return this.streams.filter((s): s is RtmpPush => s.kind === 'push');
  }

  /** Every pull started, oldest first. */
  pulls(): RtmpPull[] {
    return this.streams.filter((s): s is RtmpPull => s.kind === 'pull');
  }

  /** Pids of every ffmpeg this engine started. */
  pids(): number[] {
    return this.streams.map((s) => s.pid).filter((pid): pid is number => pid !== undefined);
  }

  /** Streams whose ffmpeg is still running. */
  live(): RtmpStream[] {
    return this.streams.filter((s) => s.running);
  }

  /** Stop every stream; ffmpeg processes that do not quit within the grace are killed. Resolves when all are gone. */
  async close(): Promise<void> {
    this.closed = true;
    for (const s of this.streams) s.stop();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, this.options.stopGraceMs).unref());
    const all = Promise.all(this.streams.map((s) => s.exited));
    await Promise.race([all, grace]);
    await Promise.all(this.streams.map((s) => s.kill()));
  }

  private adopt(stream: RtmpStream): void {
    this.streams.push(stream);
    // A component started after close() (a late setData during teardown) must not outlive the test.
    if (this.closed) stream.stop();
  }
}
