// Kicks: the same userID entering the same room again (reason 'kick'), the admin API removing a user
// ('banned') or dismissing a room ('room-disband'), and the admin key guarding all of it.

import { ErrorCode } from '../../src/core/errors';
import { CLOSE_KICKED } from '../../server/rooms';
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

test('entering the same room again kicks the older session', async () => {
  const room = { roomID: 4001 };
  const { client: first, result: firstJoin } = await h.join('alice', room);
  await first.ok({ type: 'publish', streamType: 'main' });
  const { client: bob } = await h.join('bob', room);
  await bob.ok({ type: 'subscribe', userID: 'alice', streamType: 'main', audio: true, video: true });

  const { result: secondJoin } = await h.join('alice', room);
  expect(secondJoin.sessionId).not.toBe(firstJoin.sessionId);
  expect(secondJoin.users).toEqual(['bob']);

  expect(await first.waitFor('kicked')).toMatchObject({ reason: 'kick' });
  expect((await first.closed).code).toBe(CLOSE_KICKED);

  // Bob saw the old alice go (stream first) and the new one come.
  const removed = await bob.waitFor('stream-removed', (n) => n.userID === 'alice');
  const left = await bob.waitFor('user-left', (n) => n.userID === 'alice');
  const joined = await bob.waitFor('user-joined', (n) => n.userID === 'alice' && n.seq > left.seq);
  expect(left.reason).toBe('kicked');
  expect(removed.seq).toBeLessThan(left.seq);
  expect(left.seq).toBeLessThan(joined.seq);

  const detail = (await h.admin('GET', '/admin/rooms/n:4001')).body;
  expect(detail.users.map((u: { userID: string }) => u.userID).sort()).toEqual(['alice', 'bob']);
  expect(detail.users.find((u: { userID: string }) => u.userID === 'alice').sessionId).toBe(secondJoin.sessionId);
  expect(detail.subscriptions).toEqual([]);
});

test('the same userID in two different rooms is two sessions, no kick', async () => {
  const { client: one } = await h.join('carol', { roomID: 4002 });
  await h.join('carol', { roomID: 4003 });
  await one.sync();
  expect(one.of('kicked')).toEqual([]);
});

test('the admin API needs the key', async () => {
  const { client } = await h.join('dave', { roomID: 4004 });
  const routes: Array<['GET' | 'POST', string]> = [
    ['GET', '/admin/rooms'],
    ['GET', '/admin/rooms/n:4004'],
    ['POST', '/admin/rooms/n:4004/users/dave/remove'],
    ['POST', '/admin/rooms/n:4004/dismiss'],
    ['POST', '/admin/media/restart'],
  ];
  for (const [method, path] of routes) {
    for (const key of [null, '', 'wrong-key', `${h.server.config.adminKey}x`]) {
      const response = await h.admin(method, path, key);
      expect(response.status).toBe(401);
      expect(response.body.error.code).toBe(ErrorCode.ADMIN_UNAUTHORIZED);
    }
  }
  // Nothing happened to dave.
  await client.sync();
  expect(client.of('kicked')).toEqual([]);
  expect(h.server.media.generation).toBe(1);
});

test('admin remove kicks the user as banned and tells the others', async () => {
  const room = { strRoomID: 'team|daily%1' };
  const { client: erin } = await h.join('erin', room);
  await erin.ok({ type: 'publish', streamType: 'main' });
  const { client: frank } = await h.join('frank', room);
  const key = encodeURIComponent('s:team|daily%1');

  const response = await h.admin('POST', `/admin/rooms/${key}/users/erin/remove`);
  expect(response.status).toBe(200);
  expect(response.body).toEqual({ removed: true, roomKey: 's:team|daily%1', userID: 'erin' });
  expect(await erin.waitFor('kicked')).toMatchObject({ reason: 'banned' });
  expect((await erin.closed).code).toBe(CLOSE_KICKED);
  await frank.waitFor('stream-removed', (n) => n.userID === 'erin');
  expect((await frank.waitFor('user-left', (n) => n.userID === 'erin')).reason).toBe('kicked');

  expect((await h.admin('POST', `/admin/rooms/${key}/users/erin/remove`)).status).toBe(404);
  const missingRoom = await h.admin('POST', '/admin/rooms/n:999999/users/erin/remove');
  expect(missingRoom.status).toBe(404);
  expect(missingRoom.body.error.code).toBe(ErrorCode.NOT_FOUND);
  const badKey = await h.admin('GET', '/admin/rooms/4004');
  expect(badKey.status).toBe(400);
  expect(badKey.body.error.code).toBe(ErrorCode.BAD_REQUEST);
});

test('admin dismiss kicks everyone with room-disband and removes the room', async () => {
  const room = { roomID: 4005 };
  const clients = [];
  for (const id of ['g1', 'g2', 'g3']) clients.push((await h.join(id, room)).client);
  clients.push((await h.join('g4', room, { visible: false })).client);

  const response = await h.admin('POST', '/admin/rooms/n:4005/dismiss');
  expect(response.body).toEqual({ dismissed: true, roomKey: 'n:4005', users: 4 });
  for (const client of clients) {
    expect(await client.waitFor('kicked')).toMatchObject({ reason: 'room-disband' });
    expect((await client.closed).code).toBe(CLOSE_KICKED);
  }
  expect((await h.admin('GET', '/admin/rooms/n:4005')).status).toBe(404);
  expect((await h.admin('POST', '/admin/rooms/n:4005/dismiss')).status).toBe(404);
  // The room can be entered afresh.
  const { result } = await h.join('g1', room);
  expect(result.users).toEqual([]);
});

test('unknown admin routes are 404 with a code of their own, not the missing-room code', async () => {
  const response = await h.admin('GET', '/admin/nothing');
  expect(response.status).toBe(404);
  expect(response.body.error.code).toBe(ErrorCode.ROUTE_NOT_FOUND);
});
