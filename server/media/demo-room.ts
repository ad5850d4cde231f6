// `npm start`'s demo room: headless mini-program pages written the trtc-wx way (real TRTC facades on the
// websocket driver) whose emulated <live-pusher>/<live-player> push and play real RTMP streams (ffmpeg)
// through the dev server, so the dev server has live streams a person can watch with VLC or ffplay. Without
// ffmpeg the same pages run on simulated media: the signaling, the charts and the inspector are all real.

import type { DevServer } from '../index';
import { EVENT } from '../../src/view/events';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import { trtcWxHandlers } from '../../src/testing/bindings';
import { createPage, type PageInstance } from '../../src/testing/page';
import { RtmpMedia } from '../../src/testing/rtmp-media';
import { SimulatedMedia, type MediaEngine } from '../../src/testing/media';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { TRTC } from '../../src/trtc';
import { createInspector, type WxrtcInspector } from '../../src/inspect';

export interface DemoRoomOptions {
  roomID?: number;
  users?: string[];
  /** One line per notable event (default: nowhere). */
  log?: (line: string) => void;
  /** Real RTMP streams (ffmpeg) or simulated media; default real when the server runs the RTMP plane. */
  realMedia?: boolean;
  /** A participant who leaves and comes back on this period, so the room keeps changing (0 = none). */
  churnEveryMs?: number;
}

export interface DemoRoom {
  readonly roomID: number;
  readonly users: readonly string[];
  /** Real RTMP media, or null when the demo runs on simulated media. */
  readonly media: RtmpMedia | null;
  /** Resolves once every participant plays every other one with frames arriving; rejects after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /**
   * A pull url of `userID`'s stream for a viewer outside the room (VLC, ffplay). Every play needs a live
   * session subscribed to the stream, so it is minted for another demo participant's session: it works while
   * that participant stays (the demo's own users do), for the url ttl, until a media restart.
   */
  pullUrl(userID: string): Promise<string>;
  close(): Promise<void>;
}

/** Events worth a line in the dev server's console. */
const LOGGED: ReadonlySet<string> = new Set([
  EVENT.LOCAL_JOIN,
  EVENT.REMOTE_USER_JOIN,
  EVENT.REMOTE_USER_LEAVE,
  EVENT.STREAM_ADDED,
  EVENT.STREAM_REMOVED,
  EVENT.STREAM_FAILED,
  EVENT.UPDATE_URL,
  EVENT.ERROR,
  EVENT.KICKED_OUT,
]);

interface Member {
  userID: string;
  page: PageInstance;
  trtc: TRTC;
  inspector: WxrtcInspector | null;
}

export async function startDemoRoom(server: DevServer, options: DemoRoomOptions = {}): Promise<DemoRoom> {
  const roomID = options.roomID ?? 1234;
  const users = options.users ?? ['alice', 'bob'];
  const log = options.log ?? (() => undefined);
  const rtmp = (options.realMedia ?? server.media.name === 'rtmp') ? new RtmpMedia() : null;
  // Simulated media reports netstatus too, so the inspector's call quality graphs have something to draw.
  const engine: MediaEngine = rtmp ?? new SimulatedMedia({ netStatusIntervalMs: 1000 });
  const runtime = new HeadlessRuntime({ signalingUrl: server.wsUrl, media: engine }).install();
  const inspectors: WxrtcInspector[] = [];
  const members: Member[] = users.map((userID) => join(userID));
  // Someone who comes and goes: the room (and the inspector's charts) keep moving while a developer watches.
  let visitor: Member | null = null;
  const churn = options.churnEveryMs
    ? setInterval(() => {
        if (visitor) {
          visitor.trtc.exitRoom();
          visitor.trtc.destroy();
          // Its inspector session ends with it: the inspector lists the visitor as closed, not "stopped · connected".
          if (visitor.inspector) {
            visitor.inspector.stop();
            inspectors.splice(inspectors.indexOf(visitor.inspector), 1);
          }
          visitor = null;
        } else {
          visitor = join('visitor');
        }
      }, options.churnEveryMs)
    : null;

  function join(userID: string): Member {
    let trtc: TRTC | null = null;
    const page = createPage({ data: { pusher: {}, playerList: [] }, ...trtcWxHandlers(() => trtc as unknown as Record<string, unknown>) });
    // Each participant streams its charts to the dev server's inspector (/inspect), when it runs one.
    const inspector = server.inspector ? createInspector({ url: server.inspector.wsUrl, label: `demo ${userID}` }) : null;
    if (inspector) inspectors.push(inspector);
    trtc = new TRTC(page, { signaling: createWebSocketSignaling({ url: server.wsUrl }), logLevel: 4, ...(inspector ? { inspect: inspector } : {}) });
    const sdk = trtc;
    runtime.mount(page);
    // What a trtc-wx page does with the SDK's events: play what arrives, keep its data bound.
    for (const code of Object.values(EVENT)) {
      sdk.on(code, ({ data }) => {
        const d = (data ?? {}) as Record<string, any>;
        if (LOGGED.has(code)) log(`${userID}: ${code}${describe(d)}`);
        if (code === EVENT.REMOTE_VIDEO_ADD || code === EVENT.REMOTE_AUDIO_ADD) {
          const unmute = code === EVENT.REMOTE_VIDEO_ADD ? { muteVideo: false } : { muteAudio: false };
          page.setData({ playerList: sdk.setPlayerAttributes(d.player.id, unmute) });
        } else if (code === EVENT.UPDATE_URL) {
          if (d.local) page.setData({ pusher: sdk.getPusherInstance()?.pusherAttributes ?? {} });
          else page.setData({ playerList: sdk.getPlayerList() });
        } else {
          if ('playerList' in d) page.setData({ playerList: d.playerList });
          if ('pusher' in d) page.setData({ pusher: d.pusher });
        }
      });
    }
    sdk.createPusher({});
    const attributes = sdk.enterRoom({ sdkAppID: server.sdkAppID, userID, userSig: server.genUserSig(userID), roomID, enableMic: true, enableCamera: true });
    page.setData({ pusher: attributes }, () => sdk.getPusherInstance()?.start());
    return { userID, page, trtc: sdk, inspector };
  }

  const playing = (member: Member, other: string): boolean => {
    const stream = member.trtc.actor.getSnapshot().context.streams.find((s) => s.id === `${other}_main`);
    return stream?.ref.getSnapshot().matches('playing') ?? false;
  };

  // Real frames arriving, when the media is real; simulated media has nothing more to wait for.
  const framesFlow = (): boolean => {
    if (!rtmp) return true;
    const frames = rtmp.pulls().filter((s) => s.running);
    return frames.length >= users.length * (users.length - 1) && frames.every((s) => s.frames > 0);
  };

  return {
    roomID,
    users,
    media: rtmp,
    async ready(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const everyone = members.every((m) => users.every((u) => u === m.userID || playing(m, u)));
        if (everyone && framesFlow()) return;
        if (Date.now() > deadline) throw new Error(`the demo room did not come up within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async pullUrl(userID) {
      const key = `n:${roomID}`;
      for (const other of users) {
        if (other === userID) continue;
        const member = await server.store.getMember(key, other);
        if (member) return server.urls.mint('pull', { roomKey: key, userID, streamType: 'main' }, server.media.generation, { sessionId: member.sessionId, userID: other }).url;
      }
      throw new Error(`no demo participant in room ${roomID} watches ${userID}`);
    },
    async close() {
      if (churn) clearInterval(churn);
      for (const m of [...members, ...(visitor ? [visitor] : [])]) m.trtc.destroy();
      for (const inspector of inspectors) inspector.stop();
      await runtime.close();
    },
  };
}

function describe(d: Record<string, any>): string {
  const parts: string[] = [];
  if (typeof d.userID === 'string') parts.push(d.userID);
  if (typeof d.local === 'boolean') parts.push(d.local ? 'local' : 'remote');
  if (typeof d.code === 'number') parts.push(`code ${d.code}`);
  if (typeof d.reason === 'string') parts.push(d.reason);
  if (typeof d.message === 'string') parts.push(d.message);
  if (typeof d.url === 'string') parts.push(d.url.replace(/\?.*$/, '?…'));
  return parts.length > 0 ? ` ${parts.join(' ')}` : '';
}

