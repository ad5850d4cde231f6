// Token renewal end to end through the websocket driver (issue 15, item 4): headless participant pages with real
// TRTC facades against a real dev server on loopback. A short-lived first userSig warns (USER_SIG_WILL_EXPIRE), the
// page hands over a fresh one (updateUserSig), the first one expires, the server restarts (in-memory: it forgets
// every session) and the call comes back with the new sig. Without the renewal the same restart ends the call with
// 8011, which is what the issue saw; refusals reject the promise and leave the call alone.

import { startDevServer, type DevServer } from '../../server';
import { genUserSig } from '../../server/usersig';
import { ErrorCode, WxrtcError } from '../../src/core/errors';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { Participant } from '../helpers/participant';

const SECRET = 'e2e-token-renewal-secret';
const SERVER_OPTIONS = { secret: SECRET, graceMs: 2_000, heartbeatIntervalMs: 60_000 } as const;

let server: DevServer;
let runtime: HeadlessRuntime;
let participants: Participant[] = [];

async function start(): Promise<void> {
  server = await startDevServer({ port: 0, ...SERVER_OPTIONS });
  runtime = new HeadlessRuntime({ signalingUrl: server.wsUrl }).install();
}

afterEach(async () => {
  for (const p of participants) p.trtc.destroy();
  participants = [];
  await runtime?.close();
  await server?.close();
});

/** A userSig that expires `lifeSec` seconds from now (issued in the past, so its life as a whole is ordinary). */
function shortSig(userID: string, lifeSec: number): { userSig: string; expiresAtMs: number } {
  const now = Math.floor(Date.now() / 1000);
  const issuedAt = now - 3600;
  return { userSig: genUserSig({ sdkAppID: server.sdkAppID, secret: SECRET, userID, expireSec: 3600 + lifeSec, issuedAt }), expiresAtMs: (now + lifeSec) * 1000 };
}

function join(userID: string, userSig: string, before?: (p: Participant) => void): Participant {
  const p = new Participant(runtime, {
    userID,
    trtc: {
      signaling: createWebSocketSignaling({ url: server.wsUrl, platform: 'ios', reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 200 }),
      exitTimeoutMs: 1_000,
      reconnectTimeoutMs: 20_000,
    },
  });
  participants.push(p);
  before?.(p);
  p.enter({ sdkAppID: server.sdkAppID, userSig, roomID: 4343 });
  return p;
}

/** Until the sig has expired by the server's check (whole seconds: `expiresAt < now`). */
async function outlive(expiresAtMs: number): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= Math.floor(expiresAtMs / 1000)) await new Promise((resolve) => setTimeout(resolve, 100));
}

async function restart(p: Participant): Promise<void> {
  const port = server.port;
  await server.close();
  await p.waitFor('CONNECTION_STATE_CHANGED', (d) => d.state === 'RECONNECTING');
  server = await startDevServer({ port, ...SERVER_OPTIONS });
}

const reconnected = (p: Participant) => p.of('CONNECTION_STATE_CHANGED').some((e, i, all) => e.data.state === 'CONNECTED' && i > all.findIndex((x) => x.data.state === 'RECONNECTING'));

describe('token renewal through the websocket driver', () => {
  test('a call survives a server restart after its first userSig expired: warned, renewed, rejoined with the new sig', async () => {
    await start();
    const first = shortSig('alice', 3);
    let renewal: Promise<void> | null = null;
    const alice = join('alice', first.userSig, (p) => {
      // What a page does: fetch a fresh sig from its backend and hand it over.
      p.trtc.on(p.trtc.EVENT.USER_SIG_WILL_EXPIRE, () => {
        renewal ??= p.trtc.updateUserSig(server.genUserSig('alice'));
      });
    });
    const bob = join('bob', server.genUserSig('bob'));
    await alice.waitFor('LOCAL_JOIN');
    const warning = await alice.waitFor('USER_SIG_WILL_EXPIRE');
    // The server said how long the sig lives; the warning reports what is left of it.
    expect(warning.data.expiresInMs).toBeGreaterThanOrEqual(0);
    expect(warning.data.expiresInMs).toBeLessThanOrEqual(4_000);
    expect(renewal).not.toBeNull();
    await expect(renewal).resolves.toBeUndefined();
    expect(alice.trtc.actor.getSnapshot().context.params?.userSig).not.toBe(first.userSig);
    await alice.waitUntil(() => alice.trtc.getPlayerList().some((pl) => pl.id === 'bob_main'), 'alice never saw bob');

    await outlive(first.expiresAtMs);
    await restart(alice);
    await alice.waitUntil(() => reconnected(alice), 'alice never reconnected', 15_000);
    await bob.waitUntil(() => reconnected(bob), 'bob never reconnected', 15_000);
    // The new server knew nothing: alice joined again, with the renewed sig, and is in the room with bob.
    await alice.waitUntil(() => alice.trtc.actor.getSnapshot().context.users.includes('bob'), 'alice lost bob after the restart', 10_000);
    await bob.waitUntil(() => bob.trtc.actor.getSnapshot().context.users.includes('alice'), 'bob lost alice after the restart', 10_000);
    expect(alice.of('ERROR').map((e) => e.data.code)).not.toContain(ErrorCode.USER_SIG_EXPIRED);
    expect(alice.codes()).not.toContain('LOCAL_LEAVE');
    expect(alice.codes().filter((c) => c === 'LOCAL_JOIN')).toHaveLength(1);
    expect(alice.trtc.actor.getSnapshot().matches({ active: 'inRoom' })).toBe(true);
  });

  test('without the renewal the same restart ends the call with USER_SIG_EXPIRED (what the issue saw)', async () => {
    await start();
    const first = shortSig('alice', 2);
    const alice = join('alice', first.userSig);
    await alice.waitFor('LOCAL_JOIN');
    await alice.waitFor('USER_SIG_WILL_EXPIRE');
    await outlive(first.expiresAtMs);
    await restart(alice);
    expect((await alice.waitFor('ERROR', (d) => d.code === ErrorCode.USER_SIG_EXPIRED, 15_000)).data.code).toBe(ErrorCode.USER_SIG_EXPIRED);
    await alice.waitFor('LOCAL_LEAVE');
  });

  test('a sig renewed while the server is down is the one the rejoin carries; the promise resolves with the rejoin', async () => {
    await start();
    const first = shortSig('alice', 2);
    const alice = join('alice', first.userSig);
    await alice.waitFor('LOCAL_JOIN');
    const port = server.port;
    await server.close();
    await alice.waitFor('CONNECTION_STATE_CHANGED', (d) => d.state === 'RECONNECTING');
    const renewal = alice.trtc.updateUserSig(server.genUserSig('alice'));
    await outlive(first.expiresAtMs);
    server = await startDevServer({ port, ...SERVER_OPTIONS });
    await expect(renewal).resolves.toBeUndefined();
    await alice.waitUntil(() => reconnected(alice), 'alice never reconnected', 15_000);
    expect(alice.codes()).not.toContain('LOCAL_LEAVE');
  });

  test('event reports after the first sig expired are signed with the renewed one, so they still reach the server', async () => {
    await start();
    const first = shortSig('reporter', 2);
    const p = new Participant(runtime, {
      userID: 'reporter',
      trtc: {
        signaling: createWebSocketSignaling({ url: server.wsUrl, platform: 'ios' }),
        report: { endpoint: `${server.httpUrl}/v1/reports`, flushIntervalMs: 20, maxBatch: 50 },
      },
    });
    participants.push(p);
    p.trtc.on(p.trtc.EVENT.USER_SIG_WILL_EXPIRE, () => void p.trtc.updateUserSig(server.genUserSig('reporter')));
    p.enter({ sdkAppID: server.sdkAppID, userSig: first.userSig, roomID: 4343 });
    await p.waitFor('LOCAL_JOIN');
    await p.waitUntil(() => p.trtc.actor.getSnapshot().context.params?.userSig !== first.userSig, 'the sig was never renewed');
    await outlive(first.expiresAtMs);
    p.exit();
    await p.waitFor('LOCAL_LEAVE');
    const types = await p.waitUntil(() => {
      const all = server.reports.list?.({ userID: 'reporter' }) ?? [];
      const seen = all.flatMap((batch: any) => batch.events.map((e: any) => e.type));
      return seen.includes('LOCAL_LEAVE') ? seen : null;
    }, 'the reports sent after the first sig expired never arrived');
    expect(types).toEqual(expect.arrayContaining(['LOCAL_JOIN', 'USER_SIG_WILL_EXPIRE', 'LOCAL_LEAVE']));
  });

  test('refused renewals reject with the server code and change nothing; outside a room it is WRONG_STATE', async () => {
    await start();
    const alice = join('alice', server.genUserSig('alice', 3600));
    await alice.waitFor('LOCAL_JOIN');
    const refusal = (promise: Promise<void>) => promise.then(() => null, (error: WxrtcError) => [error instanceof WxrtcError, error.code]);
    expect(await refusal(alice.trtc.updateUserSig(server.genUserSig('bob')))).toEqual([true, ErrorCode.USER_SIG_MISMATCH]);
    expect(await refusal(alice.trtc.updateUserSig('not-a-sig'))).toEqual([true, ErrorCode.USER_SIG_INVALID]);
    expect(await refusal(alice.trtc.updateUserSig(server.genUserSig('alice', 60)))).toEqual([true, ErrorCode.USER_SIG_NOT_NEWER]);
    expect(await refusal(alice.trtc.updateUserSig(''))).toEqual([true, ErrorCode.INVALID_USER_SIG]);
    const held = alice.trtc.actor.getSnapshot().context.params?.userSig;
    await expect(alice.trtc.updateUserSig(server.genUserSig('alice', 7200))).resolves.toBeUndefined();
    expect(alice.trtc.actor.getSnapshot().context.params?.userSig).not.toBe(held);
    expect(alice.codes()).not.toContain('LOCAL_LEAVE');
    expect(alice.trtc.actor.getSnapshot().matches({ active: 'inRoom' })).toBe(true);
    alice.exit();
    await alice.waitFor('LOCAL_LEAVE');
    expect(await refusal(alice.trtc.updateUserSig(server.genUserSig('alice')))).toEqual([true, ErrorCode.WRONG_STATE]);
  });
});

describe('token renewal through the trtc-room driver (the emulated Tencent room on the dev server)', () => {
  /** A trtc-room participant: <live-pusher> enters the room itself, with the userSig in its room:// url. */
  function joinTrtcRoom(userID: string, userSig: string): Participant {
    const p = new Participant(runtime, { userID, trtc: { reconnectTimeoutMs: 20_000 } });
    participants.push(p);
    p.enter({ sdkAppID: server.sdkAppID, userSig, roomID: 4344 });
    return p;
  }

  /** WeChat reports 1021 after a network change: the pusher enters the room again. */
  const networkChanged = (p: Participant) => p.mounted.pusher.report(1021, 'network type changed, need reenter');

  test('after the first sig expired, a network change re-enters with the renewed sig: the call goes on', async () => {
    await start();
    const first = shortSig('alice', 2);
    const alice = joinTrtcRoom('alice', first.userSig);
    const bob = joinTrtcRoom('bob', server.genUserSig('bob'));
    await alice.waitFor('LOCAL_JOIN');
    await bob.waitFor('LOCAL_JOIN');
    await alice.trtc.updateUserSig(server.genUserSig('alice'));
    // Tencent checks a sig on entering: nothing re-entered for the renewal itself.
    expect(String((alice.page.data.pusher as { url?: unknown }).url)).toContain(`usersig=${first.userSig}&`);
    await outlive(first.expiresAtMs);
    networkChanged(alice);
    const url = await alice.waitFor('UPDATE_URL', (d) => d.local);
    expect(url.data.url).not.toContain(first.userSig);
    await alice.waitUntil(() => alice.mounted.pusher.reported.filter((c) => c === 1018).length >= 2, 'alice never entered again', 10_000);
    await alice.waitUntil(() => alice.trtc.actor.getSnapshot().matches({ active: { inRoom: { connection: 'connected' } } }), 'alice never reconnected', 10_000);
    await bob.waitUntil(() => bob.trtc.actor.getSnapshot().context.users.includes('alice'), 'bob lost alice', 10_000);
    expect(alice.mounted.pusher.reported).not.toContain(-100018);
    expect(alice.codes()).not.toContain('LOCAL_LEAVE');
  });

  test('without the renewal the same re-entry is refused (-100018): the old sig is in the url again', async () => {
    await start();
    const first = shortSig('alice', 2);
    const alice = joinTrtcRoom('alice', first.userSig);
    await alice.waitFor('LOCAL_JOIN');
    await outlive(first.expiresAtMs);
    networkChanged(alice);
    expect((await alice.waitFor('ERROR', (d) => d.code === -100018, 10_000)).data.code).toBe(-100018);
    expect(alice.of('UPDATE_URL').filter((e) => e.data.local)).toEqual([]);
  });
});

