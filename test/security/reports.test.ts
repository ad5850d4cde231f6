// Client reports attacked from the web and from raw clients, on loopback: reading them without the admin
// key, writing them cross-site with the content types any page may POST without a preflight, and writing
// them unsigned, forged, for another user, another app or expired. Each is refused and nothing is stored;
// the SDK's reporter, signing with its userSig, still gets through.

import { ErrorCode } from '../../src/core/errors';
import { Reporter } from '../../src/services/reporter';
import { genUserSig } from '../../server/usersig';
import { startHarness, type Harness } from '../server/helpers/server';

let h: Harness;
let url: string;

beforeAll(async () => {
  h = await startHarness({ adminKey: 'reports-suite-admin-key', secret: 'reports-suite-secret' });
  url = `${h.server.httpUrl}/v1/reports`;
});
afterAll(async () => {
  await h.close();
});

const sig = (userID: string, overrides: { secret?: string; sdkAppID?: number; expireSec?: number; issuedAt?: number } = {}) =>
  genUserSig({ sdkAppID: overrides.sdkAppID ?? h.server.sdkAppID, secret: overrides.secret ?? 'reports-suite-secret', userID, expireSec: overrides.expireSec ?? 600, ...(overrides.issuedAt !== undefined ? { issuedAt: overrides.issuedAt } : {}) });
const batch = (userID: string, userSig: string | undefined, sdkAppID = h.server.sdkAppID) =>
  JSON.stringify({ sdkAppID, userID, roomID: 'n:1', ...(userSig !== undefined ? { userSig } : {}), events: [{ type: 'INJECTED', at: 1 }] });

test('reading needs the admin key', async () => {
  h.server.reports.add({ receivedAt: 1, sdkAppID: h.server.sdkAppID, userID: 'victim', roomID: 'n:1', events: [{ type: 'PRIVATE_EVENT' }] });
  const attempts: Array<Record<string, string>> = [{}, { 'x-admin-key': 'wrong' }, { 'x-admin-key': '' }, { origin: 'http://evil.example' }];
  for (const headers of attempts) {
    const response = await fetch(`${url}?userID=victim`, { headers });
    const text = await response.text();
    expect(response.status).toBe(401);
    expect(JSON.parse(text)).toMatchObject({ error: { code: ErrorCode.ADMIN_UNAUTHORIZED } });
    expect(text).not.toContain('PRIVATE_EVENT');
  }
  const allowed = await fetch(`${url}?userID=victim`, { headers: { 'x-admin-key': 'reports-suite-admin-key' } });
  expect(allowed.status).toBe(200);
  // No CORS grant: a page elsewhere could not read the answer even with the key.
  expect(allowed.headers.get('access-control-allow-origin')).toBeNull();
  expect(await allowed.text()).toContain('PRIVATE_EVENT');
  h.server.reports.clear();
});

test('cross-site simple requests are refused: only application/json is read', async () => {
  const body = batch('alice', sig('alice'));
  const refused: string[] = [];
  for (const type of ['text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp', 'application/json-seq', 'text/json']) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': type, origin: 'http://evil.example' }, body });
    if (response.status !== 415) refused.push(`${type}: ${response.status}`);
  }
  // No content type at all (a Blob without a type, a beacon) is refused too.
  const bare = await fetch(url, { method: 'POST', body: new Uint8Array(Buffer.from(body)) });
  if (bare.status !== 415) refused.push(`no content-type: ${bare.status}`);
  expect(refused).toEqual([]);
  expect(h.server.reports.list()).toEqual([]);
  // The preflight a cross-site application/json POST needs is never granted.
  const preflight = await fetch(url, { method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
});

test('unsigned, forged, misdirected and expired batches are refused and not stored', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[string, string]> = [
    ['no userSig', batch('alice', undefined)],
    ['an empty userSig', batch('alice', '')],
    ['garbage', batch('alice', 'not-a-signature')],
    ['signed with another secret', batch('alice', sig('alice', { secret: 'guessed-secret' }))],
    ["bob's userSig for alice", batch('alice', sig('bob'))],
    ['another sdkAppID', batch('alice', sig('alice', { sdkAppID: 1400000999 }), 1400000999)],
    ['expired', batch('alice', sig('alice', { issuedAt: now - 7200, expireSec: 60 }))],
    ['no userID', JSON.stringify({ sdkAppID: h.server.sdkAppID, userSig: sig('alice'), events: [{ type: 'x' }] })],
  ];
  const admitted: string[] = [];
  for (const [what, body] of cases) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    if (response.status !== 401 && response.status !== 400) admitted.push(`${what}: ${response.status}`);
  }
  expect(admitted).toEqual([]);
  expect(h.server.reports.list()).toEqual([]);
});

test("the SDK's reporter, identified with the user's userSig, is accepted; the userSig is not kept", async () => {
  const reporter = new Reporter({
    endpoint: url,
    maxBatch: 10,
    post: async (endpoint, body) => (await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status,
  });
  reporter.record({ type: 'BEFORE_ENTERING', at: 1 });
  // Before it is identified its batch is refused and kept; once identified it goes out signed.
  await reporter.flush();
  expect(h.server.reports.list()).toEqual([]);
  const userSig = sig('carol');
  reporter.identify({ sdkAppID: h.server.sdkAppID, userID: 'carol', roomID: 'n:1', userSig });
  reporter.record({ type: 'LOCAL_JOIN', at: 2 });
  await reporter.close();
  const stored = h.server.reports.list({ userID: 'carol' });
  expect(stored.flatMap((b) => b.events.map((e) => e.type))).toEqual(['BEFORE_ENTERING', 'LOCAL_JOIN']);
  expect(JSON.stringify(stored)).not.toContain(userSig);
});
