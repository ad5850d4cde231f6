// Faults on the real media path, each driven by what actually happens to the streams: the media server
// restarting mid-call, a push url the media server refuses, and a publisher leaving under its players.

import { describeMedia, FAST_RETRY, playerState, pusherState, startMediaRig, until, type MediaRig } from './helpers';
import type { Participant } from '../helpers/participant';

const GEN_2 = /[?&]gen=2&/;

function pushingChart(p: Participant): boolean {
  return p.trtc.actor.getSnapshot().context.pusher?.getSnapshot().matches({ stream: { publishing: 'pushing' } }) ?? false;
}

function playingChart(p: Participant, id: string): boolean {
  return p.trtc.actor.getSnapshot().context.streams.find((s) => s.id === id)?.ref.getSnapshot().matches('playing') ?? false;
}

async function callUp(rig: MediaRig, a: Participant, b: Participant): Promise<void> {
  for (const [me, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const id = `${other.userID}_main`;
    await until(() => playingChart(me, id) && pushingChart(me), `${me.userID}: call did not come up`, 10_000, () => `${JSON.stringify(pusherState(me))} ${JSON.stringify(playerState(me, id))}`);
  }
  await until(() => rig.media.pulls().filter((s) => s.running).every((s) => s.frames > 0), 'frames did not flow before the fault');
}

describeMedia('media faults', () => {
  let rig: MediaRig;
  afterEach(async () => {
    await rig?.close();
  });

  test('the media server restarts mid-call: streams fail, retry, come back on new urls, and frames flow again', async () => {
    rig = await startMediaRig();
    const alice = rig.join('alice');
    const bob = rig.join('bob');
    await callUp(rig, alice, bob);
    const before = { alice: alice.events.length, bob: bob.events.length };
    const pullsBefore = new Set(rig.media.pulls());

    const restartedAt = Date.now();
    const response = await fetch(`${rig.server.httpUrl}/admin/media/restart`, { method: 'POST', headers: { 'x-admin-key': rig.server.config.adminKey } });
    expect(await response.json()).toEqual({ generation: 2 });

    const after = (p: Participant, code: string, match: (d: any) => boolean = () => true) =>
      p.waitUntil(() => p.events.slice(before[p.userID as 'alice' | 'bob']).find((e) => e.code === code && match(e.data)), `${p.userID}: no ${code} after the restart; saw ${p.codes().slice(before[p.userID as 'alice' | 'bob']).join(',')}`, 10_000);

    for (const [me, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      // The push and the pull really broke, and the SDK said so.
      const localFailure = await after(me, 'STREAM_FAILED', (d) => d.local);
      expect(localFailure.data).toMatchObject({ userID: me.userID, code: -1307, willRetry: true });
      const remoteFailure = await after(me, 'STREAM_FAILED', (d) => !d.local && d.userID === other.userID);
      expect(remoteFailure.data).toMatchObject({ code: -2301 });
      // New urls of the new generation reached the page as UPDATE_URL, for the push and for the pull.
      await after(me, 'UPDATE_URL', (d) => d.local && GEN_2.test(d.url));
      await after(me, 'UPDATE_URL', (d) => !d.local && d.userID === other.userID && GEN_2.test(d.url));
    }
    expect(alice.mounted.pusher.reported).toContain(-1307);
    expect(bob.mounted.player('alice_main')!.reported).toContain(-2301);

    // Frames flow again, counted by players started after the restart on new urls.
    await callUp(rig, alice, bob);
    const fresh = () => rig.media.pulls().filter((s) => !pullsBefore.has(s) && s.startedAt >= restartedAt && GEN_2.test(s.url));
    await until(() => fresh().filter((s) => s.frames >= 15).length >= 2, 'frames did not flow again after the restart', 10_000, () =>
      rig.media.pulls().map((s) => `${s.url.slice(-90)} frames=${s.frames} codes=${s.codes}`).join('\n'),
    );
    for (const p of rig.media.pushes().filter((s) => s.running)) expect(p.url).toMatch(GEN_2);

    // The room kept the streams through the restart: nobody saw them removed, the media server saw them come back.
    for (const p of [alice, bob]) expect(p.codes().slice(before[p.userID as 'alice' | 'bob'])).not.toContain('STREAM_REMOVED');
    for (const user of ['alice', 'bob']) {
      expect(rig.planeEvents(user, 'interrupted').length).toBe(1);
      expect(rig.planeEvents(user, 'stopped')).toEqual([]);
      expect(rig.planeEvents(user, 'started').length).toBe(2);
    }
  });

  test('a push url the media server refuses: STREAM_FAILED with its reason, bounded retries, then the pusher gives up', async () => {
    // A media server configured with another secret than signaling refuses every url it is given.
    rig = await startMediaRig({ plane: { secret: 'not-the-signing-secret' } });
    const alice = rig.join('alice');
    const bob = rig.join('bob');
    const failure = await alice.waitFor('STREAM_FAILED', (d) => d.local, 8_000);
    expect(failure.data).toMatchObject({ userID: 'alice', code: -1307, willRetry: true });
    expect(failure.data.reason).toContain('push url refused: bad-signature');

    await until(() => JSON.stringify(pusherState(alice)).includes('gaveUp'), 'the pusher never gave up', 15_000, () => JSON.stringify(pusherState(alice)));
    const failures = alice.of('STREAM_FAILED').filter((e) => e.data.local);
    expect(failures.length).toBe(FAST_RETRY.maxAttempts + 1);
    expect(failures.at(-1)!.data.willRetry).toBe(false);
    const refused = rig.planeEvents('alice', 'publish');
    expect(refused.length).toBe(FAST_RETRY.maxAttempts + 1);
    expect(refused.every((e) => e.type === 'publish' && !e.accepted && e.reason === 'bad-signature')).toBe(true);

    // Given up means given up: a retry still pending would fire within maxDelayMs (every wait is capped by it),
    // so a longer quiet spell shows there is none.
    await new Promise((resolve) => setTimeout(resolve, FAST_RETRY.maxDelayMs + 500));
    expect(rig.planeEvents('alice', 'publish').length).toBe(refused.length);
    expect(JSON.stringify(pusherState(alice))).toContain('gaveUp');
    expect(rig.media.pushes().filter((s) => s.url.includes('YWxpY2U') && s.running)).toEqual([]);
    // Nothing was ever announced to the others.
    expect(bob.of('STREAM_ADDED').filter((e) => e.data.userID === 'alice')).toEqual([]);
  });

  test('pulls the media server refuses: the player fails with the reason, re-subscribes a bounded number of times, then gives up', async () => {
    rig = await startMediaRig();
    rig.plane.refuse('pull', 'maintenance');
    const alice = rig.join('alice');
    const bob = rig.join('bob');
    const failure = await bob.waitFor('STREAM_FAILED', (d) => !d.local && d.userID === 'alice', 8_000);
    expect(failure.data).toMatchObject({ streamType: 'main', code: -2301, willRetry: true });
    expect(failure.data.reason).toContain('pull url refused: maintenance');

    await until(() => JSON.stringify(playerState(bob, 'alice_main')).includes('gaveUp'), 'the player never gave up', 15_000, () => JSON.stringify(playerState(bob, 'alice_main')));
    const failures = bob.of('STREAM_FAILED').filter((e) => !e.data.local && e.data.userID === 'alice');
    expect(failures.length).toBe(FAST_RETRY.maxAttempts + 1);
    expect(failures.at(-1)!.data.willRetry).toBe(false);
    // Every retry subscribed again (a url minted in another second is news: UPDATE_URL) and pulled again.
    expect(bob.of('UPDATE_URL').filter((e) => !e.data.local && e.data.userID === 'alice').length).toBeGreaterThanOrEqual(1);
    const plays = rig.planeEvents('alice', 'play');
    expect(plays.length).toBe(FAST_RETRY.maxAttempts + 1);
    expect(plays.every((e) => e.type === 'play' && !e.accepted && e.reason === 'maintenance')).toBe(true);

    await new Promise((resolve) => setTimeout(resolve, FAST_RETRY.maxDelayMs + 500));
    expect(rig.planeEvents('alice', 'play').length).toBe(plays.length);
    expect(JSON.stringify(playerState(bob, 'alice_main'))).toContain('gaveUp');
    expect(rig.media.pulls().filter((s) => s.running)).toEqual([]);
    // Alice's push was never the problem.
    expect(pushingChart(alice)).toBe(true);
  });

  test('a push that stalls: its players report 2007 (loading) and play again (2004) when media resumes', async () => {
    rig = await startMediaRig();
    const alice = rig.join('alice');
    const bob = rig.join('bob');
    await callUp(rig, alice, bob);
    const push = rig.media.pushes().find((s) => s.running && s.url.includes('.YWxpY2U.'))!;
    const pull = rig.media.pulls().find((s) => s.running && s.url.includes('.YWxpY2U.'))!;
    const player = bob.mounted.player('alice_main')!;
    const mark = player.reported.length;

    // The phone's encoder freezes (the process is stopped, its connection stays open): nothing arrives.
    process.kill(push.pid!, 'SIGSTOP');
    try {
      await until(() => player.reported.slice(mark).includes(2007), 'the player did not report loading', 6_000, () => `${player.reported}`);
      await until(() => JSON.stringify(playerState(bob, 'alice_main')) === '"loading"', 'the player chart did not go back to loading', 3_000);
      const framesWhileStalled = pull.frames;
      process.kill(push.pid!, 'SIGCONT');
      await until(() => player.reported.slice(mark).includes(2004) && pull.frames > framesWhileStalled, 'the player did not resume', 6_000);
      await until(() => playingChart(bob, 'alice_main'), 'the player chart did not return to playing', 3_000);
    } finally {
      if (push.running) process.kill(push.pid!, 'SIGCONT');
    }
    // A stall is not a failure: no STREAM_FAILED, and the pull never broke.
    expect(bob.of('STREAM_FAILED')).toEqual([]);
    expect(pull.codes).not.toContain(-2301);
    expect(pull.running).toBe(true);
  });

  test('a publisher leaves: its players end cleanly (no failure storm) and the SDK removes them', async () => {
    rig = await startMediaRig();
    const alice = rig.join('alice');
    const bob = rig.join('bob');
    const carol = rig.join('carol');
    for (const p of [bob, carol]) await until(() => playingChart(p, 'alice_main') && (rig.media.pulls().find((s) => s.url.includes('YWxpY2U') && s.running)?.frames ?? 0) > 0, `${p.userID} not playing alice`, 10_000);
    const alicePulls = rig.media.pulls().filter((s) => s.url.includes('.YWxpY2U.') && s.running);
    expect(alicePulls.length).toBe(2);

    alice.exit();
    for (const p of [bob, carol]) {
      await p.waitFor('STREAM_REMOVED', (d) => d.userID === 'alice', 8_000);
      await p.waitFor('REMOTE_USER_LEAVE', (d) => d.userID === 'alice', 8_000);
      await until(() => p.trtc.getPlayerList().every((pl) => pl.userID !== 'alice'), `${p.userID} still lists alice's player`);
      await until(() => p.mounted.player('alice_main') === undefined, `${p.userID}'s <live-player> for alice is still mounted`);
      expect(p.of('STREAM_FAILED').filter((e) => e.data.userID === 'alice')).toEqual([]);
    }
    // Each player's ffmpeg ended: by the server's "unpublished" (2006) or by the SDK removing it first; never a failure.
    await Promise.all(alicePulls.map((s) => s.exited));
    for (const s of alicePulls) {
      expect(s.codes).not.toContain(-2301);
      expect(s.codes.filter((c) => c === 2006).length).toBeLessThanOrEqual(1);
    }
    // bob and carol still play each other.
    await until(() => playingChart(bob, 'carol_main') && playingChart(carol, 'bob_main'), 'bob and carol stopped playing each other');
  });
});
