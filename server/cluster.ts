// Several server processes sharing rooms through Redis: this process's side of it. It subscribes to the rooms
// its sessions are in and hands their notifications to the room logic in order; keeps sessions resumable by
// any process (numbering and buffer in Redis); renews this process's heartbeat and, on every process, reaps
// dead processes' sessions and ends sessions whose grace period ran out (exactly once: the script decides).
//
// Ordering: a change's notifications are logged and published by one script (RedisRoomStore.announce), so
// all processes hear a room in one order; each carries the change's version, so a session skips what its
// snapshot already reflects, and a late notification about a user is dropped at the source.

import { randomBytes, randomUUID } from 'node:crypto';
import type Redis from 'ioredis';
import type { KickReasonWire, NotificationBody, PlatformWire } from '../src/core/protocol';
import type { ServerConfig } from './config';
import type { Logger } from './log';
import type { MediaCoordination, MediaPlane, MediaPlaneFactory, MediaPlaneListener } from './media-plane';
import type { MintedUrl } from './media-urls';
import { ClusterSession, pullKey, type AppendOutcome, type MediaStateReport, type Pull, type Session, type SessionSink } from './sessions';
import { RedisRoomStore, tokenHash, type ClaimResult, type ExpireResult, type SessionView } from './store/redis-store';
import { parseRoomKey, type RoomIdentity, type RoomKey, type RoomPosition } from './store/room-store';

/** A room notification as the bus delivers it to this process. */
export interface RoomEntry {
  epoch: string;
  eventSeq: number;
  version: number;
  /** The user it is about, who does not hear it. */
  except: string;
  body: NotificationBody;
}

/** Control messages on a room's channel. */
export type ControlMessage = { op: 'kick'; sid: string; reason: KickReasonWire } | { op: 'moved'; sid: string; to: string };

/** What the cluster needs of the room logic (RoomService implements it). */
export interface ClusterRooms {
  /** Run work in the room's serial queue, with its requests (failures are logged). */
  inRoom(key: RoomKey, work: () => Promise<void>): Promise<void>;
  /** Hand a room notification to this process's sessions in the room (called in the room's queue). */
  deliver(key: RoomKey, entry: RoomEntry): void;
  /** A control message for a session of the room (called in the room's queue). */
  control(key: RoomKey, message: ControlMessage): void;
  /** This process's sessions in a room. */
  localSessions(key: RoomKey): ClusterSession[];
  /** Close the sockets of this process's sessions in a room, so their clients resume (lost notifications). */
  resync(key: RoomKey): void;
  /** End a session whose grace period may be over (the sweeper found it due). */
  expireSession(key: RoomKey, sessionId: string): Promise<void>;
  /** A session's notification could not be written: it is not this process's any more, or Redis failed. */
  sessionLost(session: ClusterSession, outcome: AppendOutcome | Error): void;
}

/** What the room logic calls on the cluster (rooms.ts knows nothing of Redis). */
export interface RoomCluster {
  readonly processId: string;
  attach(rooms: ClusterRooms): void;
  newSession(userID: string, room: RoomIdentity, platform: PlatformWire, businessId: string | null): ClusterSession;
  /** The room and session a resume token names, or null for a token no process could have issued. */
  parseToken(token: string): { key: RoomKey; sessionId: string; secret: string } | null;
  /** Subscribe to a room's notifications (resolves once subscribed); every watch is matched by one release. */
  watch(key: RoomKey): Promise<void>;
  release(key: RoomKey): void;
  createSession(session: ClusterSession): Promise<void>;
  /** Place a joined session in the room's history: what its snapshot reflects. */
  place(session: ClusterSession, position: RoomPosition): Promise<void>;
  /** Publish one change's notifications about a user, in order, as one: all of them or none reach the room. */
  announce(key: RoomKey, version: number, subject: string, bodies: readonly NotificationBody[]): Promise<void>;
  claim(token: { key: RoomKey; sessionId: string; secret: string }, lastSeq: number): Promise<(ClaimResult & { ok: false }) | (ClaimResult & { ok: true; resumeToken: string })>;
  restore(token: { key: RoomKey; sessionId: string }, claim: ClaimResult & { ok: true; resumeToken: string }): ClusterSession;
  tellMoved(key: RoomKey, sessionId: string): Promise<void>;
  /** End a session's record (kickReason: a tombstone) and, when it is held elsewhere, tell its holder. */
  endSession(key: RoomKey, sessionId: string, kickReason: KickReasonWire | null, heldHere: boolean): Promise<void>;
  detach(session: Session): Promise<number | null>;
  expire(key: RoomKey, sessionId: string): Promise<ExpireResult>;
  saveUrls(session: Session): Promise<void>;
  /** Persist a renewed userSig's expiry, so a resume on another process keeps the "no shorter" rule. */
  saveUserSigExpiry(session: Session): Promise<void>;
  saveMedia(session: Session): Promise<void>;
  describe(key: RoomKey, sessionIds: string[]): Promise<Map<string, SessionView>>;
  /** Sessions that end on one process are told to every process's media access (their media is cut there too). */
  shareRevocations(access: { relay: ((sessionId: string) => void) | null; revokedElsewhere(sessionId: string): void }): void;
  /** The media plane with a generation shared by every process (media 'none'). */
  readonly mediaPlane: MediaPlaneFactory;
  /** The media generation and media servers' identities, shared through Redis (media 'nginx'). */
  readonly coordination: MediaCoordination;
  close(): Promise<void>;
}

interface Watch {
  holds: number;
  ready: Promise<void>;
  /** The last log entry handed to the room logic, and its incarnation (null until the first). */
  epoch: string | null;
  seen: number;
}

/** The urls a session holds, as persisted for a process that resumes it. */
interface PersistedUrls {
  pub?: Partial<Record<'main' | 'aux', MintedUrl>>;
  pulls?: Pull[];
}

const b64u = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

export async function startCluster(options: { config: ServerConfig; log: Logger }): Promise<RedisCluster> {
  const cluster = new RedisCluster(options.config, options.log);
  await cluster.start();
  return cluster;
}

export class RedisCluster implements RoomCluster, SessionSink {
  readonly processId = randomBytes(6).toString('hex');
  readonly store: RedisRoomStore;
  private readonly sub: Redis;
  private rooms: ClusterRooms | null = null;
  private readonly watched = new Map<RoomKey, Watch>();
  private readonly channelRooms = new Map<string, RoomKey>();
  private timer: NodeJS.Timeout | null = null;
  private ticking = false;
  private closed = false;
  private readyOnce = false;
  private started = false;
  private plane: SharedGenerationPlane | null = null;
  private revocations: { revokedElsewhere(sessionId: string): void } | null = null;
  private readonly generationListeners = new Set<(generation: number) => void>();

  constructor(
    private readonly config: ServerConfig,
    private readonly log: Logger,
  ) {
    this.store = new RedisRoomStore({
      url: config.redisUrl!,
      prefix: config.redisPrefix,
      roomLogSize: config.roomLogSize,
      // Until start() succeeds its own error says why Redis cannot be reached; ioredis's retries would repeat it.
      onError: (error) => {
        if (this.started) log.warn(`redis: ${error.message}`);
      },
    });
    this.sub = this.store.redis.duplicate({ enableAutoPipelining: false, lazyConnect: true });
    this.sub.on('error', (error: Error) => {
      if (this.started) log.warn(`redis subscriber: ${error.message}`);
    });
  }

  async start(): Promise<void> {
    await this.store.connect();
    this.started = true;
    try {
      await this.sub.connect();
      this.sub.on('message', (channel: string, text: string) => this.onMessage(channel, text));
      // ioredis subscribes again after a reconnect; what was published meanwhile is read back from the logs.
      this.sub.on('ready', () => {
        if (this.readyOnce) this.catchUpAll();
        this.readyOnce = true;
      });
      this.readyOnce = true;
      await this.sub.subscribe(this.store.globalChannel);
      await this.store.heartbeat(this.processId, this.config.processTtlMs);
    } catch (error) {
      this.sub.disconnect();
      await this.store.close();
      throw error;
    }
    const tick = Math.max(50, Math.min(1_000, Math.floor(this.config.processTtlMs / 3), Math.floor(this.config.graceMs / 4)));
    this.timer = setInterval(() => void this.tick(), tick);
    this.timer.unref();
    this.log.info(`cluster: process ${this.processId} on ${this.config.redisPrefix} (heartbeat every ${tick} ms)`);
  }

  attach(rooms: ClusterRooms): void {
    this.rooms = rooms;
  }

  shareRevocations(access: { relay: ((sessionId: string) => void) | null; revokedElsewhere(sessionId: string): void }): void {
    this.revocations = access;
    access.relay = (sessionId) => {
      if (this.closed) return;
      this.store.publishGlobal({ t: 'revoke', sid: sessionId }).catch((error: Error) => this.log.warn(`cluster: telling the end of a session failed: ${error.message}`));
    };
  }

  get coordination(): MediaCoordination {
    const store = this.store;
    const listeners = this.generationListeners;
    return {
      generation: () => store.generation(),
      bumpGeneration: async () => {
        const generation = await store.bumpGeneration();
        await store.publishGlobal({ t: 'gen', g: generation });
        return generation;
      },
      onGeneration: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      observe: async (what, identity) => {
        const before = await store.redis.getset(`${this.config.redisPrefix}:media:seen:${what}`, identity);
        return before !== null && before !== identity;
      },
    };
  }

  get mediaPlane(): MediaPlaneFactory {
    return () => {
      this.plane = new SharedGenerationPlane(this.store);
      return this.plane;
    };
  }

  // --- sessions -------------------------------------------------------------------------------------------------

  newSession(userID: string, room: RoomIdentity, platform: PlatformWire, businessId: string | null): ClusterSession {
    const id = randomUUID();
    return new ClusterSession(userID, room, platform, businessId, { id, resumeToken: this.token(room.key, id) }, this);
  }

  /** `<base64url(roomKey)>.<sessionId>.<secret>`: any process finds the session; only its sha256 is stored. */
  private token(key: RoomKey, sessionId: string): string {
    return `${b64u(key)}.${sessionId}.${randomBytes(24).toString('base64url')}`;
  }

  parseToken(token: string): { key: RoomKey; sessionId: string; secret: string } | null {
    const parts = token.split('.');
    if (parts.length !== 3) return null;
    const [room, sessionId, secret] = parts as [string, string, string];
    if (!/^[A-Za-z0-9_-]+$/.test(room) || !/^[0-9a-f-]{36}$/.test(sessionId) || !/^[A-Za-z0-9_-]{16,}$/.test(secret)) return null;
    const key = Buffer.from(room, 'base64url').toString('utf8');
    if (b64u(key) !== room || parseRoomKey(key) === null) return null;
    return { key, sessionId, secret };
  }

  async createSession(session: ClusterSession): Promise<void> {
    const secret = this.parseToken(session.resumeToken)!.secret;
    await this.store.createSession(session.room.key, {
      sessionId: session.id,
      owner: this.processId,
      tokenHash: tokenHash(secret),
      userID: session.userID,
      platform: session.platform,
      businessId: session.businessId,
      userSigExpiresAt: session.userSigExpiresAt,
    });
  }

  async place(session: ClusterSession, position: RoomPosition): Promise<void> {
    session.floorVersion = position.version;
    session.epoch = position.epoch;
    session.lastEventSeq = position.eventSeq;
    await this.store.setSessionFields(session.room.key, session.id, this.processId, {
      floor: BigInt(Math.trunc(position.version)).toString(),
      epoch: position.epoch,
      lastEseq: String(position.eventSeq),
    });
  }

  async claim(token: { key: RoomKey; sessionId: string; secret: string }, lastSeq: number) {
    const secret = randomBytes(24).toString('base64url');
    const result = await this.store.claim(token.key, token.sessionId, tokenHash(token.secret), tokenHash(secret), lastSeq, this.processId, this.config.resumeBufferSize);
    if (!result.ok) return result;
    return { ...result, resumeToken: `${b64u(token.key)}.${token.sessionId}.${secret}` };
  }

  restore(token: { key: RoomKey; sessionId: string }, claim: ClaimResult & { ok: true; resumeToken: string }): ClusterSession {
    const room = parseRoomKey(token.key)!;
    const session = new ClusterSession(claim.userID, room, claim.platform as PlatformWire, claim.businessId, { id: token.sessionId, resumeToken: claim.resumeToken }, this);
    let urls: PersistedUrls = {};
    try {
      urls = JSON.parse(claim.urls) as PersistedUrls;
    } catch {
      // Nothing usable: the resume mints fresh urls for what the store says the session has.
    }
    for (const [streamType, minted] of Object.entries(urls.pub ?? {}) as Array<['main' | 'aux', MintedUrl]>) session.publications.set(streamType, minted);
    for (const pull of urls.pulls ?? []) session.pulls.set(pullKey(pull.userID, pull.streamType), pull);
    session.userSigExpiresAt = claim.userSigExpiresAt;
    return session;
  }

  async tellMoved(key: RoomKey, sessionId: string): Promise<void> {
    await this.store.control(key, { op: 'moved', sid: sessionId, to: this.processId });
  }

  async endSession(key: RoomKey, sessionId: string, kickReason: KickReasonWire | null, heldHere: boolean): Promise<void> {
    const owner = await this.store.endSession(key, sessionId, kickReason);
    if (kickReason !== null && !heldHere && owner) await this.store.control(key, { op: 'kick', sid: sessionId, reason: kickReason });
  }

  detach(session: Session): Promise<number | null> {
    return this.store.detach(session.room.key, session.id, this.processId, this.config.graceMs);
  }

  expire(key: RoomKey, sessionId: string): Promise<ExpireResult> {
    return this.store.expire(key, sessionId);
  }

  async saveUrls(session: Session): Promise<void> {
    const urls: PersistedUrls = { pub: Object.fromEntries(session.publications), pulls: [...session.pulls.values()] };
    await this.store.setSessionFields(session.room.key, session.id, this.processId, { urls: JSON.stringify(urls) });
  }

  async saveUserSigExpiry(session: Session): Promise<void> {
    await this.store.setSessionFields(session.room.key, session.id, this.processId, { sigExp: String(Math.trunc(session.userSigExpiresAt)) });
  }

  async saveMedia(session: Session): Promise<void> {
    const media: MediaStateReport[] = [...session.mediaStates.values()];
    await this.store.setSessionFields(session.room.key, session.id, this.processId, { media: JSON.stringify(media) });
  }

  describe(key: RoomKey, sessionIds: string[]): Promise<Map<string, SessionView>> {
    return this.store.describeSessions(key, sessionIds);
  }

  // SessionSink
  async append(session: ClusterSession, body: NotificationBody, eventSeq: number | null): Promise<AppendOutcome> {
    const reply = await this.store.append(session.room.key, session.id, this.processId, JSON.stringify(body), eventSeq, this.config.resumeBufferSize);
    if (reply.ok) return reply;
    return { ok: false, reason: reply.reason, kickReason: reply.reason === 'kicked' ? (reply.kickReason as KickReasonWire) : null };
  }

  lost(session: ClusterSession, outcome: AppendOutcome | Error): void {
    this.rooms?.sessionLost(session, outcome);
  }

  // --- the rooms' channels ------------------------------------------------------------------------------------------

  async watch(key: RoomKey): Promise<void> {
    let watch = this.watched.get(key);
    if (!watch) {
      const channel = this.store.roomChannel(key);
      watch = { holds: 0, epoch: null, seen: 0, ready: this.sub.subscribe(channel).then(() => undefined) };
      this.watched.set(key, watch);
      this.channelRooms.set(channel, key);
    }
    watch.holds += 1;
    try {
      await watch.ready;
    } catch (error) {
      this.release(key);
      throw error;
    }
  }

  release(key: RoomKey): void {
    const watch = this.watched.get(key);
    if (!watch) return;
    watch.holds -= 1;
    if (watch.holds > 0) return;
    const channel = this.store.roomChannel(key);
    this.watched.delete(key);
    this.channelRooms.delete(channel);
    if (!this.closed) this.sub.unsubscribe(channel).catch((error: Error) => this.log.warn(`unsubscribing ${key}: ${error.message}`));
  }

  async announce(key: RoomKey, version: number, subject: string, bodies: readonly NotificationBody[]): Promise<void> {
    await this.store.announce(key, version, bodies.map((body) => ({ subject, body: JSON.stringify(body) })));
  }

  private onMessage(channel: string, text: string): void {
    if (this.closed) return;
    if (channel === this.store.globalChannel) {
      this.onGlobal(text);
      return;
    }
    const key = this.channelRooms.get(channel);
    const rooms = this.rooms;
    if (key === undefined || !rooms) return;
    let message: { t?: unknown } & Record<string, unknown>;
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.log.warn(`room ${key}: unreadable bus message`);
      return;
    }
    void rooms.inRoom(key, async () => {
      const watch = this.watched.get(key);
      if (!watch) return;
      if (message.t === 'c') {
        rooms.control(key, message as unknown as ControlMessage);
        return;
      }
      if (message.t !== 'n') return;
      const entry: RoomEntry = {
        epoch: String(message.ep),
        eventSeq: Number(message.e),
        version: Number(message.cv),
        except: String(message.x),
        body: message.b as NotificationBody,
      };
      const sameEpoch = watch.epoch === entry.epoch;
      if (sameEpoch) {
        if (entry.eventSeq <= watch.seen) return;
        // A gap: the subscriber was disconnected for a moment. The log has what went by.
        if (entry.eventSeq > watch.seen + 1) await this.catchUp(key, watch, entry.eventSeq);
      }
      watch.seen = sameEpoch ? Math.max(watch.seen, entry.eventSeq) : entry.eventSeq;
      watch.epoch = entry.epoch;
      rooms.deliver(key, entry);
    });
  }

  /** Deliver what the log holds after what this process saw (up to `before`, exclusive). */
  private async catchUp(key: RoomKey, watch: Watch, before = Number.POSITIVE_INFINITY): Promise<void> {
    const rooms = this.rooms;
    if (!rooms) return;
    const sessions = rooms.localSessions(key);
    const from = watch.epoch !== null ? watch.seen : Math.min(...sessions.map((s) => s.lastEventSeq));
    if (!Number.isFinite(from)) return;
    const log = await this.store.readLog(key, from);
    if (log.epoch === '' || (watch.epoch !== null && log.epoch !== watch.epoch)) return;
    const first = log.entries[0];
    if (log.eventSeq > from && (!first || first.eventSeq !== from + 1)) {
      this.log.warn(`room ${key}: notifications after ${from} are no longer in the log; its sessions here resume to catch up`);
      rooms.resync(key);
      return;
    }
    for (const e of log.entries) {
      if (e.eventSeq >= before) break;
      watch.epoch = log.epoch;
      watch.seen = e.eventSeq;
      rooms.deliver(key, { epoch: log.epoch, eventSeq: e.eventSeq, version: e.version, except: e.except, body: JSON.parse(e.body) as NotificationBody });
    }
  }

  private catchUpAll(): void {
    const rooms = this.rooms;
    if (!rooms || this.closed) return;
    for (const [key, watch] of this.watched) {
      void rooms.inRoom(key, () => this.catchUp(key, watch));
    }
  }

  private onGlobal(text: string): void {
    try {
      const message = JSON.parse(text) as { t?: unknown; g?: unknown; sid?: unknown };
      if (message.t === 'gen' && typeof message.g === 'number') {
        void this.plane?.apply(message.g);
        for (const listener of this.generationListeners) listener(message.g);
      }
      // Our own revocations come back too: applying one twice changes nothing.
      if (message.t === 'revoke' && typeof message.sid === 'string' && message.sid.length <= 64) this.revocations?.revokedElsewhere(message.sid);
    } catch {
      this.log.warn('unreadable cluster message');
    }
  }

  // --- heartbeat, dead processes, grace periods ------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.ticking || this.closed) return;
    this.ticking = true;
    try {
      const dead = await this.store.heartbeat(this.processId, this.config.processTtlMs);
      for (const processId of dead) {
        if (processId === this.processId || this.closed) continue;
        if (!(await this.store.claimDead(processId, this.config.processTtlMs))) continue;
        const entries = await this.store.ownedBy(processId);
        for (const entry of entries) await this.store.reapSession(processId, entry, this.config.graceMs);
        await this.store.forgetProcess(processId);
        if (entries.length > 0) this.log.info(`cluster: process ${processId} is gone; ${entries.length} of its sessions wait to be resumed`);
      }
      for (const { key, sessionId } of await this.store.dueGraces(100)) {
        if (this.closed) break;
        await this.rooms?.expireSession(key, sessionId);
      }
    } catch (error) {
      if (!this.closed) this.log.warn(`cluster housekeeping failed: ${(error as Error).message}`);
    } finally {
      this.ticking = false;
    }
  }

  /** Stop: no more heartbeats (the sessions were already handed over by the room logic), disconnect. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    // Let housekeeping that is mid-flight finish with a live connection.
    for (let i = 0; i < 100 && this.ticking; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    try {
      await this.store.retire(this.processId);
    } catch (error) {
      this.log.warn(`cluster: retiring failed: ${(error as Error).message}`);
    }
    this.watched.clear();
    this.channelRooms.clear();
    try {
      await this.sub.quit();
    } catch {
      this.sub.disconnect();
    }
    // The store (the command connection) is closed by the server after everything else.
  }
}

/**
 * The no-media plane with its generation in Redis: a restart on any process bumps it there and every process
 * mints new urls for its own sessions (url-updated). A session held by no process meanwhile gets its new urls
 * when it is resumed (the resume compares generations).
 */
class SharedGenerationPlane implements MediaPlane {
  readonly name = 'none';
  readonly confirmsStreams = false;
  private gen = 1;
  private listener: MediaPlaneListener | null = null;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly store: RedisRoomStore) {}

  get generation(): number {
    return this.gen;
  }

  async start(listener: MediaPlaneListener): Promise<void> {
    this.listener = listener;
    this.gen = await this.store.generation();
  }

  async restart(): Promise<number> {
    const generation = await this.store.bumpGeneration();
    await this.store.publishGlobal({ t: 'gen', g: generation });
    await this.apply(generation);
    return generation;
  }

  /** Generations apply in order, once each, whichever of the publish and our own restart() comes first. */
  apply(generation: number): Promise<void> {
    this.applying = this.applying.then(async () => {
      if (generation <= this.gen) return;
      this.gen = generation;
      try {
        await this.listener?.onGenerationChanged(generation);
      } catch {
        // The room logic logs its own failures.
      }
    });
    return this.applying;
  }

  async close(): Promise<void> {
    this.listener = null;
  }
}
