// Hostile fields on a real dev server on loopback: ids that are not well-formed UTF-16 (one userSig signing
// in several users), ill-typed join.platform / join.mute / media-state.code that went verbatim into webhooks
// and the admin view, media-state reports about other users' streams growing the server's memory, and ids
// the admin API could not address. Bounded in count and time.

import { request as httpRequest } from 'node:http';
import { ErrorCode } from '../../src/core/errors';
import { checkEnterParams } from '../../src/core/enter-params';
import { PROTOCOL_VERSION, isWellFormedString, type JoinRequest } from '../../src/core/protocol';
import { genUserSig } from '../../server/usersig';
import { startHarness, type Harness } from '../server/helpers/server';
import { startReceiver, type Receiver } from '../server/helpers/receiver';

let h: Harness;
let hooks: Receiver;

beforeAll(async () => {
  hooks = await startReceiver();
  h = await startHarness({ webhookUrl: hooks.url, webhookAll: true, rateLimit: { perSecond: 2000, burst: 2000, abuseThreshold: 10_000 } });
});

afterEach(async () => {
  await h.closeClients();
});

afterAll(async () => {
  await h.close();
  await hooks.close();
});

/** An HTTP request whose path goes out exactly as written (fetch would resolve dot segments first). */
function rawRequest(method: string, path: string): Promise<{ status: number; body: { userID?: string } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: h.server.port, method, path, headers: { 'x-admin-key': h.server.config.adminKey } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as { userID?: string } }));
    });
    req.on('error', reject);
    req.setTimeout(3000, () => req.destroy(new Error('no answer in 3 s')));
    req.end();
  });
}

const sigFor = (userID: string) => genUserSig({ sdkAppID: h.server.sdkAppID, secret: h.server.config.secret, userID, expireSec: 600 });

/** A join frame with fields the typed helpers would not let a test write. */
function rawJoin(id: number, fields: Record<string, unknown>): string {
  return JSON.stringify({ v: PROTOCOL_VERSION, id, type: 'join', sdkAppID: h.server.sdkAppID, scene: 'rtc', role: 'anchor', visible: true, roomID: 7100, ...fields });
}

test('the shared validator: lone surrogates are refused, pairs and everything else well-formed pass', () => {
  for (const bad of ['m\uD800', 'm\uDBFF', 'm\uDC00', '\uDC00\uD800', 'a\uD800b', '\uD83D']) expect(isWellFormedString(bad, 32)).toBe(false);
  for (const good of ['m\uFFFD', 'm', '😀', 'ü', '.', '..', 'a/b', 'm\uD83D\uDE00']) expect(isWellFormedString(good, 32)).toBe(true);
  expect(isWellFormedString('', 32)).toBe(false);
  expect(isWellFormedString('x'.repeat(33), 32)).toBe(false);
  expect(isWellFormedString(42, 32)).toBe(false);
  // The SDK refuses them before anything is sent.
  for (const userID of ['m\uD800', 'm\uDC00']) {
    const check = checkEnterParams({ sdkAppID: 1400000000, userID, userSig: 'sig', roomID: 1 });
    expect(check.ok ? null : check.error.code).toBe(ErrorCode.INVALID_USER_ID);
  }
  const badRoom = checkEnterParams({ sdkAppID: 1400000000, userID: 'u', userSig: 'sig', strRoomID: 'r\uD800' });
  expect(badRoom.ok ? null : badRoom.error.code).toBe(ErrorCode.INVALID_STR_ROOM_ID);
  const badSig = checkEnterParams({ sdkAppID: 1400000000, userID: 'u', userSig: 'sig\uDC00', roomID: 1 });
  expect(badSig.ok ? null : badSig.error.code).toBe(ErrorCode.INVALID_USER_SIG);
});

test('one userSig made for "m\\uFFFD" signs in nobody, itself included; ill-formed ids are refused in every field', async () => {
  const client = await h.connect('surrogates');
  const sig = sigFor('m\uFFFD');
  const admitted: string[] = [];
  let id = 1;
  // The attack: the lone surrogates that become U+FFFD on the way to bytes, each with the "m\uFFFD" userSig and its own.
  for (const userID of ['m\uD800', 'm\uDBFF', 'm\uDC00', 'm\uFFFD']) {
    for (const userSig of [sig, sigFor(userID)]) {
      client.sendRaw(rawJoin(id, { userID, userSig }));
      const response = await client.waitResponse((r) => r.id === id, `join ${id}`);
      if (response.ok || response.error.code !== ErrorCode.BAD_REQUEST) admitted.push(`${JSON.stringify(userID)}: ${JSON.stringify(response)}`);
      if (response.ok) await client.ok({ type: 'leave' });
      id++;
    }
  }
  // Every other id a client names.
  for (const fields of [{ userID: 'u1', userSig: sigFor('u1'), roomID: undefined, strRoomID: 'room\uD800' }, { userID: 'u1', userSig: sigFor('u1'), businessId: 'biz\uDC00' }]) {
    client.sendRaw(rawJoin(id, fields));
    const response = await client.waitResponse((r) => r.id === id, `join ${id}`);
    if (response.ok || response.error.code !== ErrorCode.BAD_REQUEST) admitted.push(`${JSON.stringify(fields)}: ${JSON.stringify(response)}`);
    id++;
  }
  expect(admitted).toEqual([]);
  // An honest user still signs in, and a joined client cannot name an ill-formed user either.
  const { client: honest } = await h.join('m-honest', { roomID: 7101 });
  honest.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, id: 99, type: 'subscribe', userID: 'x\uD800', streamType: 'main', audio: true, video: true }));
  expect(await honest.waitResponse((r) => r.id === 99, 'subscribe')).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  const room = await h.admin('GET', `/admin/rooms/${encodeURIComponent('n:7101')}`);
  expect(room.body.users.map((u: { userID: string }) => u.userID)).toEqual(['m-honest']);
});

test('the admin API addresses every id the server accepts, dots included', async () => {
  // Ids of the shared rule (isUserID) that a url path mangles: dot segments, and @ which a url reads as credentials.
  const ids = ['.', '..', '...', '.@.', '@', 'a@b.c', '-', '_'];
  // A percent sign a server might decode twice, and the brackets and pipes a url must escape.
  const strRoomID = '..%2F[r]|{}<>';
  // Silent members: more than the 8 visible ones fit.
  for (const userID of ids) await h.join(userID, { strRoomID }, { visible: false, role: 'audience' });
  const key = encodeURIComponent(`s:${strRoomID}`);
  const room = await h.admin('GET', `/admin/rooms/${key}`);
  expect(room.status).toBe(200);
  expect(room.body.users.map((u: { userID: string }) => u.userID).sort()).toEqual([...ids].sort());
  const failures: string[] = [];
  for (const userID of ids) {
    // "." and ".." cannot be path segments (fetch resolves them, %2E too): those go in the query.
    const dots = userID === '.' || userID === '..';
    const path = dots ? `/admin/rooms/${key}/users/remove?userID=${encodeURIComponent(userID)}` : `/admin/rooms/${key}/users/${encodeURIComponent(userID)}/remove`;
    const removed = await h.admin('POST', path);
    if (removed.status !== 200 || removed.body.userID !== userID) failures.push(`${JSON.stringify(userID)}: ${removed.status} ${JSON.stringify(removed.body)}`);
  }
  expect(failures).toEqual([]);
  // Percent-encoded UTF-8 of a lone surrogate (CESU) does not decode: a clear 400, not a crash.
  expect((await h.admin('POST', `/admin/rooms/${key}/users/m%ED%A0%80/remove`)).status).toBe(400);
  expect((await h.admin('POST', `/admin/rooms/${key}/users/remove?userID=m%ED%A0%80`)).status).toBe(400);
  // Raw paths are not resolved on the server either: a raw "%2E%2E" segment is the user "..", not a climb.
  await h.join('..', { strRoomID }, { visible: false, role: 'audience' });
  const raw = await rawRequest('POST', `/admin/rooms/${key}/users/%2E%2E/remove`);
  expect(raw).toMatchObject({ status: 200, body: { userID: '..' } });
  // Routing reads the raw path too: one that climbs into /admin from elsewhere is no admin route.
  expect((await rawRequest('GET', '/x/../admin/rooms')).status).toBe(404);
});

test('join.platform and join.mute are typed; unknown fields are refused; nothing of them reaches webhooks or the admin view', async () => {
  const client = await h.connect('pass-through');
  const marker = 'PASS_THROUGH_MARKER';
  const bad: Array<Record<string, unknown>> = [
    { platform: { os: marker, pad: 'x'.repeat(2000) } },
    { platform: marker },
    { platform: ['ios'] },
    { platform: 7 },
    { mute: { audio: true, video: false, note: marker } },
    { mute: marker },
    { mute: { audio: 'yes', video: false } },
    { mute: [true, false] },
    { note: marker },
    { __proto__x: marker },
  ];
  const admitted: string[] = [];
  let id = 1;
  for (const fields of bad) {
    client.sendRaw(rawJoin(id, { userID: 'typed', userSig: sigFor('typed'), roomID: 7102, ...fields }));
    const response = await client.waitResponse((r) => r.id === id, `join ${id}`);
    if (response.ok || response.error.code !== ErrorCode.BAD_REQUEST) admitted.push(`${JSON.stringify(fields).slice(0, 80)}: ${JSON.stringify(response).slice(0, 120)}`);
    if (response.ok) await client.ok({ type: 'leave' });
    id++;
  }
  expect(admitted).toEqual([]);
  // A well-typed join still works, and what it stored is exactly the typed fields.
  const good: JoinRequest = { ...h.joinRequest('typed', { roomID: 7102 }), platform: 'android', mute: { audio: true, video: false } };
  await client.ok(good);
  await hooks.until((d) => d.some((x) => x.body.eventType === 'user.joined' && x.body.userID === 'typed'), 'user.joined');
  const room = await h.admin('GET', `/admin/rooms/${encodeURIComponent('n:7102')}`);
  expect(room.body.users[0]).toMatchObject({ platform: 'android', muted: { audio: true, video: false } });
  expect(JSON.stringify(room.body)).not.toContain(marker);
  expect(hooks.deliveries.map((d) => d.raw).join('\n')).not.toContain(marker);
});

test('media-state: only about the client own streams, with an integer code, and bounded storage', async () => {
  const { client: alice } = await h.join('ms-alice', { roomID: 7103 });
  const { client: bob } = await h.join('ms-bob', { roomID: 7103 });
  await bob.ok({ type: 'publish', streamType: 'main' });
  const refused: string[] = [];
  let id = 1000;
  const report = async (fields: Record<string, unknown>): Promise<boolean> => {
    const frame = { v: PROTOCOL_VERSION, id: ++id, type: 'media-state', kind: 'play', userID: 'ms-bob', streamType: 'main', state: 'started', code: 2004, ...fields };
    alice.sendRaw(JSON.stringify(frame));
    const response = await alice.waitResponse((r) => r.id === frame.id, `media-state ${frame.id}`);
    return response.ok;
  };
  // Before subscribing, and about streams that are not its own: refused.
  if (await report({})) refused.push('play report without a subscription');
  if (await report({ kind: 'push', userID: 'ms-bob' })) refused.push("push report about bob's stream");
  if (await report({ kind: 'push', userID: 'ms-alice' })) refused.push('push report while not publishing');
  for (const code of [{ evil: true }, 'x'.repeat(1000), 1e300, 1.5, null, [1]]) if (await report({ code })) refused.push(`code ${JSON.stringify(code).slice(0, 30)}`);
  expect(refused).toEqual([]);
  await alice.ok({ type: 'subscribe', userID: 'ms-bob', streamType: 'main', audio: true, video: true });
  expect(await report({})).toBe(true);
  // The flood that stored 5,497 entries: 600 reports about 600 made-up users.
  let accepted = 0;
  for (let i = 0; i < 600; i++) if (await report({ userID: `ghost-${i}` })) accepted++;
  expect(accepted).toBe(0);
  const room = await h.admin('GET', `/admin/rooms/${encodeURIComponent('n:7103')}`);
  const states = room.body.users.find((u: { userID: string }) => u.userID === 'ms-alice').mediaStates;
  expect(states).toEqual([expect.objectContaining({ kind: 'play', userID: 'ms-bob', streamType: 'main', state: 'started', code: 2004 })]);
}, 20_000);
