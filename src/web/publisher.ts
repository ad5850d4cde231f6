// The browser's <live-pusher>: camera and microphone from getUserMedia, encoded by MediaRecorder, sent as
// binary websocket frames to the push url the server gave (ws://…/v1/media/web/publish/…, where the server
// remuxes them into the room's RTMP stream). It reports <live-pusher>'s status codes, so the pusher chart
// cannot tell it from a phone: 1003 camera opened, 1001 connected, 1002 push begin, 1007 first frame, 1008
// encoder started, -1301/-1302 camera/microphone failed, -1307 disconnected.

import { WebMediaClose } from '../core/web-media';
import type { DeviceKind, NetStatusReport, StatusReport } from './types';

/** What MediaRecorder is asked for, best first: H.264 lets the server copy video rather than transcode it. */
export const RECORDER_MIME_TYPES: readonly string[] = ['video/webm;codecs=h264,opus', 'video/webm;codecs=vp8,opus', 'video/webm'];
/** A chunk every this many ms: small enough for low latency, large enough not to flood the socket. */
const TIMESLICE_MS = 200;
/** A socket that cannot send this much on time is too slow: chunks are dropped rather than queued for ever. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const NET_STATUS_MS = 2_000;
/**
 * A keyframe every second. Chromium's MediaRecorder otherwise makes one at the start and hardly ever again,
 * and the server copies H.264 as it comes: a mini-program that started playing after the first keyframe (or
 * whose probe missed it) got no picture it could decode ("Could not find codec parameters ... unspecified
 * size"). Browsers without the option ignore it.
 */
const KEYFRAME_INTERVAL_MS = 1_000;

/** MediaRecorderOptions with Chromium's keyframe interval (not yet in TypeScript's DOM typings). */
type RecorderOptions = MediaRecorderOptions & { videoKeyFrameIntervalDuration?: number };

export interface PublisherOptions {
  report: StatusReport;
  netStatus: NetStatusReport;
  /** The local preview, muted, when given. */
  preview: HTMLVideoElement | null;
  /** Devices to open: a deviceId per kind, or the browser's default. */
  devices: Partial<Record<DeviceKind, string>>;
  mimeTypes?: readonly string[];
}

/** The first mime type this browser's MediaRecorder records. */
export function recorderMimeType(candidates: readonly string[] = RECORDER_MIME_TYPES): string {
  return candidates.find((type) => MediaRecorder.isTypeSupported(type)) ?? '';
}

export class WebPublisher {
  private stream: MediaStream | null = null;
  private socket: WebSocket | null = null;
  private recorder: MediaRecorder | null = null;
  private pushedUrl = '';
  private mute = { audio: false, video: false };
  private netTimer: ReturnType<typeof setInterval> | null = null;
  private bytesSent = 0;
  private chunksSent = 0;
  private lastNet = { at: 0, bytes: 0 };
  private readonly devices: Partial<Record<DeviceKind, string>>;
  /** Bumped by every start/stop: callbacks of a push that was replaced do nothing. */
  private generation = 0;

  constructor(private readonly options: PublisherOptions) {
    this.devices = { ...options.devices };
  }

  /** Whether a push is running (or connecting). */
  get pushing(): boolean {
    return this.pushedUrl !== '';
  }

  /** The url being pushed to, '' when none. */
  get url(): string {
    return this.pushedUrl;
  }

  /** Bytes and chunks sent by the current push. */
  stats(): { bytesSent: number; chunksSent: number; mimeType: string } {
    return { bytesSent: this.bytesSent, chunksSent: this.chunksSent, mimeType: this.recorder?.mimeType ?? '' };
  }

  /** The captured stream (opened on first call); null when the devices could not be opened (reported). */
  async capture(): Promise<MediaStream | null> {
    if (this.stream) return this.stream;
    const constraint = (kind: DeviceKind): MediaTrackConstraints | boolean => (this.devices[kind] ? { deviceId: { exact: this.devices[kind] } } : true);
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ audio: constraint('audioinput'), video: constraint('videoinput') });
    } catch (error) {
      const name = (error as { name?: string })?.name ?? '';
      // Without a camera, try the microphone alone: an audio-only participant is still in the call.
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({ audio: constraint('audioinput') });
        this.options.report(-1301, `camera could not be opened (${name || String(error)})`);
      } catch {
        this.options.report(-1301, `camera could not be opened (${name || String(error)})`);
        this.options.report(-1302, `microphone could not be opened (${name || String(error)})`);
        return null;
      }
    }
    this.applyMute();
    this.showPreview();
    if (this.stream.getVideoTracks().length > 0) this.options.report(1003, 'camera opened');
    return this.stream;
  }

  /** Push the captured stream to `url` (a new url replaces the running push). */
  async start(url: string): Promise<void> {
    if (url === '') {
      this.options.report(-1313, 'push url is empty');
      return;
    }
    this.stopPush();
    const generation = ++this.generation;
    this.pushedUrl = url;
    const stream = await this.capture();
    if (!stream || generation !== this.generation) return;
    const mimeType = recorderMimeType(this.options.mimeTypes);
    const socket = new WebSocket(url);
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let begun = false;
    socket.addEventListener('open', () => {
      if (generation !== this.generation) return;
      this.options.report(1001, 'connected to the push server');
      let recorder: MediaRecorder;
      try {
        const recorderOptions: RecorderOptions = { videoKeyFrameIntervalDuration: KEYFRAME_INTERVAL_MS, ...(mimeType ? { mimeType } : {}) };
        recorder = new MediaRecorder(stream, recorderOptions);
      } catch (error) {
        this.options.report(-1307, `MediaRecorder refused the stream: ${String(error)}`);
        this.stopPush();
        return;
      }
      this.recorder = recorder;
      recorder.addEventListener('dataavailable', (event: BlobEvent) => {
        if (generation !== this.generation || event.data.size === 0 || socket.readyState !== WebSocket.OPEN) return;
        if (socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
        socket.send(event.data);
        this.bytesSent += event.data.size;
        this.chunksSent += 1;
        if (begun) return;
        begun = true;
        this.options.report(1002, 'push begin');
        this.options.report(1007, 'first frame captured');
        if (stream.getVideoTracks().length > 0) this.options.report(1008, 'encoder started');
      });
      recorder.addEventListener('error', () => {
        if (generation === this.generation) this.fail('the recorder stopped with an error');
      });
      recorder.start(TIMESLICE_MS);
      this.startNetStatus();
    });
    socket.addEventListener('close', (event: CloseEvent) => {
      if (generation !== this.generation) return;
      // A refused url reads as a phone's does ("push url refused: bad-signature"); other ends name their code.
      if (event.code === WebMediaClose.REFUSED) this.fail(`push url refused: ${event.reason || 'refused'}`);
      else this.fail(`the push socket closed (${event.code}${event.reason ? ` ${event.reason}` : ''})`);
    });
  }

  /** Stop pushing; the camera stays open for the next push. No status code follows. */
  stop(): void {
    this.generation += 1;
    this.stopPush();
  }

  /** true = disabled (volc semantics): a disabled track sends black frames or silence, the push goes on. */
  setMute(mute: { audio: boolean; video: boolean }): void {
    this.mute = { ...mute };
    this.applyMute();
  }

  /** Open another camera or microphone; a running push restarts on the same url with the new tracks. */
  async switchDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    this.devices[kind] = deviceId;
    const url = this.pushedUrl;
    this.stop();
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    if (url) await this.start(url);
    else await this.capture();
  }

  /** Stop everything and close the devices. */
  destroy(): void {
    this.stop();
    this.stream?.getTracks().forEach((track) => track.stop());
    this.stream = null;
    if (this.options.preview) this.options.preview.srcObject = null;
  }

  /** The deviceId in use for each kind (what getUserMedia opened). */
  currentDevices(): Partial<Record<DeviceKind, string>> {
    const of = (track: MediaStreamTrack | undefined) => track?.getSettings().deviceId;
    const audio = of(this.stream?.getAudioTracks()[0]) ?? this.devices.audioinput;
    const video = of(this.stream?.getVideoTracks()[0]) ?? this.devices.videoinput;
    return { ...(audio ? { audioinput: audio } : {}), ...(video ? { videoinput: video } : {}) };
  }

  private fail(reason: string): void {
    this.generation += 1;
    this.stopPush();
    this.options.report(-1307, reason);
  }

  private stopPush(): void {
    if (this.netTimer) clearInterval(this.netTimer);
    this.netTimer = null;
    const recorder = this.recorder;
    this.recorder = null;
    if (recorder && recorder.state !== 'inactive') {
      try {
        recorder.stop();
      } catch {
        // Already stopped by the browser.
      }
    }
    const socket = this.socket;
    this.socket = null;
    if (socket && (socket.readyState === WebSocket.OPEN || socket.readyState === WebSocket.CONNECTING)) socket.close(1000, 'stopped');
    this.pushedUrl = '';
    this.bytesSent = 0;
    this.chunksSent = 0;
  }

  private applyMute(): void {
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !this.mute.audio;
    for (const track of this.stream?.getVideoTracks() ?? []) track.enabled = !this.mute.video;
  }

  private showPreview(): void {
    const preview = this.options.preview;
    if (!preview || !this.stream) return;
    preview.muted = true;
    preview.srcObject = this.stream;
    void preview.play().catch(() => undefined);
  }

  private startNetStatus(): void {
    this.lastNet = { at: Date.now(), bytes: this.bytesSent };
    this.netTimer = setInterval(() => {
      const now = Date.now();
      const seconds = Math.max(0.001, (now - this.lastNet.at) / 1000);
      const kbps = Math.round(((this.bytesSent - this.lastNet.bytes) * 8) / 1000 / seconds);
      this.lastNet = { at: now, bytes: this.bytesSent };
      const settings = this.stream?.getVideoTracks()[0]?.getSettings() ?? {};
      this.options.netStatus({
        videoBitrate: kbps,
        videoFPS: Math.round(settings.frameRate ?? 0),
        videoWidth: settings.width ?? 0,
        videoHeight: settings.height ?? 0,
        netSpeed: kbps,
      });
    }, NET_STATUS_MS);
  }
}
