// userSig: TLS-Sig-API v2 sigs from Tencent's library verify; forged, tampered, expired and other users'
// sigs are refused with their codes at join; `npm run usersig` mints sigs the server accepts.

import { deflateSync } from 'node:zlib';
import { Api } from 'tls-sig-api-v2/TLSSigAPIv2.js';
import { ErrorCode } from '../../src/core/errors';
import { DEV_DEFAULTS } from '../../server/config';
import { decodeUserSig, genUserSig, usersigCli, verifyUserSig } from '../../server/usersig';
import { startHarness, type Harness } from './helpers/server';

const now = () => Math.floor(Date.now() / 1000);

describe('verifyUserSig', () => {
  const params = { sdkAppID: 1400000123, secret: 'unit-secret', userID: 'alice' };

  test('accepts a sig from the library, with its expiry', () => {
    const sig = new Api(params.sdkAppID, params.secret).genUserSig('alice', 600);
    const check = verifyUserSig(sig, params);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.expiresAt - check.issuedAt).toBe(600);
  });

  test('accepts a document with a userbuf (privateMapKey form)', () => {
    const sig = new Api(params.sdkAppID, params.secret).genPrivateMapKey('alice', 600, 1234, 255);
    expect(decodeUserSig(sig)?.['TLS.userbuf']).toEqual(expect.any(String));
    expect(verifyUserSig(sig, params).ok).toBe(true);
  });

  test('refuses each kind of bad sig with its code', () => {
    const code = (sig: string, nowSec?: number) => {
      const check = verifyUserSig(sig, { ...params, ...(nowSec !== undefined ? { nowSec } : {}) });
      return check.ok ? 'ok' : check.code;
    };
    const good = genUserSig({ ...params, expireSec: 600 });
    expect(code(good)).toBe('ok');
    expect(code(genUserSig({ ...params, secret: 'other-secret', expireSec: 600 }))).toBe(ErrorCode.USER_SIG_INVALID);
    expect(code(genUserSig({ ...params, sdkAppID: 1400000999, expireSec: 600 }))).toBe(ErrorCode.USER_SIG_INVALID);
    expect(code(genUserSig({ ...params, userID: 'bob', expireSec: 600 }))).toBe(ErrorCode.USER_SIG_MISMATCH);
    expect(code(genUserSig({ ...params, expireSec: 60, issuedAt: now() - 3600 }))).toBe(ErrorCode.USER_SIG_EXPIRED);
    expect(code(good, now() + 601)).toBe(ErrorCode.USER_SIG_EXPIRED);
    for (const junk of ['', 'not a sig', 'eJyrVgrxCdYrSy1SslIy0jNQ0gHzM1NS80oy', '!!!!', 'A'.repeat(4000)]) {
      expect(code(junk)).toBe(ErrorCode.USER_SIG_INVALID);
    }
    // A document whose fields were changed after signing (a longer expiry) no longer verifies.
    const doc = decodeUserSig(good)!;
    const forged = deflateSync(Buffer.from(JSON.stringify({ ...doc, 'TLS.expire': 999999999 })))
      .toString('base64')
      .replace(/\+/g, '*')
      .replace(/\//g, '-')
      .replace(/=/g, '_');
    expect(code(forged)).toBe(ErrorCode.USER_SIG_INVALID);
  });
});

describe('npm run usersig', () => {
  test('prints a sig for the dev defaults', () => {
    const out = usersigCli(['--user', 'alice'], {});
    expect(out.exitCode).toBe(0);
    const sig = out.stdout.trim();
    expect(verifyUserSig(sig, { sdkAppID: DEV_DEFAULTS.sdkAppID, secret: DEV_DEFAULTS.secret, userID: 'alice' }).ok).toBe(true);
    expect(out.stderr).toContain('alice');
  });

  test('takes --sdkappid, --secret, --expire and the WXRTC_* environment', () => {
    const flags = usersigCli(['--user', 'bob', '--sdkappid', '1400000777', '--secret', 's3', '--expire', '120', '--json'], {});
    const parsed = JSON.parse(flags.stdout) as { sdkAppID: number; userID: string; userSig: string; expiresAt: number };
    expect(parsed).toMatchObject({ sdkAppID: 1400000777, userID: 'bob' });
    const check = verifyUserSig(parsed.userSig, { sdkAppID: 1400000777, secret: 's3', userID: 'bob' });
    expect(check.ok && check.expiresAt === parsed.expiresAt && check.expiresAt - check.issuedAt === 120).toBe(true);

    const env = usersigCli(['--user', 'carol'], { WXRTC_SECRET: 'from-env', WXRTC_SDKAPPID: '1400000888' });
    expect(verifyUserSig(env.stdout.trim(), { sdkAppID: 1400000888, secret: 'from-env', userID: 'carol' }).ok).toBe(true);
  });

  test('refuses bad input with usage', () => {
    expect(usersigCli([], {}).exitCode).toBe(2);
    expect(usersigCli(['--user', 'a', '--expire', 'soon'], {}).exitCode).toBe(2);
    expect(usersigCli(['--user', 'a', '--bogus'], {}).stderr).toContain('Usage');
  });
});

describe('join', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ secret: 'suite-secret', sdkAppID: 1400000555 });
  });
  afterAll(async () => {
    await h.close();
  });

  test('forged, expired and borrowed sigs are refused; the same socket then joins with a good one', async () => {
    const client = await h.connect('alice');
    const room = { roomID: 7001 };
    const base = { sdkAppID: 1400000555, userID: 'alice', expireSec: 600 };
    const attempts: Array<[string, number]> = [
      [genUserSig({ ...base, secret: 'guessed-secret' }), ErrorCode.USER_SIG_INVALID],
      [genUserSig({ ...base, secret: 'suite-secret', issuedAt: now() - 7200 }), ErrorCode.USER_SIG_EXPIRED],
      [genUserSig({ ...base, secret: 'suite-secret', userID: 'bob' }), ErrorCode.USER_SIG_MISMATCH],
      ['garbage', ErrorCode.USER_SIG_INVALID],
    ];
    for (const [userSig, expected] of attempts) {
      const error = await client.fails(h.joinRequest('alice', room, { userSig }));
      expect(error.code).toBe(expected);
      expect(error.message.length).toBeGreaterThan(0);
    }
    // Another sdkAppID is not this server's, whatever the sig.
    expect((await client.fails(h.joinRequest('alice', room, { sdkAppID: 1400000556 }))).code).toBe(ErrorCode.USER_SIG_INVALID);
    const joined = await client.ok<'join'>(h.joinRequest('alice', room));
    expect(joined.users).toEqual([]);
    await client.close();
  });
});
