// A signaling session: one user in one room, outliving its socket for the grace period. It numbers its
// notifications and keeps the latest ones, so a client that resumes on a new socket gets what it missed.
// Sessions are local to this process; the room state they belong to lives in the RoomStore.

import { randomBytes, randomUUID } from 'node:crypto';
import { PROTOCOL_VERSION, encodeNotification, type Notification, type NotificationBody, type PlatformWire, type StreamTypeWire } from '../src/services/signaling/protocol';
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

export const pullKey = (userID: string, streamType: StreamTypeWire): string => `${userID}\u0000${streamType}`;

export class Session {
  readonly id = randomUUID();
  resumeToken = newResumeToken();
  state: SessionState = 'active';
  link: SessionLink | null = null;
  graceTimer: NodeJS.Timeout | null = null;
  /** Push urls by stream type, as last handed to the client. */
  readonly publications = new Map<StreamTypeWire, MintedUrl>();
  /** Pull urls of this session's subscriptions, as last handed to the client. */
  readonly pulls = new Map<string, Pull>();
  /** The latest media state the client reported per stream (volc 2.1.0), for the admin view. */
  readonly mediaStates = new Map<string, MediaStateReport>();
  private seq = 0;
  private readonly buffer: Notification[] = [];

  constructor(
    readonly userID: string,
    readonly room: RoomIdentity,
    readonly platform: PlatformWire,
    readonly businessId: string | null,
    private readonly bufferSize: number,
  ) {}

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

/** The sessions this process holds, by id and by resume token. */
export class SessionRegistry {
  private readonly byId = new Map<string, Session>();
  private readonly byToken = new Map<string, Session>();

  add(session: Session): void {
    this.byId.set(session.id, session);
    this.byToken.set(session.resumeToken, session);
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

  remove(session: Session): void {
    this.byId.delete(session.id);
    if (this.byToken.get(session.resumeToken) === session) this.byToken.delete(session.resumeToken);
  }

  all(): IterableIterator<Session> {
    return this.byId.values();
  }

  get size(): number {
    return this.byId.size;
  }
}
