// Two participants over the websocket driver with real RTMP streams: each <live-pusher> pushes an ffmpeg test
// pattern through the dev server's media server, each <live-player> pulls the other's and counts real frames.
// A stream is announced only once the media server has seen media on it.

import { describeMedia, playerState, startMediaRig, until, type MediaRig } from './helpers';

describeMedia('a call with real media', () => {
  let rig: MediaRig;
  afterEach(async () => {
    await rig?.close();
  });

  test('both sides push and play real frames; STREAM_ADDED follows the media server confirming the push', async () => {
    rig = await startMediaRig();
    const alice = rig.join('alice');
    const bob = rig.join('bob');

    for (const [me, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const added = await me.waitFor('STREAM_ADDED', (d) => d.userID === other.userID, 10_000);
      // The media server confirmed media on the other's push before the room heard of it.
      const started = rig.planeEvents(other.userID, 'started');
      expect(started.length).toBe(1);
      expect(started[0]!.at).toBeLessThanOrEqual(added.at);
      const published = rig.planeEvents(other.userID, 'publish').filter((e) => e.type === 'publish' && e.accepted);
      expect(published.length).toBe(1);
      // Publishing had already given the other its push url: the wait in between was for media to flow.
      const pushUrl = other.events.find((e) => e.code === 'UPDATE_URL' && e.data.local)!;
      expect(pushUrl.at).toBeLessThanOrEqual(started[0]!.at);
    }

    // Status codes as a phone reports them, in a phone's order.
    for (const p of [alice, bob]) {
      await p.waitUntil(() => p.mounted.pusher.reported.includes(1007), `${p.userID} never pushed a frame`, 8_000);
      const codes = p.mounted.pusher.reported;
      expect(codes.indexOf(1001)).toBeLessThan(codes.indexOf(1002));
      expect(codes).toEqual(expect.arrayContaining([1001, 1002, 1003, 1007, 1008]));
      expect(codes).not.toContain(-1307);
    }

    for (const [me, other] of [
      [alice, bob],
      [bob, alice],
    ] as const) {
      const id = `${other.userID}_main`;
      await me.waitUntil(() => me.mounted.player(id)?.reported.includes(2004), `${me.userID} never played ${id}`, 8_000);
      await until(() => me.trtc.actor.getSnapshot().context.streams.find((s) => s.id === id)?.ref.getSnapshot().matches('playing'), `${id} chart not playing`, 5_000, () => JSON.stringify(playerState(me, id)));
      const codes = me.mounted.player(id)!.reported;
      expect(codes.slice(0, 2)).toEqual([2001, 2002]);
      expect(codes).toEqual(expect.arrayContaining([2003, 2004]));
      expect(codes).not.toContain(-2301);
    }

    // Real frames arrive at both players: at 15 fps, a second's worth within a few seconds.
    const pulls = rig.media.pulls();
    expect(pulls.length).toBe(2);
    await until(() => pulls.every((s) => s.frames >= 15), 'players did not receive 15 frames each', 8_000, () => pulls.map((s) => `${s.url}: ${s.frames}`).join('\n'));
    for (const s of pulls) expect(s.audioFrames).toBeGreaterThan(0);

    // netstatus carries what ffmpeg measured: the pusher's bitrate and fps, the player's received fps.
    const localNet = await alice.waitFor('LOCAL_NET_STATE_UPDATE', (d) => d.pusher?.netStatus?.videoBitrate > 0 && d.pusher?.netStatus?.videoFPS > 0, 5_000);
    expect(localNet.data.pusher.netStatus).toMatchObject({ videoWidth: 320, videoHeight: 240 });
    const remoteNet = await alice.waitFor('REMOTE_NET_STATE_UPDATE', (d) => d.playerList?.some((p: any) => p.netStatus?.videoFPS > 0), 5_000);
    const status = remoteNet.data.playerList.find((p: any) => p.id === 'bob_main').netStatus;
    expect(status.videoBitrate).toBeGreaterThan(0);
    expect(status).toMatchObject({ videoWidth: 320, videoHeight: 240 });
  });

  test('a push that stops without leaving is STREAM_REMOVED for the others when its media ends, STREAM_ADDED when it flows again', async () => {
    rig = await startMediaRig();
    const alice = rig.join('alice');
    const bob = rig.join('bob');
    await bob.waitUntil(() => bob.mounted.player('alice_main')?.reported.includes(2004), 'bob never played alice', 10_000);
    const added = bob.of('STREAM_ADDED').filter((e) => e.data.userID === 'alice').length;

    // <live-pusher> stop(): signaling is not told, the media server sees the push end.
    alice.trtc.getPusherInstance()!.stop();
    const removed = await bob.waitFor('STREAM_REMOVED', (d) => d.userID === 'alice', 8_000);
    const stopped = rig.planeEvents('alice', 'stopped');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.at).toBeLessThanOrEqual(removed.at);
    await until(() => bob.mounted.player('alice_main') === undefined, 'bob still has a <live-player> for alice');
    expect(bob.of('STREAM_FAILED')).toEqual([]);
    expect(bob.of('REMOTE_USER_LEAVE')).toEqual([]); // alice is still in the room

    alice.trtc.getPusherInstance()!.start();
    await bob.waitUntil(() => bob.of('STREAM_ADDED').filter((e) => e.data.userID === 'alice').length > added, 'alice was not announced again', 8_000);
    expect(rig.planeEvents('alice', 'started')).toHaveLength(2);
    await bob.waitUntil(() => bob.mounted.player('alice_main')?.reported.includes(2004), 'bob did not play alice again', 8_000);
    await until(() => rig.media.pulls().some((s) => s.running && s.url.includes('.YWxpY2U.') && s.frames > 0), 'no frames from alice again');
  });
});
