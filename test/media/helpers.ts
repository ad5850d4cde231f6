// A dev server with the real RTMP plane, a headless runtime whose components run ffmpeg (RtmpMedia), and
// participants on the websocket driver: what every test in test/media starts from, and tears down in one call.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startDevServer, type DevServer, type DevServerOptions } from '../../server/index';
import { rtmpMediaPlane, type RtmpMediaPlane, type RtmpMediaPlaneOptions, type RtmpPlaneEvent } from '../../server/media/index';
import type { RetryPolicy } from '../../src/core/retry';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import { ffmpegAvailable, RtmpMedia, type RtmpMediaOptions } from '../../src/testing/rtmp-media';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { connectWxSocket, type SocketFactory } from '../../src/wx/socket';
import { Participant } from '../helpers/participant';

/**
 * Real streams need ffmpeg (CI installs Debian's). Without it the suite fails, unless WXRTC_SKIP_MEDIA=1 says to
 * skip it on purpose (not in CI, where a missing tool always fails).
 */
export const describeMedia: jest.Describe = (() => {
  if (ffmpegAvailable()) return describe;
  if (process.env.WXRTC_SKIP_MEDIA === '1' && !process.env.CI) return describe.skip;
  throw new Error('test/media needs ffmpeg on the PATH (apt-get install -y ffmpeg, or FFMPEG_PATH); WXRTC_SKIP_MEDIA=1 skips these tests outside CI');
})();

/** Quick retries so fault tests finish in seconds; the shape (bounded, doubling) is the SDK's default. */
export const FAST_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 300, maxDelayMs: 1_200 };

export interface MediaRig {
  server: DevServer;
  plane: RtmpMediaPlane;
  media: RtmpMedia;
  runtime: HeadlessRuntime;
  participants: Participant[];
  join(userID: string, options?: { roomID?: number; retry?: RetryPolicy; pusher?: Record<string, unknown>; signalingLatencyMs?: number }): Participant;
  /** Plane events of one user's main stream. */
  planeEvents(userID: string, type?: RtmpPlaneEvent['type']): RtmpPlaneEvent[];
  close(): Promise<void>;
}

export async function startMediaRig(
  options: { plane?: RtmpMediaPlaneOptions; server?: DevServerOptions; media?: RtmpMediaOptions } = {},
): Promise<MediaRig> {
  const server = await startDevServer({
    host: '127.0.0.1',
    port: 0,
    rtmpPort: 0,
    logLevel: 'silent',
    graceMs: 5_000,
    ...options.server,
    mediaPlane: rtmpMediaPlane({ restartDowntimeMs: 400, ...options.plane }),
  });
  const plane = server.media as RtmpMediaPlane;
  const media = new RtmpMedia(options.media);
  const runtime = new HeadlessRuntime({ signalingUrl: server.wsUrl, media }).install();
  const participants: Participant[] = [];

  const rig: MediaRig = {
    server,
    plane,
    media,
    runtime,
    participants,
    join(userID, joinOptions = {}) {
      const p = new Participant(runtime, {
        userID,
        trtc: {
          signaling: createWebSocketSignaling({
            url: server.wsUrl,
            platform: 'ios',
            reconnectBaseDelayMs: 50,
            reconnectMaxDelayMs: 200,
            ...(joinOptions.signalingLatencyMs ? { connect: slowLink(joinOptions.signalingLatencyMs) } : {}),
          }),
          retry: joinOptions.retry ?? FAST_RETRY,
          exitTimeoutMs: 1_000,
        },
      });
      participants.push(p);
      p.enter({ sdkAppID: server.sdkAppID, userSig: server.genUserSig(userID), roomID: joinOptions.roomID ?? 5150 }, joinOptions.pusher);
      return p;
    },
    planeEvents(userID, type) {
      return plane.history.filter((e) => 'streamName' in e && streamUser(e.streamName) === userID && (type === undefined || e.type === type));
    },
    async close() {
      for (const p of participants) p.trtc.destroy();
      participants.length = 0;
      await runtime.close();
      await server.close();
    },
  };
  return rig;
}

/** A socket whose frames from the server arrive `latencyMs` late, in order: a slow mobile link. */
function slowLink(latencyMs: number): SocketFactory {
  return (url) => {
    const socket = connectWxSocket(url);
    return {
      ...socket,
      onMessage: (listener) => socket.onMessage((text) => void setTimeout(() => listener(text), latencyMs)),
    };
  };
}

/** The userID a stream name carries (<b64u(room)>.<b64u(user)>.<type>). */
export function streamUser(streamName: string): string | null {
  const part = streamName.split('.')[1];
  return part === undefined ? null : Buffer.from(part, 'base64url').toString('utf8');
}

/** Resolve once `probe` holds, polling every 25 ms; reject with `message` (and `detail()`) after `timeoutMs`. */
export function until<T>(probe: () => T | null | undefined | false, message: string, timeoutMs = 8_000, detail?: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const value = probe();
      if (value) return resolve(value);
      if (Date.now() - started > timeoutMs) return reject(new Error(`${message} (after ${timeoutMs} ms)${detail ? `\n${detail()}` : ''}`));
      setTimeout(tick, 25);
    };
    tick();
  });
}

/** The player chart of one remote stream on a participant's side. */
export function playerState(p: Participant, id: string): unknown {
  return p.trtc.actor.getSnapshot().context.streams.find((s) => s.id === id)?.ref.getSnapshot().value ?? null;
}

export function pusherState(p: Participant): unknown {
  return p.trtc.actor.getSnapshot().context.pusher?.getSnapshot().value ?? null;
}

/** True when the process with this pid has ended (a zombie waiting for an init that does not reap has ended too). */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** ffmpeg processes that are children of this process right now (Linux `ps`). */
export function ffmpegChildren(): number[] {
  const out = spawnSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat, comm]) => comm === 'ffmpeg' && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}
