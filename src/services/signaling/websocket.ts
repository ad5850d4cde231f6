// The websocket driver: signaling with our own server (server/) over one socket, in the protocol of
// protocol.ts. It joins, publishes and subscribes for the room, turns the server's notifications into
// SignalingEvents, keeps the session alive (heartbeat) and brings it back after a drop: resume within the
// grace period, or join again when the server no longer knows the session (a restart), re-publishing and
// re-subscribing so the room gets fresh urls (UPDATE_URL) rather than stale ones.

import { fromCallback } from 'xstate';
import { ErrorCode } from '../../errors';
import { logger } from '../../log';
import { parsePlayerId, type StreamType } from '../../machines/attributes';
import { connectWxSocket, type SocketFactory, type SocketLike } from '../../wx/socket';
import { currentPlatform, type Platform } from '../../wx/system';
import {
  HEARTBEAT_INTERVAL_MS,
  PROTOCOL_VERSION,
  REQUEST_TIMEOUT_MS,
  encodeRequest,
  parseServerFrame,
  type JoinRequest,
  type Notification,
  type RequestBody,
  type ResultByType,
  type RoomSnapshot,
  type StreamInfo,
  type WireError,
} from './protocol';
import type { SignalingCommand, SignalingEvent, SignalingInput } from './types';

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
  /** Attempts to open the first connection before entering fails. */
  connectAttempts?: number;
}

type Phase = 'connecting' | 'joining' | 'joined' | 'reconnecting' | 'leaving' | 'closed';
type Pending = { resolve: (result: unknown) => void; reject: (error: WireError) => void; timer: ReturnType<typeof setTimeout> };
type Subscription = { userID: string; streamType: StreamType; audio: boolean; video: boolean; url: string | null };

const streamKey = (userID: string, streamType: string): string => `${userID}\u0000${streamType}`;

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

  constructor(
    private readonly options: Required<Omit<WebSocketSignalingOptions, 'platform'>> & { platform: Platform },
    private readonly input: SignalingInput,
    private readonly sendBack: (event: SignalingEvent) => void,
  ) {
    this.mute = { ...input.localMute };
    this.visible = input.visible;
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
      this.attempts = 0;
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
      if (++this.attempts >= this.options.connectAttempts) {
        this.phase = 'closed';
        this.sendBack({ type: 'ENTER_FAILED', code: ErrorCode.SIGNALING_UNAVAILABLE, message: `cannot reach the signaling server at ${this.options.url}` });
        return;
      }
      this.phase = 'connecting';
      this.scheduleReconnect();
      return;
    }
    if (this.phase === 'joined') {
      this.phase = 'reconnecting';
      this.sendBack({ type: 'CONNECTION_LOST', reason: 'signaling connection lost' });
    }
    this.attempts += 1;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = Math.min(this.options.reconnectMaxDelayMs, this.options.reconnectBaseDelayMs * 2 ** Math.max(0, this.attempts - 1));
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
    const frame = parseServerFrame(text);
    if (!frame) {
      logger.warn(`dropped a malformed signaling frame (code ${ErrorCode.MALFORMED_NOTIFICATION})`);
      // Its seq, when readable, is used up all the same: a later frame repeating it is a duplicate.
      const seq = seqOf(text);
      if (this.phase === 'joined' && seq > this.lastSeq) this.lastSeq = seq;
      return;
    }
    if (frame.type === 'response') {
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      this.pending.delete(frame.id);
      clearTimeout(pending.timer);
      if (frame.ok) pending.resolve(frame.result);
      else pending.reject(frame.error);
      return;
    }
    if (this.phase === 'joined') this.onNotification(frame);
    else if (this.phase === 'joining' || this.phase === 'reconnecting' || this.phase === 'connecting') this.early.push(frame);
  }

  /** Apply what arrived while the join/resume answer was on its way (duplicates are dropped by seq). */
  private flushEarly(): void {
    const early = this.early;
    this.early = [];
    for (const n of early) this.onNotification(n);
  }

  private onNotification(n: Notification): void {
    // After a resume the server may repeat what we saw: process each seq once.
    if (n.seq <= this.lastSeq) return;
    this.lastSeq = n.seq;
    switch (n.type) {
      case 'user-joined':
        this.knownUsers.add(n.userID);
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
          if (this.publishing) this.publishing.url = n.url;
          this.sendBack({ type: 'LOCAL_URL_CHANGED', url: n.url });
        } else {
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
      const result = await this.request<'join'>(this.joinRequest());
      if (this.phase === 'closed' || this.phase === 'leaving') return;
      this.resumeToken = result.resumeToken;
      this.heartbeatMs = result.heartbeatIntervalMs > 0 ? result.heartbeatIntervalMs : HEARTBEAT_INTERVAL_MS;
      this.lastSeq = 0;
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
      const wire = error as WireError;
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
      const result = await this.request<'resume'>({ type: 'resume', resumeToken: this.resumeToken!, lastSeq: this.lastSeq });
      if (this.phase === 'closed' || this.phase === 'leaving') return;
      this.resumeToken = result.resumeToken;
      this.phase = 'joined';
      this.startHeartbeat();
      this.sendBack({ type: 'CONNECTION_RESTORED' });
      for (const missed of result.missed) this.onNotification(missed);
      this.reconcile(result);
      this.flushEarly();
      if (this.publishing && result.publishUrl && result.publishUrl !== this.publishing.url) {
        this.publishing.url = result.publishUrl;
        this.sendBack({ type: 'LOCAL_URL_CHANGED', url: result.publishUrl });
      }
      for (const current of result.subscriptions) {
        const sub = this.subscriptions.get(streamKey(current.userID, current.streamType));
        if (sub && sub.url !== current.url) {
          sub.url = current.url;
          this.sendBack({ type: 'REMOTE_URL_CHANGED', userID: current.userID, streamType: current.streamType, url: current.url });
        }
      }
    } catch (error) {
      const wire = error as WireError;
      if (this.phase === 'closed' || this.phase === 'leaving' || wire.code === ErrorCode.SIGNALING_UNAVAILABLE) return;
      // The session is gone on the server: join again as a new session.
      this.resumeToken = null;
      void this.join();
    }
  }

  /** Bring the room's view in line with a server snapshot: who is here, which streams are published. */
  private reconcile(snapshot: RoomSnapshot): void {
    const users = new Set(snapshot.users);
    const streams = new Map(snapshot.streams.map((s) => [streamKey(s.userID, s.streamType), s]));
    for (const [key, stream] of this.knownStreams) {
      if (!streams.has(key) && users.has(stream.userID)) {
        this.sendBack({ type: 'REMOTE_STREAM_UPDATED', userID: stream.userID, streamType: stream.streamType, published: false });
      }
    }
    this.sendBack({ type: 'REMOTE_USER_LIST', userIDs: snapshot.users });
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
        this.publishing.url = result.url;
        this.sendBack({ type: 'LOCAL_URL_CHANGED', url: result.url });
        this.sendBack({ type: 'LOCAL_STREAM_PUBLISHED' });
      })
      .catch((error: WireError) => {
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
        if (result.warning) this.sendBack({ type: 'SIGNALING_WARNING', code: result.warning.code, message: result.warning.message });
        if (sub.url !== result.url) {
          sub.url = result.url;
          this.sendBack({ type: 'REMOTE_URL_CHANGED', userID, streamType, url: result.url });
        }
      })
      .catch((error: WireError) => {
        if (error.code === ErrorCode.SIGNALING_UNAVAILABLE) return; // re-subscribed after reconnect
        this.subscriptions.delete(key);
        this.sendBack({ type: 'REMOTE_STREAM_FAILED', userID, streamType, code: error.code, reason: error.message });
      });
  }

  private setVisibility(visible: boolean): void {
    this.request<'set-visibility'>({ type: 'set-visibility', visible })
      .then((result) => {
        this.visible = result.visible;
        this.sendBack({ type: 'VISIBILITY_CHANGED', visible: result.visible });
      })
      .catch((error: WireError) => {
        this.sendBack({ type: 'SIGNALING_ERROR', code: error.code, message: error.message });
        this.sendBack({ type: 'VISIBILITY_CHANGED', visible: this.visible });
      });
  }

  private reportMedia(kind: 'push' | 'play', userID: string, streamType: StreamType, code: number): void {
    const state = code === 1002 || code === 2004 ? 'started' : code === -1307 || code === -2301 ? 'failed' : code === 2006 ? 'stopped' : null;
    if (state) this.fireAndForget({ type: 'media-state', kind, userID, streamType, state, code });
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
  };
  return fromCallback<SignalingCommand, SignalingInput, SignalingEvent>(({ input, sendBack, receive }) => {
    const session = new SignalingSession(resolved, input, sendBack);
    receive((command) => session.handle(command));
    session.start();
    return () => session.stop();
  });
}
