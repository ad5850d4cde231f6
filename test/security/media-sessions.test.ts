// Removed users keep no media (issue 13, item 1), against the real RTMP plane and real ffmpeg on loopback:
// after admin remove, a ban of a viewer, dismiss, leave, a second login elsewhere or the grace timeout, the
// session's push and plays are cut within a second of the session ending, and its old signed urls, still
// unexpired, are refused (also once the room itself is gone).

import { startDevServer, type DevServer } from '../../server/index';
import { rtmpMediaPlane, type RtmpMediaPlane, type RtmpPlaneEvent } from '../../server/media/index';
import type { RoomEvent } from '../../server/rooms';
import { RtmpMedia, type RtmpPull, type RtmpPush } from '../../src/testing/rtmp-media';
import { TestClient } from '../server/helpers/client';
import { describeMedia, until } from '../media/helpers';
import { printFigures, table } from '../helpers/figures';

/** How soon after its session ended a push or play must be cut. */
const CUT_WITHIN_MS = 1_000;
const GRACE_MS = 1_500;

describeMedia('a session that ends takes its media with it', () => {
  let server: DevServer;
  let plane: RtmpMediaPlane;
  let media: RtmpMedia;
  const clients: TestClient[] = [];
  const roomEvents: RoomEvent[] = [];
  const rows: Array<Array<string | number>> = [['how the session ended', 'cut', 'after the end (ms)']];
  let nextRoom = 93000;
  const ignore = { report: () => undefined, netStatus: () => undefined };

  beforeAll(async () => {
    server = await startDevServer({
      host: '127.0.0.1',
      port: 0,
      rtmpPort: 0,
      logLevel: 'silent',
      graceMs: GRACE_MS,
      mediaPlane: rtmpMediaPlane(),
      onRoomEvent: (event) => roomEvents.push(event),
    });
    plane = server.media as RtmpMediaPlane;
  });
  beforeEach(() => {
    media = new RtmpMedia();
  });
  afterEach(async () => {
    await media.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    printFigures('media of ended sessions (RTMP plane, ffmpeg on loopback)', table(rows));
    await server.close();
  });

  async function join(userID: string, roomID: number): Promise<{ client: TestClient; sessionId: string }> {
    const client = await TestClient.connect(server.wsUrl, userID);
    clients.push(client);
    const joined = await client.ok<'join'>({ type: 'join', sdkAppID: server.sdkAppID, userID, userSig: server.genUserSig(userID), roomID, scene: 'rtc', role: 'anchor', visible: true });
    return { client, sessionId: joined.sessionId };
  }

  /** A publisher pushing and a viewer playing it, frames flowing, in a room of their own. */
  async function streaming(): Promise<{ roomID: number; key: string; pub: TestClient; viewer: TestClient; push: RtmpPush; pull: RtmpPull; pushUrl: string; pullUrl: string; viewerSession: string }> {
    const roomID = nextRoom++;
    const pub = (await join('pub', roomID)).client;
    const { client: viewer, sessionId: viewerSession } = await join('viewer', roomID);
    const { url: pushUrl } = await pub.ok<'publish'>({ type: 'publish', streamType: 'main' });
    const push = media.push({ url: pushUrl, video: true, audio: true, ...ignore });
    await viewer.waitFor('stream-added', (n) => n.userID === 'pub', 10_000);
    const { url: pullUrl } = await viewer.ok<'subscribe'>({ type: 'subscribe', userID: 'pub', streamType: 'main', audio: true, video: true });
    const pull = media.pull({ url: pullUrl, video: true, audio: true, ...ignore });
    await until(() => pull.frames >= 5, 'the viewer received no frames', 10_000, () => pull.stderrTail.join('\n'));
    return { roomID, key: `n:${roomID}`, pub, viewer, push, pull, pushUrl, pullUrl, viewerSession };
  }

  /** When the server decided `userID` left room `key` (its user.left event). */
  const leftAt = (key: string, userID: string): Promise<number> =>
    until(() => roomEvents.find((e) => e.type === 'user.left' && e.room.key === key && e.userID === userID)?.at, `no user.left for ${userID} in ${key}`, 10_000);

  /** The plane's cut of a role's connection after `since`. */
  const cutAfter = (role: 'publisher' | 'player', since: number, streamUser: string): Promise<RtmpPlaneEvent & { type: 'revoked' }> =>
    until(
      () => plane.history.find((e): e is RtmpPlaneEvent & { type: 'revoked' } => e.type === 'revoked' && e.role === role && e.at >= since - 50 && e.streamName.split('.')[1] === Buffer.from(streamUser).toString('base64url')),
      `the ${role} was not cut`,
      5_000,
      () => JSON.stringify(plane.history.slice(-8)),
    );

  async function expectCut(what: string, role: 'publisher' | 'player', endedAt: number, stream: RtmpPush | RtmpPull): Promise<void> {
    const cut = await cutAfter(role, endedAt, 'pub');
    const delay = cut.at - endedAt;
    rows.push([what, role, delay]);
    expect(delay).toBeLessThanOrEqual(CUT_WITHIN_MS);
    // ffmpeg itself sees the connection go (bounded: its own detection adds a moment).
    await until(() => !stream.running || stream.codes.includes(stream.kind === 'push' ? -1307 : -2301) || stream.codes.includes(2006), `${what}: ffmpeg's ${stream.kind} kept running`, 5_000);
  }

  /** A push with a url whose session ended is refused, with the reason. */
  async function refusedPush(url: string): Promise<void> {
    const before = plane.history.length;
    const again = media.push({ url, video: true, audio: false, ...ignore });
    await until(() => again.codes.includes(-1307), 'the old push url was not refused', 8_000, () => again.stderrTail.join('\n'));
    expect(again.codes).not.toContain(1002);
    // Refused by the session check (the signature, expiry and generation are all still good).
    expect(plane.history.slice(before).find((e) => e.type === 'publish')).toMatchObject({ accepted: false, reason: expect.stringMatching(/^(no-session|session-ended)$/) });
  }

  test('admin remove: the push is cut within a second; the old url, still unexpired, is refused even after the user joins again', async () => {
    const s = await streaming();
    const removedAt = Date.now();
    const answer = await fetch(`${server.httpUrl}/admin/rooms/${s.key}/users/pub/remove`, { method: 'POST', headers: { 'x-admin-key': server.config.adminKey } });
    expect(answer.status).toBe(200);
    await expectCut('admin remove', 'publisher', removedAt, s.push);
    await refusedPush(s.pushUrl);
    // Back in the room with a new session: the old session's url still does not push.
    const back = await join('pub', s.roomID);
    await back.client.ok({ type: 'publish', streamType: 'main' });
    await refusedPush(s.pushUrl);
  });

  test('ban of a viewer (admin remove): its play is cut within a second, the push goes on, its old pull url is refused', async () => {
    const s = await streaming();
    const removedAt = Date.now();
    const answer = await fetch(`${server.httpUrl}/admin/rooms/${s.key}/users/viewer/remove`, { method: 'POST', headers: { 'x-admin-key': server.config.adminKey } });
    expect(answer.status).toBe(200);
    await expectCut('ban (viewer)', 'player', removedAt, s.pull);
    const again = media.pull({ url: s.pullUrl, video: true, audio: true, ...ignore });
    await until(() => again.codes.includes(-2301), 'the banned viewer\'s pull url still played', 8_000);
    expect(again.frames).toBe(0);
    expect(plane.history.filter((e) => e.type === 'play').at(-1)).toMatchObject({ accepted: false, reason: expect.stringMatching(/^(no-session|session-ended)$/) });
    expect(s.push.running).toBe(true);
    expect(plane.liveStreams.some((name) => name.startsWith(Buffer.from(s.key).toString('base64url')))).toBe(true);
  });

  test('dismiss: push and play are cut within a second; once the room is gone the old url cannot publish again', async () => {
    const s = await streaming();
    const dismissedAt = Date.now();
    const answer = await fetch(`${server.httpUrl}/admin/rooms/${s.key}/dismiss`, { method: 'POST', headers: { 'x-admin-key': server.config.adminKey } });
    expect(answer.status).toBe(200);
    await expectCut('dismiss', 'publisher', dismissedAt, s.push);
    await expectCut('dismiss', 'player', dismissedAt, s.pull);
    expect((await fetch(`${server.httpUrl}/admin/rooms/${s.key}`, { headers: { 'x-admin-key': server.config.adminKey } })).status).toBe(404);
    await refusedPush(s.pushUrl);
  });

  test('leave: a client that leaves but keeps pushing (a hostile one) is cut within a second', async () => {
    const s = await streaming();
    await s.pub.ok({ type: 'leave' });
    await expectCut('leave', 'publisher', await leftAt(s.key, 'pub'), s.push);
    await refusedPush(s.pushUrl);
  });

  test('the same user entering elsewhere: the replaced session\'s push is cut', async () => {
    const s = await streaming();
    const since = Date.now();
    await join('pub', s.roomID);
    await s.pub.waitFor('kicked');
    await expectCut('replaced (kick)', 'publisher', since, s.push);
  });

  test('grace timeout: the push outlives the dropped socket for the grace period, then is cut within a second of the expiry', async () => {
    const s = await streaming();
    const droppedAt = Date.now();
    await s.pub.drop();
    const expiredAt = await leftAt(s.key, 'pub');
    expect(expiredAt - droppedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    await expectCut('grace timeout', 'publisher', expiredAt, s.push);
    // Nothing was cut before the session really ended.
    expect(plane.history.filter((e) => e.type === 'revoked' && e.at < expiredAt - 50 && e.at >= droppedAt)).toEqual([]);
    await refusedPush(s.pushUrl);
  });
});
