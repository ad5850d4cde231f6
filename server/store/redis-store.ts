// RoomStore on Redis (ioredis), for several server processes sharing rooms. Every limit decision and every
// read-modify-write runs as one Lua script (redis-lua.ts), atomic across processes; plain reads are single
// scripts too, so each returns one consistent instant. Beyond RoomStore it keeps what a session needs to be
// resumed by another process, the room's notification log, and the process registry (used by cluster.ts).

import { createHash } from 'node:crypto';
import Redis from 'ioredis';
import { PROTOCOL_VERSION, type RoomSnapshot, type SceneWire, type StreamTypeWire } from '../../src/core/protocol';
import { redactedRedisUrl, type RoomLimits } from '../config';
import { SCRIPTS, type ScriptName } from './redis-lua';
import {
  LIMIT_MESSAGES,
  parseRoomKey,
  type AddMemberResult,
  type Departure,
  type MemberRecord,
  type PublishResult,
  type RemovalResult,
  type RoomIdentity,
  type RoomInfo,
  type RoomKey,
  type RoomState,
  type RoomStore,
  type RoomSummary,
  type StoreSnapshot,
  type StreamRecord,
  type SubscribeResult,
  type SubscriptionRecord,
  type Versioned,
  type VisibilityResult,
} from './room-store';

export interface RedisRoomStoreOptions {
  /** redis:// or rediss:// url. */
  url: string;
  /** Key prefix (config.redisPrefix). */
  prefix: string;
  /** Notifications kept per room for resumes elsewhere (config.roomLogSize). */
  roomLogSize: number;
  /** How long to wait for Redis at connect() before giving up. */
  connectTimeoutMs?: number;
  onError?: (error: Error) => void;
}

/** A notification the room publishes, about `subject` (who does not hear it). */
export interface AnnounceItem {
  subject: string;
  /** The notification body as JSON text. */
  body: string;
}

/** One entry of a room's log. */
export interface LogEntry {
  eventSeq: number;
  version: number;
  except: string;
  /** The notification body as JSON text. */
  body: string;
}

/** What a session keeps in Redis besides its buffer. */
export interface SessionRecordInit {
  sessionId: string;
  owner: string;
  tokenHash: string;
  userID: string;
  platform: string;
  businessId: string | null;
  /** When the userSig the session holds expires (unix seconds): a renewal on any process must not shorten it. */
  userSigExpiresAt: number;
}

export type ClaimResult =
  | {
      ok: true;
      previousOwner: string;
      seq: number;
      eventSeq: number;
      userID: string;
      platform: string;
      businessId: string | null;
      /** The session's urls as last persisted (JSON), for UPDATE_URL decisions. */
      urls: string;
      epoch: string;
      floorVersion: number;
      /** Notification frames after the client's lastSeq, ready to send. */
      missed: string[];
      /** When the session's userSig expires (unix seconds) as last persisted; 0 for a record without it. */
      userSigExpiresAt: number;
    }
  | { ok: false; reason: 'gone' | 'token' | 'closed' | 'expired' | 'replaced' | 'seq' | 'log' | 'buffer' };

export type ExpireResult =
  | { kind: 'wait'; remainingMs: number }
  /** Resumed meanwhile (active), or already ended by someone else. */
  | { kind: 'skip' }
  /** Ended; `removal` is null when the member was no longer this session. */
  | { kind: 'expired'; removal: RemovalResult | null };

export type AppendReply = { ok: true; seq: number; text: string } | { ok: false; reason: 'moved' | 'gone' | 'kicked'; kickReason: string };

export interface SessionView {
  state: string;
  owner: string;
  seq: number;
  urls: string;
  media: string;
}

type Reply = unknown;
type ScriptRunner = (...args: Array<string | number>) => Promise<Reply>;

const NOTIFICATION_PREFIX = `{"v":${PROTOCOL_VERSION},"seq":`;
const KICK_TOMBSTONE_SEC = 120;

const str = (v: unknown): string => (typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v));
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const strings = (v: unknown): string[] => list(v).map(str);
const json = <T>(text: unknown): T => JSON.parse(str(text)) as T;

export const tokenHash = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export class RedisRoomStore implements RoomStore {
  readonly redis: Redis;
  readonly prefix: string;
  private readonly logSize: number;
  private readonly scripts = new Map<ScriptName, ScriptRunner>();
  private readonly connectTimeoutMs: number;
  private closed = false;

  constructor(private readonly options: RedisRoomStoreOptions) {
    this.prefix = options.prefix;
    this.logSize = options.roomLogSize;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    // Auto-pipelining batches the many small scripts of a broadcast into few round trips, in call order.
    this.redis = new Redis(options.url, { enableAutoPipelining: true, lazyConnect: true, maxRetriesPerRequest: 3 });
    this.redis.on('error', (error: Error) => options.onError?.(error));
    for (const [name, def] of Object.entries(SCRIPTS) as Array<[ScriptName, (typeof SCRIPTS)[ScriptName]]>) {
      this.redis.defineCommand(`wxrtc_${name}`, { numberOfKeys: def.numberOfKeys, lua: def.lua });
      const command = (this.redis as unknown as Record<string, ScriptRunner>)[`wxrtc_${name}`];
      if (!command) throw new Error(`ioredis did not define the ${name} script`);
      this.scripts.set(name, command.bind(this.redis));
    }
  }

  /** Connect and check Redis answers; fails with a clear message (no credentials in it) when it does not. */
  async connect(): Promise<void> {
    const shown = redactedRedisUrl(this.options.url);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.redis.connect().then(() => this.redis.ping()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.connectTimeoutMs} ms`)), this.connectTimeoutMs);
        }),
      ]);
    } catch (error) {
      this.redis.disconnect();
      throw new Error(`cannot reach Redis at ${shown}: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  // --- keys ---------------------------------------------------------------------------------------------------

  /** `<prefix>:{<roomKey>}:` — the hash tag keeps a room's keys (and its sessions') in one cluster slot. */
  roomPrefix(key: RoomKey): string {
    return `${this.prefix}:{${key}}:`;
  }
  roomChannel(key: RoomKey): string {
    return `${this.roomPrefix(key)}bus`;
  }
  get globalChannel(): string {
    return `${this.prefix}:global`;
  }
  private get roomsIndex(): string {
    return `${this.prefix}:rooms`;
  }
  private get graces(): string {
    return `${this.prefix}:graces`;
  }
  private get procs(): string {
    return `${this.prefix}:procs`;
  }
  private get generationKey(): string {
    return `${this.prefix}:generation`;
  }
  ownedKey(processId: string): string {
    return `${this.prefix}:proc:${processId}:owned`;
  }
  /** How a session is named in the global indexes (graces, owned): its room and id. */
  sessionEntry(key: RoomKey, sessionId: string): string {
    return JSON.stringify([key, sessionId]);
  }
  parseSessionEntry(entry: string): { key: RoomKey; sessionId: string } | null {
    try {
      const [key, sessionId] = JSON.parse(entry) as [unknown, unknown];
      return typeof key === 'string' && typeof sessionId === 'string' ? { key, sessionId } : null;
    } catch {
      return null;
    }
  }

  private run(name: ScriptName, keys: string[], args: Array<string | number>): Promise<Reply> {
    const script = this.scripts.get(name)!;
    return script(...keys, ...args);
  }

  private room(name: ScriptName, key: RoomKey, extraKeys: string[], args: Array<string | number>): Promise<Reply> {
    const pre = this.roomPrefix(key);
    return this.run(name, [`${pre}info`, ...extraKeys], [pre, ...args]);
  }

  // --- RoomStore ------------------------------------------------------------------------------------------------

  async tryAddMember(identity: RoomIdentity, scene: SceneWire, member: MemberRecord, limits: RoomLimits): Promise<AddMemberResult> {
    const r = list(
      await this.room('addMember', identity.key, [this.roomsIndex], [
        identity.key,
        scene,
        member.userID,
        JSON.stringify(member),
        member.visible ? '1' : '0',
        member.businessId ?? '',
        member.joinedAt,
        limits.rtcUsersPerRoom,
        limits.visibleUsersPerRoom,
        limits.silentUsersPerRoom,
      ]),
    );
    if (r[0] === 'refuse') {
      const why = str(r[1]);
      if (why === 'rtc') return LIMIT_MESSAGES.roomFullRtc(limits.rtcUsersPerRoom);
      if (why === 'visible') return LIMIT_MESSAGES.visible(limits.visibleUsersPerRoom);
      return LIMIT_MESSAGES.silent(limits.silentUsersPerRoom);
    }
    const info: RoomInfo = { ...identityOf(identity.key), scene: str(r[3]) as SceneWire, createdAt: Number(r[4]), businessIds: strings(r[5]) };
    const replaced = list(r[6]).length > 0 ? departure(r[6]) : null;
    return { ok: true, room: info, created: Number(r[2]) === 1, replaced, version: Number(r[1]) };
  }

  async removeMember(key: RoomKey, userID: string, sessionId: string): Promise<RemovalResult | null> {
    const r = list(await this.room('removeMember', key, [this.roomsIndex], [key, userID, sessionId]));
    if (r[0] !== 'ok') return null;
    return { departure: departure(r[2]), endedRoom: endedRoom(key, r[3]), version: Number(r[1]) };
  }

  async getMember(key: RoomKey, userID: string): Promise<MemberRecord | null> {
    const m = await this.redis.hget(`${this.roomPrefix(key)}members`, userID);
    return m ? json<MemberRecord>(m) : null;
  }

  async listMembers(key: RoomKey): Promise<MemberRecord[]> {
    return (await this.redis.hvals(`${this.roomPrefix(key)}members`)).map((m) => json<MemberRecord>(m));
  }

  async snapshotFor(key: RoomKey, userID: string): Promise<StoreSnapshot> {
    const r = list(await this.room('snapshot', key, [], []));
    const visible = new Set(strings(r[0]));
    const snapshot: RoomSnapshot = {
      users: [...visible].filter((u) => u !== userID),
      streams: strings(r[1])
        .map((s) => json<StreamRecord>(s))
        .filter((s) => s.state === 'live' && s.userID !== userID && visible.has(s.userID))
        .map((s) => ({ userID: s.userID, streamType: s.streamType, audio: s.audio, video: s.video })),
    };
    return { ...snapshot, position: { version: Number(r[2]), epoch: str(r[3]), eventSeq: Number(r[4]) } };
  }

  async trySetVisibility(key: RoomKey, userID: string, visible: boolean, limits: RoomLimits): Promise<VisibilityResult> {
    const r = list(await this.room('setVisibility', key, [], [userID, visible ? '1' : '0', limits.visibleUsersPerRoom, limits.silentUsersPerRoom]));
    if (r[0] === 'refuse') {
      const why = str(r[1]);
      if (why === 'notInRoom') return LIMIT_MESSAGES.notInRoom();
      return why === 'visible' ? LIMIT_MESSAGES.visible(limits.visibleUsersPerRoom) : LIMIT_MESSAGES.silent(limits.silentUsersPerRoom);
    }
    if (r[0] === 'same') return { ok: true, changed: false, member: json<MemberRecord>(r[1]), removed: null };
    // The departure's member is the member as it was before it turned silent, as MemoryRoomStore reports it.
    const removed = list(r[3]).length > 0 ? departure(r[3]) : null;
    return { ok: true, changed: true, member: json<MemberRecord>(r[2]), removed, version: Number(r[1]) };
  }

  async setMute(key: RoomKey, userID: string, muted: { audio: boolean; video: boolean }): Promise<({ member: MemberRecord; changed: StreamRecord[] } & Versioned) | null> {
    const r = list(await this.room('setMute', key, [], [userID, muted.audio ? '1' : '0', muted.video ? '1' : '0']));
    if (r[0] !== 'ok') return null;
    return { member: json<MemberRecord>(r[2]), changed: strings(r[3]).map((s) => json<StreamRecord>(s)), version: Number(r[1]) };
  }

  async tryPublish(key: RoomKey, userID: string, streamType: StreamTypeWire, limits: RoomLimits, live: boolean): Promise<PublishResult> {
    const r = list(await this.room('publishStream', key, [], [userID, streamType, limits.liveAnchorsPerRoom, live ? '1' : '0', Date.now()]));
    if (r[0] === 'refuse') {
      const why = str(r[1]) as 'notInRoom' | 'silentCannotPublish' | 'audienceCannotPublish' | 'roomFullLive';
      if (why === 'roomFullLive') return LIMIT_MESSAGES.roomFullLive(limits.liveAnchorsPerRoom);
      return LIMIT_MESSAGES[why]();
    }
    return { ok: true, stream: json<StreamRecord>(r[2]), created: Number(r[3]) === 1, becameLive: Number(r[4]) === 1, version: Number(r[1]) };
  }

  async setStreamLive(
    key: RoomKey,
    userID: string,
    streamType: StreamTypeWire,
    live: boolean,
  ): Promise<({ stream: StreamRecord; changed: boolean; droppedSubscriptions: SubscriptionRecord[] } & Versioned) | null> {
    const r = list(await this.room('setStreamLive', key, [], [userID, streamType, live ? '1' : '0']));
    if (r[0] === 'none') return null;
    if (r[0] === 'same') return { stream: json<StreamRecord>(r[1]), changed: false, droppedSubscriptions: [] };
    return { stream: json<StreamRecord>(r[2]), changed: true, droppedSubscriptions: strings(r[3]).map((s) => json<SubscriptionRecord>(s)), version: Number(r[1]) };
  }

  async unpublish(key: RoomKey, userID: string, streamType: StreamTypeWire): Promise<({ stream: StreamRecord; droppedSubscriptions: SubscriptionRecord[] } & Versioned) | null> {
    const r = list(await this.room('unpublish', key, [], [userID, streamType]));
    if (r[0] !== 'ok') return null;
    return { stream: json<StreamRecord>(r[2]), droppedSubscriptions: strings(r[3]).map((s) => json<SubscriptionRecord>(s)), version: Number(r[1]) };
  }

  async streamsOf(key: RoomKey, userID: string): Promise<StreamRecord[]> {
    const found = await this.redis.hmget(`${this.roomPrefix(key)}streams`, `main:${userID}`, `aux:${userID}`);
    return found.filter((s): s is string => typeof s === 'string').map((s) => json<StreamRecord>(s));
  }

  async trySubscribe(key: RoomKey, subscription: SubscriptionRecord, limits: RoomLimits): Promise<SubscribeResult> {
    const { subscriberID, userID, streamType } = subscription;
    const r = list(await this.room('subscribe', key, [], [subscriberID, userID, streamType, JSON.stringify(subscription), limits.subscriptionsPerUser]));
    if (r[0] === 'refuse') {
      const why = str(r[1]);
      if (why === 'notInRoom') return LIMIT_MESSAGES.notInRoom();
      if (why === 'subscriptions') return LIMIT_MESSAGES.subscriptions(limits.subscriptionsPerUser);
      return LIMIT_MESSAGES.streamNotFound(userID, streamType);
    }
    return { ok: true, created: Number(r[1]) === 1, count: Number(r[2]) };
  }

  async unsubscribe(key: RoomKey, subscriberID: string, userID: string, streamType: StreamTypeWire): Promise<boolean> {
    return Number(await this.room('unsubscribe', key, [], [subscriberID, userID, streamType])) > 0;
  }

  async subscriptionsOf(key: RoomKey, subscriberID: string): Promise<SubscriptionRecord[]> {
    return (await this.redis.hvals(`${this.roomPrefix(key)}subs:${subscriberID}`)).map((s) => json<SubscriptionRecord>(s));
  }

  async getRoom(key: RoomKey): Promise<RoomState | null> {
    return roomState(key, list(await this.room('getRoom', key, [], [])));
  }

  async listRooms(): Promise<RoomSummary[]> {
    const keys = await this.redis.smembers(this.roomsIndex);
    const rooms = await Promise.all(keys.map(async (key) => ({ key, r: list(await this.room('summary', key, [], [])) })));
    const summaries: RoomSummary[] = [];
    for (const { key, r } of rooms) {
      if (r.length === 0) continue;
      const users = Number(r[3]);
      const visibleUsers = Number(r[4]);
      summaries.push({
        ...identityOf(key),
        scene: str(r[0]) as SceneWire,
        createdAt: Number(r[1]),
        businessIds: strings(r[2]),
        users,
        visibleUsers,
        silentUsers: users - visibleUsers,
        streams: Number(r[5]),
        subscriptions: Number(r[6]),
      });
    }
    return summaries;
  }

  async deleteRoom(key: RoomKey): Promise<RoomState | null> {
    return roomState(key, list(await this.room('deleteRoom', key, [this.roomsIndex], [key])));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  // --- the room's notifications ---------------------------------------------------------------------------------

  /** Log and publish the notifications of one change (version): whole, unless a newer change about its subject is out. */
  async announce(key: RoomKey, version: number, items: AnnounceItem[]): Promise<number> {
    const pre = this.roomPrefix(key);
    const payload = JSON.stringify(items.map((i) => ({ s: i.subject, b: i.body })));
    return Number(await this.run('announce', [`${pre}info`, `${pre}subjcv`, `${pre}log`], [pre, this.roomChannel(key), versionText(version), this.logSize, payload]));
  }

  /** Log entries after `afterEventSeq`, with the room's current epoch and position. */
  async readLog(key: RoomKey, afterEventSeq: number): Promise<{ epoch: string; eventSeq: number; entries: LogEntry[] }> {
    const pre = this.roomPrefix(key);
    const r = list(await this.run('readLog', [`${pre}log`], [pre, afterEventSeq]));
    return {
      epoch: str(r[0]),
      eventSeq: Number(r[1]),
      entries: list(r[2]).map((e) => {
        const [eventSeq, version, except, body] = strings(e);
        return { eventSeq: Number(eventSeq), version: Number(version), except: except ?? '', body: body ?? '{}' };
      }),
    };
  }

  /** Publish a control message on a room's channel (kicks, moved sessions); not logged, nobody replays them. */
  async control(key: RoomKey, message: Record<string, unknown>): Promise<void> {
    await this.redis.publish(this.roomChannel(key), JSON.stringify({ t: 'c', ...message }));
  }

  async publishGlobal(message: Record<string, unknown>): Promise<void> {
    await this.redis.publish(this.globalChannel, JSON.stringify(message));
  }

  // --- sessions ---------------------------------------------------------------------------------------------------

  private sessKeys(key: RoomKey, sessionId: string): [string, string] {
    const pre = this.roomPrefix(key);
    return [`${pre}sess:${sessionId}`, `${pre}buf:${sessionId}`];
  }

  /** Record a new session, held by `init.owner`, before its member is admitted (so no member is ever without one). */
  async createSession(key: RoomKey, init: SessionRecordInit): Promise<void> {
    const [sess] = this.sessKeys(key, init.sessionId);
    const fields: Record<string, string> = {
      owner: init.owner,
      state: 'active',
      deadline: '',
      tokenHash: init.tokenHash,
      userID: init.userID,
      platform: init.platform,
      businessId: init.businessId ?? '',
      seq: '0',
      lastEseq: '0',
      floor: '0',
      epoch: '',
      urls: '{}',
      media: '[]',
      sigExp: String(Math.max(0, Math.trunc(init.userSigExpiresAt))),
    };
    await this.run('sessCreate', [sess, this.ownedKey(init.owner)], [this.roomPrefix(key), this.sessionEntry(key, init.sessionId), ...Object.entries(fields).flat()]);
  }

  /** Write fields of a session while `owner` holds it; false when it does not any more. */
  async setSessionFields(key: RoomKey, sessionId: string, owner: string, fields: Record<string, string>): Promise<boolean> {
    const [sess] = this.sessKeys(key, sessionId);
    return Number(await this.run('sessSet', [sess], [this.roomPrefix(key), owner, ...Object.entries(fields).flat()])) === 1;
  }

  async append(key: RoomKey, sessionId: string, owner: string, body: string, eventSeq: number | null, bufferSize: number): Promise<AppendReply> {
    const r = list(await this.run('sessAppend', this.sessKeys(key, sessionId), [this.roomPrefix(key), owner, body, eventSeq === null ? '' : eventSeq, bufferSize, NOTIFICATION_PREFIX]));
    if (r[0] === 'ok') return { ok: true, seq: Number(r[1]), text: str(r[2]) };
    return { ok: false, reason: str(r[0]) as 'moved' | 'gone' | 'kicked', kickReason: str(r[1]) };
  }

  /** Start a session's grace period (its socket went); the deadline in Redis's clock, or null if not ours/active. */
  async detach(key: RoomKey, sessionId: string, owner: string, graceMs: number): Promise<number | null> {
    const [sess] = this.sessKeys(key, sessionId);
    const r = await this.run('sessDetach', [sess, this.graces], [this.roomPrefix(key), owner, graceMs, this.sessionEntry(key, sessionId)]);
    return r === null ? null : Number(r);
  }

  async claim(key: RoomKey, sessionId: string, secretHash: string, newSecretHash: string, lastSeq: number, owner: string, bufferSize: number): Promise<ClaimResult> {
    const [sess, buf] = this.sessKeys(key, sessionId);
    const r = list(
      await this.run('sessClaim', [sess, buf, this.ownedKey(owner)], [
        this.roomPrefix(key),
        sessionId,
        secretHash,
        newSecretHash,
        lastSeq,
        owner,
        bufferSize,
        NOTIFICATION_PREFIX,
        this.sessionEntry(key, sessionId),
      ]),
    );
    if (r[0] !== 'ok') return { ok: false, reason: str(r[0]) as Extract<ClaimResult, { ok: false }>['reason'] };
    return {
      ok: true,
      previousOwner: str(r[1]),
      seq: Number(r[2]),
      eventSeq: Number(r[3]),
      userID: str(r[4]),
      platform: str(r[5]),
      businessId: str(r[6]) === '' ? null : str(r[6]),
      urls: str(r[7]),
      epoch: str(r[8]),
      floorVersion: Number(r[9]),
      missed: strings(r[10]),
      userSigExpiresAt: Number(str(r[11])) || 0,
    };
  }

  async expire(key: RoomKey, sessionId: string): Promise<ExpireResult> {
    const [sess, buf] = this.sessKeys(key, sessionId);
    const r = list(await this.run('sessExpire', [sess, buf, this.graces, this.roomsIndex], [this.roomPrefix(key), key, sessionId, this.sessionEntry(key, sessionId), `${this.prefix}:`]));
    if (r[0] === 'wait') return { kind: 'wait', remainingMs: Number(r[1]) };
    if (r[0] !== 'expired') return { kind: 'skip' };
    if (r.length < 4) return { kind: 'expired', removal: null };
    return { kind: 'expired', removal: { departure: departure(r[2]), endedRoom: endedRoom(key, r[3]), version: Number(r[1]) } };
  }

  /** End a session record: deleted, or (kicked) a tombstone that tells a late holder why. Returns its owner, or null. */
  async endSession(key: RoomKey, sessionId: string, kickReason: string | null): Promise<string | null> {
    const r = await this.run('sessEnd', this.sessKeys(key, sessionId), [this.roomPrefix(key), kickReason ?? '', KICK_TOMBSTONE_SEC, `${this.prefix}:`, this.sessionEntry(key, sessionId)]);
    return r === null ? null : str(r);
  }

  async describeSessions(key: RoomKey, sessionIds: string[]): Promise<Map<string, SessionView>> {
    const views = new Map<string, SessionView>();
    await Promise.all(
      sessionIds.map(async (id) => {
        const [sess] = this.sessKeys(key, id);
        const [state, owner, seq, urls, media] = await this.redis.hmget(sess, 'state', 'owner', 'seq', 'urls', 'media');
        if (state) views.set(id, { state, owner: owner ?? '', seq: Number(seq ?? 0), urls: urls ?? '{}', media: media ?? '{}' });
      }),
    );
    return views;
  }

  // --- processes ----------------------------------------------------------------------------------------------------

  /** Renew this process's heartbeat; returns processes whose heartbeat has run out. */
  async heartbeat(processId: string, ttlMs: number): Promise<string[]> {
    return strings(await this.run('heartbeat', [this.procs], ['', processId, ttlMs]));
  }

  /**
   * A process going away marks its heartbeat as run out: another process's reaper then deals with whatever
   * it still held (sessions it could not hand over, its set of owned sessions) as it would after a crash.
   */
  async retire(processId: string): Promise<void> {
    await this.redis.zadd(this.procs, 0, processId);
  }

  /** Claim a dead process's sessions for reaping (one reaper at a time, for leaseMs). */
  async claimDead(processId: string, leaseMs: number): Promise<boolean> {
    return Number(await this.run('reapClaim', [this.procs], ['', processId, leaseMs])) === 1;
  }

  async ownedBy(processId: string): Promise<string[]> {
    return this.redis.smembers(this.ownedKey(processId));
  }

  /** Give one session of a dead process its grace period; its entry leaves the dead process's set. */
  async reapSession(processId: string, entry: string, graceMs: number): Promise<void> {
    const parsed = this.parseSessionEntry(entry);
    if (parsed) {
      const [sess] = this.sessKeys(parsed.key, parsed.sessionId);
      await this.run('sessReap', [sess, this.graces], [this.roomPrefix(parsed.key), processId, graceMs, entry]);
    }
    await this.redis.srem(this.ownedKey(processId), entry);
  }

  /** Forget a reaped process once its set is empty. */
  async forgetProcess(processId: string): Promise<void> {
    if ((await this.redis.scard(this.ownedKey(processId))) > 0) return;
    await this.redis.zrem(this.procs, processId);
  }

  async dueGraces(limit: number): Promise<Array<{ key: RoomKey; sessionId: string }>> {
    const entries = strings(await this.run('dueGraces', [this.graces], ['', limit]));
    return entries.map((e) => this.parseSessionEntry(e)).filter((e): e is { key: RoomKey; sessionId: string } => e !== null);
  }

  // --- media generation ----------------------------------------------------------------------------------------------

  async generation(): Promise<number> {
    const value = await this.redis.get(this.generationKey);
    return value === null ? 1 : Number(value);
  }

  async bumpGeneration(): Promise<number> {
    // The first bump of a fresh Redis goes 1 -> 2, like a media plane's own counter.
    await this.redis.setnx(this.generationKey, '1');
    return this.redis.incr(this.generationKey);
  }
}

/** Versions are microsecond counts (16 digits): exact as JavaScript numbers, but always written as integers. */
function versionText(version: number): string {
  return BigInt(Math.trunc(version)).toString();
}

function identityOf(key: RoomKey): RoomIdentity {
  return parseRoomKey(key) ?? { key, roomID: null, strRoomID: key.startsWith('s:') ? key.slice(2) : null };
}

function departure(raw: unknown): Departure {
  const [member, streams, dropped] = list(raw);
  return {
    member: json<MemberRecord>(member),
    streams: strings(streams).map((s) => json<StreamRecord>(s)),
    droppedSubscriptions: strings(dropped).map((s) => json<SubscriptionRecord>(s)),
  };
}

function endedRoom(key: RoomKey, raw: unknown): RoomInfo | null {
  const r = list(raw);
  if (r.length === 0) return null;
  return { ...identityOf(key), scene: str(r[0]) as SceneWire, createdAt: Number(r[1]), businessIds: strings(r[2]) };
}

function roomState(key: RoomKey, r: unknown[]): RoomState | null {
  if (r.length === 0) return null;
  return {
    info: { ...identityOf(key), scene: str(r[0]) as SceneWire, createdAt: Number(r[1]), businessIds: strings(r[2]) },
    members: strings(r[3]).map((m) => json<MemberRecord>(m)),
    streams: strings(r[4]).map((s) => json<StreamRecord>(s)),
    subscriptions: strings(r[5]).map((s) => json<SubscriptionRecord>(s)),
  };
}
