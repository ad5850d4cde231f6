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
  userSigExpiresInMsOf,
  isAcceptedUrl,
  isPlausibleSeq,
  urlOfResult,
  urlSchemesOf,
  wireErrorOf,
} from './server-trust';
import type { SignalingCommand, SignalingEvent, SignalingInput, SignalingLogic, UserSigReply } from './types';

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
  /**
   * How long before the userSig expires USER_SIG_WILL_EXPIRE fires (default 30 s, as Agora's and Volcengine's
   * warnings). The server says how long the sig lives, relative to its answer; the driver counts down on its own clock.
   */
  userSigWarningMs?: number;
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

/** setTimeout's longest delay (2^31-1 ms, about 24.8 days); a userSig valid for 180 days is counted down in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

type Pending = { resolve: (result: unknown) => void; reject: (error: WireError) => void; timer: ReturnType<typeof setTimeout> };
type Subscription = { userID: string; streamType: StreamType; audio: boolean; video: boolean; url: string | null };
/** A page call the room waits on: answered once, with CALL_CONFIRMED or CALL_REFUSED. */
type CallCommand = Extract<SignalingCommand, { type: 'MUTE_LOCAL' | 'SUBSCRIBE' | 'UNSUBSCRIBE' | 'UNPUBLISH' | 'SET_VISIBILITY' }> & { callId: number };
/** Calls held while the session is not joined (entering, reconnecting); more are refused, so memory stays bounded. */
const MAX_HELD_CALLS = 64;

const isCallCommand = (command: SignalingCommand): command is CallCommand => 'callId' in command && typeof command.callId === 'number';


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
  /** Page calls that came while the session was not joined, or whose answer a dropped socket lost: sent once back. */
  private heldCalls: CallCommand[] = [];

  // --- the userSig (updateUserSig): its own part of the session, apart from media and membership -------------
  /** The newest userSig the page gave: every join (the first, and each rejoin after a restart) sends it. */
  private userSig: string;
  /** The userSig the last join request carried: a renewal that arrives while that join is on its way is sent after it. */
  private joinedWithUserSig: string;
  /** A renewal not yet confirmed by the server (it came while the socket was down, or before the join answer). */
  private pendingRenewal: { userSig: string; reply: UserSigReply | undefined } | null = null;
  /** When (this device's clock, ms) the userSig in use expires, as the server last said; null when it said nothing. */
  private userSigExpiresAt: number | null = null;
  private userSigTimer: ReturnType<typeof setTimeout> | null = null;

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
    this.userSig = input.params.userSig;
    this.joinedWithUserSig = input.params.userSig;
  }

  start(): void {
    this.open();
  }

  stop(): void {
    this.phase = 'closed';
    this.clearTimers();
    this.settleRenewal({ code: ErrorCode.WRONG_STATE, message: 'the room was left before the new userSig was confirmed' });
    this.failPending({ code: ErrorCode.SIGNALING_UNAVAILABLE, message: 'signaling stopped' });
    this.closeSocket();
  }

  // --- commands from the room ---------------------------------------------------------------------------

  handle(command: SignalingCommand): void {
    if (isCallCommand(command)) {
      this.handleCall(command);
      return;
    }
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
      case 'UPDATE_USER_SIG':
        this.updateUserSig(command.userSig, command.reply);
        break;
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
    if (this.userSigTimer) clearTimeout(this.userSigTimer);
    this.userSigTimer = null;
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
      userSig: this.userSig,
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
      const request = this.joinRequest();
      this.joinedWithUserSig = request.userSig;
      const answer = await this.request<'join'>(request);
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
      this.countDownUserSig(result.userSigExpiresInMs);
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
      this.afterSessionUp();
      this.flushHeldCalls();
    } catch (error) {
      const wire = asWireError(error);
      if (this.phase === 'closed' || this.phase === 'leaving') return;
      if (wire.code === ErrorCode.SIGNALING_UNAVAILABLE) return; // the socket went; onSocketGone reconnects
      this.phase = 'closed';
      this.clearTimers();
      this.closeSocket();
      this.settleRenewal(wire);
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
      if (this.publishing && this.publishing.url === null) {
        // The publish answer went with the socket (or the request never arrived): ask again, so the room hears
        // it published (and a page's publish() its answer) instead of waiting for ever.
        this.publish(this.publishing.streamType);
      } else if (this.publishing && result.publishUrl && result.publishUrl !== this.publishing.url) {
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
      this.afterSessionUp();
      this.flushHeldCalls();
    } catch (error) {
      const wire = asWireError(error);
      if (this.phase === 'closed' || this.phase === 'leaving' || wire.code === ErrorCode.SIGNALING_UNAVAILABLE) return;
      // The session is gone on the server: join again as a new session.
      this.resumeToken = null;
      void this.join();
    }
  }

  // --- the userSig ----------------------------------------------------------------------------------------

  /**
   * A fresh userSig from the page. In a session it goes to the server now (renew-user-sig) and takes effect once
   * verified. While the socket is down (or the join is on its way) it becomes the sig of the next join at once, and
   * is confirmed by that join's answer or sent right after a resume: a call whose first sig expired during the
   * outage can then still come back after a restart.
   */
  private updateUserSig(userSig: string, reply: UserSigReply | undefined): void {
    if (this.phase === 'closed' || this.phase === 'leaving') {
      reply?.({ code: ErrorCode.WRONG_STATE, message: 'updateUserSig: the room is being left' });
      return;
    }
    // A newer call supersedes one still waiting: it is answered, and only the newest is sent.
    this.settleRenewal({ code: ErrorCode.WRONG_STATE, message: 'updateUserSig: superseded by a later call' });
    this.pendingRenewal = { userSig, reply };
    if (this.phase === 'joined') this.sendRenewal();
    else this.userSig = userSig;
  }

  /** The join or resume answer is applied: confirm the renewal the join carried, or send the one that waited. */
  private afterSessionUp(): void {
    const pending = this.pendingRenewal;
    if (!pending) return;
    // The join itself carried it, so the server verified it there (as it verifies every join's sig).
    if (pending.userSig === this.joinedWithUserSig) {
      this.pendingRenewal = null;
      this.sendBack({ type: 'USER_SIG_UPDATED', userSig: pending.userSig });
      pending.reply?.(null);
      return;
    }
    this.sendRenewal();
  }

  private sendRenewal(): void {
    const pending = this.pendingRenewal;
    if (!pending) return;
    this.request<'renew-user-sig'>({ type: 'renew-user-sig', userSig: pending.userSig })
      .then((result) => {
        if (this.pendingRenewal !== pending) return;
        this.pendingRenewal = null;
        this.userSig = pending.userSig;
        this.countDownUserSig(userSigExpiresInMsOf(result?.userSigExpiresInMs) ?? undefined);
        this.sendBack({ type: 'USER_SIG_UPDATED', userSig: pending.userSig });
        pending.reply?.(null);
      })
      .catch((thrown: unknown) => {
        if (this.pendingRenewal !== pending) return;
        const error = asWireError(thrown);
        if (error.code === ErrorCode.SIGNALING_UNAVAILABLE) {
          // The socket went: the next join carries the new sig, and after a resume it is sent again.
          this.userSig = pending.userSig;
          return;
        }
        this.pendingRenewal = null;
        pending.reply?.(error);
      });
  }

  /** Answer a renewal still waiting, once (the room was left, or a later call replaced it). */
  private settleRenewal(refusal: WireError): void {
    const pending = this.pendingRenewal;
    this.pendingRenewal = null;
    pending?.reply?.(refusal);
  }

  /**
   * Start counting down to USER_SIG_WILL_EXPIRE from what the server said (ms from its answer). Without a figure
   * (an older server) nothing is counted. It runs through reconnects: the sig expires whether a socket is up or not.
   */
  private countDownUserSig(expiresInMs: number | undefined): void {
    if (this.userSigTimer) clearTimeout(this.userSigTimer);
    this.userSigTimer = null;
    if (expiresInMs === undefined) {
      this.userSigExpiresAt = null;
      return;
    }
    this.userSigExpiresAt = Date.now() + expiresInMs;
    this.armUserSigTimer();
  }

  private armUserSigTimer(): void {
    const expiresAt = this.userSigExpiresAt;
    if (expiresAt === null) return;
    const warnIn = expiresAt - this.options.userSigWarningMs - Date.now();
    this.userSigTimer = setTimeout(() => {
      this.userSigTimer = null;
      if (this.phase === 'closed') return;
      // A long-lived sig is counted down in steps no longer than setTimeout can wait.
      if (expiresAt - this.options.userSigWarningMs - Date.now() > 0) {
        this.armUserSigTimer();
        return;
      }
      this.sendBack({ type: 'USER_SIG_WILL_EXPIRE', expiresInMs: Math.max(0, expiresAt - Date.now()) });
    }, Math.min(MAX_TIMER_MS, Math.max(0, warnIn)));
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

  private subscribe(userID: string, streamType: StreamType, audio: boolean, video: boolean, force = false, call?: CallCommand): void {
    const key = streamKey(userID, streamType);
    const previous = this.subscriptions.get(key);
    this.subscriptions.set(key, { userID, streamType, audio, video, url: force ? null : (previous?.url ?? null) });
    this.request<'subscribe'>({ type: 'subscribe', userID, streamType, audio, video })
      .then((result) => {
        const sub = this.subscriptions.get(key);
        if (!sub) {
          if (call) this.confirmCall(call);
          return;
        }
        const url = urlOfResult(result);
        if (!this.acceptsUrl(url, 'play')) {
          if (call) {
            this.restoreSubscription(key, previous);
            this.refuseCall(call, { code: ErrorCode.URL_REFUSED, message: 'the server sent a play url with a scheme that is not accepted' });
            return;
          }
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
        if (call) this.confirmCall(call);
      })
      .catch((thrown: unknown) => {
        const error = asWireError(thrown);
        if (call) {
          // A page's subscribe is answered (and put back by the room), not retried as a failed stream.
          this.restoreSubscription(key, previous);
          // No answer in time: the server may still add it, so it is taken back there too when there was none before.
          if (error.code === ErrorCode.SIGNALING_TIMEOUT && !previous) this.fireAndForget({ type: 'unsubscribe', userID, streamType });
          this.callFailed(call, error);
          return;
        }
        if (error.code === ErrorCode.SIGNALING_UNAVAILABLE) return; // re-subscribed after reconnect
        this.subscriptions.delete(key);
        this.sendBack({ type: 'REMOTE_STREAM_FAILED', userID, streamType, code: error.code, reason: error.message });
      });
  }

  private setVisibility(visible: boolean, call?: CallCommand): void {
    this.request<'set-visibility'>({ type: 'set-visibility', visible })
      .then((result) => {
        if (typeof result?.visible !== 'boolean') throw { code: ErrorCode.MALFORMED_ANSWER, message: 'the server answered set-visibility without a visibility' } satisfies WireError;
        this.visible = result.visible;
        this.sendBack({ type: 'VISIBILITY_CHANGED', visible: result.visible });
        if (call) this.confirmCall(call);
      })
      .catch((thrown: unknown) => {
        const error = asWireError(thrown);
        if (call && this.holdsAgain(error)) {
          this.heldCalls.push(call);
          return;
        }
        if (call) {
          // No answer in time: the server may still apply it, so the visibility the room goes back to is said again.
          if (error.code === ErrorCode.SIGNALING_TIMEOUT) this.fireAndForget({ type: 'set-visibility', visible: this.visible });
          this.refuseCall(call, error);
        } else {
          this.sendBack({ type: 'SIGNALING_ERROR', code: error.code, message: error.message });
        }
        this.sendBack({ type: 'VISIBILITY_CHANGED', visible: this.visible });
      });
  }

  // --- page calls the room waits on -------------------------------------------------------------------------
  // muteLocal, muteRemote / subscribe / unsubscribe, unpublish and setUserVisibility carry a callId: each is
  // answered exactly once. A server answer (ok or refused) or a timeout (SIGNALING_TIMEOUT) settles it; a call made
  // while the session is not joined, or whose answer went with a dropped socket, is held and sent once the session
  // is back (joined or resumed); the room fails whatever is still waiting when it leaves.

  private handleCall(call: CallCommand): void {
    if (this.phase === 'joined') {
      this.sendCall(call);
      return;
    }
    if (this.phase === 'leaving' || this.phase === 'closed' || this.heldCalls.length >= MAX_HELD_CALLS) {
      this.refuseCall(call, { code: ErrorCode.SIGNALING_UNAVAILABLE, message: `${call.type.toLowerCase()}: the signaling session is not available` });
      return;
    }
    this.heldCalls.push(call);
  }

  private flushHeldCalls(): void {
    const held = this.heldCalls;
    this.heldCalls = [];
    for (const call of held) this.sendCall(call);
  }

  private sendCall(call: CallCommand): void {
    switch (call.type) {
      case 'MUTE_LOCAL': {
        const before = this.mute;
        this.mute = { audio: call.audio, video: call.video };
        this.request<'mute'>({ type: 'mute', audio: call.audio, video: call.video }).then(
          () => this.confirmCall(call),
          (thrown: unknown) => {
            const error = asWireError(thrown);
            // What a rejoin would announce is what the room shows again.
            if (this.mute.audio === call.audio && this.mute.video === call.video) this.mute = before;
            // No answer in time: the server may still apply it, so the state the room goes back to is said again.
            if (error.code === ErrorCode.SIGNALING_TIMEOUT) this.fireAndForget({ type: 'mute', ...this.mute });
            this.callFailed(call, error);
          },
        );
        break;
      }
      case 'SUBSCRIBE':
        this.subscribe(call.userID, call.streamType, call.audio, call.video, false, call);
        break;
      case 'UNSUBSCRIBE': {
        const key = streamKey(call.userID, call.streamType);
        const previous = this.subscriptions.get(key);
        this.subscriptions.delete(key);
        this.request<'unsubscribe'>({ type: 'unsubscribe', userID: call.userID, streamType: call.streamType }).then(
          () => this.confirmCall(call),
          (thrown: unknown) => {
            this.restoreSubscription(key, previous);
            this.callFailed(call, asWireError(thrown));
          },
        );
        break;
      }
      case 'UNPUBLISH': {
        const previous = this.publishing;
        this.publishing = null;
        this.request<'unpublish'>({ type: 'unpublish', streamType: 'main' }).then(
          () => this.confirmCall(call),
          (thrown: unknown) => {
            // Refused: the stream is still published, and a rejoin publishes it again.
            if (!this.publishing) this.publishing = previous;
            this.callFailed(call, asWireError(thrown));
          },
        );
        break;
      }
      case 'SET_VISIBILITY':
        this.setVisibility(call.visible, call);
        break;
    }
  }

  /** A socket that went while the call was out: the call waits for the session to come back (not while joined). */
  private holdsAgain(error: WireError): boolean {
    return error.code === ErrorCode.SIGNALING_UNAVAILABLE && (this.phase === 'reconnecting' || this.phase === 'connecting' || this.phase === 'joining');
  }

  /** A failed call: held again when only the socket went, refused otherwise (the driver's own state is already put back). */
  private callFailed(call: CallCommand, error: WireError): void {
    if (this.holdsAgain(error)) {
      this.heldCalls.push(call);
      return;
    }
    this.refuseCall(call, error);
  }

  private confirmCall(call: CallCommand): void {
    this.sendBack({ type: 'CALL_CONFIRMED', callId: call.callId });
  }

  private refuseCall(call: CallCommand, error: WireError): void {
    // The room answers the page (its fail callback, or an ERROR): this is the driver's own trace.
    logger.info(`${call.type.toLowerCase()} did not take effect (code ${error.code}): ${error.message}`);
    this.sendBack({ type: 'CALL_REFUSED', callId: call.callId, code: error.code, message: error.message });
  }

  private restoreSubscription(key: string, previous: Subscription | undefined): void {
    // A stream that went meanwhile (its user left) keeps no subscription.
    if (previous && this.knownStreams.has(key)) this.subscriptions.set(key, previous);
    else this.subscriptions.delete(key);
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
    userSigWarningMs: options.userSigWarningMs ?? 30_000,
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
