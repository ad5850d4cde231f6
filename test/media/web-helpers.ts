// A browser as the web media bridge sees it, without a browser: a raw signaling client that joins with
// platform 'web', a webm made by ffmpeg at test time standing in for MediaRecorder's chunks, publish and play
// sockets on plain `ws`, and ffprobe to read what a play socket delivered. Every wait is bounded.

import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import type { DevServer } from '../../server/index';
import type { JoinRequest, JoinResult } from '../../src/core/protocol';
import { TestClient } from '../server/helpers/client';

const run = promisify(execFile);
const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';

/** A scratch directory removed by cleanup(). */
export function scratchDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wxrtc-web-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * What MediaRecorder makes of a camera and a microphone: live webm (no cues, no duration), VP8 and Opus, here
 * from a test pattern and a tone. `codec: 'h264'` as Chrome's `video/webm;codecs=h264` records it.
 */
export function makeWebm(dir: string, options: { seconds?: number; codec?: 'vp8' | 'h264'; fps?: number; keyframes?: 'every-second' | 'first-only' } = {}): Buffer {
  const seconds = options.seconds ?? 8;
  const fps = options.fps ?? 15;
  // 'first-only' is Chromium's MediaRecorder when not asked for keyframes: one at the start.
  const gop = options.keyframes === 'first-only' ? String(fps * seconds * 10) : String(fps);
  const file = join(dir, `recorded-${options.codec ?? 'vp8'}-${seconds}-${options.keyframes ?? 'every-second'}.webm`);
  const video = options.codec === 'h264'
    ? ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline', '-pix_fmt', 'yuv420p', '-g', gop, ...(options.keyframes === 'first-only' ? ['-sc_threshold', '0'] : [])]
    : ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '300k', '-g', gop, ...(options.keyframes === 'first-only' ? ['-auto-alt-ref', '0'] : [])];
  const made = spawnSync(FFMPEG, [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc=size=320x240:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(seconds), ...video, '-c:a', 'libopus', '-b:a', '48k',
    // ffmpeg's webm muxer refuses H.264; Chromium writes it anyway, into what is Matroska with a webm doctype.
    ...(options.codec === 'h264' ? ['-f', 'matroska'] : ['-f', 'webm']), '-live', '1', file,
  ], { encoding: 'utf8', timeout: 60_000 });
  if (made.status !== 0) throw new Error(`making the webm failed: ${made.stderr}`);
  return readFileSync(file);
}

export interface WebClient {
  client: TestClient;
  join: JoinResult;
  /** Publish main: the url the server hands a browser. */
  publish(): Promise<string>;
  subscribe(userID: string): Promise<string>;
}

/** Connect and join as a browser would (platform 'web'). */
export async function joinAsWeb(server: DevServer, userID: string, roomID = 5150, extra: Partial<JoinRequest> = {}): Promise<WebClient> {
  const client = await TestClient.connect(server.wsUrl, userID);
  const join = await client.ok({ type: 'join', sdkAppID: server.sdkAppID, userID, userSig: server.genUserSig(userID), roomID, scene: 'rtc', role: 'anchor', visible: true, platform: 'web', ...extra });
  return {
    client,
    join,
    publish: async () => (await client.ok({ type: 'publish', streamType: 'main' })).url,
    subscribe: async (other) => (await client.ok({ type: 'subscribe', userID: other, streamType: 'main', audio: true, video: true })).url,
  };
}

/** A socket of the bridge: what it received, and how it closed. */
export interface MediaSocket {
  ws: WebSocket;
  received: Buffer[];
  bytes(): number;
  closed: Promise<{ code: number; reason: string }>;
  closeInfo: { code: number; reason: string } | null;
  opened: Promise<void>;
}

export function openMediaSocket(url: string): MediaSocket {
  const ws = new WebSocket(url);
  const received: Buffer[] = [];
  const socket: MediaSocket = {
    ws,
    received,
    bytes: () => received.reduce((n, b) => n + b.length, 0),
    closeInfo: null,
    closed: new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        socket.closeInfo = { code, reason: reason.toString('utf8') };
        resolve(socket.closeInfo);
      });
    }),
    opened: new Promise((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    }),
  };
  ws.on('error', () => undefined);
  ws.on('message', (data: Buffer) => received.push(Buffer.from(data)));
  return socket;
}

/**
 * Send `data` in chunks at the pace it was recorded (`seconds` of media), as MediaRecorder with a timeslice
 * does; stops early when the socket closes. Resolves when all was sent or the socket closed.
 */
export async function sendPaced(socket: MediaSocket, data: Buffer, seconds: number, sliceMs = 100): Promise<void> {
  await socket.opened;
  const slices = Math.max(1, Math.round((seconds * 1000) / sliceMs));
  const size = Math.ceil(data.length / slices);
  for (let offset = 0; offset < data.length; offset += size) {
    if (socket.ws.readyState !== WebSocket.OPEN) return;
    socket.ws.send(data.subarray(offset, offset + size));
    await new Promise((resolve) => setTimeout(resolve, sliceMs));
  }
}

/** Close a socket from the client side, bounded. */
export async function closeSocket(socket: MediaSocket): Promise<void> {
  if (socket.ws.readyState === WebSocket.CLOSED) return;
  socket.ws.close(1000, 'test done');
  const timer = setTimeout(() => socket.ws.terminate(), 1_000);
  await socket.closed;
  clearTimeout(timer);
}

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  profile?: string;
  nb_read_frames?: string;
}

/** What ffprobe decodes of an FLV byte stream (every frame decoded and counted). */
export async function probeFlv(dir: string, bytes: Buffer): Promise<{ format: string; streams: ProbedStream[] }> {
  const file = join(dir, `played-${Date.now()}.flv`);
  writeFileSync(file, bytes);
  const { stdout } = await run(FFPROBE, ['-v', 'error', '-count_frames', '-show_entries', 'format=format_name:stream=codec_type,codec_name,profile,nb_read_frames', '-of', 'json', file], { timeout: 30_000 });
  const parsed = JSON.parse(stdout) as { format: { format_name: string }; streams: ProbedStream[] };
  return { format: parsed.format.format_name, streams: parsed.streams };
}
