// The websocket driver: signaling with our own server (server/) over one socket, in the protocol of
// protocol.ts. It joins, publishes and subscribes for the room, turns the server's notifications into
// SignalingEvents, keeps the session alive (heartbeat) and brings it back after a drop: resume within the
// grace period, or join again when the server no longer knows the session (a restart), re-publishing and
// re-subscribing so the room gets fresh urls (UPDATE_URL) rather than stale ones.

import { fromCallback } from 'xstate';
import { ErrorCode } from '../../core/errors';
import { logger } from '../../core/log';
import { backoffPolicy, type ReconnectPolicy } from '../../core/reconnect-policy';
import { parsePlayerId, type StreamType } from '../../core/attributes';
import { MAX_NET_STATS_PER_FRAME, NET_STATS_INTERVAL_MS, type NetStatsSample } from '../../core/net-stats';
import { PlayerStatus, PusherStatus } from '../../core/status-codes';
import { connectWxSocket, type SocketFactory, type SocketLike } from '../../wx/socket';
import { currentPlatform, type Platform } from '../../wx/system';
import {
  HEARTBEAT_INTERVAL_MS,
  PROTOCOL_VERSION,
  REQUEST_TIMEOUT_MS,
  encodeRequest,
  parseServerFrame,
  streamKey,
  type JoinRequest,
  type Notification,
  type RequestBody,
  type ResultByType,
  type RoomSnapshot,
  type StreamInfo,
  type WireError,
} from '../../core/protocol';
import {
  MAX_REMOTE_USERS,
  MAX_SERVER_FRAME_CHARS,
  asWireError,
  checkJoinResult,
  checkResumeResult,
  isAcceptedUrl,
  isPlausibleSeq,
  urlOfResult,
  urlSchemesOf,
  wireErrorOf,
} from './server-trust';
import type { SignalingCommand, SignalingEvent, SignalingInput, SignalingLogic } from './types';

/** Options of {@link createWebSocketSignaling}: the server's url and the reconnect and timeout tuning. */
export interface WebSocketSignalingOptions {
  /** ws:// or wss:// url of the signaling server (the dev server prints it). */
  url: string;
  /** How to open a socket; defaults to wx.connectSocket. */
  connect?: SocketFactory;
  /** Reported at join; defaults to what wx.getSystemInfoSync says. */
  platform?: Platform;
  requestTimeoutMs?: number;
  /** Waits between reconnect attempts: base, doubling, capped. The room's reconnect deadline bounds the whole. */
  reconnectBaseDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /**
   * Attempts to open the first connection before entering fails. A server that accepts the socket and closes it
   * again uses one attempt each time: the count runs until the room is joined.
   */
  connectAttempts?: number;
  /**
   * The url schemes a push url or play url from the server may have; default `['rtmp', 'room']`, what the dev
   * server and TRTC hand out. Any other (http-flv, for example) only when named here; a url refused is never
   * applied and becomes STREAM_FAILED with URL_REFUSED.
   */
  urlSchemes?: readonly string[];
}

/** When to open the socket again: before the room is entered (a few attempts), and after a drop (until the room's deadline). */
export interface SignalingReconnectPolicies {
  enter: ReconnectPolicy;
  reconnect: ReconnectPolicy;
}

export function signalingReconnectPolicies(options: { reconnectBaseDelayMs: number; reconnectMaxDelayMs: number; connectAttempts: number }): SignalingReconnectPolicies {
  const backoff = { baseDelayMs: options.reconnectBaseDelayMs, maxDelayMs: options.reconnectMaxDelayMs };
  // connectAttempts counts the first try too: the attempts after it are the retries.
  return { enter: backoffPolicy({ ...backoff, maxRetries: options.connectAttempts - 1 }), reconnect: backoffPolicy(backoff) };
}

type Phase = 'connecting' | 'joining' | 'joined' | 'reconnecting' | 'leaving' | 'closed';
/** Notifications held while a join or resume answer is on its way; a server that floods them loses the rest. */
const MAX_EARLY_NOTIFICATIONS = 1024;

type Pending = { resolve: (result: unknown) => void; reject: (error: WireError) => void; timer: ReturnType<typeof setTimeout> };
type Subscription = { userID: string; streamType: StreamType; audio: boolean; video: boolean; url: string | null };


/** The seq of a notification frame that failed validation, or 0 when even that cannot be read. */
function seqOf(text: string): number {
  try {
    const frame = JSON.parse(text) as { v?: unknown; seq?: unknown; type?: unknown } | null;
    // Only a notification of our protocol version has a seq of ours to use up.
    if (frame?.v !== PROTOCOL_VERSION || typeof frame.type !== 'string' || frame.type === 'response') return 0;
    const seq = frame.seq;
    return Number.isSafeInteger(seq) && (seq as number) > 0 ? (seq as number) : 0;
  } catch {
    return 0;
  }
}

/** TRTC's url scenes map onto the server's two. */
// A voice chat room is TRTC's other live-type scene: anchors and an audience.
const wireScene = (scene: string): 'rtc' | 'live' => (scene === 'live' || scene === 'voicechatroom' ? 'live' : 'rtc');

class SignalingSession {
  private socket: SocketLike | null = null;
  private phase: Phase = 'connecting';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private resumeToken: string | null = null;
  private lastSeq = 0;
  private heartbeatMs = HEARTBEAT_INTERVAL_MS;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private lastFrameAt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;
  private publishing: { streamType: StreamType; url: string | null } | null = null;
  private readonly subscriptions = new Map<string, Subscription>();
  private knownUsers = new Set<string>();
  private knownStreams = new Map<string, StreamInfo>();
  private mute: { audio: boolean; video: boolean };
  private visible: boolean;
  /**
   * Notifications that arrived before the join/resume answer was applied. A response and a notification
   * can come in one read; the answer's continuation runs a microtask later, so without holding these the
   * room (still entering) would drop news that is newer than the snapshot it is about to get.
   */
  private early: Notification[] = [];
  private leaveConfirmed = false;
  private readonly urlSchemes: ReadonlySet<string>;
  /** REMOTE_USER_LIMIT is said once per session, not once per user over the limit. */
  private userLimitWarned = false;
  private readonly policies: SignalingReconnectPolicies;
  /** Stream quality samples waiting for the next net-stats frame (one frame per interval, the newest kept). */
  private netStats: NetStatsSample[] = [];
  private netStatsTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly options: Required<Omit<WebSocketSignalingOptions, 'platform' | 'urlSchemes'>> & { platform: Platform; urlSchemes?: readonly string[] },
    private readonly input: SignalingInput,
    private readonly sendBack: (event: SignalingEvent) => void,
  ) {
    this.policies = signalingReconnectPolicies(options);
    this.mute = { ...input.localMute };
    this.visible = input.visible;
    this.urlSchemes = urlSchemesOf(options.urlSchemes);
  }

  start(): void {
    this.open();
  }

  stop(): void {
    this.phase = 'closed';
    this.clearTimers();
    this.failPending({ code: ErrorCode.SIGNALING_UNAVAILABLE, message: 'signaling stopped' });
    this.closeSocket();
  }

  // --- commands from the room ---------------------------------------------------------------------------

  handle(command: SignalingCommand): void {
    switch (command.type) {
      case 'LEAVE':
        this.leave();
        break;
      case 'PUBLISH':
        this.publish('main');
        break;
      case 'UNPUBLISH':
        this.publishing = null;
        this.fireAndForget({ type: 'unpublish', streamType: 'main' });
        break;
      case 'SUBSCRIBE':
        this.subscribe(command.userID, command.streamType, command.audio, command.video);
        break;
      case 'UNSUBSCRIBE':
        this.subscriptions.delete(streamKey(command.userID, command.streamType));
        this.fireAndForget({ type: 'unsubscribe', userID: command.userID, streamType: command.streamType });
        break;
      case 'MUTE_LOCAL':
        this.mute = { audio: command.audio, video: command.video };
        this.fireAndForget({ type: 'mute', audio: command.audio, video: command.video });
        break;
      case 'SET_VISIBILITY':
        this.setVisibility(command.visible);
        break;
      case 'PUSHER_STATUS':
        this.reportMedia('push', this.input.params.userID, 'main', command.code);
        break;
      case 'PLAYER_STATUS': {
        const parsed = parsePlayerId(command.id);
        if (parsed) this.reportMedia('play', parsed.userID, parsed.streamType, command.code);
        break;
      }
      case 'NET_STATS':
        this.queueNetStats(command.sample);
        break;
    }
  }

  // --- connection ---------------------------------------------------------------------------------------

  private open(): void {
    let socket: SocketLike;
    try {
      socket = this.options.connect(this.options.url);
    } catch (error) {
      logger.warn('could not open the signaling socket', error);
      this.onSocketGone();
      return;
    }
    this.socket = socket;
    socket.onOpen(() => {
      if (this.socket !== socket) return;
      // Attempts are not reset here: a server that accepts and then closes would reconnect for ever. Only a
      // join or resume that succeeds starts the count again.
      this.lastFrameAt = Date.now();
      if (this.resumeToken) void this.resume();
      else void this.join();
    });
    socket.onMessage((text) => {
      if (this.socket === socket) this.onFrame(text);
    });
    socket.onClose(() => {
      if (this.socket === socket) this.onSocketGone();
    });
    socket.onError((message) => {
      logger.warn('signaling socket error', message);
      if (this.socket === socket) this.onSocketGone();
    });
  }

  private onSocketGone(): void {
    this.socket = null;
    this.stopHeartbeat();
    this.failPending({ code: ErrorCode.SIGNALING_UNAVAILABLE, message: 'signaling connection lost' });
    if (this.phase === 'closed') return;
    if (this.phase === 'leaving') {
      this.finishLeave();
      return;
    }
    if (this.phase === 'connecting' || this.phase === 'joining') {
      // Never got in: a few attempts, then entering fails.
      const delay = this.policies.enter.nextRetryDelayInMs({ retryCount: ++this.attempts });
      if (delay === null) {
        this.phase = 'closed';
        this.sendBack({ type: 'ENTER_FAILED', code: ErrorCode.SIGNALING_UNAVAILABLE, message: `cannot reach the signaling server at ${this.options.url}` });
        return;
      }
      this.phase = 'connecting';
      this.scheduleReconnect(delay);
      return;
    }
    if (this.phase === 'joined') {
      this.phase = 'reconnecting';
      this.sendBack({ type: 'CONNECTION_LOST', reason: 'signaling connection lost' });
    }
    // The reconnect policy never gives up by count: the room's deadline decides when the connection is lost for good.
    this.scheduleReconnect(this.policies.reconnect.nextRetryDelayInMs({ retryCount: ++this.attempts }) ?? 0);
  }

  private scheduleReconnect(delay: number): void {
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.phase !== 'closed' && this.phase !== 'leaving') this.open();
    }, delay);
  }

  private closeSocket(): void {
    const socket = this.socket;
    this.socket = null;
    try {
      socket?.close(1000, 'bye');
    } catch {
      // Already closed.
    }
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      if (Date.now() - this.lastFrameAt > this.heartbeatMs * 3) {
        // The server has gone quiet: treat the socket as dead rather than wait for TCP to notice.
        const socket = this.socket;
        this.onSocketGone();
        try {
          socket?.close(4000, 'heartbeat timeout');
        } catch {
          // Already closed.
        }
        return;
      }
      this.fireAndForget({ type: 'ping' });
    }, this.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private clearTimers(): void {
    this.stopHeartbeat();
    if (this.netStatsTimer) clearTimeout(this.netStatsTimer);
    this.netStatsTimer = null;
    this.netStats = [];
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  // --- requests -----------------------------------------------------------------------------------------

  private request<T extends keyof ResultByType>(body: Extract<RequestBody, { type: T }>): Promise<ResultByType[T]> {
    return new Promise((resolve, reject) => {
      const socket = this.socket;
      if (!socket) {
        reject({ code: ErrorCode.SIGNALING_UNAVAILABLE, message: 'not connected' } satisfies WireError);
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject({ code: ErrorCode.SIGNALING_TIMEOUT, message: `${body.type} got no answer in time` } satisfies WireError);
      }, this.options.requestTimeoutMs);
      this.pending.set(id, { resolve: resolve as (result: unknown) => void, reject, timer });
      try {
        socket.send(encodeRequest(id, body));
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject({ code: ErrorCode.SIGNALING_UNAVAILABLE, message: String(error) } satisfies WireError);
      }
    });
  }

  private fireAndForget(body: RequestBody): void {
    if (this.phase !== 'joined') return;
    this.request(body as Extract<RequestBody, { type: 'ping' }>).catch((error: WireError) => {
      logger.info(`${body.type} failed (code ${error.code}): ${error.message}`);
    });
  }

  private failPending(error: WireError): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(error);
      this.pending.delete(id);
    }
  }

  // --- frames from the server ---------------------------------------------------------------------------

  private onFrame(text: string): void {
    this.lastFrameAt = Date.now();
    // Not even parsed: the largest real answer (a resume replaying its whole buffer) is far below this.
    if (text.length > MAX_SERVER_FRAME_CHARS) {
      logger.warn(`dropped a signaling frame of ${text.length} characters (code ${ErrorCode.MALFORMED_NOTIFICATION})`);
      return;
    }
    const frame = parseServerFrame(text);
    if (!frame) {
      logger.warn(`dropped a malformed signaling frame (code ${ErrorCode.MALFORMED_NOTIFICATION})`);
      // Its seq is used up only when it is the very next one: a malformed frame must not move the count anywhere
      // else (a seq of 2^53-1 would make every later notification, a kick among them, look like a duplicate).
      const seq = seqOf(text);
      if (this.phase === 'joined' && seq === this.lastSeq + 1) this.lastSeq = seq;
      return;
    }
    if (frame.type === 'response') {
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      this.pending.delete(frame.id);
      clearTimeout(pending.timer);
      if (frame.ok) pending.resolve(frame.result);
      else pending.reject(wireErrorOf(frame.error));
      return;
    }
    if (this.phase === 'joined') this.onNotification(frame);
    else if (this.phase === 'joining' || this.phase === 'reconnecting' || this.phase === 'connecting') {
      if (this.early.length < MAX_EARLY_NOTIFICATIONS) this.early.push(frame);
      else logger.warn(`dropped a notification that came before the join answer: too many (code ${ErrorCode.MALFORMED_NOTIFICATION})`);
    }
  }

  /** Apply what arrived while the join/resume answer was on its way (duplicates are dropped by seq). */
  private flushEarly(): void {
    const early = this.early;
    this.early = [];
    for (const n of early) this.onNotification(n);
  }

  /** A notification's subject is a remote user the session may track: not the local user, and within the cap. */
  private admitsRemote(userID: string): boolean {
    // The server never announces us to ourselves; a notification that does would make a remote user of us.
    if (userID === this.input.params.userID) return false;
    if (this.knownUsers.has(userID)) return true;
    if (this.knownUsers.size < MAX_REMOTE_USERS) {
      this.knownUsers.add(userID);
      return true;
    }
    this.warnUserLimit();
    return false;
  }

  private warnUserLimit(): void {
    if (this.userLimitWarned) return;
    this.userLimitWarned = true;
    const message = `the server announced more than ${MAX_REMOTE_USERS} remote users; the others are ignored`;
    logger.warn(`${message} (code ${ErrorCode.REMOTE_USER_LIMIT})`);
    this.sendBack({ type: 'SIGNALING_WARNING', code: ErrorCode.REMOTE_USER_LIMIT, message });
  }

  /** A url from the server that a tag may be given; a refused one is logged with its code and never applied. */
  private acceptsUrl(url: unknown, what: string): url is string {
    if (isAcceptedUrl(url, this.urlSchemes)) return true;
    logger.warn(`refused the ${what} url the server sent: not ${[...this.urlSchemes].join(':// or ')}:// (code ${ErrorCode.URL_REFUSED})`);
    return false;
  }

  private refusePublishUrl(): void {
    this.publishing = null;
    this.sendBack({ type: 'LOCAL_STREAM_FAILED', code: ErrorCode.URL_REFUSED, reason: 'the server sent a push url with a scheme that is not accepted' });
  }

  private refusePlayUrl(userID: string, streamType: StreamType): void {
    this.subscriptions.delete(streamKey(userID, streamType));
    this.sendBack({ type: 'REMOTE_STREAM_FAILED', userID, streamType, code: ErrorCode.URL_REFUSED, reason: 'the server sent a play url with a scheme that is not accepted' });
  }

  private onNotification(n: Notification): void {
    // After a resume the server may repeat what we saw: process each seq once. A seq far beyond the last is
    // not believed (it would turn everything after it into "duplicates"), except a kick: leaving on the
    // server's word is always safe.
    if (!isPlausibleSeq(n.seq, this.lastSeq)) {
      if (n.type !== 'kicked' || n.seq <= this.lastSeq) {
        if (n.seq > this.lastSeq) logger.warn(`dropped a notification with seq ${n.seq} far beyond ${this.lastSeq} (code ${ErrorCode.MALFORMED_NOTIFICATION})`);
        return;
      }
    } else {
      this.lastSeq = n.seq;
    }
    // The local user's own news comes as kind 'publish'; anything else naming us is not about a remote user.
    if ('userID' in n && !('kind' in n && n.kind === 'publish') && n.userID === this.input.params.userID) return;
    // Only news that adds a user or a stream is capped; removals of someone untracked change nothing anyway.
    if ((n.type === 'user-joined' || n.type === 'stream-added' || n.type === 'stream-updated') && !this.admitsRemote(n.userID)) return;
    switch (n.type) {
      case 'user-joined':
        this.sendBack({ type: 'REMOTE_USERS_JOINED', userIDs: [n.userID] });
        break;
      case 'user-left':
        this.knownUsers.delete(n.userID);
        for (const [key, stream] of this.knownStreams) if (stream.userID === n.userID) this.knownStreams.delete(key);
        for (const [key, sub] of this.subscriptions) if (sub.userID === n.userID) this.subscriptions.delete(key);
        this.sendBack({ type: 'REMOTE_USERS_LEFT', userIDs: [n.userID] });
        break;
      case 'stream-added':
      case 'stream-updated':
        this.knownStreams.set(streamKey(n.userID, n.streamType), { userID: n.userID, streamType: n.streamType, audio: n.audio, video: n.video });
        this.sendBack({ type: 'REMOTE_STREAM_UPDATED', userID: n.userID, streamType: n.streamType, published: true, audio: n.audio, video: n.video });
        break;
      case 'stream-removed':
        this.knownStreams.delete(streamKey(n.userID, n.streamType));
        this.subscriptions.delete(streamKey(n.userID, n.streamType));
        this.sendBack({ type: 'REMOTE_STREAM_UPDATED', userID: n.userID, streamType: n.streamType, published: false });
        break;
      case 'url-updated':
        if (n.kind === 'publish') {
          if (!this.acceptsUrl(n.url, 'push')) {
            this.refusePublishUrl();
            break;
          }
          if (this.publishing) this.publishing.url = n.url;
          this.sendBack({ type: 'LOCAL_URL_CHANGED', url: n.url });
        } else {
          if (!this.acceptsUrl(n.url, 'play')) {
            this.refusePlayUrl(n.userID, n.streamType);
            break;
          }
          const sub = this.subscriptions.get(streamKey(n.userID, n.streamType));
          if (sub) sub.url = n.url;
          this.sendBack({ type: 'REMOTE_URL_CHANGED', userID: n.userID, streamType: n.streamType, url: n.url });
        }
        break;
      case 'stream-failed':
        if (n.kind === 'publish') this.sendBack({ type: 'LOCAL_STREAM_FAILED', code: n.code, reason: n.reason });
        else this.sendBack({ type: 'REMOTE_STREAM_FAILED', userID: n.userID, streamType: n.streamType, code: n.code, reason: n.reason });
        break;
      case 'unpublished':
        this.publishing = null;
        this.sendBack({ type: 'LOCAL_STREAM_UNPUBLISHED' });
        break;
      case 'visibility-changed':
        this.visible = n.visible;
        this.sendBack({ type: 'VISIBILITY_CHANGED', visible: n.visible });
        break;
      case 'kicked':
        this.phase = 'closed';
        this.clearTimers();
        this.sendBack({ type: 'KICKED', reason: n.reason });
        this.closeSocket();
        break;
      case 'warning':
        this.sendBack({ type: 'SIGNALING_WARNING', code: n.code, message: n.message });
        break;
    }
  }

  // --- the session --------------------------------------------------------------------------------------

  private joinRequest(): JoinRequest {
    const p = this.input.params;
    return {
      type: 'join',
      sdkAppID: p.sdkAppID,
      userID: p.userID,
      userSig: p.userSig,
      ...(p.strRoomID !== null ? { strRoomID: p.strRoomID } : { roomID: p.roomID! }),
      scene: wireScene(p.scene),
      role: p.role,
      visible: this.visible,
      ...(this.input.businessId ? { businessId: this.input.businessId } : {}),
      platform: this.options.platform,
      mute: this.mute,
    };
  }

  private async join(): Promise<void> {
    const rejoin = this.phase === 'reconnecting';
    if (!rejoin) this.phase = 'joining';
    try {
      const answer = await this.request<'join'>(this.joinRequest());
      if (this.phase === 'closed' || this.phase === 'leaving') return;
      // Checked before anything is believed: a malformed answer is a failed join, never a half-entered room.
      const result = checkJoinResult(answer);
      if (!result) throw { code: ErrorCode.MALFORMED_ANSWER, message: 'the server answered join with a malformed result' } satisfies WireError;
      this.resumeToken = result.resumeToken;
      this.heartbeatMs = result.heartbeatIntervalMs;
      this.lastSeq = 0;
      this.attempts = 0;
      this.phase = 'joined';
      this.startHeartbeat();
      if (rejoin) {
        // The server forgot us (restart, or the grace period ran out): we are back, with new urls.
        this.sendBack({ type: 'CONNECTION_RESTORED' });
        this.reconcile(result);
        this.flushEarly();
        this.restoreMedia();
      } else {
        this.sendBack({ type: 'ENTER_SUCCEEDED' });
        this.reconcile(result);
        this.flushEarly();
      }
    } catch (error) {
      const wire = asWireError(error);
      if (this.phase === 'closed' || this.phase === 'leaving') return;
      if (wire.code === ErrorCode.SIGNALING_UNAVAILABLE) return; // the socket went; onSocketGone reconnects
      this.phase = 'closed';
      this.clearTimers();
      this.closeSocket();
      // Joining again was refused (the room filled up, the userSig expired): the session cannot come back.
      if (rejoin) this.sendBack({ type: 'CONNECTION_FAILED', code: wire.code, message: wire.message });
      else this.sendBack({ type: 'ENTER_FAILED', code: wire.code, message: wire.message });
    }
  }

  private async resume(): Promise<void> {
    try {
      const answer = await this.request<'resume'>({ type: 'resume', resumeToken: this.resumeToken!, lastSeq: this.lastSeq });
      if (this.phase === 'closed' || this.phase === 'leaving') return;
      // A malformed answer is treated as a refused resume: join again, as a new session.
      const result = checkResumeResult(answer);
      if (!result) throw { code: ErrorCode.MALFORMED_ANSWER, message: 'the server answered resume with a malformed result' } satisfies WireError;
      this.resumeToken = result.resumeToken;
      this.attempts = 0;
      this.phase = 'joined';
      this.startHeartbeat();
      this.sendBack({ type: 'CONNECTION_RESTORED' });
      for (const missed of result.missed) this.onNotification(missed);
      this.reconcile(result);
      this.flushEarly();
      if (this.publishing && result.publishUrl && result.publishUrl !== this.publishing.url) {
        if (this.acceptsUrl(result.publishUrl, 'push')) {
          this.publishing.url = result.publishUrl;
          this.sendBack({ type: 'LOCAL_URL_CHANGED', url: result.publishUrl });
        } else {
          this.refusePublishUrl();
        }
      }
      for (const current of result.subscriptions) {
        const sub = this.subscriptions.get(streamKey(current.userID, current.streamType));
        if (sub && sub.url !== current.url && !this.acceptsUrl(current.url, 'play')) {
          this.refusePlayUrl(current.userID, current.streamType);
        } else if (sub && sub.url !== current.url) {
          sub.url = current.url;
          this.sendBack({ type: 'REMOTE_URL_CHANGED', userID: current.userID, streamType: current.streamType, url: current.url });
        }
      }
    } catch (error) {
      const wire = asWireError(error);
      if (this.phase === 'closed' || this.phase === 'leaving' || wire.code === ErrorCode.SIGNALING_UNAVAILABLE) return;
      // The session is gone on the server: join again as a new session.
      this.resumeToken = null;
      void this.join();
    }
  }

  /** Bring the room's view in line with a server snapshot: who is here, which streams are published. */
  private reconcile(snapshot: RoomSnapshot): void {
    // The local user is never a remote one, and no more remote users are kept than a room holds.
    const self = this.input.params.userID;
    const users = new Set<string>();
    for (const userID of snapshot.users) {
      if (userID === self || users.has(userID)) continue;
      if (users.size >= MAX_REMOTE_USERS) {
        this.warnUserLimit();
        break;
      }
      users.add(userID);
    }
    const streams = new Map(snapshot.streams.filter((s) => users.has(s.userID)).map((s) => [streamKey(s.userID, s.streamType), s]));
    for (const [key, stream] of this.knownStreams) {
      if (!streams.has(key) && users.has(stream.userID)) {
        this.sendBack({ type: 'REMOTE_STREAM_UPDATED', userID: stream.userID, streamType: stream.streamType, published: false });
      }
    }
    this.sendBack({ type: 'REMOTE_USER_LIST', userIDs: [...users] });
    for (const [key, stream] of streams) {
      const known = this.knownStreams.get(key);
      if (!known || known.audio !== stream.audio || known.video !== stream.video) {
        this.sendBack({ type: 'REMOTE_STREAM_UPDATED', userID: stream.userID, streamType: stream.streamType, published: true, audio: stream.audio, video: stream.video });
      }
    }
    for (const [key, sub] of this.subscriptions) if (!streams.has(key)) this.subscriptions.delete(key);
    this.knownUsers = users;
    this.knownStreams = streams;
  }

  /** After joining again: publish and subscribe as before; the new urls reach the room as UPDATE_URL. */
  private restoreMedia(): void {
    if (this.publishing) this.publish(this.publishing.streamType);
    for (const sub of [...this.subscriptions.values()]) this.subscribe(sub.userID, sub.streamType, sub.audio, sub.video, true);
  }

  private publish(streamType: StreamType): void {
    this.publishing = { streamType, url: this.publishing?.url ?? null };
    this.request<'publish'>({ type: 'publish', streamType })
      .then((result) => {
        if (!this.publishing) return;
        const url = urlOfResult(result);
        if (!this.acceptsUrl(url, 'push')) {
          this.refusePublishUrl();
          return;
        }
        this.publishing.url = url;
        this.sendBack({ type: 'LOCAL_URL_CHANGED', url });
        this.sendBack({ type: 'LOCAL_STREAM_PUBLISHED' });
      })
      .catch((thrown: unknown) => {
        const error = asWireError(thrown);
        if (error.code === ErrorCode.SIGNALING_UNAVAILABLE) return; // re-published after reconnect
        this.publishing = null;
        this.sendBack({ type: 'LOCAL_STREAM_FAILED', code: error.code, reason: error.message });
      });
  }

  private subscribe(userID: string, streamType: StreamType, audio: boolean, video: boolean, force = false): void {
    const key = streamKey(userID, streamType);
    const previous = this.subscriptions.get(key);
    this.subscriptions.set(key, { userID, streamType, audio, video, url: force ? null : (previous?.url ?? null) });
    this.request<'subscribe'>({ type: 'subscribe', userID, streamType, audio, video })
      .then((result) => {
        const sub = this.subscriptions.get(key);
        if (!sub) return;
        const url = urlOfResult(result);
        if (!this.acceptsUrl(url, 'play')) {
          this.refusePlayUrl(userID, streamType);
          return;
        }
        if (result.warning) {
          const warning = wireErrorOf(result.warning);
          this.sendBack({ type: 'SIGNALING_WARNING', code: warning.code, message: warning.message });
        }
        if (sub.url !== url) {
          sub.url = url;
          this.sendBack({ type: 'REMOTE_URL_CHANGED', userID, streamType, url });
        }
      })
      .catch((thrown: unknown) => {
        const error = asWireError(thrown);
        if (error.code === ErrorCode.SIGNALING_UNAVAILABLE) return; // re-subscribed after reconnect
        this.subscriptions.delete(key);
        this.sendBack({ type: 'REMOTE_STREAM_FAILED', userID, streamType, code: error.code, reason: error.message });
      });
  }

  private setVisibility(visible: boolean): void {
    this.request<'set-visibility'>({ type: 'set-visibility', visible })
      .then((result) => {
        if (typeof result?.visible !== 'boolean') throw { code: ErrorCode.MALFORMED_ANSWER, message: 'the server answered set-visibility without a visibility' } satisfies WireError;
        this.visible = result.visible;
        this.sendBack({ type: 'VISIBILITY_CHANGED', visible: result.visible });
      })
      .catch((thrown: unknown) => {
        const error = asWireError(thrown);
        this.sendBack({ type: 'SIGNALING_ERROR', code: error.code, message: error.message });
        this.sendBack({ type: 'VISIBILITY_CHANGED', visible: this.visible });
      });
  }

  private reportMedia(kind: 'push' | 'play', userID: string, streamType: StreamType, code: number): void {
    const state =
      code === PusherStatus.PUSH_BEGIN || code === PlayerStatus.PLAYING
        ? 'started'
        : code === PusherStatus.DISCONNECTED || code === PlayerStatus.DISCONNECTED
          ? 'failed'
          : code === PlayerStatus.ENDED
            ? 'stopped'
            : null;
    if (state) this.fireAndForget({ type: 'media-state', kind, userID, streamType, state, code });
  }

  /**
   * Stream quality (volc 2.0.0): the facade samples each stream at most every NET_STATS_INTERVAL_MS; the samples of
   * one interval go up in one fire-and-forget frame. Quality is lossy by nature: while the socket is down the
   * samples are dropped, not kept for a resume.
   */
  private queueNetStats(sample: NetStatsSample): void {
    if (this.phase !== 'joined') return;
    if (this.netStats.length >= MAX_NET_STATS_PER_FRAME) this.netStats.shift();
    this.netStats.push(sample);
    this.netStatsTimer ??= setTimeout(() => {
      this.netStatsTimer = null;
      const samples = this.netStats;
      this.netStats = [];
      this.fireAndForget({ type: 'net-stats', samples });
    }, NET_STATS_INTERVAL_MS);
  }

  private leave(): void {
    if (this.phase !== 'joined') {
      this.finishLeave();
      return;
    }
    this.phase = 'leaving';
    this.request<'leave'>({ type: 'leave' })
      .catch(() => undefined)
      .then(() => this.finishLeave());
  }

  private finishLeave(): void {
    // Confirm once, even when the session had already closed (a refused re-join): the room is waiting.
    if (this.leaveConfirmed) return;
    this.leaveConfirmed = true;
    this.phase = 'closed';
    this.clearTimers();
    this.closeSocket();
    this.sendBack({ type: 'EXIT_CONFIRMED' });
  }
}

/** The driver for our own server: `new TRTC(page, { signaling: createWebSocketSignaling({ url }) })`. */
export function createWebSocketSignaling(options: WebSocketSignalingOptions) {
  const resolved = {
    connect: options.connect ?? connectWxSocket,
    platform: options.platform ?? currentPlatform(),
    requestTimeoutMs: options.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
    reconnectBaseDelayMs: options.reconnectBaseDelayMs ?? 500,
    reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 5_000,
    connectAttempts: options.connectAttempts ?? 3,
    url: options.url,
    ...(options.urlSchemes ? { urlSchemes: options.urlSchemes } : {}),
  };
  return fromCallback<SignalingCommand, SignalingInput, SignalingEvent>(({ input, sendBack, receive }) => {
    const session = new SignalingSession(resolved, input, sendBack);
    receive((command) => session.handle(command));
    session.start();
    return () => session.stop();
  }) satisfies SignalingLogic;
}
