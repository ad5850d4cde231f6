// userSig in TRTC's TLS-Sig-API v2 format: minted with Tencent's own library, and verified by undoing its
// encoding and recomputing its HMAC, so a userSig from a real TRTC backend works here with the same secret.

import { timingSafeEqual } from 'node:crypto';
import { parseArgs } from 'node:util';
import { deflateSync, inflateSync } from 'node:zlib';
// The file itself, not the package: its package.json repeats the "main" key, which jest 30's resolver rejects.
import { Api } from 'tls-sig-api-v2/TLSSigAPIv2.js';
import { ErrorCode } from '../src/core/errors';
import { USER_ID_RULE, isUserID } from '../src/core/protocol';
import { ConfigError, configFromEnv, resolveConfig } from './config';

export interface UserSigParams {
  sdkAppID: number;
  secret: string;
  userID: string;
  /** Seconds the sig is valid from its issue time. */
  expireSec: number;
  /** Issue time (unix seconds); defaults to now. Set in tests to mint sigs that are already expired. */
  issuedAt?: number;
}

export function genUserSig(p: UserSigParams): string {
  const api = new Api(p.sdkAppID, p.secret);
  if (p.issuedAt === undefined) return api.genUserSig(p.userID, p.expireSec);
  // The library always stamps Date.now(); this assembles the same document with a chosen time.
  const doc = {
    'TLS.ver': '2.0',
    'TLS.identifier': p.userID,
    'TLS.sdkappid': p.sdkAppID,
    'TLS.time': p.issuedAt,
    'TLS.expire': p.expireSec,
    'TLS.sig': api._hmacsha256(p.userID, p.issuedAt, p.expireSec, null),
  };
  return escape(deflate(JSON.stringify(doc)));
}

export type UserSigCheck =
  | { ok: true; issuedAt: number; expiresAt: number }
  | { ok: false; code: number; message: string };

export interface VerifyParams {
  sdkAppID: number;
  secret: string;
  userID: string;
  nowSec?: number;
}

/** Inflated documents are tiny; the bound keeps a crafted sig from inflating into megabytes. */
const MAX_DOC_BYTES = 8 * 1024;

/** Undo the TLS-Sig-API v2 encoding (escaped base64 of zlib-deflated JSON); null if it is not one. */
export function decodeUserSig(userSig: string): Record<string, unknown> | null {
  if (!/^[A-Za-z0-9*_-]+$/.test(userSig)) return null;
  try {
    const raw = Buffer.from(userSig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '='), 'base64');
    const inflated = inflateSync(raw, { maxOutputLength: MAX_DOC_BYTES, info: true }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    // Bytes after the deflate stream are not part of the sig: refuse them, so one sig has one spelling.
    if (inflated.engine.bytesWritten !== raw.length) return null;
    const parsed: unknown = JSON.parse(inflated.buffer.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    return parsed as Record<string, unknown>;
  } catch {
    return null;
  }
}

export function verifyUserSig(userSig: string, p: VerifyParams): UserSigCheck {
  const invalid = (message: string): UserSigCheck => ({ ok: false, code: ErrorCode.USER_SIG_INVALID, message });
  const doc = decodeUserSig(userSig);
  if (!doc) return invalid('userSig cannot be decoded (not TLS-Sig-API v2)');
  const identifier = doc['TLS.identifier'];
  const sdkappid = doc['TLS.sdkappid'];
  const time = doc['TLS.time'];
  const expire = doc['TLS.expire'];
  const sig = doc['TLS.sig'];
  const userbuf = doc['TLS.userbuf'];
  if (typeof identifier !== 'string' || typeof sdkappid !== 'number' || !Number.isSafeInteger(time) || !Number.isSafeInteger(expire) || typeof sig !== 'string') {
    return invalid('userSig document lacks TLS fields');
  }
  if (userbuf !== undefined && typeof userbuf !== 'string') return invalid('userSig document has a malformed userbuf');
  if (sdkappid !== p.sdkAppID) return invalid(`userSig was issued for sdkAppID ${sdkappid}, this server is ${p.sdkAppID}`);

  const expected = Buffer.from(new Api(p.sdkAppID, p.secret)._hmacsha256(identifier, time as number, expire as number, userbuf ?? null), 'base64');
  const given = Buffer.from(sig, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return invalid('userSig signature does not verify');

  // Only a genuine sig gets a specific answer: telling forgers whose sig they hold would help nobody.
  if (identifier !== p.userID) return { ok: false, code: ErrorCode.USER_SIG_MISMATCH, message: 'userSig was issued for another userID' };
  const expiresAt = (time as number) + (expire as number);
  const now = p.nowSec ?? Math.floor(Date.now() / 1000);
  if (expiresAt < now) return { ok: false, code: ErrorCode.USER_SIG_EXPIRED, message: `userSig expired at ${new Date(expiresAt * 1000).toISOString()}` };
  return { ok: true, issuedAt: time as number, expiresAt };
}

function deflate(text: string): string {
  // Same as the library: zlib deflate, then base64.
  return deflateSync(Buffer.from(text)).toString('base64');
}

function escape(base64: string): string {
  return base64.replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

// --- `npm run usersig` --------------------------------------------------------------------------------------

export interface CliOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const USAGE = 'Usage: npm run usersig -- --user <userID> [--sdkappid <id>] [--secret <key>] [--expire <seconds>] [--json]';

/** Mint a development userSig; defaults come from WXRTC_SECRET / WXRTC_SDKAPPID or the dev defaults. */
export function usersigCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliOutcome {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        user: { type: 'string', short: 'u' },
        sdkappid: { type: 'string' },
        secret: { type: 'string' },
        expire: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return { exitCode: 2, stdout: '', stderr: `${(error as Error).message}\n${USAGE}\n` };
  }
  if (values.help) return { exitCode: 0, stdout: `${USAGE}\n`, stderr: '' };
  const userID = values.user;
  if (!isUserID(userID)) {
    return { exitCode: 2, stdout: '', stderr: `--user is required (${USER_ID_RULE})\n${USAGE}\n` };
  }
  let config;
  try {
    config = resolveConfig(configFromEnv(env));
  } catch (error) {
    return { exitCode: 2, stdout: '', stderr: `${(error as ConfigError).message}\n` };
  }
  const int = (raw: string | boolean | undefined, fallback: number, name: string): number | string => {
    if (raw === undefined) return fallback;
    return typeof raw === 'string' && /^\d+$/.test(raw) && Number(raw) > 0 ? Number(raw) : `--${name} must be a positive integer`;
  };
  const sdkAppID = int(values.sdkappid, config.sdkAppID, 'sdkappid');
  const expireSec = int(values.expire, config.userSigExpireSec, 'expire');
  if (typeof sdkAppID === 'string') return { exitCode: 2, stdout: '', stderr: `${sdkAppID}\n` };
  if (typeof expireSec === 'string') return { exitCode: 2, stdout: '', stderr: `${expireSec}\n` };
  const secret = typeof values.secret === 'string' && values.secret.length > 0 ? values.secret : config.secret;
  const userSig = genUserSig({ sdkAppID, secret, userID, expireSec });
  const issuedAt = Number(decodeUserSig(userSig)?.['TLS.time'] ?? Math.floor(Date.now() / 1000));
  if (values.json) {
    return { exitCode: 0, stdout: `${JSON.stringify({ sdkAppID, userID, userSig, expiresAt: issuedAt + expireSec })}\n`, stderr: '' };
  }
  return {
    exitCode: 0,
    stdout: `${userSig}\n`,
    stderr: `userSig for ${userID} (sdkAppID ${sdkAppID}), valid until ${new Date((issuedAt + expireSec) * 1000).toISOString()}\n`,
  };
}
