// Room logic: what each request does to the room and who hears about it. Every change goes through the
// RoomStore (limits included) and runs under the room's serial queue together with its notifications and
// its response, so every member sees one consistent order of events.
//
// With a RoomCluster (Redis, several processes) the queue still orders this process's work on a room, but
// it is the store's scripts that make each change atomic across processes (limits, "is this member still
// that session?"), notifications go out through Redis (one order for every process, each tagged with the
// version of its change), and sessions can be resumed, kicked and expired from any process.

import { ErrorCode, WxrtcError } from '../src/core/errors';
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
} from '../src/core/protocol';
import { MAX_TIMER_MS, type ServerConfig } from './config';
import { KeyedSerialQueue } from './lock';
import type { Logger } from './log';
import type { MediaPlane, MediaPlaneListener } from './media-plane';
import type { MediaAccess } from './media/authorize';
import { parseStreamName, type MediaUrls, type MintedUrl, type StreamAddress } from './media-urls';
import type { ClusterRooms, ControlMessage, RoomCluster, RoomEntry } from './cluster';
import { ClusterSession, Session, pullKey, type AppendOutcome, type SessionLink, type SessionRegistry } from './sessions';
import {
  parseRoomKey,
  roomIdentity,
  type AddMemberResult,
  type Departure,
  type MemberRecord,
  type RemovalResult,
  type RoomIdentity,
  type RoomInfo,
  type RoomKey,
  type RoomStore,
  type SubscriptionRecord,
} from './store/room-store';
import { verifyUserSig } from './usersig';
import type { StatsStore } from './stats';

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
  /** Told of every session that ends, so the media planes cut its pushes and plays. */
  access?: MediaAccess;
  log: Logger;
  onEvent(event: RoomEvent): void;
  /** Sessions shared with other processes through Redis; absent = this process alone. */
  cluster?: RoomCluster | null;
  /** Stream quality series (net-stats); absent = net-stats frames are answered and not kept. */
  stats?: StatsStore;
}

type Body<T extends RequestBody['type']> = Extract<RequestBody, { type: T }>;
type UserLeftReason = 'leave' | 'timeout' | 'kicked' | 'invisible';

/** Milliseconds from now until a userSig expiry (unix seconds), never negative: what the client counts down from. */
const expiresInMs = (expiresAtSec: number): number => Math.max(0, expiresAtSec * 1000 - Date.now());

/** Close codes the server uses beyond the standard ones. */
export const CLOSE_KICKED = 4001;
export const CLOSE_SUPERSEDED = 4002;

export class RoomService implements MediaPlaneListener, ClusterRooms {
  private readonly lock = new KeyedSerialQueue();
  private readonly store: RoomStore;
  private readonly sessions: SessionRegistry;
  private readonly config: ServerConfig;
  private readonly log: Logger;
  private readonly cluster: RoomCluster | null;
  private closed = false;

  constructor(private readonly options: RoomServiceOptions) {
    this.store = options.store;
    this.sessions = options.sessions;
    this.config = options.config;
    this.log = options.log;
    this.cluster = options.cluster ?? null;
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
      const cluster = this.cluster;
      const platform = req.platform ?? 'unknown';
      const businessId = req.businessId ?? null;
      const session = cluster ? cluster.newSession(req.userID, room, platform, businessId) : new Session(req.userID, room, platform, businessId, this.config.resumeBufferSize);
      session.userSigExpiresAt = check.expiresAt;
      if (cluster) {
        // Subscribed before the member exists, so nothing published after our snapshot can pass us by; the
        // session recorded before the member, so a process dying here never leaves a member without one.
        await cluster.watch(room.key);
        try {
          await cluster.createSession(session as ClusterSession);
        } catch (error) {
          cluster.release(room.key);
          throw error;
        }
      }
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
      let added: AddMemberResult;
      try {
        added = await this.store.tryAddMember(room, req.scene, member, this.config.limits);
      } catch (error) {
        await this.abandon(session);
        throw error;
      }
      if (!added.ok) {
        await this.abandon(session);
        throw new WxrtcError(added.code, added.message);
      }
      if (added.created) this.emit('room.started', room, null, session.businessId, { scene: added.room.scene });
      // The same user entered again (another device, or a client that lost its session): the older one goes,
      // wherever it is held, and the room hears it leave and the new one arrive as one change.
      const notices: NotificationBody[] = [];
      if (added.replaced) {
        await this.kickSession(room.key, added.replaced.member.sessionId, 'kick');
        notices.push(...(await this.departure(room, added.replaced, 'kicked', 'kick')));
      }
      this.sessions.add(session);
      session.link = conn;
      conn.session = session;
      if (member.visible) notices.push({ type: 'user-joined', userID: member.userID });
      await this.broadcast(room.key, member.userID, notices, added.version);
      this.emit('user.joined', room, member.userID, member.businessId, { visible: member.visible, role: member.role, platform: member.platform, scene: added.room.scene });
      const snapshot = await this.store.snapshotFor(room.key, member.userID);
      if (cluster && session instanceof ClusterSession && snapshot.position) await cluster.place(session, snapshot.position);
      return {
        sessionId: session.id,
        resumeToken: session.resumeToken,
        users: snapshot.users,
        streams: snapshot.streams,
        heartbeatIntervalMs: this.config.heartbeatIntervalMs,
        graceMs: this.config.graceMs,
        userSigExpiresInMs: expiresInMs(session.userSigExpiresAt),
      };
    });
  }

  /**
   * A fresh userSig for the session on this connection (the page's updateUserSig): the same TLS-Sig-API v2 check as
   * join, against the session's own userID (so never another user's sig), and it must not expire before the one it
   * replaces. Nothing else changes: the session, its resume token and its seq stay, and a rejoin after a restart is
   * the client's business (it joins with the newest sig it has).
   */
  async renewUserSig(conn: SessionLink, req: Body<'renew-user-sig'>, reply: Reply<ResultByType['renew-user-sig']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      const check = verifyUserSig(req.userSig, { sdkAppID: this.config.sdkAppID, secret: this.config.secret, userID: session.userID });
      if (!check.ok) throw new WxrtcError(check.code, check.message);
      if (check.expiresAt < session.userSigExpiresAt) {
        throw new WxrtcError(ErrorCode.USER_SIG_NOT_NEWER, `the new userSig expires at ${new Date(check.expiresAt * 1000).toISOString()}, before the one in use (${new Date(session.userSigExpiresAt * 1000).toISOString()})`);
      }
      session.userSigExpiresAt = check.expiresAt;
      if (this.cluster) await this.cluster.saveUserSigExpiry(session);
      return { userSigExpiresInMs: expiresInMs(check.expiresAt) };
    });
  }

  async resume(conn: SessionLink, req: ResumeRequest, reply: Reply<ResumeResult>): Promise<void> {
    if (conn.session) return reply.fail(ErrorCode.REQUEST_OUT_OF_STATE, 'this connection is already in a room');
    if (this.cluster) return this.resumeInCluster(this.cluster, conn, req, reply);
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

  /**
   * A resume on whichever process the client reached: the store's claim script checks and takes the session
   * in one step (and replays into its buffer what a dead holder never wrote); the previous holder, if it is
   * another live process, is told to let go. A refused claim changes nothing.
   */
  private async resumeInCluster(cluster: RoomCluster, conn: SessionLink, req: ResumeRequest, reply: Reply<ResumeResult>): Promise<void> {
    const token = cluster.parseToken(req.resumeToken);
    if (!token) return reply.fail(ErrorCode.RESUME_REJECTED, 'unknown or expired resume token: join again');
    await this.locked(token.key, reply, async () => {
      if (conn.session) throw new WxrtcError(ErrorCode.REQUEST_OUT_OF_STATE, 'this connection is already in a room');
      if (!conn.open) throw new WxrtcError(ErrorCode.REQUEST_OUT_OF_STATE, 'the connection closed while resuming');
      await cluster.watch(token.key);
      let claim: Awaited<ReturnType<RoomCluster['claim']>>;
      try {
        claim = await cluster.claim(token, req.lastSeq);
      } catch (error) {
        cluster.release(token.key);
        throw error;
      }
      if (!claim.ok) {
        cluster.release(token.key);
        throw new WxrtcError(ErrorCode.RESUME_REJECTED, RESUME_REFUSALS[claim.reason](req.lastSeq));
      }
      let session = this.sessions.get(token.sessionId);
      if (session instanceof ClusterSession) {
        cluster.release(token.key); // it already holds the room's subscription
        const previous = session.link;
        if (previous && previous !== conn) {
          previous.session = null;
          previous.close(CLOSE_SUPERSEDED, 'session resumed on another connection');
        }
        session.clearGraceTimer();
      } else {
        session = cluster.restore(token, claim);
        this.sessions.add(session);
        if (claim.previousOwner !== '' && claim.previousOwner !== cluster.processId) await cluster.tellMoved(token.key, session.id);
      }
      const held = session as ClusterSession;
      held.state = 'active';
      held.link = conn;
      conn.session = held;
      this.sessions.setToken(held, claim.resumeToken);
      held.setSeq(claim.seq);
      held.epoch = claim.epoch;
      held.floorVersion = claim.floorVersion;
      held.lastEventSeq = Math.max(held.lastEventSeq, claim.eventSeq);
      held.userSigExpiresAt = Math.max(held.userSigExpiresAt, claim.userSigExpiresAt);
      const snapshot = await this.store.snapshotFor(token.key, held.userID);
      // Urls of streams and subscriptions the room no longer has are not handed back (another process may
      // have dropped them while this one held the session).
      let changed = await this.pruneUrls(held);
      const generation = this.options.media.generation;
      for (const [streamType, minted] of held.publications) {
        if (minted.generation === generation) continue;
        held.publications.set(streamType, this.mint('push', held, held.userID, streamType));
        changed = true;
      }
      for (const pull of held.pulls.values()) {
        if (pull.minted.generation === generation) continue;
        pull.minted = this.mint('pull', held, pull.userID, pull.streamType);
        changed = true;
      }
      if (changed) await cluster.saveUrls(held);
      return {
        sessionId: held.id,
        resumeToken: claim.resumeToken,
        users: snapshot.users,
        streams: snapshot.streams,
        publishUrl: held.publications.get('main')?.url ?? null,
        subscriptions: [...held.pulls.values()].map((p) => ({ userID: p.userID, streamType: p.streamType, url: p.minted.url })),
        missed: claim.missed.map((text) => JSON.parse(text) as ResumeResult['missed'][number]),
      };
    });
  }

  async leave(conn: SessionLink, reply: Reply<ResultByType['leave']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      const removed = await this.store.removeMember(session.room.key, session.userID, session.id);
      this.endSession(session);
      this.revokeMedia(session.id);
      if (this.cluster) await this.cluster.endSession(session.room.key, session.id, null, true);
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
    if (this.cluster) {
      this.detachInCluster(this.cluster, session);
      return;
    }
    session.graceTimer = setTimeout(() => void this.expire(session), this.config.graceMs);
    session.graceTimer.unref();
  }

  /** The grace period starts in Redis (any process may end it); this process's timer is the quick path. */
  private detachInCluster(cluster: RoomCluster, session: Session): void {
    void this.guarded(session.room.key, async () => {
      if (session.state !== 'detached' || this.sessions.get(session.id) !== session) return;
      const deadline = await cluster.detach(session);
      // Not active here in Redis: another process resumed it (its "moved" is on the way), or it ended.
      if (deadline === null) {
        if (session.state === 'detached') this.letGo(session, 'session moved');
        return;
      }
      this.armGrace(session, this.config.graceMs);
    });
  }

  private armGrace(session: Session, ms: number): void {
    session.clearGraceTimer();
    // A little late rather than early: the deadline is Redis's clock, and an early try only has to try again.
    session.graceTimer = setTimeout(() => void this.expireSession(session.room.key, session.id), Math.min(ms + 20, MAX_TIMER_MS));
    session.graceTimer.unref();
  }

  /** End a detached session whose grace period is over, whichever process it belongs to (cluster only). */
  async expireSession(key: RoomKey, sessionId: string): Promise<void> {
    const cluster = this.cluster;
    if (!cluster) return;
    await this.guarded(key, async () => {
      const result = await cluster.expire(key, sessionId);
      const local = this.sessions.get(sessionId);
      if (result.kind === 'wait') {
        if (local?.state === 'detached') this.armGrace(local, result.remainingMs);
        return;
      }
      if (result.kind === 'skip') return;
      if (local) this.endSession(local);
      this.revokeMedia(sessionId);
      if (result.removal) await this.afterRemoval(local?.room ?? (await this.identityOf(key, result.removal.endedRoom)), result.removal, 'timeout', 'timeout');
    });
  }

  private async expire(session: Session): Promise<void> {
    try {
      await this.lock.run(session.room.key, async () => {
        if (session.state !== 'detached') return;
        const removed = await this.store.removeMember(session.room.key, session.userID, session.id);
        this.endSession(session);
        this.revokeMedia(session.id);
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
      await this.urlsChanged(session);
      if (result.becameLive) {
        const { userID, streamType, audio, video } = result.stream;
        await this.broadcast(key, userID, [{ type: 'stream-added', userID, streamType, audio, video }], result.version);
        this.emit('stream.published', session.room, userID, session.businessId, { streamType, audio, video });
      }
      return { url: minted.url, expiresAt: minted.expiresAt };
    });
  }

  async unpublish(conn: SessionLink, req: Body<'unpublish'>, reply: Reply<ResultByType['unpublish']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      if (session.publications.delete(req.streamType)) await this.urlsChanged(session);
      const removed = await this.store.unpublish(session.room.key, session.userID, req.streamType);
      if (removed) {
        await this.forgetPulls(session.room.key, removed.droppedSubscriptions);
        if (removed.stream.state === 'live') {
          await this.broadcast(session.room.key, session.userID, [{ type: 'stream-removed', userID: session.userID, streamType: req.streamType }], removed.version);
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
      const updates: NotificationBody[] = result.changed
        .filter((s) => s.state === 'live')
        .map((s) => ({ type: 'stream-updated', userID: s.userID, streamType: s.streamType, audio: s.audio, video: s.video }));
      await this.broadcast(session.room.key, session.userID, updates, result.version);
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
      await this.urlsChanged(session);
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
      if (session.pulls.delete(pullKey(req.userID, req.streamType))) await this.urlsChanged(session);
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
        await this.broadcast(key, session.userID, [{ type: 'user-joined', userID: session.userID }], result.version);
        return { visible: true };
      }
      const removed = result.removed;
      const notices: NotificationBody[] = [];
      if (removed) {
        for (const s of removed.streams) {
          session.publications.delete(s.streamType);
          session.notify({ type: 'unpublished', streamType: s.streamType, reason: 'invisible' });
          if (s.state === 'live') {
            notices.push({ type: 'stream-removed', userID: session.userID, streamType: s.streamType });
            this.emit('stream.unpublished', session.room, session.userID, session.businessId, { streamType: s.streamType, reason: 'invisible' });
          }
        }
        if (removed.streams.length > 0) await this.urlsChanged(session);
        await this.forgetPulls(key, removed.droppedSubscriptions);
      }
      notices.push({ type: 'user-left', userID: session.userID, reason: 'invisible' });
      await this.broadcast(key, session.userID, notices, result.version);
      return { visible: false };
    });
  }

  async mediaState(conn: SessionLink, req: Body<'media-state'>, reply: Reply<ResultByType['media-state']>): Promise<void> {
    await this.inSession(conn, reply, async (session) => {
      // Only about the client's own streams: what it pushes, and what it holds a subscription to.
      const own = req.kind === 'push' ? req.userID === session.userID && session.publications.has(req.streamType) : session.pulls.has(pullKey(req.userID, req.streamType));
      if (!own) throw new WxrtcError(ErrorCode.BAD_REQUEST, `media-state: ${req.kind === 'push' ? 'not a stream this session publishes' : 'not a stream this session subscribes to'}`);
      const key = `${req.kind}:${pullKey(req.userID, req.streamType)}`;
      // One entry per stream the session has or had, the latest last; past the bound the oldest goes.
      session.mediaStates.delete(key);
      while (session.mediaStates.size >= 2 + this.config.limits.subscriptionsPerUser) session.mediaStates.delete(session.mediaStates.keys().next().value as string);
      session.mediaStates.set(key, {
        kind: req.kind,
        userID: req.userID,
        streamType: req.streamType,
        state: req.state,
        code: req.code,
        at: Date.now(),
      });
      if (this.cluster) await this.cluster.saveMedia(session);
      return {};
    });
  }

  /**
   * Stream quality samples (volc 2.0.0). Only about the session's own streams, as media-state; the rest are
   * dropped and counted, not refused: a sample of a stream unsubscribed a moment ago is stale, not hostile. No
   * room lock: nothing in the room changes, and telemetry must never queue behind room work.
   */
  netStats(conn: SessionLink, req: Body<'net-stats'>, reply: Reply<ResultByType['net-stats']>): void {
    const session = conn.session;
    if (!session || session.state !== 'active' || session.link !== conn) return reply.fail(ErrorCode.REQUEST_OUT_OF_STATE, 'join a room first');
    const own = req.samples.filter((s) =>
      s.kind === 'push' ? s.userID === session.userID && session.publications.has(s.streamType) : session.pulls.has(pullKey(s.userID, s.streamType)),
    );
    const kept = this.options.stats?.record({ id: session.id, source: 'signaling', roomKey: session.room.key, userID: session.userID }, own) ?? { accepted: 0, dropped: own.length };
    reply.ok({ accepted: kept.accepted, dropped: req.samples.length - kept.accepted });
  }

  // --- admin ----------------------------------------------------------------------------------------------

  /** Remove a user (kicked {reason:'banned'}); false when the user is not in the room. */
  async removeUser(key: RoomKey, userID: string): Promise<boolean> {
    return this.lock.run(key, async () => {
      const member = await this.store.getMember(key, userID);
      if (!member) return false;
      const removed = await this.store.removeMember(key, userID, member.sessionId);
      const session = this.sessions.get(member.sessionId);
      await this.kickSession(key, member.sessionId, 'banned');
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
        await this.kickSession(key, member.sessionId, 'room-disband');
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
    // In a cluster a session may be held by another process: what Redis keeps of it stands in for the object.
    const views = this.cluster ? await this.cluster.describe(key, state.members.map((m) => m.sessionId)) : null;
    return {
      roomKey: info.key,
      roomID: info.roomID,
      strRoomID: info.strRoomID,
      scene: info.scene,
      createdAt: info.createdAt,
      businessIds: info.businessIds,
      users: state.members.map((m) => {
        if (views) return { ...memberView(m), ...clusterSessionView(views.get(m.sessionId)) };
        const session = this.sessions.get(m.sessionId);
        return {
          ...memberView(m),
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
      await this.broadcast(address.roomKey, userID, [{ type: 'stream-added', userID, streamType, audio, video }], result.version);
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
      await this.broadcast(address.roomKey, address.userID, [{ type: 'stream-removed', userID: address.userID, streamType: address.streamType }], result.version);
      const member = await this.store.getMember(address.roomKey, address.userID);
      this.emit('stream.unpublished', await this.identityOf(address.roomKey, null), address.userID, member?.businessId ?? null, { streamType: address.streamType, reason: 'media-stopped' });
    });
  }

  /** Every url of an older generation is dead: mint new ones and tell their holders (url-updated). */
  async onGenerationChanged(generation: number): Promise<void> {
    // In a cluster every process hears the new generation and re-mints for the sessions it holds.
    const keys = this.cluster ? this.sessions.roomKeys() : (await this.store.listRooms()).map((room) => room.key);
    for (const key of keys) {
      await this.guarded(key, async () => {
        const sessions = this.cluster ? this.sessions.inRoom(key) : (await this.store.listMembers(key)).map((member) => this.sessions.get(member.sessionId));
        for (const session of sessions) {
          if (!session || session.state === 'closed') continue;
          if (this.cluster) await this.pruneUrls(session);
          let changed = false;
          for (const [streamType, minted] of session.publications) {
            if (minted.generation === generation) continue;
            const fresh = this.mint('push', session, session.userID, streamType);
            session.publications.set(streamType, fresh);
            session.notify({ type: 'url-updated', kind: 'publish', userID: session.userID, streamType, url: fresh.url });
            changed = true;
          }
          for (const pull of session.pulls.values()) {
            if (pull.minted.generation === generation) continue;
            pull.minted = this.mint('pull', session, pull.userID, pull.streamType);
            session.notify({ type: 'url-updated', kind: 'subscribe', userID: pull.userID, streamType: pull.streamType, url: pull.minted.url });
            changed = true;
          }
          if (changed) await this.urlsChanged(session);
        }
      });
    }
  }

  /**
   * Stop all grace timers; sessions end without telling anyone (the process is going away). In a cluster
   * they are handed over instead: detached in Redis with their grace period running, so their clients
   * resume on another process.
   */
  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.sessions.all()];
    for (const session of all) session.clearGraceTimer();
    const cluster = this.cluster;
    if (cluster) {
      await Promise.all(
        all.map(async (session) => {
          if (session.state === 'closed') return;
          try {
            await cluster.detach(session);
          } catch (error) {
            this.log.warn(`handing over the session of ${session.userID} failed`, error);
          }
        }),
      );
    }
    for (const session of all) {
      session.state = 'closed';
      this.sessions.remove(session);
    }
  }

  // --- the cluster's side (ClusterRooms) ----------------------------------------------------------------------

  inRoom(key: RoomKey, work: () => Promise<void>): Promise<void> {
    return this.guarded(key, work);
  }

  /** A room notification from Redis: to each session here that has not seen it and is not its subject. */
  deliver(key: RoomKey, entry: RoomEntry): void {
    for (const session of this.sessions.inRoom(key)) {
      if (!(session instanceof ClusterSession) || session.state === 'closed') continue;
      if (session.epoch !== entry.epoch || entry.eventSeq <= session.lastEventSeq) continue;
      // Its snapshot already reflects changes up to floorVersion.
      if (session.userID === entry.except || entry.version <= session.floorVersion) continue;
      session.lastEventSeq = entry.eventSeq;
      session.notify(entry.body, entry.eventSeq);
    }
  }

  control(key: RoomKey, message: ControlMessage): void {
    const session = this.sessions.get(message.sid);
    if (!(session instanceof ClusterSession) || session.room.key !== key) return;
    if (message.op === 'kick') this.kick(session, message.reason);
    else if (message.op === 'moved' && message.to !== this.cluster?.processId) this.letGo(session, 'session resumed on another connection');
  }

  localSessions(key: RoomKey): ClusterSession[] {
    return this.sessions.inRoom(key).filter((s): s is ClusterSession => s instanceof ClusterSession);
  }

  resync(key: RoomKey): void {
    for (const session of this.localSessions(key)) {
      const link = session.link;
      if (!link) continue;
      link.session = null;
      session.link = null;
      link.close(CLOSE_SUPERSEDED, 'notifications were lost: resume');
      if (session.state === 'active') {
        session.state = 'detached';
        if (this.cluster) this.detachInCluster(this.cluster, session);
      }
    }
  }

  sessionLost(session: ClusterSession, outcome: AppendOutcome | Error): void {
    void this.guarded(session.room.key, async () => {
      if (this.sessions.get(session.id) !== session) return;
      if (outcome instanceof Error) {
        this.log.warn(`a notification for ${session.userID} could not be written to Redis; the client resumes to catch up`, outcome);
        this.letGo(session, 'notification lost: resume');
        return;
      }
      if (outcome.ok) return;
      if (outcome.reason === 'kicked') this.kick(session, outcome.kickReason ?? 'kick');
      else this.letGo(session, 'session moved');
    });
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
      const result = await work(session);
      // Notifications to the requester go out after Redis has them; the response keeps its place behind them.
      if (session instanceof ClusterSession) await session.idle();
      return result;
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

  /**
   * Tell the room one change about `subject` (who does not hear it): its notifications in order, as one.
   * `version` is the change's (cluster).
   */
  private async broadcast(key: RoomKey, subject: string, bodies: readonly NotificationBody[], version?: number): Promise<void> {
    if (bodies.length === 0) return;
    if (this.cluster) {
      await this.cluster.announce(key, version ?? 0, subject, bodies);
      return;
    }
    for (const member of await this.store.listMembers(key)) {
      if (member.userID === subject) continue;
      const session = this.sessions.get(member.sessionId);
      for (const body of bodies) session?.notify(body);
    }
  }

  /** Tell the room a member is gone (its live streams first), and drop the pull urls that went with it. */
  private async afterRemoval(room: RoomIdentity, removed: RemovalResult, reason: UserLeftReason, eventReason: string): Promise<void> {
    await this.broadcast(room.key, removed.departure.member.userID, await this.departure(room, removed.departure, reason, eventReason), removed.version);
    if (removed.endedRoom) this.emitRoomEnded(removed.endedRoom, 'empty');
  }

  /**
   * A member is gone: drop the pull urls that went with it, call back, and return what the room must hear (its
   * live streams' removal first, then its leaving) for the caller to broadcast with the rest of the change.
   */
  private async departure(room: RoomIdentity, departure: Departure, reason: UserLeftReason, eventReason: string): Promise<NotificationBody[]> {
    const { member } = departure;
    const notices: NotificationBody[] = [];
    await this.forgetPulls(room.key, departure.droppedSubscriptions);
    for (const s of departure.streams) {
      if (s.state !== 'live') continue;
      notices.push({ type: 'stream-removed', userID: member.userID, streamType: s.streamType });
      this.emit('stream.unpublished', room, member.userID, member.businessId, { streamType: s.streamType, reason: eventReason });
    }
    if (member.visible) notices.push({ type: 'user-left', userID: member.userID, reason });
    this.emit('user.left', room, member.userID, member.businessId, { reason: eventReason, visible: member.visible });
    return notices;
  }

  /** Subscribers lose the pull urls of streams that went. (In a cluster, a holder elsewhere prunes its own on use.) */
  private async forgetPulls(key: RoomKey, dropped: readonly SubscriptionRecord[]): Promise<void> {
    for (const sub of dropped) {
      const member = await this.store.getMember(key, sub.subscriberID);
      const session = member ? this.sessions.get(member.sessionId) : undefined;
      if (session?.pulls.delete(pullKey(sub.userID, sub.streamType))) await this.urlsChanged(session);
    }
  }

  /** Kick a session wherever it is held: here directly, elsewhere through Redis (its record becomes a tombstone). */
  private async kickSession(key: RoomKey, sessionId: string, reason: KickReasonWire): Promise<void> {
    const local = this.sessions.get(sessionId);
    if (local) this.kick(local, reason);
    // Held by no process here (or by one that died): its media still goes now.
    else this.revokeMedia(sessionId);
    if (this.cluster) await this.cluster.endSession(key, sessionId, reason, local !== undefined);
  }

  private kick(session: Session, reason: KickReasonWire): void {
    this.revokeMedia(session.id);
    if (session instanceof ClusterSession) {
      // Its notifications are written to Redis before they are sent; this last one is not worth keeping,
      // but it must follow the ones still on their way and precede the close.
      const link = session.link;
      this.endSession(session);
      session.finish(link, { type: 'kicked', reason }, () => link?.close(CLOSE_KICKED, `kicked: ${reason}`));
      return;
    }
    session.notify({ type: 'kicked', reason });
    this.endSession(session, CLOSE_KICKED, `kicked: ${reason}`);
  }

  /** This process stops holding a session that lives on elsewhere (resumed on another process). */
  private letGo(session: Session, why: string): void {
    const link = session.link;
    this.endSession(session);
    link?.close(CLOSE_SUPERSEDED, why);
  }

  /** A cluster session that never got in (its member was refused): its record goes and so does its hold on the room. */
  private async abandon(session: Session): Promise<void> {
    if (!this.cluster) return;
    try {
      await this.cluster.endSession(session.room.key, session.id, null, true);
    } finally {
      this.cluster.release(session.room.key);
    }
  }

  /** Persist a cluster session's urls, so whichever process resumes it knows what the client holds. */
  private async urlsChanged(session: Session): Promise<void> {
    if (this.cluster) await this.cluster.saveUrls(session);
  }

  /** Drop urls of streams and subscriptions the room no longer has for this session; true if any went. */
  private async pruneUrls(session: Session): Promise<boolean> {
    const key = session.room.key;
    const streams = new Set((await this.store.streamsOf(key, session.userID)).map((s) => s.streamType));
    const subs = new Set((await this.store.subscriptionsOf(key, session.userID)).map((s) => pullKey(s.userID, s.streamType)));
    let changed = false;
    for (const streamType of [...session.publications.keys()]) {
      if (!streams.has(streamType)) changed = session.publications.delete(streamType) || changed;
    }
    for (const k of [...session.pulls.keys()]) {
      if (!subs.has(k)) changed = session.pulls.delete(k) || changed;
    }
    return changed;
  }

  private endSession(session: Session, closeCode?: number, closeReason?: string): void {
    session.state = 'closed';
    this.options.stats?.ended(session.id);
    session.clearGraceTimer();
    if (this.sessions.remove(session) && this.cluster) this.cluster.release(session.room.key);
    const link = session.link;
    session.link = null;
    if (!link) return;
    if (link.session === session) link.session = null;
    if (closeCode !== undefined) link.close(closeCode, closeReason ?? '');
  }

  private mint(kind: 'push' | 'pull', session: Session, userID: string, streamType: StreamTypeWire): MintedUrl {
    const address: StreamAddress = { roomKey: session.room.key, userID, streamType };
    // Signed with the session it is for: the media side refuses it once that session is gone (media/authorize.ts).
    // A browser cannot speak RTMP: its urls are the WebSocket bridges to the same streams (media/web-bridge.ts).
    return this.options.urls.mint(kind, address, this.options.media.generation, { sessionId: session.id, userID: session.userID }, undefined, session.platform === 'web' ? 'web' : 'rtmp');
  }

  /** A session ended (not moved to another process): its pushes and plays are cut, on every process. */
  private revokeMedia(sessionId: string): void {
    this.options.access?.sessionEnded(sessionId);
  }

  private async identityOf(key: RoomKey, known: RoomInfo | null): Promise<RoomIdentity> {
    if (known) return known;
    const state = await this.store.getRoom(key);
    if (state) return state.info;
    return parseRoomKey(key) ?? { key, roomID: key.startsWith('n:') ? Number(key.slice(2)) : null, strRoomID: key.startsWith('s:') ? key.slice(2) : null };
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

/** Why a cluster resume was refused, in the words the single-process server uses. */
const RESUME_REFUSALS: Record<'gone' | 'token' | 'closed' | 'expired' | 'replaced' | 'seq' | 'log' | 'buffer', (lastSeq: number) => string> = {
  gone: () => 'unknown or expired resume token: join again',
  token: () => 'unknown or expired resume token: join again',
  closed: () => 'the session ended: join again',
  expired: () => 'the session ended: join again',
  replaced: () => 'the session ended: join again',
  seq: (lastSeq) => `notifications after seq ${lastSeq} are no longer available: join again`,
  log: (lastSeq) => `notifications after seq ${lastSeq} are no longer available: join again`,
  buffer: (lastSeq) => `notifications after seq ${lastSeq} are no longer available: join again`,
};

function memberView(m: MemberRecord): Record<string, unknown> {
  return {
    userID: m.userID,
    visible: m.visible,
    role: m.role,
    platform: m.platform,
    businessId: m.businessId,
    joinedAt: m.joinedAt,
    muted: m.muted,
    sessionId: m.sessionId,
  };
}

/** The admin view of a session as Redis keeps it (cluster): which process holds it, its urls and media reports. */
function clusterSessionView(view: { state: string; owner: string; seq: number; urls: string; media: string } | undefined): Record<string, unknown> {
  if (!view) return { connection: 'unknown', lastSeq: null, publishUrls: {}, mediaStates: [], process: null };
  let publishUrls: Record<string, string> = {};
  let mediaStates: unknown[] = [];
  try {
    const urls = JSON.parse(view.urls) as { pub?: Record<string, { url: string }> };
    publishUrls = Object.fromEntries(Object.entries(urls.pub ?? {}).map(([t, u]) => [t, u.url]));
    mediaStates = JSON.parse(view.media) as unknown[];
  } catch {
    // An unreadable record shows as empty.
  }
  return {
    connection: view.state === 'active' ? 'connected' : view.state === 'detached' ? 'grace' : 'unknown',
    lastSeq: view.seq,
    publishUrls,
    mediaStates,
    process: view.owner === '' ? null : view.owner,
  };
}
