// Join, publish, subscribe, mute, unpublish and leave between several raw clients: who hears what, in which
// order, and what a joiner's snapshot holds.

import { ErrorCode } from '../../src/core/errors';
import { startHarness, type Harness } from './helpers/server';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterEach(async () => {
  await h.closeClients();
});
afterAll(async () => {
  await h.close();
});

test('join announces a visible user to those already in the room and returns the snapshot', async () => {
  const room = { roomID: 1001 };
  const { client: alice, result: aliceJoin } = await h.join('alice', room);
  expect(aliceJoin.users).toEqual([]);
  expect(aliceJoin.streams).toEqual([]);
  expect(typeof aliceJoin.sessionId).toBe('string');
  expect(aliceJoin.resumeToken.length).toBeGreaterThan(16);
  expect(aliceJoin.heartbeatIntervalMs).toBe(h.server.config.heartbeatIntervalMs);
  expect(aliceJoin.graceMs).toBe(h.server.config.graceMs);

  const publish = await alice.ok<'publish'>({ type: 'publish', streamType: 'main' });
  expect(publish.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.main\?gen=1&expires=\d+&sid=[0-9a-f-]{36}&sub=[A-Za-z0-9_-]+&sign=[0-9a-f]{64}$/);
  expect(publish.expiresAt).toBeGreaterThan(Date.now() / 1000);

  const { client: bob, result: bobJoin } = await h.join('bob', room);
  expect(bobJoin.users).toEqual(['alice']);
  expect(bobJoin.streams).toEqual([{ userID: 'alice', streamType: 'main', audio: true, video: true }]);
  const joined = await alice.waitFor('user-joined', (n) => n.userID === 'bob');
  expect(joined.seq).toBe(1);
  // Bob learned about alice's stream from the snapshot, not from a notification.
  await bob.sync();
  expect(bob.of('stream-added')).toEqual([]);
});

test('publish, mute, subscribe, unpublish and leave reach the others in order', async () => {
  const room = { roomID: 1002 };
  const { client: a } = await h.join('a', room);
  const { client: b } = await h.join('b', room);
  const { client: c } = await h.join('c', room, { mute: { audio: true, video: false } });

  // c joined with its microphone disabled: its stream is published with audio off.
  await c.ok({ type: 'publish', streamType: 'main' });
  for (const other of [a, b]) {
    const added = await other.waitFor('stream-added', (n) => n.userID === 'c');
    expect(added).toMatchObject({ userID: 'c', streamType: 'main', audio: false, video: true });
  }

  const mute = await c.ok<'mute'>({ type: 'mute', audio: false, video: true });
  expect(mute).toEqual({ audio: true, video: false });
  for (const other of [a, b]) {
    const updated = await other.waitFor('stream-updated', (n) => n.userID === 'c');
    expect(updated).toMatchObject({ audio: true, video: false });
  }

  const sub = await a.ok<'subscribe'>({ type: 'subscribe', userID: 'c', streamType: 'main', audio: true, video: true });
  expect(sub.url).toContain('.main?gen=1');
  expect(sub.warning).toBeUndefined();
  const detail = (await h.admin('GET', '/admin/rooms/n:1002')).body;
  expect(detail.subscriptions).toEqual([expect.objectContaining({ subscriberID: 'a', userID: 'c', streamType: 'main' })]);

  await c.ok({ type: 'unpublish', streamType: 'main' });
  for (const other of [a, b]) await other.waitFor('stream-removed', (n) => n.userID === 'c');
  // Removing the stream dropped a's subscription to it.
  expect((await h.admin('GET', '/admin/rooms/n:1002')).body.subscriptions).toEqual([]);

  await c.ok({ type: 'leave' });
  for (const other of [a, b]) {
    const left = await other.waitFor('user-left', (n) => n.userID === 'c');
    expect(left.reason).toBe('leave');
  }
  // Notification seqs are strictly increasing per session.
  const seqs = a.notifications.map((n) => n.seq);
  expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  expect(new Set(seqs).size).toBe(seqs.length);
  expect(a.notifications.map((n) => n.type)).toEqual(['user-joined', 'user-joined', 'stream-added', 'stream-updated', 'stream-removed', 'user-left']);
});

test('eight visible users see each other and each stream once', async () => {
  const room = { strRoomID: 'meeting-8' };
  const ids = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8'];
  const clients = [];
  for (const id of ids) clients.push((await h.join(id, room)).client);
  for (const client of clients) await client.ok({ type: 'publish', streamType: 'main' });
  for (const [i, client] of clients.entries()) {
    for (const other of ids) {
      if (other === ids[i]) continue;
      await client.waitFor('stream-added', (n) => n.userID === other);
    }
    await client.sync();
    expect(client.of('stream-added')).toHaveLength(7);
    // Everyone who joined later was announced; those already there came in the snapshot.
    expect(client.of('user-joined')).toHaveLength(7 - i);
  }
  const last = await h.join('late', room, { visible: false });
  expect(last.result.users.sort()).toEqual([...ids].sort());
  expect(last.result.streams).toHaveLength(8);
});

test('re-publishing the same stream hands out a url without announcing it twice', async () => {
  const room = { roomID: 1004 };
  const { client: a } = await h.join('a', room);
  const { client: b } = await h.join('b', room);
  await a.ok({ type: 'publish', streamType: 'main' });
  await b.waitFor('stream-added');
  const again = await a.ok<'publish'>({ type: 'publish', streamType: 'main' });
  expect(again.url).toContain('/live/');
  await b.sync();
  expect(b.of('stream-added')).toHaveLength(1);
});

test('subscribing needs a published stream; subscribing again does not count twice', async () => {
  const room = { roomID: 1005 };
  const { client: a } = await h.join('a', room);
  const { client: b } = await h.join('b', room);
  expect((await b.fails({ type: 'subscribe', userID: 'a', streamType: 'main', audio: true, video: true })).code).toBe(ErrorCode.STREAM_NOT_FOUND);
  expect((await a.fails({ type: 'subscribe', userID: 'a', streamType: 'main', audio: true, video: true })).code).toBe(ErrorCode.STREAM_NOT_FOUND);
  await a.ok({ type: 'publish', streamType: 'main' });
  await b.ok({ type: 'subscribe', userID: 'a', streamType: 'main', audio: true, video: true });
  await b.ok({ type: 'subscribe', userID: 'a', streamType: 'main', audio: false, video: true });
  const detail = (await h.admin('GET', '/admin/rooms/n:1005')).body;
  expect(detail.subscriptions).toEqual([expect.objectContaining({ subscriberID: 'b', audio: false, video: true })]);
  await b.ok({ type: 'unsubscribe', userID: 'a', streamType: 'main' });
  expect((await h.admin('GET', '/admin/rooms/n:1005')).body.subscriptions).toEqual([]);
});

test('requests before join are refused, join twice on one socket is refused, the socket stays usable', async () => {
  const client = await h.connect('early');
  for (const body of [
    { type: 'publish', streamType: 'main' },
    { type: 'leave' },
    { type: 'mute', audio: true, video: true },
    { type: 'subscribe', userID: 'x', streamType: 'main', audio: true, video: true },
    { type: 'set-visibility', visible: false },
  ] as const) {
    expect((await client.fails(body)).code).toBe(ErrorCode.REQUEST_OUT_OF_STATE);
  }
  expect((await client.ok<'ping'>({ type: 'ping' })).now).toBeGreaterThan(0);
  await client.ok(h.joinRequest('twice', { roomID: 1006 }));
  expect((await client.fails(h.joinRequest('twice', { roomID: 1006 }))).code).toBe(ErrorCode.REQUEST_OUT_OF_STATE);
  expect((await client.fails({ type: 'resume', resumeToken: 'whatever-token', lastSeq: 0 })).code).toBe(ErrorCode.REQUEST_OUT_OF_STATE);
  // After leave the socket can join again.
  await client.ok({ type: 'leave' });
  await client.ok(h.joinRequest('twice', { roomID: 1006 }));
});

test('the audience role cannot publish', async () => {
  const { client: viewer } = await h.join('viewer', { roomID: 1007 }, { scene: 'live', role: 'audience' });
  expect((await viewer.fails({ type: 'publish', streamType: 'main' })).code).toBe(ErrorCode.PUBLISH_NOT_ALLOWED);
});

test('an empty room disappears; the admin list shows live rooms', async () => {
  const { client } = await h.join('solo', { strRoomID: 'solo-room' });
  const listed = (await h.admin('GET', '/admin/rooms')).body.rooms;
  expect(listed).toEqual(expect.arrayContaining([expect.objectContaining({ key: 's:solo-room', users: 1, visibleUsers: 1 })]));
  await client.ok({ type: 'leave' });
  expect((await h.admin('GET', '/admin/rooms/s:solo-room')).status).toBe(404);
});
