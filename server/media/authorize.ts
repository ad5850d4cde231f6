// Who may push or play a stream, for every media plane (node-media-server in process, nginx-rtmp through its
// callbacks): a url signed by signaling, not expired, of the current generation, AND held by a session that
// is still live and still holds that stream. The signature alone would outlive a kick by the url's whole ttl.
// It also carries the news the other way: a session that ended, so the planes cut what it still has running.

import type { RoomStore } from '../store/room-store';
import type { MediaUrlKind, MediaUrls, StreamAddress, UrlCheck, UrlHolder } from '../media-urls';

/** Why a push or play was refused; the url's own reasons first, then the session's. */
export type MediaRefusal =
  | (UrlCheck & { ok: false })['reason']
  /** The url's session is not (or no longer) the member of its room for that user: it ended or was replaced. */
  | 'no-session'
  /** The session lives, but does not publish this stream (it unpublished, or never asked to). */
  | 'not-publishing'
  /** The session lives, but is not subscribed to this stream. */
  | 'not-subscribed'
  /** The session ended a moment ago (the store may not show it yet on every path). */
  | 'session-ended';

export type MediaGrant =
  | { ok: true; kind: MediaUrlKind; streamName: string; address: StreamAddress; holder: UrlHolder; generation: number }
  | { ok: false; reason: MediaRefusal };

export interface AuthorizeOptions {
  /** The plane's current generation: older urls are stale. */
  generation: number;
  /** Verify with these urls instead of signaling's (a deliberately misconfigured plane, in tests). */
  verifier?: MediaUrls;
  nowSec?: number;
}

/** Ended sessions remembered so a push or play that was being authorized while it ended is still refused. */
const REVOKED_LIMIT = 10_000;

export class MediaAccess {
  private readonly revoked = new Map<string, number>();
  private readonly listeners = new Set<(sessionId: string) => void>();
  /** Set by a cluster: the end of a session is also told to the other processes (their planes cut it too). */
  relay: ((sessionId: string) => void) | null = null;

  constructor(
    private readonly urls: MediaUrls,
    private readonly store: RoomStore,
  ) {}

  /** The one check of every push and play (query: the url's parameters as the RTMP server received them). */
  async authorize(kind: MediaUrlKind, streamName: string, query: Readonly<Record<string, unknown>>, options: AuthorizeOptions): Promise<MediaGrant> {
    const check = (options.verifier ?? this.urls).verify(kind, streamName, query, { generation: options.generation, nowSec: options.nowSec });
    if (!check.ok) return check;
    const { address, holder } = check;
    if (this.revoked.has(holder.sessionId)) return { ok: false, reason: 'session-ended' };
    const key = address.roomKey;
    const member = await this.store.getMember(key, holder.userID);
    if (!member || member.sessionId !== holder.sessionId) return { ok: false, reason: 'no-session' };
    if (kind === 'push') {
      const streams = await this.store.streamsOf(key, holder.userID);
      if (!streams.some((s) => s.streamType === address.streamType)) return { ok: false, reason: 'not-publishing' };
    } else {
      const subs = await this.store.subscriptionsOf(key, holder.userID);
      if (!subs.some((s) => s.userID === address.userID && s.streamType === address.streamType)) return { ok: false, reason: 'not-subscribed' };
    }
    // It may have ended while the store was asked.
    if (this.revoked.has(holder.sessionId)) return { ok: false, reason: 'session-ended' };
    return { ok: true, kind, streamName: check.streamName, address, holder, generation: check.generation };
  }

  /** Still true for a grant given earlier? (A plane re-checks a grant that took long to act on.) */
  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }

  /** A session ended here (leave, kick, ban, dismiss, grace timeout): every plane drops its media, everywhere. */
  sessionEnded(sessionId: string): void {
    this.revokedElsewhere(sessionId);
    this.relay?.(sessionId);
  }

  /** A session ended on another process: this process's planes drop what they serve of it. */
  revokedElsewhere(sessionId: string): void {
    if (!this.revoked.has(sessionId)) {
      this.revoked.set(sessionId, Date.now());
      if (this.revoked.size > REVOKED_LIMIT) this.revoked.delete(this.revoked.keys().next().value as string);
    }
    for (const listener of this.listeners) {
      try {
        listener(sessionId);
      } catch {
        // A plane's failure to cut is its own to log; the others still cut.
      }
    }
  }

  /** Call `listener` with every session that ends; returns the unsubscribe. */
  onSessionEnded(listener: (sessionId: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
