// A browser and a mini-program in one room, through the web media bridge (docs/web-media.md), with real
// ffmpeg and the real RTMP plane: the browser's webm chunks become an RTMP stream the mini-program's
// live-player plays, the mini-program's RTMP stream becomes FLV bytes the browser's player could decode, and
// the bridges (and their ffmpeg) end with the session and are re-minted by a media restart.

import { WebMediaClose } from '../../src/core/web-media';
import { describeMedia, isGone, startMediaRig, until, type MediaRig } from './helpers';
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
});
