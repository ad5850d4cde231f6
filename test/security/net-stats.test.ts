// Stream quality reports under a hostile client (issue 15 item 2): net-stats frames that are malformed, huge,
// too frequent, ill-typed (NaN, Infinity, negative, strings), about streams that are not the sender's, or sent
// before joining; NET_STATS events in a report batch that lie; and the routes that read the series without
// the admin key or the view key. Bounded in count and time.

import { ErrorCode } from '../../src/core/errors';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/core/protocol';
import { MAX_NET_STATS_PER_FRAME, checkNetStatsSample, type NetStatsSample } from '../../src/core/net-stats';
import type { RoomStatsResult, StatsIndexResult } from '../../server/stats';
import { startHarness, type Harness } from '../server/helpers/server';
import type { TestClient } from '../server/helpers/client';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ stats: { maxParticipants: 4, streamsPerParticipant: 2, samplesPerStream: 5 } });
});
afterEach(async () => {
  await h.closeClients();
});
afterAll(async () => {
  await h.close();
});

let at = Date.now();
const good = (fields: Record<string, unknown> = {}): Record<string, unknown> => ({ kind: 'push', userID: 'alice', streamType: 'main', at: (at += 2000), videoBitrate: 500, ...fields });
const frame = (id: number, fields: Record<string, unknown>) => JSON.stringify({ v: PROTOCOL_VERSION, id, type: 'net-stats', ...fields });

async function raw(client: TestClient, id: number, text: string) {
  client.sendRaw(text);
  return client.waitResponse((r) => r.id === id, `response #${id}`);
}

const roomStats = async (roomID: number) => ((await h.admin('GET', `/admin/rooms/n%3A${roomID}/stats`)).body as RoomStatsResult).participants;

async function publisher(roomID: number): Promise<TestClient> {
  const { client } = await h.join('alice', { roomID });
  await client.ok<'publish'>({ type: 'publish', streamType: 'main' });
  return client;
}

test('ill-typed figures are refused with BAD_REQUEST and nothing is kept', async () => {
  const alice = await publisher(7301);
  const bad: Array<Record<string, unknown>> = [
    good({ videoBitrate: -1 }),
    good({ videoBitrate: '500' }),
    good({ videoFPS: null }),
    good({ videoFPS: true }),
    good({ netQualityLevel: 7 }),
    good({ packetLoss: 101 }),
    good({ videoWidth: 1e9 }),
    good({ at: -5 }),
    good({ at: 1.5 }),
    good({ at: '2026' }),
    good({ kind: 'record' }),
    good({ streamType: 'sub' }),
    good({ userID: 'a b' }),
    good({ userID: 'x'.repeat(33) }),
    good({ extra: 1 }),
    good({ __proto__: { videoBitrate: 1 }, constructor: 1 }),
    { kind: 'push', userID: 'alice', streamType: 'main', at: 1 }, // no figure at all
  ];
  let id = 100;
  for (const sample of bad) {
    const response = await raw(alice, ++id, frame(id, { samples: [sample] }));
    expect(response).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  }
  // JSON has no NaN; Infinity arrives as 1e999.
  expect(await raw(alice, 200, `{"v":${PROTOCOL_VERSION},"id":200,"type":"net-stats","samples":[{"kind":"push","userID":"alice","streamType":"main","at":5,"videoBitrate":1e999}]}`)).toMatchObject({
    ok: false,
    error: { code: ErrorCode.BAD_REQUEST },
  });
  // NaN is not JSON at all: the frame is refused before its id can be read.
  alice.sendRaw(`{"v":${PROTOCOL_VERSION},"id":201,"type":"net-stats","samples":[{"kind":"push","userID":"alice","streamType":"main","at":5,"videoBitrate":NaN}]}`);
  expect(await alice.waitResponse((r) => !r.ok && r.error.message === 'frame is not JSON', 'the NaN refusal')).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  // The frame itself: no samples, not an array, empty, too many, an extra field.
  for (const [i, fields] of [{}, { samples: 'x' }, { samples: [] }, { samples: Array.from({ length: MAX_NET_STATS_PER_FRAME + 1 }, () => good()) }, { samples: [good()], more: 1 }].entries()) {
    expect(await raw(alice, 300 + i, frame(300 + i, fields))).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  }
  expect(await roomStats(7301)).toEqual([]);
  // And the shared check agrees on the client side.
  expect(checkNetStatsSample(good({ videoBitrate: Number.NaN })).ok).toBe(false);
  expect(checkNetStatsSample(good({ videoBitrate: Number.POSITIVE_INFINITY })).ok).toBe(false);
  expect(checkNetStatsSample(good()).ok).toBe(true);
});

test('a huge frame closes the socket (FRAME_TOO_LARGE) and keeps nothing', async () => {
  const alice = await publisher(7302);
  alice.sendRaw(frame(1, { samples: [good({ pad: 'y'.repeat(MAX_FRAME_BYTES) })] }));
  const refusal = await alice.waitResponse((r) => !r.ok && r.error.code === ErrorCode.FRAME_TOO_LARGE, 'FRAME_TOO_LARGE');
  expect(refusal.ok).toBe(false);
  expect(await roomStats(7302)).toEqual([]);
});

test('stats before join are refused (REQUEST_OUT_OF_STATE) and create no series', async () => {
  const stranger = await h.connect('stranger');
  const response = await raw(stranger, 1, frame(1, { samples: [good()] }));
  expect(response).toMatchObject({ ok: false, error: { code: ErrorCode.REQUEST_OUT_OF_STATE } });
  const index = (await h.admin('GET', '/admin/stats')).body as StatsIndexResult;
  expect(index.participants.filter((p) => p.userID === 'alice')).toEqual([]);
});

test('too-frequent samples of one stream are dropped; a flood is rate limited and the ring stays bounded', async () => {
  const alice = await publisher(7303);
  // Two in one frame, and one right after: the server keeps one per stream per second.
  expect(await alice.ok<'net-stats'>({ type: 'net-stats', samples: [good(), good()] as unknown as NetStatsSample[] })).toEqual({ accepted: 1, dropped: 1 });
  expect(await alice.ok<'net-stats'>({ type: 'net-stats', samples: [good()] as unknown as NetStatsSample[] })).toEqual({ accepted: 0, dropped: 1 });
  // A flood well past the connection's rate: refusals, no growth.
  for (let i = 0; i < 300; i++) alice.sendRaw(frame(1000 + i, { samples: [good()] }));
  const limited = await alice.waitResponse((r) => !r.ok && r.error.code === ErrorCode.RATE_LIMITED, 'RATE_LIMITED', 5_000);
  expect(limited.ok).toBe(false);
  const streams = (await roomStats(7303)).flatMap((p) => p.streams);
  expect(streams).toHaveLength(1);
  expect(streams[0]!.samples.length).toBeLessThanOrEqual(5);
});

test('samples about other users\' streams are dropped; only the participant\'s own streams are kept', async () => {
  const alice = await publisher(7304);
  const bob = (await h.join('bob', { roomID: 7304 })).client;
  // bob plays nothing and publishes nothing; he claims alice's push and an unknown user's stream.
  const claims = [good(), good({ kind: 'play', userID: 'nobody' }), good({ kind: 'play', userID: 'alice', streamType: 'aux' })] as unknown as NetStatsSample[];
  expect(await bob.ok<'net-stats'>({ type: 'net-stats', samples: claims })).toEqual({ accepted: 0, dropped: 3 });
  expect(await alice.ok<'net-stats'>({ type: 'net-stats', samples: [good({ userID: 'bob' })] as unknown as NetStatsSample[] })).toEqual({ accepted: 0, dropped: 1 });
  expect(await roomStats(7304)).toEqual([]);
});

test('NET_STATS events in a signed report batch: only well-formed samples count, a push only the reporter\'s own', async () => {
  const post = (body: unknown) => fetch(`${h.server.httpUrl}/v1/reports`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const signed = (userID: string, events: unknown[]) => ({ sdkAppID: h.server.sdkAppID, userID, roomID: '7305', userSig: h.server.genUserSig('carol'), events });
  const events = [
    { type: 'NET_STATS', ...good({ userID: 'carol', videoBitrate: 321 }) },
    { type: 'NET_STATS', ...good({ userID: 'mallory' }) }, // someone else's push
    { type: 'NET_STATS', ...good({ userID: 'carol', videoFPS: -3 }) },
    { type: 'NET_STATS', ...good({ userID: 'carol', script: '<svg onload=alert(1)>' }) },
    { type: 'NET_STATS', kind: 'play', userID: 'dave', streamType: 'main', at: 5, videoFPS: 12 },
  ];
  expect((await post(signed('carol', events))).status).toBe(202);
  const [carol] = await roomStats(7305);
  expect(carol).toMatchObject({ source: 'report', userID: 'carol' });
  expect(carol!.streams.map((s) => [s.kind, s.userID, s.samples.length])).toEqual([
    ['push', 'carol', 1],
    ['play', 'dave', 1],
  ]);
  expect(JSON.stringify(carol)).not.toContain('onload');
  // Unsigned: refused before anything is kept.
  expect((await post({ ...signed('erin', events), userSig: 'forged' })).status).toBe(401);
  expect((await roomStats(7305)).map((p) => p.userID)).toEqual(['carol']);
});

test('the caps hold: participants past maxParticipants keep nothing while none has ended', async () => {
  const clients: TestClient[] = [];
  for (let i = 0; i < 5; i++) {
    const { client } = await h.join(`cap${i}`, { roomID: 7306 });
    await client.ok<'publish'>({ type: 'publish', streamType: 'main' });
    clients.push(client);
  }
  const index = (await h.admin('GET', '/admin/stats')).body as StatsIndexResult;
  const before = index.totals.participants;
  const answers = [];
  for (const [i, client] of clients.entries()) answers.push(await client.ok<'net-stats'>({ type: 'net-stats', samples: [good({ userID: `cap${i}` })] as unknown as NetStatsSample[] }));
  const after = (await h.admin('GET', '/admin/stats')).body as StatsIndexResult;
  // Nobody has ended (closed sockets are in their grace period): the first to come fill the store, the rest keep nothing.
  expect(before).toBeLessThan(4);
  expect(after.totals.participants).toBe(4);
  expect(answers.map((a) => a.accepted)).toEqual([1, 1, 1, 1, 1].map((_, i) => (i < 4 - before ? 1 : 0)));
  expect(after.totals.dropped).toBeGreaterThan(index.totals.dropped);
});

test('the series need the admin key on the admin API and the view key on the inspector route', async () => {
  for (const path of ['/admin/stats', '/admin/rooms/n%3A7301/stats']) {
    expect(await h.admin('GET', path, null)).toMatchObject({ status: 401, body: { error: { code: ErrorCode.ADMIN_UNAUTHORIZED } } });
    expect(await h.admin('GET', path, 'wrong-key')).toMatchObject({ status: 401 });
    expect(await h.admin('GET', path, h.server.inspector!.viewKey)).toMatchObject({ status: 401 });
    expect((await h.admin('POST', path)).status).toBe(405);
  }
  expect((await h.admin('GET', '/admin/rooms/n%3A0/stats')).status).toBe(400);
  const inspect = (headers: Record<string, string>, method = 'GET') => fetch(`${h.server.httpUrl}/inspect/stats`, { method, headers });
  expect((await inspect({})).status).toBe(401);
  expect((await inspect({ 'x-inspector-key': 'wrong' })).status).toBe(401);
  // The publish key (inside every mini-program build) and the admin key are not the view key.
  expect((await inspect({ 'x-inspector-key': h.server.inspector!.publishKey })).status).toBe(401);
  expect((await inspect({ 'x-inspector-key': h.server.config.adminKey })).status).toBe(401);
  // The key in the query (it would land in logs) is not accepted either.
  expect((await fetch(`${h.server.httpUrl}/inspect/stats?key=${encodeURIComponent(h.server.inspector!.viewKey)}`)).status).toBe(401);
  const ok = await inspect({ 'x-inspector-key': h.server.inspector!.viewKey });
  expect(ok.status).toBe(200);
  expect(Array.isArray(((await ok.json()) as { rooms: unknown }).rooms)).toBe(true);
  expect((await inspect({ 'x-inspector-key': h.server.inspector!.viewKey }, 'POST')).status).toBe(405);
});
