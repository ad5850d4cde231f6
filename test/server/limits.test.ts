// Room limits through the mini-program: 8 visible and 2000 silent users per room, 8 subscriptions per user
// with a warning from the 6th on Android, scene limits (ROOM_FULL), and moving between visible and silent.

import { ErrorCode } from '../../src/core/errors';
import type { TestClient } from './helpers/client';
import { startHarness, type Harness } from './helpers/server';

describe('with the default limits', () => {
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

  test('the 9th visible user is refused; silent users get in, are never announced and cannot publish', async () => {
    const room = { roomID: 2001 };
    const visible: TestClient[] = [];
    for (let i = 1; i <= 8; i++) visible.push((await h.join(`v${i}`, room)).client);
    const ninth = await h.connect('v9');
    const refused = await ninth.fails(h.joinRequest('v9', room));
    expect(refused.code).toBe(ErrorCode.VISIBLE_USER_LIMIT);
    // The refused connection stays usable: it can come in silently.
    const silentJoin = await ninth.ok<'join'>(h.joinRequest('v9', room, { visible: false }));
    expect(silentJoin.users).toHaveLength(8);
    expect((await ninth.fails({ type: 'publish', streamType: 'main' })).code).toBe(ErrorCode.PUBLISH_NOT_ALLOWED);

    // Nobody heard of v9: a later visible change reaches them, and nothing about v9 came before it.
    await visible[7]!.ok({ type: 'leave' });
    for (const client of visible.slice(0, 7)) {
      await client.waitFor('user-left', (n) => n.userID === 'v8');
      expect(client.notifications.some((n) => 'userID' in n && n.userID === 'v9')).toBe(false);
    }
    // The silent user sees the room.
    await ninth.waitFor('user-left', (n) => n.userID === 'v8');
    const snapshotOfOther = (await h.join('v10', room, { visible: false })).result;
    expect(snapshotOfOther.users).not.toContain('v9');
  });

  test('set-visibility both ways: silent takes the stream down, visible is refused past the limit', async () => {
    const room = { strRoomID: 'vis' };
    const clients: TestClient[] = [];
    for (let i = 1; i <= 8; i++) clients.push((await h.join(`p${i}`, room)).client);
    const [p1, p2, p3] = clients as [TestClient, TestClient, TestClient];
    const { client: watcher } = await h.join('watcher', room, { visible: false });

    // A silent user cannot become visible while 8 are visible.
    expect((await watcher.fails({ type: 'set-visibility', visible: true })).code).toBe(ErrorCode.VISIBLE_USER_LIMIT);

    await p1.ok({ type: 'publish', streamType: 'main' });
    await p2.waitFor('stream-added', (n) => n.userID === 'p1');
    await p2.ok({ type: 'subscribe', userID: 'p1', streamType: 'main', audio: true, video: true });

    // p1 goes silent: its stream goes (stream-removed, then user-left 'invisible'), p1 hears `unpublished`.
    expect(await p1.ok<'set-visibility'>({ type: 'set-visibility', visible: false })).toEqual({ visible: false });
    const unpublished = await p1.waitFor('unpublished');
    expect(unpublished).toMatchObject({ streamType: 'main', reason: 'invisible' });
    for (const other of [p2, p3, watcher]) {
      const removed = await other.waitFor('stream-removed', (n) => n.userID === 'p1');
      const left = await other.waitFor('user-left', (n) => n.userID === 'p1');
      expect(left.reason).toBe('invisible');
      expect(removed.seq).toBeLessThan(left.seq);
    }
    const detail = (await h.admin('GET', '/admin/rooms/s:vis')).body;
    expect(detail.streams).toEqual([]);
    expect(detail.subscriptions).toEqual([]);
    expect(detail.users.find((u: { userID: string }) => u.userID === 'p1').visible).toBe(false);
    expect((await p1.fails({ type: 'publish', streamType: 'main' })).code).toBe(ErrorCode.PUBLISH_NOT_ALLOWED);

    // Now there is room: the watcher becomes visible and is announced.
    expect(await watcher.ok<'set-visibility'>({ type: 'set-visibility', visible: true })).toEqual({ visible: true });
    await p2.waitFor('user-joined', (n) => n.userID === 'watcher');
    await p1.waitFor('user-joined', (n) => n.userID === 'watcher');
    // ...and p1 cannot come back while the room has 8 visible again.
    expect((await p1.fails({ type: 'set-visibility', visible: true })).code).toBe(ErrorCode.VISIBLE_USER_LIMIT);
    // Setting the visibility one already has changes nothing.
    expect(await p2.ok<'set-visibility'>({ type: 'set-visibility', visible: true })).toEqual({ visible: true });
  });

  test('the 9th subscription is refused; a repeated one does not count; Android is warned from the 6th', async () => {
    const room = { roomID: 2003 };
    // 8 visible users each publish main and aux: 16 streams to choose from.
    const publishers: string[] = [];
    for (let i = 1; i <= 8; i++) {
      const { client } = await h.join(`s${i}`, room);
      await client.ok({ type: 'publish', streamType: 'main' });
      await client.ok({ type: 'publish', streamType: 'aux' });
      publishers.push(`s${i}`);
    }
    const { client: android } = await h.join('droid', room, { visible: false, platform: 'android' });
    const { client: ios } = await h.join('phone', room, { visible: false, platform: 'ios' });

    for (let i = 0; i < 8; i++) {
      const target = { type: 'subscribe', userID: publishers[i]!, streamType: 'main', audio: true, video: true } as const;
      const result = await android.ok<'subscribe'>(target);
      if (i + 1 < 6) expect(result.warning).toBeUndefined();
      else expect(result.warning).toEqual({ code: ErrorCode.SUBSCRIPTION_WARNING, message: expect.stringContaining('Android') });
      const other = await ios.ok<'subscribe'>(target);
      expect(other.warning).toBeUndefined();
    }
    const ninth = { type: 'subscribe', userID: 's1', streamType: 'aux', audio: true, video: true } as const;
    expect((await android.fails(ninth)).code).toBe(ErrorCode.SUBSCRIPTION_LIMIT);
    expect((await ios.fails(ninth)).code).toBe(ErrorCode.SUBSCRIPTION_LIMIT);
    // Subscribing again to one of the 8 updates it.
    await android.ok({ type: 'subscribe', userID: 's1', streamType: 'main', audio: false, video: true });
    // Unsubscribing frees a slot.
    await android.ok({ type: 'unsubscribe', userID: 's2', streamType: 'main' });
    await android.ok(ninth);
  });
});

describe('with small limits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ limits: { silentUsersPerRoom: 2, rtcUsersPerRoom: 4, liveAnchorsPerRoom: 2 } });
  });
  afterEach(async () => {
    await h.closeClients();
  });
  afterAll(async () => {
    await h.close();
  });

  test('silent users past the limit are refused, joining or going silent', async () => {
    const room = { roomID: 3001 };
    await h.join('q1', room, { visible: false, scene: 'live' });
    await h.join('q2', room, { visible: false, scene: 'live' });
    const q3 = await h.connect('q3');
    expect((await q3.fails(h.joinRequest('q3', room, { visible: false, scene: 'live' }))).code).toBe(ErrorCode.SILENT_USER_LIMIT);
    await q3.ok(h.joinRequest('q3', room, { scene: 'live' }));
    expect((await q3.fails({ type: 'set-visibility', visible: false })).code).toBe(ErrorCode.SILENT_USER_LIMIT);
  });

  test('scene rtc: ROOM_FULL past the total; the same user entering again replaces itself', async () => {
    const room = { roomID: 3002 };
    for (const id of ['r1', 'r2', 'r3']) await h.join(id, room);
    await h.join('r4', room, { visible: false });
    const r5 = await h.connect('r5');
    expect((await r5.fails(h.joinRequest('r5', room))).code).toBe(ErrorCode.ROOM_FULL);
    // A replacement does not count against the limit.
    await h.join('r2', room);
  });

  test('scene live: ROOM_FULL when one more anchor would publish; audience still join', async () => {
    const room = { roomID: 3003 };
    const { client: a1 } = await h.join('a1', room, { scene: 'live' });
    const { client: a2 } = await h.join('a2', room, { scene: 'live' });
    const { client: a3 } = await h.join('a3', room, { scene: 'live' });
    await a1.ok({ type: 'publish', streamType: 'main' });
    await a2.ok({ type: 'publish', streamType: 'main' });
    // An anchor already publishing may add its aux stream.
    await a2.ok({ type: 'publish', streamType: 'aux' });
    expect((await a3.fails({ type: 'publish', streamType: 'main' })).code).toBe(ErrorCode.ROOM_FULL);
    await a1.ok({ type: 'unpublish', streamType: 'main' });
    await a3.ok({ type: 'publish', streamType: 'main' });
  });
});
