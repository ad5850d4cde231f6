// POST /call/session: the userSig the call page joins with, minted by the server so nobody pastes one. A
// userSig is a bearer credential (whoever holds it is that user), so it is minted only for a caller who could
// have minted it anyway: the person at this machine, or an operator with the admin key. docs/call.md has the
// rule; test/security/call-session.test.ts attacks it.

import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../src/core/errors';
import { USER_ID_RULE, isUserID } from '../../src/core/protocol';
import { ADMIN_KEY_HEADER, httpError, keyMatches, type HttpResult } from '../admin';
import { isLoopbackHost } from '../config';

/** Where the page asks for its userSig. */
export const CALL_SESSION_PATH = '/call/session';
/** Bodies are one small JSON object: `{ "userID": "..." }`. */
export const CALL_SESSION_MAX_BYTES = 1024;
/** A call page's userSig lives a day at most (or the server's own expiry, if shorter). */
export const CALL_USERSIG_MAX_SEC = 24 * 3600;

/** Headers a reverse proxy adds: a request that carries one came from somewhere else, whatever its socket says. */
const FORWARDED_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip'] as const;

export interface CallSessionDeps {
  sdkAppID: number;
  adminKey: string;
  userSigExpireSec: number;
  /** Browser origins allowed besides the server's own (--allowed-origin: a TLS proxy's). */
  allowedOrigins: readonly string[];
  genUserSig(userID: string, expireSec: number): string;
  /** The inspector's publish key (it adds sessions, reads nothing), or null when the inspector is off. */
  inspectorKey(): string | null;
}

/** What the page gets back. */
export interface CallSession {
  sdkAppID: number;
  userID: string;
  userSig: string;
  /** Unix seconds. */
  expiresAt: number;
  /**
   * The inspector's publish key, for ws(s)://<this host>/v1/inspect?key=…: the page streams its room chart
   * there. It adds sessions and reads nothing; null when the inspector is off.
   */
  inspectorKey: string | null;
}

/** An address of this machine: 127.0.0.0/8, ::1, or IPv4 loopback mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (typeof address !== 'string') return false;
  const a = address.toLowerCase();
  return a === '::1' || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(a);
}

/** The Host header's name, without its port ("127.0.0.1", "localhost", "::1"), or null when it has none. */
export function hostName(host: string | undefined): string | null {
  if (typeof host !== 'string' || host === '') return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1]!;
  const plain = /^([^:[\]]+)(?::\d+)?$/.exec(host);
  return plain ? plain[1]! : null;
}

/**
 * A browser page may ask only from this server's own origin (its host is the request's Host) or an allowed
 * one; a request without Origin is not a page's (curl, a test) and passes this check.
 */
export function originAllowed(req: IncomingMessage, allowedOrigins: readonly string[]): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (allowedOrigins.some((o) => o.replace(/\/+$/, '').toLowerCase() === origin.toLowerCase())) return true;
  try {
    const parsed = new URL(origin);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host.toLowerCase() === String(req.headers.host ?? '').toLowerCase();
  } catch {
    return false;
  }
}

/**
 * Sent from this machine to this machine, by a client that asked for a loopback name: the socket's peer is
 * loopback, the Host is a loopback name (a DNS-rebinding page sends its own name), and no proxy forwarded it.
 */
export function isLocalRequest(req: IncomingMessage): boolean {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return false;
  const name = hostName(req.headers.host);
  if (name === null || !isLoopbackHost(name)) return false;
  return FORWARDED_HEADERS.every((h) => req.headers[h] === undefined);
}

/** Whether `req` may have a userSig minted, and if not the refusal. null = allowed. */
export function refusal(req: IncomingMessage, deps: Pick<CallSessionDeps, 'adminKey' | 'allowedOrigins'>): HttpResult | null {
  if (!originAllowed(req, deps.allowedOrigins)) return httpError(403, ErrorCode.ADMIN_UNAUTHORIZED, 'a call page may ask only from this server\'s own origin');
  const key = req.headers[ADMIN_KEY_HEADER];
  const given = Array.isArray(key) ? key[0] : key;
  if (given !== undefined) {
    return keyMatches(given, deps.adminKey) ? null : httpError(401, ErrorCode.ADMIN_UNAUTHORIZED, `wrong ${ADMIN_KEY_HEADER} header`);
  }
  if (isLocalRequest(req)) return null;
  return httpError(403, ErrorCode.ADMIN_UNAUTHORIZED, `the server mints a userSig only for a request from this machine (to a loopback address) or with the ${ADMIN_KEY_HEADER} header`);
}

/** The body's userID, or the refusal. Exactly `{ "userID": string }`. */
export function parseSessionBody(text: string): { ok: true; userID: string } | { ok: false; result: HttpResult } {
  const bad = (message: string) => ({ ok: false as const, result: httpError(400, ErrorCode.BAD_REQUEST, message) });
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return bad('the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return bad('the body must be a JSON object { "userID": "..." }');
  const fields = Object.keys(parsed);
  const unknown = fields.find((f) => f !== 'userID');
  if (unknown !== undefined) return bad(`unknown field ${JSON.stringify(unknown.slice(0, 40))}`);
  const userID = (parsed as { userID?: unknown }).userID;
  if (typeof userID !== 'string' || !isUserID(userID)) return bad(`userID must be ${USER_ID_RULE}`);
  return { ok: true, userID };
}

/** Mint the page's session for an allowed request with a valid body. */
export function mintSession(deps: CallSessionDeps, userID: string, nowSec = Math.floor(Date.now() / 1000)): CallSession {
  const expireSec = Math.min(CALL_USERSIG_MAX_SEC, deps.userSigExpireSec);
  return { sdkAppID: deps.sdkAppID, userID, userSig: deps.genUserSig(userID, expireSec), expiresAt: nowSec + expireSec, inspectorKey: deps.inspectorKey() };
}
