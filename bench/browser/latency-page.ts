// The latency bench's page script (bench/latency.ts bundles it with esbuild and adds it with
// page.addInitScript, before wxrtc-web.js loads). Two things, and nothing of wxrtc/web's API changes:
//  - a camera that films a clock: navigator.mediaDevices.getUserMedia returns a canvas stream whose every
//    frame carries, as blocks, the time it was drawn at (performance.timeOrigin + performance.now()), with a
//    tone for the microphone;
//  - a reader on every remote <video> (one not showing a local MediaStream): each presented frame
//    (requestVideoFrameCallback) is drawn into a small canvas and its timecode read; the time it was shown at
//    (expectedDisplayTime) is kept beside it. Node subtracts (and corrects for the clocks' offset).

import { cellRect, decodeStamp, stampCells, BLACK, GRID, WHITE } from '../lib/timecode';

const WIDTH = 320;
const HEIGHT = 240;
const FPS = 15;
/** The sample list stops growing here; the bench reads it at the end. */
const MAX_SAMPLES = 3_000;
/** Frames are read from a canvas this big (the code is 8 x 8 blocks: any size reads). */
const READ_WIDTH = 160;
const READ_HEIGHT = 120;

interface LatencyPageState {
  /** Each new picture: its timecode, when it was shown, and how much the <video> had buffered beyond it (ms). */
  samples: Array<{ stamp: number; shownAt: number; aheadMs: number }>;
  frames: number;
  unreadable: number;
  /** Presented frames whose picture was already counted (the same timecode again). */
  repeats: number;
  /** Remote <video> elements being read. */
  watching: number;
  drawn: number;
  errors: string[];
  events: string[];
}

const state: LatencyPageState = { samples: [], frames: 0, unreadable: 0, repeats: 0, watching: 0, drawn: 0, errors: [], events: [] };
(window as unknown as { wxrtcLatency: LatencyPageState }).wxrtcLatency = state;

const now = () => performance.timeOrigin + performance.now();

// --- the camera ------------------------------------------------------------------------------------------------

let canvas: HTMLCanvasElement | null = null;
function clockCanvas(): HTMLCanvasElement {
  if (canvas) return canvas;
  const c = document.createElement('canvas');
  c.width = WIDTH;
  c.height = HEIGHT;
  const ctx = c.getContext('2d')!;
  const white = `rgb(${WHITE},${WHITE},${WHITE})`;
  const black = `rgb(${BLACK},${BLACK},${BLACK})`;
  const draw = () => {
    const cells = stampCells(now());
    for (let i = 0; i < GRID * GRID; i++) {
      const { x, y, w, h } = cellRect(i, WIDTH, HEIGHT);
      ctx.fillStyle = cells[i] ? white : black;
      ctx.fillRect(x, y, w, h);
    }
    state.drawn += 1;
  };
  draw();
  setInterval(draw, 1000 / FPS);
  canvas = c;
  return c;
}

let audio: AudioContext | null = null;
function toneTrack(): MediaStreamTrack {
  audio ??= new AudioContext();
  const oscillator = audio.createOscillator();
  const gain = audio.createGain();
  gain.gain.value = 0.05;
  const destination = audio.createMediaStreamDestination();
  oscillator.connect(gain).connect(destination);
  oscillator.start();
  return destination.stream.getAudioTracks()[0]!;
}

if (navigator.mediaDevices) {
  navigator.mediaDevices.getUserMedia = async (constraints?: MediaStreamConstraints) => {
    const tracks: MediaStreamTrack[] = [];
    if (constraints?.video) tracks.push(...clockCanvas().captureStream(FPS).getVideoTracks());
    if (constraints?.audio) tracks.push(toneTrack());
    return new MediaStream(tracks);
  };
}

// --- the reader ------------------------------------------------------------------------------------------------

const watched = new WeakSet<HTMLVideoElement>();
const reader = document.createElement('canvas');
reader.width = READ_WIDTH;
reader.height = READ_HEIGHT;
let readerContext: CanvasRenderingContext2D | null = null;

type FrameCallback = (now: number, metadata: { expectedDisplayTime?: number }) => void;
type VideoWithFrames = HTMLVideoElement & { requestVideoFrameCallback?(callback: FrameCallback): number };

const lastStamp = new WeakMap<HTMLVideoElement, number>();

function read(video: HTMLVideoElement, shownAt: number): void {
  if (!video.videoWidth || !video.videoHeight) return;
  readerContext ??= reader.getContext('2d', { willReadFrequently: true });
  if (!readerContext) return;
  readerContext.drawImage(video, 0, 0, READ_WIDTH, READ_HEIGHT);
  const picture = readerContext.getImageData(0, 0, READ_WIDTH, READ_HEIGHT);
  state.frames += 1;
  const stamp = decodeStamp({ data: picture.data, width: READ_WIDTH, height: READ_HEIGHT, channels: 4 });
  if (stamp === null) {
    state.unreadable += 1;
    return;
  }
  // The first time a picture is shown is its latency; the same picture again is not a new sample.
  if (stamp <= (lastStamp.get(video) ?? -1)) {
    state.repeats += 1;
    return;
  }
  lastStamp.set(video, stamp);
  const { buffered } = video;
  const aheadMs = buffered.length ? Math.max(0, (buffered.end(buffered.length - 1) - video.currentTime) * 1000) : 0;
  if (state.samples.length < MAX_SAMPLES) state.samples.push({ stamp, shownAt, aheadMs });
}

function watch(video: VideoWithFrames): void {
  if (watched.has(video)) return;
  watched.add(video);
  state.watching += 1;
  if (typeof video.requestVideoFrameCallback === 'function') {
    const onFrame: FrameCallback = (at, metadata) => {
      try {
        read(video, performance.timeOrigin + (metadata.expectedDisplayTime ?? at));
      } catch (error) {
        if (state.errors.length < 20) state.errors.push(String(error));
      }
      video.requestVideoFrameCallback!(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
    return;
  }
  // No requestVideoFrameCallback: look every 20 ms, and count a frame when the picture's time changed.
  let last = -1;
  setInterval(() => {
    if (video.currentTime === last) return;
    last = video.currentTime;
    read(video, now());
  }, 20);
}

setInterval(() => {
  for (const video of Array.from(document.querySelectorAll('video'))) {
    // The local preview shows the camera's MediaStream; remote players play through MediaSource.
    if (video.srcObject instanceof MediaStream) continue;
    watch(video);
  }
}, 100);

// --- joining ---------------------------------------------------------------------------------------------------

interface WebRoomLike {
  enter(): Promise<void>;
  on(code: string, handler: (event: { eventCode: string; data?: unknown }) => void): void;
  destroy(): void;
}

/** Enter the room with wxrtc-web.js (window.wxrtcWeb), tiles in #videos; a few events kept for diagnostics. */
async function join(options: Record<string, unknown>): Promise<void> {
  const web = (window as unknown as { wxrtcWeb: { createWebRoom(options: unknown): WebRoomLike } }).wxrtcWeb;
  const room = web.createWebRoom({ ...options, video: document.getElementById('videos') });
  for (const code of ['ERROR', 'STREAM_FAILED', 'LOCAL_JOIN', 'REMOTE_VIDEO_ADD', 'STREAM_ADDED', 'UPDATE_URL']) {
    room.on(code, (event) => {
      if (state.events.length < 100) state.events.push(`${event.eventCode} ${JSON.stringify(event.data ?? null).slice(0, 160)}`);
    });
  }
  (window as unknown as { wxrtcLatencyRoom: WebRoomLike }).wxrtcLatencyRoom = room;
  await room.enter();
}
(state as LatencyPageState & { join: typeof join }).join = join;

/** Leave the room (resolves on LOCAL_LEAVE), then tear the room down. */
async function leave(): Promise<void> {
  const room = (window as unknown as { wxrtcLatencyRoom?: WebRoomLike & { exit(): Promise<void> } }).wxrtcLatencyRoom;
  if (!room) return;
  await room.exit();
  room.destroy();
}
(state as LatencyPageState & { leave: typeof leave }).leave = leave;

/** What every <video> is doing, for a failure's message. */
function videos(): string {
  return Array.from(document.querySelectorAll('video'))
    .map((v) => `[${v.srcObject ? 'stream' : v.src.slice(0, 30) || 'no src'} ready=${v.readyState} paused=${v.paused} t=${v.currentTime.toFixed(2)} ${v.videoWidth}x${v.videoHeight}${v.error ? ` error=${v.error.code}` : ''}]`)
    .join(' ');
}
(state as LatencyPageState & { videos: typeof videos }).videos = videos;
