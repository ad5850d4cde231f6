// Load on a real dev server over loopback: 2000 silent + 8 visible clients in one live room, then 200 rooms of 4, joined with bounded concurrency; every client must end with exactly the server's view of its room and no notification lost, and the room limits must hold at the edge.

import { ErrorCode } from '../../src/core/errors';
import type { JoinResult } from '../../src/core/protocol';
import { startHarness, type Harness } from '../server/helpers/server';
import type { TestClient } from '../server/helpers/client';
import { adminRoom, inBatches, seqGaps, serverViewFor, syncAll, viewFrom } from '../helpers/room-views';
import { printFigures, table } from '../helpers/figures';

const SILENT = 2000;
const VISIBLE = 8;
const ROOMS = 200;
const PER_ROOM = 4;
const CONCURRENCY = 64;

interface Joined {
  userID: string;
  client: TestClient;
  result: JoinResult;
}

const rows: Array<Array<string | number>> = [['load', 'clients held', 'joins', 'notifications', 'views checked', 'violations', 'lost messages', 'ms']];
let h: Harness;

beforeAll(async () => {
  // Generous rates: the storm is many clients, not one abusive one; a short heartbeat keeps nobody idle-dropped.
  h = await startHarness({ graceMs: 60_000, heartbeatIntervalMs: 60_000, rateLimit: { perSecond: 1_000, burst: 1_000 } });
});
afterAll(async () => {
  await h.close();
  printFigures('load: join storms (real server on loopback)', table(rows));
});

async function joinAll(specs: ReadonlyArray<{ userID: string; roomID: number; scene: 'rtc' | 'live'; visible: boolean }>): Promise<Joined[]> {
  return inBatches(specs, CONCURRENCY, async (spec) => {
    const client = await h.connect(spec.userID);
    const result = await client.ok<'join'>(h.joinRequest(spec.userID, { roomID: spec.roomID }, { scene: spec.scene, visible: spec.visible, role: spec.visible ? 'anchor' : 'audience' }));
    return { userID: spec.userID, client, result };
  });
}

/** Every client's view (join snapshot + notifications) against the server's, and seq gaps; returns [violations, lost]. */
async function check(roomKey: string, joined: readonly Joined[]): Promise<{ violations: string[]; lost: number; notifications: number }> {
  await syncAll(joined.map((j) => j.client));
  const room = await adminRoom(h.server, roomKey);
  if (!room) return { violations: [`room ${roomKey} is gone`], lost: 0, notifications: 0 };
  const violations: string[] = [];
  let lost = 0;
  let notifications = 0;
  for (const j of joined) {
    notifications += j.client.notifications.length;
    lost += seqGaps(j.client.notifications);
    const mine = viewFrom(j.result, j.client.notifications);
    const server = serverViewFor(room, j.userID);
    if (JSON.stringify(mine) !== JSON.stringify(server)) violations.push(`${j.userID}: sees ${JSON.stringify(mine)}, server says ${JSON.stringify(server)}`);
  }
  return { violations, lost, notifications };
}

test('2000 silent and 8 visible clients in one live room all converge to the server view; the limits hold at the edge', async () => {
  const started = Date.now();
  const roomID = 60001;
  // Silent users first and visible ones interleaved among them, so announcements cross joins in flight.
  const specs = [
    ...Array.from({ length: SILENT }, (_, i) => ({ userID: `silent-${i}`, roomID, scene: 'live' as const, visible: false })),
  ];
  for (let v = 0; v < VISIBLE; v++) specs.splice(Math.floor(((v + 1) * SILENT) / (VISIBLE + 1)) + v, 0, { userID: `anchor-${v}`, roomID, scene: 'live', visible: true });
  const joined = await joinAll(specs);
  const anchors = joined.filter((j) => j.userID.startsWith('anchor-'));
  // Anchors publish, then two of them mute a track: every member hears stream-added and stream-updated.
  await Promise.all(anchors.map((a) => a.client.ok({ type: 'publish', streamType: 'main' })));
  await Promise.all(anchors.slice(0, 2).map((a) => a.client.ok({ type: 'mute', audio: true, video: false })));

  // At the edge: the 2001st silent and the 9th visible user are refused with their codes.
  const extraSilent = await h.connect('silent-extra');
  const extraVisible = await h.connect('anchor-extra');
  const silentRefusal = await extraSilent.fails(h.joinRequest('silent-extra', { roomID }, { scene: 'live', visible: false, role: 'audience' }));
  const visibleRefusal = await extraVisible.fails(h.joinRequest('anchor-extra', { roomID }, { scene: 'live', visible: true }));
  expect(silentRefusal.code).toBe(ErrorCode.SILENT_USER_LIMIT);
  expect(visibleRefusal.code).toBe(ErrorCode.VISIBLE_USER_LIMIT);

  const { violations, lost, notifications } = await check(`n:${roomID}`, joined);
  const room = await adminRoom(h.server, `n:${roomID}`);
  expect(room?.users.length).toBe(SILENT + VISIBLE);
  rows.push([`1 live room: ${SILENT} silent + ${VISIBLE} visible`, joined.length, joined.length + 2, notifications, joined.length, violations.length, lost, Date.now() - started]);
  expect(violations.slice(0, 5)).toEqual([]);
  expect(lost).toBe(0);
  // Each silent member heard every anchor join after it, every publish and both mutes.
  expect(notifications).toBeGreaterThan(SILENT * (VISIBLE + 2));
  await h.closeClients();
}, 120_000);

test('200 rooms of 4 visible publishers all converge to the server view, rooms kept apart', async () => {
  const started = Date.now();
  const specs = Array.from({ length: ROOMS * PER_ROOM }, (_, i) => ({ userID: `u${i % PER_ROOM}-r${Math.floor(i / PER_ROOM)}`, roomID: 70000 + Math.floor(i / PER_ROOM), scene: 'rtc' as const, visible: true }));
  // Rooms fill in an interleaved order: room 0 user 0, room 1 user 0, ... so all rooms grow at once.
  specs.sort((a, b) => a.userID.localeCompare(b.userID));
  const joined = await joinAll(specs);
  await inBatches(joined, CONCURRENCY, (j) => j.client.ok({ type: 'publish', streamType: 'main' }));
  // One user per room leaves and one mutes video: the others hear stream-removed, user-left, stream-updated.
  const leavers = joined.filter((j) => j.userID.startsWith('u3-'));
  await inBatches(leavers, CONCURRENCY, (j) => j.client.ok({ type: 'leave' }));
  await inBatches(joined.filter((j) => j.userID.startsWith('u2-')), CONCURRENCY, (j) => j.client.ok({ type: 'mute', audio: false, video: true }));
  const staying = joined.filter((j) => !j.userID.startsWith('u3-'));

  let violations: string[] = [];
  let lost = 0;
  let notifications = 0;
  for (let r = 0; r < ROOMS; r++) {
    const members = staying.filter((j) => j.userID.endsWith(`-r${r}`));
    const result = await check(`n:${70000 + r}`, members);
    violations = violations.concat(result.violations);
    lost += result.lost;
    notifications += result.notifications;
    // Nothing of another room reached these members.
    for (const m of members) {
      const foreign = m.client.notifications.filter((n) => 'userID' in n && !String(n.userID).endsWith(`-r${r}`));
      if (foreign.length > 0) violations.push(`${m.userID} heard about another room: ${JSON.stringify(foreign[0])}`);
    }
  }
  const rooms = (await h.admin('GET', '/admin/rooms')).body.rooms as Array<{ key: string; users: number }>;
  expect(rooms.filter((r) => r.key.startsWith('n:7')).map((r) => r.users)).toEqual(Array(ROOMS).fill(PER_ROOM - 1));
  rows.push([`${ROOMS} rooms x ${PER_ROOM}`, joined.length, joined.length, notifications, staying.length, violations.length, lost, Date.now() - started]);
  expect(violations.slice(0, 5)).toEqual([]);
  expect(lost).toBe(0);
  await h.closeClients();
}, 120_000);
