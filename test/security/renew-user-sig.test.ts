// renew-user-sig under a hostile client, on a real dev server on loopback: forged sigs, another user's genuine sig,
// an expired one, one for another sdkAppID, one that would shorten the session, a renewal before join, and
// malformed, oversized and extra-field frames. Each is refused with its code, and the session it was aimed at is
// untouched (still in the room, same resume token, still resumable). Bounded in count and time.

import { deflateSync } from 'node:zlib';
import { ErrorCode } from '../../src/core/errors';
import { MAX_FRAME_BYTES, MAX_USER_SIG_CHARS, PROTOCOL_VERSION } from '../../src/core/protocol';
import { genUserSig } from '../../server/usersig';
import { startHarness, type Harness } from '../server/helpers/server';
import type { TestClient } from '../server/helpers/client';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ rateLimit: { perSecond: 2000, burst: 2000, abuseThreshold: 10_000 } });
});

afterEach(async () => {
  await h.closeClients();
});

afterAll(async () => {
  await h.close();
});

const nowSec = () => Math.floor(Date.now() / 1000);
const sig = (userID: string, expireSec: number, extra: { issuedAt?: number; sdkAppID?: number; secret?: string } = {}) =>
  genUserSig({ sdkAppID: extra.sdkAppID ?? h.server.sdkAppID, secret: extra.secret ?? h.server.config.secret, userID, expireSec, ...(extra.issuedAt !== undefined ? { issuedAt: extra.issuedAt } : {}) });
/** A document in the TLS-Sig v2 encoding whose HMAC is not the server's: what a forger can make without the secret. */
const forged = (userID: string) => {
  const doc = { 'TLS.ver': '2.0', 'TLS.identifier': userID, 'TLS.sdkappid': h.server.sdkAppID, 'TLS.time': nowSec(), 'TLS.expire': 86_400, 'TLS.sig': Buffer.alloc(32, 7).toString('base64') };
  return deflateSync(Buffer.from(JSON.stringify(doc))).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
};

/** The session is as it was: the renewal changed nothing, and a fresh one is still accepted afterwards. */
async function expectSessionIntact(client: TestClient, userID: string): Promise<void> {
  await client.sync();
  expect(client.open).toBe(true);
  const room = await h.admin('GET', `/admin/rooms/${encodeURIComponent('n:7300')}`);
  expect(room.status).toBe(200);
  expect(JSON.stringify(room.body)).toContain(userID);
  expect(await client.ok({ type: 'renew-user-sig', userSig: sig(userID, 7200) })).toEqual({ userSigExpiresInMs: expect.any(Number) });
}

test('forged, foreign, expired, other-app and shorter sigs are refused with their codes; the session stays', async () => {
  const { client, result } = await h.join('mallory', { roomID: 7300 }, { userSig: sig('mallory', 3600) });
  expect(result.userSigExpiresInMs).toBeGreaterThan(0);
  expect(result.userSigExpiresInMs).toBeLessThanOrEqual(3600 * 1000);
  await h.join('victim', { roomID: 7300 });

  expect((await client.fails({ type: 'renew-user-sig', userSig: forged('mallory') })).code).toBe(ErrorCode.USER_SIG_INVALID);
  expect((await client.fails({ type: 'renew-user-sig', userSig: sig('mallory', 86_400, { secret: 'not-the-secret' }) })).code).toBe(ErrorCode.USER_SIG_INVALID);
  expect((await client.fails({ type: 'renew-user-sig', userSig: sig('mallory', 86_400, { sdkAppID: h.server.sdkAppID + 1 }) })).code).toBe(ErrorCode.USER_SIG_INVALID);
  // Another user's genuine sig never becomes this session's (nor makes it that user's).
  expect((await client.fails({ type: 'renew-user-sig', userSig: sig('victim', 86_400) })).code).toBe(ErrorCode.USER_SIG_MISMATCH);
  expect((await client.fails({ type: 'renew-user-sig', userSig: sig('mallory', 60, { issuedAt: nowSec() - 3600 }) })).code).toBe(ErrorCode.USER_SIG_EXPIRED);
  // Valid, but it would end the session's standing earlier than the sig it holds: an out-of-order renewal.
  expect((await client.fails({ type: 'renew-user-sig', userSig: sig('mallory', 600) })).code).toBe(ErrorCode.USER_SIG_NOT_NEWER);
  await expectSessionIntact(client, 'mallory');
  // The admin view still names mallory once, as mallory: no refused sig moved the session to another user.
  const room = await h.admin('GET', `/admin/rooms/${encodeURIComponent('n:7300')}`);
  expect(JSON.stringify(room.body).match(/"mallory"/g)?.length).toBeGreaterThanOrEqual(1);
});

test('an accepted renewal keeps the session: same id, resumable with its token, a longer life told relatively', async () => {
  const { client, result } = await h.join('keeper', { roomID: 7301 }, { userSig: sig('keeper', 120) });
  const renewed = await client.ok({ type: 'renew-user-sig', userSig: sig('keeper', 7200) });
  expect(renewed.userSigExpiresInMs).toBeGreaterThan(result.userSigExpiresInMs!);
  // The same sig again is no downgrade.
  expect((await client.ok({ type: 'renew-user-sig', userSig: sig('keeper', 7200) })).userSigExpiresInMs).toBeGreaterThan(0);
  await client.drop();
  const back = await h.connect('keeper-again');
  const resumed = await back.ok({ type: 'resume', resumeToken: result.resumeToken, lastSeq: 0 });
  expect(resumed.sessionId).toBe(result.sessionId);
});

test('a renewal before join, and after leave, is out of state', async () => {
  const stranger = await h.connect('stranger');
  expect((await stranger.fails({ type: 'renew-user-sig', userSig: sig('stranger', 3600) })).code).toBe(ErrorCode.REQUEST_OUT_OF_STATE);
  const { client } = await h.join('leaver', { roomID: 7301 });
  await client.ok({ type: 'leave' });
  expect((await client.fails({ type: 'renew-user-sig', userSig: sig('leaver', 3600) })).code).toBe(ErrorCode.REQUEST_OUT_OF_STATE);
});

test('malformed, oversized and extra-field renewals are refused by the parser; huge frames close the socket', async () => {
  const { client } = await h.join('fuzzer', { roomID: 7300 }, { userSig: sig('fuzzer', 3600) });
  const raw = (id: number, fields: Record<string, unknown>) => JSON.stringify({ v: PROTOCOL_VERSION, id, type: 'renew-user-sig', ...fields });
  const bad: Array<Record<string, unknown>> = [
    {},
    { userSig: '' },
    { userSig: 42 },
    { userSig: null },
    { userSig: ['a'] },
    { userSig: { toString: 'x' } },
    { userSig: 'x'.repeat(MAX_USER_SIG_CHARS + 1) },
    { userSig: 'abc\uD800' },
    { userSig: sig('fuzzer', 7200), userID: 'victim' },
    { userSig: sig('fuzzer', 7200), sdkAppID: 1 },
  ];
  let id = 1000;
  for (const fields of bad) {
    const sent = ++id;
    client.sendRaw(raw(sent, fields));
    const response = await client.waitResponse((r) => r.id === sent, `answer to malformed renewal ${JSON.stringify(fields).slice(0, 60)}`);
    expect([JSON.stringify(fields).slice(0, 60), response.ok ? null : response.error.code]).toEqual([JSON.stringify(fields).slice(0, 60), ErrorCode.BAD_REQUEST]);
  }
  // A userSig that decodes to megabytes (a deflate bomb) is refused without inflating it.
  const bomb = deflateSync(Buffer.alloc(2 * 1024 * 1024, 0x20)).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
  expect(bomb.length).toBeLessThan(MAX_USER_SIG_CHARS);
  expect((await client.fails({ type: 'renew-user-sig', userSig: bomb })).code).toBe(ErrorCode.USER_SIG_INVALID);
  await expectSessionIntact(client, 'fuzzer');
  // A frame past the limit is answered FRAME_TOO_LARGE and the socket closed: nothing of it is read.
  client.sendRaw(raw(++id, { userSig: 'x'.repeat(MAX_FRAME_BYTES + 10) }));
  const tooBig = await client.waitResponse((r) => !r.ok && r.error.code === ErrorCode.FRAME_TOO_LARGE, 'FRAME_TOO_LARGE');
  expect(tooBig.ok).toBe(false);
  expect((await client.closed).code).toBe(1009);
});

test('a burst of refused renewals is rate limited like any request', async () => {
  const limited = await startHarness({ rateLimit: { perSecond: 20, burst: 20, abuseThreshold: 30 } });
  try {
    const { client } = await limited.join('flooder', { roomID: 7302 });
    const forgedHere = forged('flooder');
    const answers = await Promise.all(Array.from({ length: 40 }, () => client.request({ type: 'renew-user-sig', userSig: forgedHere }).catch(() => null)));
    const codes = answers.map((a) => (a && !a.ok ? a.error.code : null));
    expect(codes).toContain(ErrorCode.RATE_LIMITED);
    expect(codes.every((c) => c === ErrorCode.RATE_LIMITED || c === ErrorCode.USER_SIG_INVALID || c === null)).toBe(true);
  } finally {
    await limited.close();
  }
});
