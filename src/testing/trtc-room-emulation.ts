// What WeChat's TRTC implementation does inside <live-pusher> when its url is room://cloud.tencent.com/rtc?...:
// enter the room, publish, and report the room's news as status codes (1018, 1031-1034, 1019, -100018,
// -3301) in the exact message formats trtc-wx parses. Here the "cloud" is the dev server, reached with its
// own protocol, so trtc-room pages — Tencent's trtc-wx.js among them — run end to end without a phone.

import { ErrorCode } from '../core/errors';
import { KICK_REASON_CODES, type Notification, type StreamInfo, type StreamTypeWire } from '../core/protocol';
import { RoomClient, RoomRequestError } from './room-client';
import type { StatusReport } from './media';

/** The room a `room://` url names, and who enters it. */
export interface RoomUrlParams {
  sdkAppID: number;
  userID: string;
  userSig: string;
  roomID?: number;
  strRoomID?: string;
  scene: 'rtc' | 'live';
}

/** Read the parameters trtc-wx puts in the room url. */
export function parseRoomUrl(url: string): RoomUrlParams | null {
  if (!url.startsWith('room://')) return null;
  const query = new URLSearchParams(url.slice(url.indexOf('?') + 1));
  const sdkAppID = Number(query.get('sdkappid'));
  const userID = query.get('userid') ?? '';
  const userSig = query.get('usersig') ?? '';
  const strRoomID = query.get('strroomid');
  const roomID = Number(query.get('roomid'));
  if (!sdkAppID || !userID) return null;
  return {
    sdkAppID,
    userID,
    userSig,
    ...(strRoomID ? { strRoomID } : { roomID }),
    scene: query.get('appscene') === 'live' ? 'live' : 'rtc',
  };
}

const playUrl = (userID: string, streamType: string) => `room://cloud.tencent.com/rtc?userid=${userID}&streamtype=${streamType}`;

/**
 * What WeChat's TRTC implementation does for a room:// <live-pusher>, against the dev server: enter, publish,
 * report the room as status codes.
 */
export class TrtcRoomEmulation {
  private client: RoomClient | null = null;
  private readonly streams = new Map<string, StreamInfo>();
  private leaving = false;
  /** The push url the server gave this participant (what a media engine pushes to). */
  publishUrl: string | null = null;

  constructor(
    private readonly signalingUrl: string,
    private readonly params: RoomUrlParams,
    private readonly report: StatusReport,
  ) {}

  /** The room's streams as this participant knows them (an emulated <live-player> checks here). */
  hasStream(userID: string, streamType: StreamTypeWire): boolean {
    return this.streams.has(`${userID}/${streamType}`);
  }

  /** Ask the server for a pull url of a stream in this room (what TRTC does for a room:// <live-player>). */
  async pullUrl(userID: string, streamType: StreamTypeWire): Promise<string> {
    if (!this.client) throw new RoomRequestError(ErrorCode.REQUEST_OUT_OF_STATE, 'not in the room');
    const result = await this.client.request<'subscribe'>({ type: 'subscribe', userID, streamType, audio: true, video: true });
    return result.url;
  }

  /** Join the room and publish; reports 1018, the users (1031) and streams (1033/1034) already there. */
  async enter(mute: { audio: boolean; video: boolean }): Promise<void> {
    try {
      this.client = await RoomClient.connect(this.signalingUrl);
    } catch {
      this.report(-3301, `enter room failed: cannot reach ${this.signalingUrl}`);
      return;
    }
    // Notifications can arrive in the same read as the join answer, whose continuation runs later: hold them
    // until 1018 is reported, or the page would hear 1033/1034 before it is in the room.
    let early: Notification[] | null = [];
    this.client.onNotification((n) => (early ? early.push(n) : this.onNotification(n)));
    this.client.onClose(() => {
      if (!this.leaving) this.report(-1307, 'push disconnected: the room connection was lost');
    });
    try {
      const joined = await this.client.request<'join'>({
        type: 'join',
        sdkAppID: this.params.sdkAppID,
        userID: this.params.userID,
        userSig: this.params.userSig,
        ...(this.params.strRoomID ? { strRoomID: this.params.strRoomID } : { roomID: this.params.roomID! }),
        scene: this.params.scene,
        role: 'anchor',
        visible: true,
        platform: 'ios',
        mute,
      });
      this.report(1018, 'enter room success');
      if (joined.users.length > 0) this.report(1031, JSON.stringify({ userlist: joined.users.map((userid) => ({ userid })) }));
      for (const stream of joined.streams) this.applyStream(stream);
      const held = early;
      early = null;
      for (const n of held) this.onNotification(n);
      const published = await this.client.request<'publish'>({ type: 'publish', streamType: 'main' });
      this.publishUrl = published.url;
    } catch (error) {
      const code = error instanceof RoomRequestError ? error.code : -1;
      const sigProblem = code === ErrorCode.USER_SIG_INVALID || code === ErrorCode.USER_SIG_EXPIRED || code === ErrorCode.USER_SIG_MISMATCH;
      this.report(sigProblem ? -100018 : -3301, `enter room failed: ${(error as Error).message} (${code})`);
      this.leaving = true;
      this.client?.close();
    }
  }

  /** Tell the room which tracks are muted (enable-mic / enable-camera changed). */
  setMute(mute: { audio: boolean; video: boolean }): void {
    this.client?.request<'mute'>({ type: 'mute', ...mute }).catch(() => undefined);
  }

  /** Leave the room; reports 1019. */
  async leave(): Promise<void> {
    if (this.leaving) return;
    this.leaving = true;
    try {
      await this.client?.request<'leave'>({ type: 'leave' });
    } catch {
      // Leaving anyway.
    }
    this.client?.close();
    this.report(1019, 'exit room, reason[0]');
  }

  private onNotification(n: Notification): void {
    switch (n.type) {
      case 'user-joined':
        this.report(1031, JSON.stringify({ userlist: [{ userid: n.userID }] }));
        break;
      case 'user-left':
        for (const key of [...this.streams.keys()]) if (key.startsWith(`${n.userID}/`)) this.streams.delete(key);
        this.report(1032, JSON.stringify({ userlist: [{ userid: n.userID }] }));
        break;
      case 'stream-added':
      case 'stream-updated':
        this.applyStream(n);
        break;
      case 'stream-removed':
        this.applyStream({ userID: n.userID, streamType: n.streamType, audio: false, video: false });
        this.streams.delete(`${n.userID}/${n.streamType}`);
        break;
      case 'kicked':
        this.leaving = true;
        this.report(1019, `exit room, reason[${KICK_REASON_CODES[n.reason]}]`);
        this.client?.close();
        break;
      default:
        break;
    }
  }

  /** Report a stream's tracks as 1033 (video, per stream type) and 1034 (audio, main only) when they change. */
  private applyStream(stream: StreamInfo): void {
    const key = `${stream.userID}/${stream.streamType}`;
    const before = this.streams.get(key) ?? { ...stream, audio: false, video: false };
    this.streams.set(key, stream);
    const url = playUrl(stream.userID, stream.streamType);
    if (stream.video !== before.video) {
      this.report(1033, JSON.stringify({ userlist: [{ userid: stream.userID, streamtype: stream.streamType, hasvideo: stream.video, playurl: url }] }));
    }
    if (stream.streamType === 'main' && stream.audio !== before.audio) {
      this.report(1034, JSON.stringify({ userlist: [{ userid: stream.userID, hasaudio: stream.audio, playurl: url }] }));
    }
  }
}
