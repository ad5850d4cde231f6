// Room logic: what each request does to the room and who hears about it. Every change goes through the
// RoomStore (limits included) and runs under the room's serial queue together with its notifications and
// its response, so every member sees one consistent order of events.

import { ErrorCode, WxrtcError } from '../src/errors';
import type {
  JoinRequest,
  JoinResult,
  KickReasonWire,
  NotificationBody,
  ResumeRequest,
  ResumeResult,
  ResultByType,
  StreamTypeWire,
  RequestBody,
} from '../src/services/signaling/protocol';
import type { ServerConfig } from './config';
import { KeyedSerialQueue } from './lock';
import type { Logger } from './log';
import type { MediaPlane, MediaPlaneListener } from './media-plane';
import { parseStreamName, type MediaUrls, type MintedUrl, type StreamAddress } from './media-urls';
import { Session, pullKey, type SessionLink, type SessionRegistry } from './sessions';
import { roomIdentity, type Departure, type MemberRecord, type RoomIdentity, type RoomInfo, type RoomKey, type RoomStore, type SubscriptionRecord } from './store/room-store';
import { verifyUserSig } from './usersig';

export type RoomEventType = 'room.started' | 'room.ended' | 'user.joined' | 'user.left' | 'stream.published' | 'stream.unpublished';

/** Something that happened in a room, for webhooks (and anything else that listens). */
export interface RoomEvent {
  type: RoomEventType;
  room: RoomIdentity;
  userID: string | null;
  /** The business id of the session the event is about (join.businessId), null when it set none. */
  businessId: string | null;
  /** Unix milliseconds. */
  at: number;
  data: Record<string, unknown>;
}

export interface Reply<T> {
  ok(result: T): void;
  fail(code: number, message: string): void;
}

export interface RoomServiceOptions {
  config: ServerConfig;
  store: RoomStore;
  sessions: SessionRegistry;
  urls: MediaUrls;
  media: MediaPlane;
  log: Logger;
  onEvent(event: RoomEvent): void;
}

type Body<T extends RequestBody['type']> = Extract<RequestBody, { type: T }>;
type UserLeftReason = 'leave' | 'timeout' | 'kicked' | 'invisible';

/** Close codes the server uses beyond the standard ones. */
export const CLOSE_KICKED = 4001;
export const CLOSE_SUPERSEDED = 4002;

export class RoomService implements MediaPlaneListener {
  private readonly lock = new KeyedSerialQueue();
  private readonly store: RoomStore;
  private readonly sessions: SessionRegistry;
  private readonly config: ServerConfig;
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly options: RoomServiceOptions) {
    this.store = options.store;
    this.sessions = options.sessions;
    this.config = options.config;
    this.log = options.log;
  }

  // --- entering and leaving ---------------------------------------------------------------------------------

  async join(conn: SessionLink, req: JoinRequest, reply: Reply<JoinResult>): Promise<void> {
    if (conn.session) return reply.fail(ErrorCode.REQUEST_OUT_OF_STATE, 'this connection is already in a room (leave first)');
    if (req.sdkAppID !== this.config.sdkAppID) {
      return reply.fail(ErrorCode.USER_SIG_INVALID, `sdkAppID ${req.sdkAppID} is not served here (this server is ${this.config.sdkAppID})`);
    }
    const check = verifyUserSig(req.userSig, { sdkAppID: this.config.sdkAppID, secret: this.config.secret, userID: req.userID });
    if (!check.ok) return reply.fail(check.code, check.message);
    const room = roomIdentity(req);

    await this.locked(room.key, reply, async () => {
      if (conn.session) throw new WxrtcError(ErrorCode.REQUEST_OUT_OF_STATE, 'this connection is already in a room');
      if (!conn.open) throw new WxrtcError(ErrorCode.REQUEST_OUT_OF_STATE, 'the connection closed while joining');
      const session = new Session(req.userID, room, req.platform ?? 'unknown', req.businessId ?? null, this.config.resumeBufferSize);
      const member: MemberRecord = {
        userID: req.userID,
        sessionId: session.id,
        role: req.role,
        visible: req.visible,
        platform: session.platform,
        businessId: session.businessId,
        joinedAt: Date.now(),
        muted: { audio: req.mute?.audio === true, video: req.mute?.video === true },
      };
      const added = await this.store.tryAddMember(room, req.scene, member, this.config.limits);
      if (!added.ok) throw new WxrtcError(added.code, added.message);
      if (added.created) this.emit('room.started', room, null, session.businessId, { scene: added.room.scene });
      if (added.replaced) {
        // The same user entered again (another device, or a client that lost its session): the older one goes.
        const older = this.sessions.get(added.replaced.member.sessionId);
        if (older) this.kick(older, 'kick');
        await this.announceDeparture(room, added.replaced, 'kicked', 'kick');
      }
      this.sessions.add(session);
      session.link = conn;
      conn.session = session;
      if (member.visible) await this.broadcast(room.key, member.userID, { type: 'user-joined', userID: member.userID });
      this.emit('user.joined', room, member.userID, member.businessId, { visible: member.visible, role: member.role, platform: member.platform, scene: added.room.scene });
      const snapshot = await this.store.snapshotFor(room.key, member.userID);
      return {
        sessionId: session.id,
        resumeToken: session.resumeToken,
        users: snapshot.users,
        streams: snapshot.streams,
        heartbeatIntervalMs: this.config.heartbeatIntervalMs,
        graceMs: this.config.graceMs,
      };
    });
  }

  async resume(conn: SessionLink, req: ResumeRequest, reply: Reply<ResumeResult>): Promise<void> {
    if (conn.session) return reply.fail(ErrorCode.REQUEST_OUT_OF_STATE, 'this connection is already in a room');
    const session = this.sessions.findByToken(req.resumeToken);
    if (!session) return reply.fail(ErrorCode.RESUME_REJECTED, 'unknown or expired resume token: join again');

    await this.locked(session.room.key, reply, async () => {
      if (session.state === 'closed' || this.sessions.findByToken(req.resumeToken) !== session) {
        throw new WxrtcError(ErrorCode.RESUME_REJECTED, 'the session ended: join again');
      }
      if (!conn.open) throw new WxrtcError(ErrorCode.REQUEST_OUT_OF_STATE, 'the connection closed while resuming');
      const missed = session.missedAfter(req.lastSeq);
      if (!missed) throw new WxrtcError(ErrorCode.RESUME_REJECTED, `notifications after seq ${req.lastSeq} are no longer available: join again`);
      const previous = session.link;
      if (previous && previous !== conn) {
        // Mobile networks often bring the new socket before the server notices the old one died.
        previous.session = null;
        previous.close(CLOSE_SUPERSEDED, 'session resumed on another connection');
      }
      session.clearGraceTimer();
      session.state = 'active';
      session.link = conn;
      conn.session = session;
      const resumeToken = this.sessions.rotateToken(session);
      const snapshot = await this.store.snapshotFor(session.room.key, session.userID);
      const generation = this.options.media.generation;
      for (const [streamType, minted] of session.publications) {
        if (minted.generation !== generation) session.publications.set(streamType, this.mint('push', session, session.userID, streamType));
      }
      for (const pull of session.pulls.values()) {
        if (pull.minted.generation !== generation) pull.minted = this.mint('pull', session, pull.userID, pull.streamType);
      }
      return {
        sessionId: session.id,
        resumeToken,
        users: snapshot.users,
        streams: snapshot.streams,
        publishUrl: session.publications.get('main')?.url ?? null,
        subscriptions: [...session.pulls.values()].map((p) => ({ userID: p.userID, streamType: p.streamType, url: p.minted.url })),
        missed,
      };
    });
  }

  async leave(conn: SessionLink, reply: Reply<ResultByType['leave']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      const removed = await this.store.removeMember(session.room.key, session.userID, session.id);
      this.endSession(session);
      if (removed) await this.afterRemoval(session.room, removed, 'leave', 'leave');
      return {};
    });
  }

  /** The socket went without `leave`: keep the session for the grace period; others see nothing yet. */
  connectionClosed(conn: SessionLink): void {
    const session = conn.session;
    conn.session = null;
    if (!session || session.link !== conn) return;
    session.link = null;
    if (session.state !== 'active' || this.closed) return;
    session.state = 'detached';
    session.graceTimer = setTimeout(() => void this.expire(session), this.config.graceMs);
    session.graceTimer.unref();
  }

  private async expire(session: Session): Promise<void> {
    try {
      await this.lock.run(session.room.key, async () => {
        if (session.state !== 'detached') return;
        const removed = await this.store.removeMember(session.room.key, session.userID, session.id);
        this.endSession(session);
        if (removed) await this.afterRemoval(session.room, removed, 'timeout', 'timeout');
      });
    } catch (error) {
      this.log.error(`expiring the session of ${session.userID} failed`, error);
    }
  }

  // --- media ----------------------------------------------------------------------------------------------

  async publish(conn: SessionLink, req: Body<'publish'>, reply: Reply<ResultByType['publish']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      const key = session.room.key;
      const result = await this.store.tryPublish(key, session.userID, req.streamType, this.config.limits, !this.options.media.confirmsStreams);
      if (!result.ok) throw new WxrtcError(result.code, result.message);
      const minted = this.mint('push', session, session.userID, req.streamType);
      session.publications.set(req.streamType, minted);
      if (result.becameLive) {
        const { userID, streamType, audio, video } = result.stream;
        await this.broadcast(key, userID, { type: 'stream-added', userID, streamType, audio, video });
        this.emit('stream.published', session.room, userID, session.businessId, { streamType, audio, video });
      }
      return { url: minted.url, expiresAt: minted.expiresAt };
    });
  }

  async unpublish(conn: SessionLink, req: Body<'unpublish'>, reply: Reply<ResultByType['unpublish']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      session.publications.delete(req.streamType);
      const removed = await this.store.unpublish(session.room.key, session.userID, req.streamType);
      if (removed) {
        await this.forgetPulls(session.room.key, removed.droppedSubscriptions);
        if (removed.stream.state === 'live') {
          await this.broadcast(session.room.key, session.userID, { type: 'stream-removed', userID: session.userID, streamType: req.streamType });
          this.emit('stream.unpublished', session.room, session.userID, session.businessId, { streamType: req.streamType, reason: 'unpublish' });
        }
      }
      return {};
    });
  }

  async mute(conn: SessionLink, req: Body<'mute'>, reply: Reply<ResultByType['mute']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      const result = await this.store.setMute(session.room.key, session.userID, { audio: req.audio, video: req.video });
      if (!result) throw new WxrtcError(ErrorCode.REQUEST_OUT_OF_STATE, 'not a member of this room');
      for (const s of result.changed) {
        if (s.state !== 'live') continue;
        await this.broadcast(session.room.key, session.userID, { type: 'stream-updated', userID: s.userID, streamType: s.streamType, audio: s.audio, video: s.video });
      }
      // The response is in publish-state terms (true = sent), the request in mute terms (true = disabled).
      return { audio: !req.audio, video: !req.video };
    });
  }

  async subscribe(conn: SessionLink, req: Body<'subscribe'>, reply: Reply<ResultByType['subscribe']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      const limits = this.config.limits;
      const sub: SubscriptionRecord = { subscriberID: session.userID, userID: req.userID, streamType: req.streamType, audio: req.audio, video: req.video, since: Date.now() };
      const result = await this.store.trySubscribe(session.room.key, sub, limits);
      if (!result.ok) throw new WxrtcError(result.code, result.message);
      const minted = this.mint('pull', session, req.userID, req.streamType);
      session.pulls.set(pullKey(req.userID, req.streamType), { userID: req.userID, streamType: req.streamType, minted });
      const response: ResultByType['subscribe'] = { url: minted.url, expiresAt: minted.expiresAt };
      if (session.platform === 'android' && result.count >= limits.androidSubscriptionWarningAt) {
        response.warning = {
          code: ErrorCode.SUBSCRIPTION_WARNING,
          message: `${result.count} subscriptions on Android: from ${limits.androidSubscriptionWarningAt} on, streams may play black or silent (keep to ${limits.androidSubscriptionWarningAt - 1})`,
        };
      }
      return response;
    });
  }

  async unsubscribe(conn: SessionLink, req: Body<'unsubscribe'>, reply: Reply<ResultByType['unsubscribe']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      session.pulls.delete(pullKey(req.userID, req.streamType));
      await this.store.unsubscribe(session.room.key, session.userID, req.userID, req.streamType);
      return {};
    });
  }

  async setVisibility(conn: SessionLink, req: Body<'set-visibility'>, reply: Reply<ResultByType['set-visibility']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      const key = session.room.key;
      const result = await this.store.trySetVisibility(key, session.userID, req.visible, this.config.limits);
      if (!result.ok) throw new WxrtcError(result.code, result.message);
      if (!result.changed) return { visible: req.visible };
      if (req.visible) {
        await this.broadcast(key, session.userID, { type: 'user-joined', userID: session.userID });
        return { visible: true };
      }
      const removed = result.removed;
      if (removed) {
        for (const s of removed.streams) {
          session.publications.delete(s.streamType);
          session.notify({ type: 'unpublished', streamType: s.streamType, reason: 'invisible' });
          if (s.state === 'live') {
            await this.broadcast(key, session.userID, { type: 'stream-removed', userID: session.userID, streamType: s.streamType });
            this.emit('stream.unpublished', session.room, session.userID, session.businessId, { streamType: s.streamType, reason: 'invisible' });
          }
        }
        await this.forgetPulls(key, removed.droppedSubscriptions);
      }
      await this.broadcast(key, session.userID, { type: 'user-left', userID: session.userID, reason: 'invisible' });
      return { visible: false };
    });
  }

  async mediaState(conn: SessionLink, req: Body<'media-state'>, reply: Reply<ResultByType['media-state']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      session.mediaStates.set(`${req.kind}:${pullKey(req.userID, req.streamType)}`, {
        kind: req.kind,
        userID: req.userID,
        streamType: req.streamType,
        state: req.state,
        code: req.code,
        at: Date.now(),
      });
      return {};
    });
  }

  // --- admin ----------------------------------------------------------------------------------------------

  /** Remove a user (kicked {reason:'banned'}); false when the user is not in the room. */
  async removeUser(key: RoomKey, userID: string): Promise<boolean> {
    return this.lock.run(key, async () => {
      const member = await this.store.getMember(key, userID);
      if (!member) return false;
      const removed = await this.store.removeMember(key, userID, member.sessionId);
      const session = this.sessions.get(member.sessionId);
      if (session) this.kick(session, 'banned');
      if (removed) {
        const room = session?.room ?? (await this.identityOf(key, removed.endedRoom));
        await this.afterRemoval(room, removed, 'kicked', 'banned');
      }
      return true;
    });
  }

  /** Dismiss a room: everyone is kicked {reason:'room-disband'}; null when there is no such room. */
  async dismiss(key: RoomKey): Promise<number | null> {
    return this.lock.run(key, async () => {
      const state = await this.store.deleteRoom(key);
      if (!state) return null;
      for (const member of state.members) {
        const session = this.sessions.get(member.sessionId);
        if (session) this.kick(session, 'room-disband');
        for (const s of state.streams) {
          if (s.userID === member.userID && s.state === 'live') {
            this.emit('stream.unpublished', state.info, member.userID, member.businessId, { streamType: s.streamType, reason: 'room-disband' });
          }
        }
        this.emit('user.left', state.info, member.userID, member.businessId, { reason: 'room-disband' });
      }
      this.emitRoomEnded(state.info, 'dismissed');
      return state.members.length;
    });
  }

  /** The admin/inspector view of a room: store state plus what only this process knows (connections, urls). */
  async describeRoom(key: RoomKey): Promise<Record<string, unknown> | null> {
    const state = await this.store.getRoom(key);
    if (!state) return null;
    const { info } = state;
    return {
      roomKey: info.key,
      roomID: info.roomID,
      strRoomID: info.strRoomID,
      scene: info.scene,
      createdAt: info.createdAt,
      businessIds: info.businessIds,
      users: state.members.map((m) => {
        const session = this.sessions.get(m.sessionId);
        return {
          userID: m.userID,
          visible: m.visible,
          role: m.role,
          platform: m.platform,
          businessId: m.businessId,
          joinedAt: m.joinedAt,
          muted: m.muted,
          sessionId: m.sessionId,
          connection: session ? (session.state === 'active' ? 'connected' : 'grace') : 'unknown',
          lastSeq: session?.lastSeq ?? null,
          publishUrls: session ? Object.fromEntries([...session.publications].map(([t, u]) => [t, u.url])) : {},
          mediaStates: session ? [...session.mediaStates.values()] : [],
        };
      }),
      streams: state.streams,
      subscriptions: state.subscriptions,
    };
  }

  // --- the media plane's reports ----------------------------------------------------------------------------

  async onStreamStarted(streamName: string): Promise<void> {
    const address = parseStreamName(streamName);
    if (!address) return;
    await this.guarded(address.roomKey, async () => {
      const result = await this.store.setStreamLive(address.roomKey, address.userID, address.streamType, true);
      if (!result?.changed) return;
      const { userID, streamType, audio, video } = result.stream;
      await this.broadcast(address.roomKey, userID, { type: 'stream-added', userID, streamType, audio, video });
      const member = await this.store.getMember(address.roomKey, userID);
      this.emit('stream.published', await this.identityOf(address.roomKey, null), userID, member?.businessId ?? null, { streamType, audio, video });
    });
  }

  async onStreamStopped(streamName: string): Promise<void> {
    const address = parseStreamName(streamName);
    if (!address) return;
    await this.guarded(address.roomKey, async () => {
      const result = await this.store.setStreamLive(address.roomKey, address.userID, address.streamType, false);
      if (!result?.changed) return;
      await this.forgetPulls(address.roomKey, result.droppedSubscriptions);
      await this.broadcast(address.roomKey, address.userID, { type: 'stream-removed', userID: address.userID, streamType: address.streamType });
      const member = await this.store.getMember(address.roomKey, address.userID);
      this.emit('stream.unpublished', await this.identityOf(address.roomKey, null), address.userID, member?.businessId ?? null, { streamType: address.streamType, reason: 'media-stopped' });
    });
  }

  /** Every url of an older generation is dead: mint new ones and tell their holders (url-updated). */
  async onGenerationChanged(generation: number): Promise<void> {
    for (const room of await this.store.listRooms()) {
      await this.guarded(room.key, async () => {
        for (const member of await this.store.listMembers(room.key)) {
          const session = this.sessions.get(member.sessionId);
          if (!session || session.state === 'closed') continue;
          for (const [streamType, minted] of session.publications) {
            if (minted.generation === generation) continue;
            const fresh = this.mint('push', session, session.userID, streamType);
            session.publications.set(streamType, fresh);
            session.notify({ type: 'url-updated', kind: 'publish', userID: session.userID, streamType, url: fresh.url });
          }
          for (const pull of session.pulls.values()) {
            if (pull.minted.generation === generation) continue;
            pull.minted = this.mint('pull', session, pull.userID, pull.streamType);
            session.notify({ type: 'url-updated', kind: 'subscribe', userID: pull.userID, streamType: pull.streamType, url: pull.minted.url });
          }
        }
      });
    }
  }

  /** Stop all grace timers; sessions end without telling anyone (the process is going away). */
  close(): void {
    this.closed = true;
    for (const session of [...this.sessions.all()]) {
      session.clearGraceTimer();
      session.state = 'closed';
      this.sessions.remove(session);
    }
  }

  // --- internals --------------------------------------------------------------------------------------------

  private async locked<T>(key: RoomKey, reply: Reply<T>, work: () => Promise<T>): Promise<void> {
    await this.lock.run(key, async () => {
      let result: T;
      try {
        result = await work();
      } catch (error) {
        if (error instanceof WxrtcError) {
          reply.fail(error.code, error.message);
        } else {
          this.log.error('request failed', error);
          reply.fail(ErrorCode.INTERNAL, 'the server failed while handling the request');
        }
        return;
      }
      reply.ok(result);
    });
  }

  /** Run a request of a joined session, checking inside the room's queue that it still is. */
  private async inSession<T>(conn: SessionLink, reply: Reply<T>, work: (session: Session) => Promise<T>): Promise<void> {
    const session = conn.session;
    if (!session) return reply.fail(ErrorCode.REQUEST_OUT_OF_STATE, 'join a room first');
    await this.locked(session.room.key, reply, async () => {
      if (conn.session !== session || session.state !== 'active' || session.link !== conn) {
        throw new WxrtcError(ErrorCode.REQUEST_OUT_OF_STATE, 'the session is no longer on this connection');
      }
      return work(session);
    });
  }

  /** Room work that answers nobody (timers, admin, media): failures are logged, never thrown at the caller. */
  private async guarded(key: RoomKey, work: () => Promise<void>): Promise<void> {
    try {
      await this.lock.run(key, work);
    } catch (error) {
      this.log.error(`room ${key}: background work failed`, error);
    }
  }

  private async broadcast(key: RoomKey, exceptUserID: string, body: NotificationBody): Promise<void> {
    for (const member of await this.store.listMembers(key)) {
      if (member.userID === exceptUserID) continue;
      this.sessions.get(member.sessionId)?.notify(body);
    }
  }

  /** Tell the room a member is gone (its live streams first), and drop the pull urls that went with it. */
  private async afterRemoval(room: RoomIdentity, removed: { departure: Departure; endedRoom: RoomInfo | null }, reason: UserLeftReason, eventReason: string): Promise<void> {
    await this.announceDeparture(room, removed.departure, reason, eventReason);
    if (removed.endedRoom) this.emitRoomEnded(removed.endedRoom, 'empty');
  }

  private async announceDeparture(room: RoomIdentity, departure: Departure, reason: UserLeftReason, eventReason: string): Promise<void> {
    const { member } = departure;
    await this.forgetPulls(room.key, departure.droppedSubscriptions);
    for (const s of departure.streams) {
      if (s.state !== 'live') continue;
      await this.broadcast(room.key, member.userID, { type: 'stream-removed', userID: member.userID, streamType: s.streamType });
      this.emit('stream.unpublished', room, member.userID, member.businessId, { streamType: s.streamType, reason: eventReason });
    }
    if (member.visible) await this.broadcast(room.key, member.userID, { type: 'user-left', userID: member.userID, reason });
    this.emit('user.left', room, member.userID, member.businessId, { reason: eventReason, visible: member.visible });
  }

  private async forgetPulls(key: RoomKey, dropped: readonly SubscriptionRecord[]): Promise<void> {
    for (const sub of dropped) {
      const member = await this.store.getMember(key, sub.subscriberID);
      const session = member ? this.sessions.get(member.sessionId) : undefined;
      session?.pulls.delete(pullKey(sub.userID, sub.streamType));
    }
  }

  private kick(session: Session, reason: KickReasonWire): void {
    session.notify({ type: 'kicked', reason });
    this.endSession(session, CLOSE_KICKED, `kicked: ${reason}`);
  }

  private endSession(session: Session, closeCode?: number, closeReason?: string): void {
    session.state = 'closed';
    session.clearGraceTimer();
    this.sessions.remove(session);
    const link = session.link;
    session.link = null;
    if (!link) return;
    if (link.session === session) link.session = null;
    if (closeCode !== undefined) link.close(closeCode, closeReason ?? '');
  }

  private mint(kind: 'push' | 'pull', session: Session, userID: string, streamType: StreamTypeWire): MintedUrl {
    const address: StreamAddress = { roomKey: session.room.key, userID, streamType };
    return this.options.urls.mint(kind, address, this.options.media.generation);
  }

  private async identityOf(key: RoomKey, known: RoomInfo | null): Promise<RoomIdentity> {
    if (known) return known;
    const state = await this.store.getRoom(key);
    if (state) return state.info;
    return { key, roomID: key.startsWith('n:') ? Number(key.slice(2)) : null, strRoomID: key.startsWith('s:') ? key.slice(2) : null };
  }

  private emitRoomEnded(info: RoomInfo, reason: string): void {
    // One room.ended per business id seen in the room, so each business hears the end of rooms it was in.
    const ids = info.businessIds.length > 0 ? info.businessIds : [null];
    for (const businessId of ids) this.emit('room.ended', info, null, businessId, { scene: info.scene, reason });
  }

  private emit(type: RoomEventType, room: RoomIdentity, userID: string | null, businessId: string | null, data: Record<string, unknown>): void {
    try {
      this.options.onEvent({ type, room: { key: room.key, roomID: room.roomID, strRoomID: room.strRoomID }, userID, businessId, at: Date.now(), data });
    } catch (error) {
      this.log.error(`room event ${type} listener failed`, error);
    }
  }
}
