// Minting and verifying the signed, expiring RTMP urls signaling hands out. Signaling mints; the media
// server (media-plane.ts) verifies the same urls with the same secret, so neither trusts the other's input.
//
// Url form:  <base>/<streamName>?gen=<generation>&expires=<unix seconds>&sid=<session>&sub=<holder>&sign=<hex>
//   base        rtmp://<host>:<rtmpPort>/live   (one path segment: the RTMP "app")
//   streamName  <base64url(roomKey)>.<base64url(userID)>.<main|aux>   ('.' is outside base64url's alphabet)
//   sid         the id of the session the url was minted for
//   sub         base64url(userID of that session): the subscriber of a pull url, the publisher of a push url
//   sign        hex HMAC-SHA256(mediaSecret, "<push|pull>\n/<app>/<streamName>\n<gen>\n<expires>\n<sid>\n<sub>")
// The kind is signed but not written in the url: the RTMP server knows whether a client publishes or plays,
// so a pull url can never be used to push. The holder is signed so the media side can ask signaling whether
// that session still lives and still holds the stream (media/authorize.ts): a signature alone outlives a kick.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { StreamTypeWire } from '../src/core/protocol';

export type MediaUrlKind = 'push' | 'pull';

/**
 * How the holder reaches the stream: 'rtmp' (live-pusher, live-player) or 'web', a WebSocket bridge on the HTTP
 * port (docs/web-media.md). Both forms carry the same stream name and the same signed query, so either
 * verifies the same way; the form only says where to connect.
 */
export type MediaTransport = 'rtmp' | 'web';

/** Which stream a url is for. roomKey is the namespaced key ('n:1234', 's:abc'). */
export interface StreamAddress {
  roomKey: string;
  userID: string;
  streamType: StreamTypeWire;
}

/** The session a url is minted for (the one that must still be live for the url to work). */
export interface UrlHolder {
  sessionId: string;
  userID: string;
}

export interface MintedUrl {
  url: string;
  /** Unix seconds. */
  expiresAt: number;
  generation: number;
  streamName: string;
}

export type UrlCheck =
  | { ok: true; address: StreamAddress; streamName: string; generation: number; expiresAt: number; holder: UrlHolder }
  | { ok: false; reason: 'malformed' | 'bad-signature' | 'expired' | 'stale-generation' };

export interface MediaUrlOptions {
  secret: string;
  /** rtmp://host:port/app */
  baseUrl: string;
  ttlSec: number;
  /** Where pull urls point instead (nginx edges): same app; a subscriber always gets the same one. */
  pullBaseUrls?: readonly string[];
}

const b64u = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
const fromB64u = (text: string): string | null => {
  if (!/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const decoded = Buffer.from(text, 'base64url').toString('utf8');
  // Reject non-canonical encodings so one stream has exactly one name.
  return b64u(decoded) === text ? decoded : null;
};

export function streamNameOf(address: StreamAddress): string {
  return `${b64u(address.roomKey)}.${b64u(address.userID)}.${address.streamType}`;
}

export function parseStreamName(name: string): StreamAddress | null {
  const parts = name.split('.');
  if (parts.length !== 3) return null;
  const [room, user, streamType] = parts as [string, string, string];
  if (streamType !== 'main' && streamType !== 'aux') return null;
  const roomKey = fromB64u(room);
  const userID = fromB64u(user);
  if (roomKey === null || userID === null) return null;
  return { roomKey, userID, streamType };
}

export class MediaUrls {
  readonly baseUrl: string;
  /** '/live' */
  readonly appPath: string;
  readonly ttlSec: number;
  private readonly secret: string;
  private pullBases: string[] = [];
  private webBase: string | null = null;

  constructor(options: MediaUrlOptions) {
    const base = options.baseUrl.replace(/\/+$/, '');
    const parsed = new URL(base);
    if (!/^\/[^/]+$/.test(parsed.pathname)) throw new Error(`media base url must be <scheme>://host[:port]/<app> (got ${options.baseUrl})`);
    this.baseUrl = base;
    this.appPath = parsed.pathname;
    this.ttlSec = options.ttlSec;
    this.secret = options.secret;
    this.setPullBases(options.pullBaseUrls ?? []);
  }

  /** Pull urls minted from now on point at these (empty: at baseUrl); each must serve the same app. */
  setPullBases(bases: readonly string[]): void {
    const clean = bases.map((b) => b.replace(/\/+$/, ''));
    for (const b of clean) {
      if (new URL(b).pathname !== this.appPath) throw new Error(`pull base ${b} must serve the app ${this.appPath} like ${this.baseUrl}`);
    }
    this.pullBases = clean;
  }

  get pullBaseUrls(): readonly string[] {
    return this.pullBases;
  }

  /**
   * Where 'web' urls point: ws://host:httpPort/v1/media/web (known only once the HTTP server listens). Until
   * it is set, a 'web' url cannot be minted.
   */
  setWebBase(base: string): void {
    const clean = base.replace(/\/+$/, '');
    if (!/^wss?:$/.test(new URL(clean).protocol)) throw new Error(`the web media base must be a ws:// or wss:// url (got ${base})`);
    this.webBase = clean;
  }

  get webBaseUrl(): string | null {
    return this.webBase;
  }

  /** The rtmp:// url carrying the same stream and signed query (what a web bridge's ffmpeg connects to). */
  rtmpUrlFor(kind: MediaUrlKind, streamName: string, query: string, holder: UrlHolder): string {
    return `${this.baseFor(kind, holder)}/${streamName}?${query}`;
  }

  /** One base per subscriber session, so its players stay on one edge. */
  private baseFor(kind: MediaUrlKind, holder: UrlHolder): string {
    if (kind === 'push' || this.pullBases.length === 0) return this.baseUrl;
    const pick = createHash('sha256').update(holder.sessionId).digest().readUInt32BE(0) % this.pullBases.length;
    return this.pullBases[pick]!;
  }

  mint(kind: MediaUrlKind, address: StreamAddress, generation: number, holder: UrlHolder, nowSec = unixNow(), transport: MediaTransport = 'rtmp'): MintedUrl {
    if (!SESSION_ID.test(holder.sessionId)) throw new Error(`not a session id: ${JSON.stringify(holder.sessionId)}`);
    // A push url is only ever the publisher's own.
    if (kind === 'push' && holder.userID !== address.userID) throw new Error('a push url is held by the user who publishes');
    const streamName = streamNameOf(address);
    const expiresAt = nowSec + this.ttlSec;
    const sub = b64u(holder.userID);
    const sign = this.sign(kind, streamName, generation, expiresAt, holder.sessionId, sub);
    const query = `gen=${generation}&expires=${expiresAt}&sid=${holder.sessionId}&sub=${sub}&sign=${sign}`;
    if (transport === 'web') {
      if (this.webBase === null) throw new Error('web media urls need setWebBase() first');
      return { url: `${this.webBase}/${kind === 'push' ? 'publish' : 'play'}/${streamName}?${query}`, expiresAt, generation, streamName };
    }
    return { url: `${this.baseFor(kind, holder)}/${streamName}?${query}`, expiresAt, generation, streamName };
  }

  /** Verify a full url, as a client would present it. */
  verifyUrl(kind: MediaUrlKind, url: string, options: { nowSec?: number; generation?: number } = {}): UrlCheck {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    const slash = parsed.pathname.lastIndexOf('/');
    if (slash <= 0 || parsed.pathname.slice(0, slash) !== this.appPath) return { ok: false, reason: 'malformed' };
    return this.verify(kind, parsed.pathname.slice(slash + 1), Object.fromEntries(parsed.searchParams), options);
  }

  /**
   * Verify what an RTMP server sees on publish/play: the stream name and its query parameters
   * (node-media-server gives both). The app must already have been checked against appPath.
   */
  verify(kind: MediaUrlKind, streamName: string, query: Readonly<Record<string, unknown>>, options: { nowSec?: number; generation?: number } = {}): UrlCheck {
    const address = parseStreamName(streamName);
    const gen = typeof query.gen === 'string' && /^\d+$/.test(query.gen) ? Number(query.gen) : null;
    const expires = typeof query.expires === 'string' && /^\d+$/.test(query.expires) ? Number(query.expires) : null;
    const sign = typeof query.sign === 'string' && /^[0-9a-f]{64}$/.test(query.sign) ? query.sign : null;
    const sid = typeof query.sid === 'string' && SESSION_ID.test(query.sid) ? query.sid : null;
    const sub = typeof query.sub === 'string' ? query.sub : null;
    const holderID = sub === null ? null : fromB64u(sub);
    if (!address || gen === null || expires === null || sign === null || sid === null || holderID === null) return { ok: false, reason: 'malformed' };
    if (!Number.isSafeInteger(gen) || !Number.isSafeInteger(expires)) return { ok: false, reason: 'malformed' };
    const expected = Buffer.from(this.sign(kind, streamName, gen, expires, sid, sub!), 'hex');
    if (!timingSafeEqual(expected, Buffer.from(sign, 'hex'))) return { ok: false, reason: 'bad-signature' };
    if (expires < (options.nowSec ?? unixNow())) return { ok: false, reason: 'expired' };
    if (options.generation !== undefined && gen !== options.generation) return { ok: false, reason: 'stale-generation' };
    if (kind === 'push' && holderID !== address.userID) return { ok: false, reason: 'malformed' };
    return { ok: true, address, streamName, generation: gen, expiresAt: expires, holder: { sessionId: sid, userID: holderID } };
  }

  private sign(kind: MediaUrlKind, streamName: string, generation: number, expiresAt: number, sessionId: string, sub: string): string {
    return createHmac('sha256', this.secret).update(`${kind}\n${this.appPath}/${streamName}\n${generation}\n${expiresAt}\n${sessionId}\n${sub}`).digest('hex');
  }
}

/** Session ids are UUIDs (sessions.ts); anything url-safe and short is accepted, nothing that needs encoding. */
const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;

export const unixNow = (): number => Math.floor(Date.now() / 1000);
