// The room's notification log in Redis, driven straight through the store: processes announce their changes in
// whatever order their round trips finish, and the log must still tell every listener one consistent story.
// These cases replay, deterministically, the races the multi-process suites can only hit by chance.

import type { NotificationBody } from '../../src/core/protocol';
import { defaultConfig } from '../../server/config';
import { roomIdentity, type MemberRecord } from '../../server/store/room-store';
import { RedisRoomStore } from '../../server/store/redis-store';
import { describeWithRedis, startRedis, type RedisServer } from './helpers/redis';

const limits = defaultConfig().limits;

const member = (userID: string, sessionId: string): MemberRecord => ({
  userID,
  sessionId,
  role: 'anchor',
  visible: true,
  platform: 'ios',
  businessId: null,
  joinedAt: Date.now(),
  muted: { audio: false, video: false },
});

const joined = (userID: string): NotificationBody => ({ type: 'user-joined', userID });
const left = (userID: string): NotificationBody => ({ type: 'user-left', userID, reason: 'kicked' });

describeWithRedis('the room log in Redis: one consistent story whatever order processes announce in', () => {
  let redis: RedisServer;
  let store: RedisRoomStore;
  let roomNumber = 7000;
  beforeAll(async () => {
    redis = await startRedis();
    store = new RedisRoomStore({ url: redis.url, prefix: 'announce-test', roomLogSize: 100 });
    await store.connect();
  }, 20_000);
  afterAll(async () => {
    await store?.close();
    await redis?.stop();
  });

  /** A fresh room and `count` changes about one user, as the same user joining again and again (versions rise). */
  async function sameUserJoins(count: number) {
    const room = roomIdentity({ roomID: ++roomNumber });
    const versions: number[] = [];
    for (let i = 0; i < count; i++) {
      const added = await store.tryAddMember(room, 'rtc', member('alice', `session-${i}`), limits);
      if (!added.ok || added.version === undefined) throw new Error(added.ok ? 'no version from the Redis store' : added.message);
      versions.push(added.version);
    }
    return { key: room.key, versions };
  }

  const announce = (key: string, version: number, bodies: NotificationBody[]) =>
    store.announce(key, version, bodies.map((body) => ({ subject: 'alice', body: JSON.stringify(body) })));

  const heard = async (key: string) => (await store.readLog(key, 0)).entries.map((e) => JSON.parse(e.body) as NotificationBody);

  test('in version order, every change is heard whole', async () => {
    const { key, versions } = await sameUserJoins(3);
    await announce(key, versions[0]!, [joined('alice')]);
    await announce(key, versions[1]!, [left('alice'), joined('alice')]);
    await announce(key, versions[2]!, [left('alice'), joined('alice')]);
    expect(await heard(key)).toEqual([joined('alice'), left('alice'), joined('alice'), left('alice'), joined('alice')]);
  });

  test('a change announced after a newer one about the same user is dropped whole, not half of it', async () => {
    const { key, versions } = await sameUserJoins(3);
    await announce(key, versions[0]!, [joined('alice')]);
    expect(await announce(key, versions[2]!, [left('alice'), joined('alice')])).toBe(2);
    // The older replacement lost its race: neither its leave nor its join may land after the newer join.
    expect(await announce(key, versions[1]!, [left('alice'), joined('alice')])).toBe(0);
    expect(await heard(key)).toEqual([joined('alice'), left('alice'), joined('alice')]);
  });

  test('a replacement that overtakes the first join: the room hears one join, never a leave of someone it did not see arrive', async () => {
    const { key, versions } = await sameUserJoins(2);
    await announce(key, versions[1]!, [left('alice'), joined('alice')]);
    await announce(key, versions[0]!, [joined('alice')]);
    expect(await heard(key)).toEqual([joined('alice')]);
  });

  test('a departure after the user was last heard leaving is not news', async () => {
    const { key, versions } = await sameUserJoins(3);
    await announce(key, versions[0]!, [joined('alice')]);
    await announce(key, versions[1]!, [left('alice')]);
    await announce(key, versions[2]!, [{ type: 'stream-removed', userID: 'alice', streamType: 'main' }, left('alice'), joined('alice')]);
    expect(await heard(key)).toEqual([joined('alice'), left('alice'), joined('alice')]);
  });
});
