// A signaling session: one user in one room, outliving its socket for the grace period. It numbers its
// notifications and keeps the latest ones, so a client that resumes on a new socket gets what it missed.
// A Session lives in this process; a ClusterSession keeps its numbering and buffer in Redis (through a
// SessionSink) so that another process can resume it. The room state lives in the RoomStore.

import { randomBytes, randomUUID } from 'node:crypto';
import {
  PROTOCOL_VERSION,
  encodeNotification,
  type KickReasonWire,
  type Notification,
  type NotificationBody,
  type PlatformWire,
  type StreamTypeWire,
} from '../src/core/protocol';
import type { MintedUrl } from './media-urls';
import type { RoomIdentity } from './store/room-store';

/** What a session needs of a client connection (signaling.ts implements it over a websocket). */
export interface SessionLink {
  readonly open: boolean;
  /** The session the connection carries; null before join, after leave, kick or resume elsewhere. */
  session: Session | null;
  send(text: string): void;
  close(code: number, reason: string): void;
}

export interface Pull {
  userID: string;
  streamType: StreamTypeWire;
  minted: MintedUrl;
}

export type SessionState = 'active' | 'detached' | 'closed';

export interface MediaStateReport {
  kind: 'push' | 'play';
  userID: string;
  streamType: StreamTypeWire;
  state: 'started' | 'stopped' | 'failed';
  code: number;
  at: number;
}

/** A session's pulls are keyed like every stream map (src/core/protocol.ts). */
export { streamKey as pullKey } from '../src/core/protocol';

export class Session {
  readonly id: string;
  resumeToken: string;
  state: SessionState = 'active';
  link: SessionLink | null = null;
  graceTimer: NodeJS.Timeout | null = null;
  /** Push urls by stream type, as last handed to the client. */
  readonly publications = new Map<StreamTypeWire, MintedUrl>();
  /** Pull urls of this session's subscriptions, as last handed to the client. */
  readonly pulls = new Map<string, Pull>();
  /** The latest media state the client reported per stream (volc 2.1.0), for the admin view. */
  readonly mediaStates = new Map<string, MediaStateReport>();
  /**
   * When the userSig the session holds expires (unix seconds): set by join, moved on by renew-user-sig, kept in
   * Redis for a cluster session (a resume on another process restores it). 0 when unknown (a record written
   * before this field): a renewal is then checked without it.
   */
  userSigExpiresAt = 0;
  private seq = 0;
  private readonly buffer: Notification[] = [];

  constructor(
    readonly userID: string,
    readonly room: RoomIdentity,
    readonly platform: PlatformWire,
    readonly businessId: string | null,
    private readonly bufferSize: number,
    identity: { id?: string; resumeToken?: string } = {},
  ) {
    this.id = identity.id ?? randomUUID();
    this.resumeToken = identity.resumeToken ?? newResumeToken();
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** Number, keep and (when attached) send a notification. */
  notify(body: NotificationBody): void {
    if (this.state === 'closed') return;
    this.seq += 1;
    const notification = { ...body, v: PROTOCOL_VERSION, seq: this.seq } as Notification;
    this.buffer.push(notification);
    if (this.buffer.length > this.bufferSize) this.buffer.shift();
    if (this.link?.open) this.link.send(encodeNotification(this.seq, body));
  }

  /**
   * Notifications after `lastSeq`, or null when they cannot all be given: some fell out of the buffer, or the
   * client claims a seq this session never sent.
   */
  missedAfter(lastSeq: number): Notification[] | null {
    if (lastSeq > this.seq) return null;
    const oldest = this.buffer[0]?.seq ?? this.seq + 1;
    if (lastSeq + 1 < oldest) return null;
    return this.buffer.filter((n) => n.seq > lastSeq);
  }

  rotateResumeToken(): string {
    this.resumeToken = newResumeToken();
    return this.resumeToken;
  }

  clearGraceTimer(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.graceTimer = null;
  }
}

function newResumeToken(): string {
  return randomBytes(24).toString('base64url');
}

/** What became of a notification a ClusterSession handed to Redis. */
export type AppendOutcome =
  | { ok: true; seq: number; text: string }
  /** The session is no longer this process's: resumed elsewhere, ended, or kicked (with the reason). */
  | { ok: false; reason: 'moved' | 'gone' | 'kicked'; kickReason: KickReasonWire | null };

/** Where a ClusterSession's notifications are numbered and kept (RedisCluster). */
export interface SessionSink {
  /** Number the notification and keep it in the session's buffer, atomically, if this process still owns it. */
  append(session: ClusterSession, body: NotificationBody, eventSeq: number | null): Promise<AppendOutcome>;
  /** The session turned out not to be ours any more (or Redis failed): let it go here. */
  lost(session: ClusterSession, outcome: AppendOutcome | Error): void;
}

/**
 * A session whose seq counter and resume buffer live in Redis. A notification is written there first and sent
 * only once written, so a client never holds a seq that another process resuming it would not know; the
 * writes are pipelined on one connection and sends follow them in order.
 */
export class ClusterSession extends Session {
  /** The room change version this session's view starts from: older changes are already in its snapshot. */
  floorVersion = 0;
  /** The room incarnation it belongs to. */
  epoch = '';
  /** The last room log entry handed to this session (appended to its buffer, or skipped by a filter). */
  lastEventSeq = 0;
  private appendedSeq = 0;
  private outbox: Promise<void> = Promise.resolve();

  constructor(
    userID: string,
    room: RoomIdentity,
    platform: PlatformWire,
    businessId: string | null,
    identity: { id: string; resumeToken: string },
    private readonly sink: SessionSink,
  ) {
    super(userID, room, platform, businessId, 1, identity);
  }

  override get lastSeq(): number {
    return this.appendedSeq;
  }

  /** Where the seq counter stands in Redis (after a resume). */
  setSeq(seq: number): void {
    this.appendedSeq = Math.max(this.appendedSeq, seq);
  }

  override notify(body: NotificationBody, eventSeq: number | null = null): void {
    if (this.state === 'closed') return;
    const appended = this.sink.append(this, body, eventSeq);
    this.outbox = this.outbox.then(
      () =>
        appended.then(
          (outcome) => {
            if (!outcome.ok) {
              this.sink.lost(this, outcome);
              return;
            }
            this.appendedSeq = Math.max(this.appendedSeq, outcome.seq);
            if (this.state !== 'closed' && this.link?.open) this.link.send(outcome.text);
          },
          (error: unknown) => this.sink.lost(this, error instanceof Error ? error : new Error(String(error))),
        ),
    );
  }

  /**
   * The session's last word on `link` (kicked): sent after what is already on its way, not kept in Redis
   * (nothing resumes a session that ended), then `after` (closing the socket).
   */
  finish(link: SessionLink | null, body: NotificationBody, after: () => void): void {
    this.outbox = this.outbox.then(() => {
      if (link?.open) link.send(encodeNotification(this.appendedSeq + 1, body));
      after();
    });
  }

  /** Resolves once every notification handed over so far has been written and sent. */
  idle(): Promise<void> {
    return this.outbox;
  }

  /** Not used in a cluster: the resume script computes what was missed, atomically with the takeover. */
  override missedAfter(): Notification[] | null {
    return null;
  }
}

/** The sessions this process holds, by id, by resume token and by room. */
export class SessionRegistry {
  private readonly byId = new Map<string, Session>();
  private readonly byToken = new Map<string, Session>();
  private readonly byRoom = new Map<string, Set<Session>>();

  add(session: Session): void {
    this.byId.set(session.id, session);
    this.byToken.set(session.resumeToken, session);
    let room = this.byRoom.get(session.room.key);
    if (!room) {
      room = new Set();
      this.byRoom.set(session.room.key, room);
    }
    room.add(session);
  }

  /** This process's sessions in a room (a snapshot: safe to iterate while sessions come and go). */
  inRoom(key: string): Session[] {
    return [...(this.byRoom.get(key) ?? [])];
  }

  /** Rooms this process has sessions in. */
  roomKeys(): string[] {
    return [...this.byRoom.keys()];
  }

  get(id: string): Session | undefined {
    return this.byId.get(id);
  }

  findByToken(token: string): Session | undefined {
    return this.byToken.get(token);
  }

  rotateToken(session: Session): string {
    this.byToken.delete(session.resumeToken);
    const token = session.rotateResumeToken();
    if (this.byId.has(session.id)) this.byToken.set(token, session);
    return token;
  }

  /** Point the token index at the session's current token (a cluster resume rotated it in Redis). */
  setToken(session: Session, token: string): void {
    if (this.byToken.get(session.resumeToken) === session) this.byToken.delete(session.resumeToken);
    session.resumeToken = token;
    if (this.byId.get(session.id) === session) this.byToken.set(token, session);
  }

  /** True when the session was held here (so it is let go once). */
  remove(session: Session): boolean {
    if (this.byId.get(session.id) !== session) return false;
    this.byId.delete(session.id);
    if (this.byToken.get(session.resumeToken) === session) this.byToken.delete(session.resumeToken);
    const room = this.byRoom.get(session.room.key);
    room?.delete(session);
    if (room?.size === 0) this.byRoom.delete(session.room.key);
    return true;
  }

  all(): IterableIterator<Session> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}
