// A browser and a mini-program in one room, through the web media bridge (docs/web-media.md), with real
// ffmpeg and the real RTMP plane: the browser's webm chunks become an RTMP stream the mini-program's
// live-player plays, the mini-program's RTMP stream becomes FLV bytes the browser's player could decode, and
// the bridges (and their ffmpeg) end with the session and are re-minted by a media restart.

import { WebMediaClose } from '../../src/core/web-media';
import { describeMedia, ffmpegChildren, isGone, startMediaRig, until, type MediaRig } from './helpers';
import { closeSocket, joinAsWeb, makeWebm, openMediaSocket, probeFlv, scratchDir, sendPaced } from './web-helpers';

const b64u = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

describeMedia('the web media bridge', () => {
  let rig: MediaRig | null = null;
  const scratch = scratchDir();
  let webm: Buffer;

  beforeAll(() => {
    webm = makeWebm(scratch.dir, { seconds: 8 });
  });
  afterEach(async () => {
    await rig?.close();
    rig = null;
    // No bridge (nor component) leaves an ffmpeg behind once its server is closed.
    expect(ffmpegChildren()).toEqual([]);
  });
  afterAll(() => scratch.cleanup());

  test('a browser publishes webm chunks; a mini-program plays them as an RTMP stream with real frames', async () => {
    rig = await startMediaRig();
    const mini = rig.join('mini');
    const web = await joinAsWeb(rig.server, 'browser');
    const url = await web.publish();
    expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${rig.server.port}/v1/media/web/publish/[A-Za-z0-9_-]+\\.${b64u('browser')}\\.main\\?gen=1&expires=\\d+&sid=[^&]+&sub=${b64u('browser')}&sign=[0-9a-f]{64}$`));

    const publish = openMediaSocket(url);
    const sending = sendPaced(publish, webm, 8);
    // The media plane saw the bridge's push flow before the room heard of it.
    await mini.waitFor('STREAM_ADDED', (d) => d.userID === 'browser', 10_000);
    expect(rig.planeEvents('browser', 'started')).toHaveLength(1);
    // The mini-program plays it over RTMP, like any other stream: real decoded frames, video and audio.
    const pull = await until(() => rig!.media.pulls().find((s) => s.url.includes(`.${b64u('browser')}.`) && s.frames >= 20), 'the mini-program did not play 20 frames of the browser', 10_000, () => rig!.media.pulls().map((s) => `${s.url.slice(0, 40)}: ${s.frames} ${s.stderrTail.slice(-3).join(' | ')}`).join('\n'));
    expect(pull.url.startsWith('rtmp://')).toBe(true);
    expect(pull.audioFrames).toBeGreaterThan(0);
    const opened = rig.server.webMedia.history.find((e) => e.type === 'opened' && e.direction === 'publish');
    expect(opened).toMatchObject({ codec: 'vp8' });
    await closeSocket(publish);
    await sending;
    await web.client.close();
  });

  test('a mini-program publishes; the browser play socket receives FLV that decodes to H.264 and AAC frames', async () => {
    rig = await startMediaRig();
    rig.join('mini');
    const web = await joinAsWeb(rig.server, 'browser');
    await web.client.waitFor('stream-added', (n) => n.userID === 'mini', 10_000);
    const url = await web.subscribe('mini');
    expect(url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${rig.server.port}/v1/media/web/play/[A-Za-z0-9_-]+\\.${b64u('mini')}\\.main\\?gen=1&`));
    const play = openMediaSocket(url);
    await play.opened;
    const openedAt = Date.now();
    await until(() => play.received.length > 0, 'no FLV bytes', 8_000);
    const firstBytesMs = Date.now() - openedAt;
    // A couple of seconds of stream.
    await until(() => play.bytes() > 60_000, 'not enough FLV', 10_000, () => `${play.bytes()} bytes, closed ${JSON.stringify(play.closeInfo)}`);
    expect(play.received[0]!.subarray(0, 3).toString('latin1')).toBe('FLV');
    const probed = await probeFlv(scratch.dir, Buffer.concat(play.received));
    expect(probed.format).toBe('flv');
    const video = probed.streams.find((s) => s.codec_type === 'video');
    const audio = probed.streams.find((s) => s.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264' });
    expect(audio).toMatchObject({ codec_name: 'aac' });
    expect(Number(video!.nb_read_frames)).toBeGreaterThan(15);
    expect(Number(audio!.nb_read_frames)).toBeGreaterThan(15);
    expect(firstBytesMs).toBeLessThan(8_000);
    await closeSocket(play);
    await web.client.close();
  });
  for (const codec of ['vp8', 'h264'] as const) {
    test(`a ${codec} recording with one keyframe (Chromium's default) bridges whole: its first keyframe is not lost to ffmpeg's probe`, async () => {
      rig = await startMediaRig();
      const once = makeWebm(scratch.dir, { seconds: 5, codec, keyframes: 'first-only' });
      const web = await joinAsWeb(rig.server, 'browser');
      const watcher = await joinAsWeb(rig.server, 'watcher');
      const publish = openMediaSocket(await web.publish());
      const sending = sendPaced(publish, once, 5);
      await watcher.client.waitFor('stream-added', (n) => n.userID === 'browser', 10_000);
      const play = openMediaSocket(await watcher.subscribe('browser'));
      await sending;
      await until(() => play.bytes() > 20_000, 'the watcher got no FLV of the browser', 8_000);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      // Decoded, not just received: without the first keyframe nothing after it decodes.
      const probed = await probeFlv(scratch.dir, Buffer.concat(play.received));
      const video = probed.streams.find((s) => s.codec_type === 'video');
      expect(video).toMatchObject({ codec_name: 'h264' });
      expect(Number(video!.nb_read_frames)).toBeGreaterThan(20);
      await closeSocket(play);
      await closeSocket(publish);
      await web.client.close();
      await watcher.client.close();
    });
  }

  /** A browser that publishes to the room and plays the mini-program: both bridges up, with their ffmpeg. */
  async function browserInCall(r: MediaRig) {
    const web = await joinAsWeb(r.server, 'browser');
    await web.client.waitFor('stream-added', (n) => n.userID === 'mini', 10_000);
    const publish = openMediaSocket(await web.publish());
    const sending = sendPaced(publish, webm, 8);
    const play = openMediaSocket(await web.subscribe('mini'));
    await until(() => play.bytes() > 0 && r.server.webMedia.list().filter((b) => b.pid !== null).length === 2, 'both bridges did not come up', 10_000);
    const pids = r.server.webMedia.list().map((b) => b.pid!);
    return { web, publish, play, sending, pids };
  }

  for (const ending of ['leave', 'kick'] as const) {
    test(`the session's end (${ending}) closes both bridge sockets and ends their ffmpeg`, async () => {
      rig = await startMediaRig();
      const mini = rig.join('mini');
      const call = await browserInCall(rig);
      await mini.waitFor('STREAM_ADDED', (d) => d.userID === 'browser', 10_000);
      const endedAt = Date.now();
      if (ending === 'leave') await call.web.client.ok({ type: 'leave' });
      else expect(await rig.server.rooms.removeUser('n:5150', 'browser')).toBe(true);
      const [published, played] = await Promise.all([call.publish.closed, call.play.closed]);
      expect(published).toEqual({ code: WebMediaClose.SESSION_ENDED, reason: 'session-ended' });
      expect(played).toEqual({ code: WebMediaClose.SESSION_ENDED, reason: 'session-ended' });
      await until(() => call.pids.every(isGone), 'a bridge ffmpeg outlived its session', 3_000);
      expect(Date.now() - endedAt).toBeLessThan(3_000);
      expect(rig.server.webMedia.list()).toEqual([]);
      // The mini-program hears the browser's stream go, as for any publisher who leaves.
      await mini.waitFor('STREAM_REMOVED', (d) => d.userID === 'browser', 5_000);
      await call.sending;
      await call.web.client.close();
    });
  }

  test('a media restart re-mints ws:// urls for the browser and rtmp:// ones for the mini-program; the new publish url works', async () => {
    rig = await startMediaRig();
    const mini = rig.join('mini');
    const call = await browserInCall(rig);
    await mini.waitFor('STREAM_ADDED', (d) => d.userID === 'browser', 10_000);
    const updatesBefore = mini.of('UPDATE_URL').length;
    await rig.server.media.restart();

    const pushUpdate = await call.web.client.waitFor('url-updated', (n) => n.kind === 'publish', 5_000);
    const playUpdate = await call.web.client.waitFor('url-updated', (n) => n.kind === 'subscribe' && n.userID === 'mini', 5_000);
    expect(pushUpdate.url).toMatch(new RegExp(`^ws://127\.0\.0\.1:${rig.server.port}/v1/media/web/publish/.*\?gen=2&`));
    expect(playUpdate.url).toMatch(new RegExp(`^ws://127\.0\.0\.1:${rig.server.port}/v1/media/web/play/.*\?gen=2&`));
    await mini.waitUntil(() => mini.of('UPDATE_URL').length >= updatesBefore + 2, 'the mini-program got no new urls', 5_000);
    for (const update of mini.of('UPDATE_URL').slice(updatesBefore)) expect(update.data.url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/.*\?gen=2&/);

    // The restart cut the old bridges' RTMP connections: their sockets end, their ffmpeg with them.
    expect((await call.publish.closed).code).toBe(WebMediaClose.MEDIA_FAILED);
    expect((await call.play.closed).code).toBe(WebMediaClose.MEDIA_FAILED);
    await until(() => call.pids.every(isGone), 'an old bridge ffmpeg outlived the restart', 3_000);
    await call.sending;

    // The browser publishes again on its new url; the mini-program plays it again.
    const pullsBefore = new Set(rig.media.pulls());
    const again = openMediaSocket(pushUpdate.url);
    const sending = sendPaced(again, webm, 8);
    await until(() => rig!.media.pulls().find((s) => !pullsBefore.has(s) && s.url.includes(`.${b64u('browser')}.`) && s.frames >= 15), 'the mini-program did not play the browser again', 12_000);
    await closeSocket(again);
    await sending;
    await call.web.client.close();
  });
});
