// Stream quality on the server (issue 15 item 2): net-stats frames about a session's own streams are kept per
// participant and stream in a bounded ring and served by the admin API; the series outlives its session by the
// retention time. And end to end through both drivers: the demo room's real facades on the websocket driver, and
// trtc-room pages (the room:// emulation) with the event reporter, report what their components' netstatus
// said, at most one sample per stream per 2 s.

import { startDemoRoom, type DemoRoom } from '../../server/media/demo-room';
import { EVENT } from '../../src/view/events';
import { trtcWxHandlers } from '../../src/testing/bindings';
import { SimulatedMedia } from '../../src/testing/media';
import { createPage } from '../../src/testing/page';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { TRTC } from '../../src/trtc';
import type { RoomStatsResult, StatsIndexResult } from '../../server/stats';
import { NET_STATS_INTERVAL_MS, type NetStatsSample } from '../../src/core/net-stats';
import type { HeadlessWx } from '../../src/testing/wx';
import { startHarness, type Harness } from './helpers/server';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ stats: { samplesPerStream: 3, streamsPerParticipant: 3, retentionMs: 300, minIntervalMs: 0 } });
});
afterAll(async () => {
  await h.close();
});
afterEach(async () => {
  await h.closeClients();
});

let at = Date.now();
const sample = (kind: 'push' | 'play', userID: string, figures: Partial<NetStatsSample> = {}): NetStatsSample => ({
  kind,
  userID,
  streamType: 'main',
  at: (at += 2000),
  videoBitrate: 500,
  audioBitrate: 48,
  videoFPS: 15,
  videoWidth: 640,
  videoHeight: 360,
  netJitter: 2,
  ...figures,
});

async function call(roomID: number) {
  const alice = (await h.join('alice', { roomID })).client;
  const bob = (await h.join('bob', { roomID })).client;
  await alice.ok<'publish'>({ type: 'publish', streamType: 'main' });
  await bob.ok<'subscribe'>({ type: 'subscribe', userID: 'alice', streamType: 'main', audio: true, video: true });
  return { alice, bob };
}

test('samples of a session\'s own streams are kept per participant and stream and served by the admin API', async () => {
  const { alice, bob } = await call(7101);
  expect(await alice.ok<'net-stats'>({ type: 'net-stats', samples: [sample('push', 'alice', { videoBitrate: 510 })] })).toEqual({ accepted: 1, dropped: 0 });
  expect(await bob.ok<'net-stats'>({ type: 'net-stats', samples: [sample('play', 'alice', { videoFPS: 14, packetLoss: 1.5 })] })).toEqual({ accepted: 1, dropped: 0 });

  const room = await h.admin('GET', `/admin/rooms/${encodeURIComponent('n:7101')}/stats`);
  expect(room.status).toBe(200);
  const body = room.body as RoomStatsResult;
  expect(body.roomKey).toBe('n:7101');
  const byUser = new Map(body.participants.map((p) => [p.userID, p]));
  expect(byUser.get('alice')).toMatchObject({ source: 'signaling', endedAt: null, streams: [{ kind: 'push', userID: 'alice', streamType: 'main', samples: [{ videoBitrate: 510, videoFPS: 15, videoWidth: 640 }] }] });
  expect(byUser.get('bob')).toMatchObject({ streams: [{ kind: 'play', userID: 'alice', samples: [{ videoFPS: 14, packetLoss: 1.5 }] }] });
  const stored = byUser.get('bob')!.streams[0]!.samples[0]!;
  expect(typeof stored.receivedAt).toBe('number');
  expect(stored).not.toHaveProperty('kind');

  const index = (await h.admin('GET', '/admin/stats')).body as StatsIndexResult;
  expect(index.participants.filter((p) => p.roomKey === 'n:7101').map((p) => [p.userID, p.streams, p.samples]).sort()).toEqual([
    ['alice', 1, 1],
    ['bob', 1, 1],
  ]);
  expect(index.limits.samplesPerStream).toBe(3);
});

test('each stream keeps only its newest samples (a ring), and a participant only so many streams', async () => {
  const { alice } = await call(7102);
  for (const bitrate of [1, 2, 3, 4, 5]) await alice.ok<'net-stats'>({ type: 'net-stats', samples: [sample('push', 'alice', { videoBitrate: bitrate })] });
  const series = ((await h.admin('GET', '/admin/rooms/n%3A7102/stats')).body as RoomStatsResult).participants.find((p) => p.userID === 'alice')!.streams[0]!;
  expect(series.samples.map((s) => s.videoBitrate)).toEqual([3, 4, 5]);
  expect(series.overwritten).toBe(2);
});

test('samples about streams the session neither publishes nor plays are dropped and counted, not kept', async () => {
  const { alice, bob } = await call(7103);
  // bob does not publish; alice does not play bob; nobody plays carol; alice cannot report bob's push.
  expect(await bob.ok<'net-stats'>({ type: 'net-stats', samples: [sample('push', 'bob'), sample('play', 'carol')] })).toEqual({ accepted: 0, dropped: 2 });
  expect(await alice.ok<'net-stats'>({ type: 'net-stats', samples: [sample('play', 'bob'), sample('push', 'bob'), sample('push', 'alice', { streamType: 'aux' })] })).toEqual({ accepted: 0, dropped: 3 });
  const body = (await h.admin('GET', '/admin/rooms/n%3A7103/stats')).body as RoomStatsResult;
  expect(body.participants).toEqual([]);
});

test('an ended session\'s series stays readable for the retention time, then goes', async () => {
  const { alice } = await call(7104);
  await alice.ok<'net-stats'>({ type: 'net-stats', samples: [sample('push', 'alice')] });
  await alice.ok<'leave'>({ type: 'leave' });
  const right = ((await h.admin('GET', '/admin/rooms/n%3A7104/stats')).body as RoomStatsResult).participants.find((p) => p.userID === 'alice');
  expect(right?.endedAt).toEqual(expect.any(Number));
  const until = Date.now() + 5_000;
  let left: RoomStatsResult;
  do {
    await new Promise((resolve) => setTimeout(resolve, 100));
    left = (await h.admin('GET', '/admin/rooms/n%3A7104/stats')).body as RoomStatsResult;
  } while (left.participants.some((p) => p.userID === 'alice') && Date.now() < until);
  expect(left.participants.filter((p) => p.userID === 'alice')).toEqual([]);
});

describe('end to end, the demo room on the websocket driver', () => {
  let e2e: Harness;
  let demo: DemoRoom;
  beforeAll(async () => {
    e2e = await startHarness({ media: 'none', inspector: false });
    demo = await startDemoRoom(e2e.server, { realMedia: false, roomID: 7200 });
    await demo.ready(15_000);
  }, 30_000);
  afterAll(async () => {
    const socketsClosed = (globalThis as unknown as { wx?: HeadlessWx }).wx?.whenSocketsClosed(5_000);
    await demo?.close();
    await e2e?.close();
    await socketsClosed;
  }, 20_000);

  test('every participant reports its push and what it plays, at most one sample per stream per 2 s', async () => {
    const until = Date.now() + 20_000;
    let body: RoomStatsResult;
    const enough = (b: RoomStatsResult) =>
      ['alice', 'bob'].every((u) => {
        const p = b.participants.find((x) => x.userID === u);
        return p !== undefined && p.streams.length === 2 && p.streams.every((s) => s.samples.length >= 2);
      });
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      body = (await e2e.admin('GET', '/admin/rooms/n%3A7200/stats')).body as RoomStatsResult;
    } while (!enough(body) && Date.now() < until);
    expect(enough(body)).toBe(true);
    const alice = body.participants.find((p) => p.userID === 'alice')!;
    expect(alice.streams.map((s) => `${s.kind}:${s.userID}`).sort()).toEqual(['play:bob', 'push:alice']);
    for (const stream of alice.streams) {
      const [first, second] = stream.samples;
      // The simulated components report every second; the SDK samples each stream at most every 2 s.
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(NET_STATS_INTERVAL_MS);
      expect(first).toMatchObject({ videoWidth: 640, videoHeight: 360, audioBitrate: 48 });
      expect(first!.videoBitrate).toBeGreaterThan(0);
      expect(first!.videoFPS).toBeGreaterThan(0);
      expect(first!.netJitter).toEqual(expect.any(Number));
    }
  }, 30_000);
});

describe('end to end, trtc-room pages with the event reporter', () => {
  let e2e: Harness;
  let runtime: HeadlessRuntime;
  const sdks: TRTC[] = [];
  beforeAll(async () => {
    e2e = await startHarness({ media: 'none', inspector: false });
    runtime = new HeadlessRuntime({ signalingUrl: e2e.server.wsUrl, media: new SimulatedMedia({ netStatusIntervalMs: 250 }) }).install();
  });
  afterAll(async () => {
    for (const sdk of sdks) sdk.destroy();
    const socketsClosed = (globalThis as unknown as { wx?: HeadlessWx }).wx?.whenSocketsClosed(5_000);
    await runtime?.close();
    await e2e?.close();
    await socketsClosed;
  }, 20_000);

  /** A trtc-wx page on the default driver (trtc-room), reporting to the dev server. */
  function open(userID: string): TRTC {
    let trtc: TRTC | null = null;
    const page = createPage({ data: { pusher: {}, playerList: [] }, ...trtcWxHandlers(() => trtc as unknown as Record<string, unknown>) });
    trtc = new TRTC(page, { logLevel: 4, report: { endpoint: `${e2e.server.httpUrl}/v1/reports`, flushIntervalMs: 500, maxBatch: 4 } });
    const sdk = trtc;
    sdks.push(sdk);
    runtime.mount(page);
    for (const code of [EVENT.REMOTE_VIDEO_ADD, EVENT.REMOTE_AUDIO_ADD]) {
      sdk.on(code, ({ data }) => page.setData({ playerList: sdk.setPlayerAttributes((data as { player: { id: string } }).player.id, code === EVENT.REMOTE_VIDEO_ADD ? { muteVideo: false } : { muteAudio: false }) }));
    }
    for (const code of [EVENT.REMOTE_USER_JOIN, EVENT.REMOTE_USER_LEAVE, EVENT.REMOTE_VIDEO_REMOVE, EVENT.REMOTE_AUDIO_REMOVE]) {
      sdk.on(code, ({ data }) => page.setData({ playerList: (data as { playerList: unknown[] }).playerList }));
    }
    sdk.createPusher({});
    const attributes = sdk.enterRoom({ sdkAppID: e2e.server.sdkAppID, userID, userSig: e2e.server.genUserSig(userID), roomID: 7400, enableMic: true, enableCamera: true });
    page.setData({ pusher: attributes }, () => sdk.getPusherInstance()?.start());
    return sdk;
  }

  test('the reporter carries each stream\'s samples and the server keeps them as the user\'s series (source report)', async () => {
    open('alice');
    open('bob');
    const until = Date.now() + 20_000;
    let body: RoomStatsResult;
    const enough = (b: RoomStatsResult) =>
      ['alice', 'bob'].every((u) => {
        const p = b.participants.find((x) => x.userID === u);
        return p !== undefined && p.streams.some((s) => s.kind === 'push' && s.samples.length >= 2) && p.streams.some((s) => s.kind === 'play');
      });
    do {
      await new Promise((resolve) => setTimeout(resolve, 250));
      body = (await e2e.admin('GET', '/admin/rooms/n%3A7400/stats')).body as RoomStatsResult;
    } while (!enough(body) && Date.now() < until);
    expect(enough(body)).toBe(true);
    const alice = body.participants.find((p) => p.userID === 'alice')!;
    expect(alice).toMatchObject({ source: 'report', id: 'report:n:7400:alice' });
    expect(alice.streams.map((s) => `${s.kind}:${s.userID}`).sort()).toEqual(['play:bob', 'push:alice']);
    const push = alice.streams.find((s) => s.kind === 'push')!;
    const [first, second] = push.samples;
    // netstatus every 250 ms, a sample every 2 s at most.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(NET_STATS_INTERVAL_MS);
    expect(first).toMatchObject({ videoWidth: 640, videoHeight: 360, audioBitrate: 48 });
    // The same events are in the reports store too, as any reported event.
    const reported = e2e.server.reports.list({ userID: 'alice' }).flatMap((b) => b.events).filter((e) => e.type === 'NET_STATS');
    expect(reported.length).toBeGreaterThanOrEqual(2);
  }, 30_000);
});
