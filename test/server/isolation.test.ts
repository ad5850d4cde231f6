// Rooms are isolated: numeric room 1234 and string room "1234" are different rooms, and nothing of one room
// (users, streams, subscriptions) can be reached from another.

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

test('roomID 1234 and strRoomID "1234" are different rooms', async () => {
  const { client: numeric } = await h.join('n-user', { roomID: 1234 });
  await numeric.ok({ type: 'publish', streamType: 'main' });
  const { client: text, result } = await h.join('s-user', { strRoomID: '1234' });
  expect(result.users).toEqual([]);
  expect(result.streams).toEqual([]);
  await numeric.sync();
  expect(numeric.of('user-joined')).toEqual([]);

  const rooms = (await h.admin('GET', '/admin/rooms')).body.rooms as Array<{ key: string; roomID: number | null; strRoomID: string | null }>;
  expect(rooms).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ key: 'n:1234', roomID: 1234, strRoomID: null }),
      expect.objectContaining({ key: 's:1234', roomID: null, strRoomID: '1234' }),
    ]),
  );
  expect((await h.admin('GET', '/admin/rooms/s:1234')).body.users.map((u: { userID: string }) => u.userID)).toEqual(['s-user']);

  // The same userID in both is not a duplicate login either.
  const { client: again } = await h.join('n-user', { strRoomID: '1234' });
  await numeric.sync();
  expect(numeric.of('kicked')).toEqual([]);
  await again.sync();
  await text.waitFor('user-joined', (n) => n.userID === 'n-user');
});

test('subscribing to a stream of another room is STREAM_NOT_FOUND, like a stream that does not exist', async () => {
  const { client: publisher } = await h.join('pub', { roomID: 8001 });
  await publisher.ok({ type: 'publish', streamType: 'main' });
  const { client: outsider } = await h.join('outsider', { roomID: 8002 });
  const foreign = await outsider.fails({ type: 'subscribe', userID: 'pub', streamType: 'main', audio: true, video: true });
  const missing = await outsider.fails({ type: 'subscribe', userID: 'nobody', streamType: 'main', audio: true, video: true });
  expect(foreign.code).toBe(ErrorCode.STREAM_NOT_FOUND);
  expect(missing.code).toBe(ErrorCode.STREAM_NOT_FOUND);
  // Same wording either way: the answer does not reveal that 'pub' publishes somewhere.
  expect(foreign.message.replace('pub', 'X')).toBe(missing.message.replace('nobody', 'X'));
  // Unsubscribing from a stream one never had is harmless.
  await outsider.ok({ type: 'unsubscribe', userID: 'pub', streamType: 'main' });
});

test('stream urls name their room, and urls of different rooms differ', async () => {
  const { client: a } = await h.join('same', { roomID: 8003 });
  const { client: b } = await h.join('same', { strRoomID: '8003' });
  const urlA = (await a.ok<'publish'>({ type: 'publish', streamType: 'main' })).url;
  const urlB = (await b.ok<'publish'>({ type: 'publish', streamType: 'main' })).url;
  expect(urlA).not.toBe(urlB);
  const check = h.server.urls.verifyUrl('push', urlA);
  expect(check.ok && check.address).toEqual({ roomKey: 'n:8003', userID: 'same', streamType: 'main' });
});
