// The dev server's RTMP media server against real ffmpeg clients: it listens on loopback at a port chosen at
// run time, accepts signed urls of the current generation held by live sessions, and refuses (with its
// reason) unsigned, tampered, expired, wrong-kind, wrong-app and stale urls.

import { ConfigError, configFromCli } from '../../server/config';
import { startDevServer, type DevServer } from '../../server/index';
import { rtmpMediaPlane, type RtmpMediaPlane } from '../../server/media/index';
import { streamNameOf, unixNow, type StreamAddress, type UrlHolder } from '../../server/media-urls';
import { RtmpMedia, type RtmpStream } from '../../src/testing/rtmp-media';
import { TestClient } from '../server/helpers/client';
import { describeMedia, until } from './helpers';

describe('choosing the media server', () => {
  test("startDevServer({ media: 'rtmp' }) runs the RTMP plane; the status page names it; the CLI defaults to auto", async () => {
    const server = await startDevServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, logLevel: 'silent', media: 'rtmp' });
    try {
      expect(server.media.name).toBe('rtmp');
      expect((server.media as RtmpMediaPlane).port).toBe(Number(new URL(server.rtmpBaseUrl).port));
      const status = (await (await fetch(`${server.httpUrl}/`)).json()) as { media: string; rtmp: string };
      expect(status).toMatchObject({ media: 'rtmp', rtmp: server.rtmpBaseUrl });
    } finally {
      await server.close();
    }
    const plain = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent' });
    expect(plain.media.name).toBe('none');
    await plain.close();
    expect(configFromCli([], {}).config.media).toBe('auto');
    expect(configFromCli(['--media', 'none'], { WXRTC_MEDIA: 'rtmp' }).config.media).toBe('none');
    expect(() => configFromCli(['--media', 'hls'], {})).toThrow(ConfigError);
  });
});

describeMedia('the RTMP media server', () => {
  let server: DevServer;
  let plane: RtmpMediaPlane;
  let media: RtmpMedia;
  let n = 0;
  const clients: TestClient[] = [];
  /** The sessions behind each address's push, and the subscribers' sessions: every url needs a live one. */
  const publishers = new Map<string, UrlHolder>();
  /**
   * A fresh stream address per case, so cases never see each other's streams; its user joins its own room and
   * publishes, so a push url minted for it (holder) is one a live session holds.
   */
  const address = async (): Promise<StreamAddress> => {
    const userID = `user${++n}`;
    const roomID = 7000 + n; // a room each: a room holds at most 8 visible users
    const client = await TestClient.connect(server.wsUrl, userID);
    clients.push(client);
    const joined = await client.ok<'join'>({ type: 'join', sdkAppID: server.sdkAppID, userID, userSig: server.genUserSig(userID), roomID, scene: 'rtc', role: 'anchor', visible: true });
    await client.ok({ type: 'publish', streamType: 'main' });
    publishers.set(userID, { sessionId: joined.sessionId, userID });
    return { roomKey: `n:${roomID}`, userID, streamType: 'main' };
  };
  const pushUrl = (where: StreamAddress, nowSec?: number): string => server.urls.mint('push', where, plane.generation, publishers.get(where.userID)!, nowSec).url;
  /** A viewer joins and subscribes (the stream must be live): the pull url the server hands it. */
  const pullUrl = async (where: StreamAddress): Promise<string> => {
    const userID = `viewer${++n}`;
    const client = await TestClient.connect(server.wsUrl, userID);
    clients.push(client);
    await client.ok<'join'>({ type: 'join', sdkAppID: server.sdkAppID, userID, userSig: server.genUserSig(userID), roomID: Number(where.roomKey.slice(2)), scene: 'rtc', role: 'anchor', visible: true });
    return (await client.ok<'subscribe'>({ type: 'subscribe', userID: where.userID, streamType: where.streamType, audio: true, video: true })).url;
  };
  const ignore = { report: () => undefined, netStatus: () => undefined };
  const codes = (s: RtmpStream) => s.codes;
  const failureOf = (s: RtmpStream, code: number): Promise<unknown> =>
    until(() => codes(s).includes(code), `${s.kind} of ${s.url} did not end with ${code}; codes ${codes(s)}`, 8_000, () => s.stderrTail.join('\n'));

  beforeAll(async () => {
    server = await startDevServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, logLevel: 'silent', mediaPlane: rtmpMediaPlane({ restartDowntimeMs: 100 }) });
    plane = server.media as RtmpMediaPlane;
  });
  beforeEach(() => {
    media = new RtmpMedia();
  });
  afterEach(async () => {
    plane.refuse('push', null);
    plane.refuse('pull', null);
    await media.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await server.close();
  });

  test('listens on 127.0.0.1 at a port chosen at run time, named by every url', () => {
    const match = /^rtmp:\/\/127\.0\.0\.1:(\d+)\/live$/.exec(server.rtmpBaseUrl);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBe(plane.port);
    expect(plane.host).toBe('127.0.0.1');
    expect(plane.confirmsStreams).toBe(true);
  });

  test('a signed push url is accepted and reported; a signed pull url plays it; the push ending ends the play cleanly', async () => {
    const where = await address();
    const name = streamNameOf(where);
    const push = media.push({ url: pushUrl(where), video: true, audio: true, ...ignore });
    await until(() => push.codes.includes(1007), 'push did not begin', 8_000, () => push.stderrTail.join('\n'));
    expect(push.codes.slice(0, 4)).toEqual([1003, 1001, 1002, 1008]);
    await until(() => plane.liveStreams.includes(name), 'the media server did not see media on the push');
    expect(plane.history.filter((e) => 'streamName' in e && e.streamName === name).map((e) => e.type)).toEqual(['publish', 'started']);

    const pull = media.pull({ url: await pullUrl(where), video: true, audio: true, ...ignore });
    await until(() => pull.frames >= 10 && pull.audioFrames > 0, 'the pull received no frames', 8_000, () => pull.stderrTail.join('\n'));
    expect(pull.codes.slice(0, 4)).toEqual([2001, 2002, 2003, 2004]);
    expect(plane.playersOf(name)).toBe(1);

    push.stop();
    await push.exited;
    await until(() => pull.codes.includes(2006), 'the play did not end when the push did', 5_000, () => `${pull.codes}`);
    await pull.exited;
    expect(pull.exitCode).toBe(0);
    expect(pull.codes).not.toContain(-2301);
    expect(push.codes).not.toContain(-1307); // stopped by its page: no status follows
    expect(plane.history.find((e) => e.type === 'stopped' && e.streamName === name)).toMatchObject({ cause: 'publisher-left' });
  });

  test('unsigned, tampered, expired, wrong-kind and wrong-app push urls are refused, with the reason', async () => {
    const cases: Array<{ reason: string; url: (where: StreamAddress) => string }> = [
      { reason: 'malformed', url: (w) => `${server.rtmpBaseUrl}/${streamNameOf(w)}` },
      { reason: 'bad-signature', url: (w) => pushUrl(w).replace(/sign=(.)/, (_, c: string) => `sign=${c === '0' ? '1' : '0'}`) },
      { reason: 'expired', url: (w) => pushUrl(w, unixNow() - server.urls.ttlSec - 60) },
      { reason: 'bad-signature', url: (w) => server.urls.mint('pull', w, plane.generation, publishers.get(w.userID)!).url },
      { reason: 'wrong-app', url: (w) => pushUrl(w).replace('/live/', '/other/') },
      // Signed right, but for a session that is not the one in the room.
      { reason: 'no-session', url: (w) => server.urls.mint('push', w, plane.generation, { sessionId: 'not-a-live-session', userID: w.userID }).url },
    ];
    const addressed = await Promise.all(cases.map(async (c) => ({ ...c, where: await address() })));
    const pushes = addressed.map((c) => ({ ...c, push: media.push({ url: c.url(c.where), video: true, audio: false, ...ignore }) }));
    for (const c of pushes) {
      await until(() => c.push.codes.includes(-1307), `push with a ${c.reason} url was not refused`, 8_000, () => c.push.stderrTail.join('\n'));
      expect(c.push.codes).not.toContain(1002);
      const event = plane.history.find((e) => e.type === 'publish' && e.streamName === streamNameOf(c.where));
      expect(event).toMatchObject({ accepted: false, reason: c.reason });
      expect(plane.liveStreams).not.toContain(streamNameOf(c.where));
    }
    // The pusher's -1307 carries the media server's own words.
    const reported: string[] = [];
    const where = await address();
    const refused = media.push({ url: `${server.rtmpBaseUrl}/${streamNameOf(where)}?gen=1`, video: true, audio: false, report: (code, message) => code === -1307 && reported.push(message), netStatus: () => undefined });
    await failureOf(refused, -1307);
    expect(reported).toEqual(['push disconnected: push url refused: malformed']);
  });

  test('pull urls must be signed for pulling, and held by a session subscribed to the stream', async () => {
    const where = await address();
    const push = media.push({ url: pushUrl(where), video: true, audio: true, ...ignore });
    await until(() => plane.liveStreams.includes(streamNameOf(where)), 'push did not start', 8_000);
    const messages: string[] = [];
    const report = (code: number, message: string) => code === -2301 && messages.push(message);
    const wrongKind = media.pull({ url: pushUrl(where), video: true, audio: true, report, netStatus: () => undefined });
    const unsigned = media.pull({ url: `${server.rtmpBaseUrl}/${streamNameOf(where)}`, video: true, audio: true, report, netStatus: () => undefined });
    // Signed for the publisher's own session, which is not subscribed to its own stream.
    const unsubscribed = media.pull({ url: server.urls.mint('pull', where, plane.generation, publishers.get(where.userID)!).url, video: true, audio: true, report, netStatus: () => undefined });
    for (const s of [wrongKind, unsigned, unsubscribed]) await failureOf(s, -2301);
    expect(messages.sort()).toEqual(
      ['play failed: pull url refused: bad-signature', 'play failed: pull url refused: malformed', 'play failed: pull url refused: not-subscribed'].sort(),
    );
    for (const s of [wrongKind, unsigned, unsubscribed]) expect(s.frames).toBe(0);
    expect(push.codes).not.toContain(-1307);
  });

  test('a second verified push of a stream takes over (the newest url wins) and its players keep receiving', async () => {
    const where = await address();
    const name = streamNameOf(where);
    const first = media.push({ url: pushUrl(where), video: true, audio: false, ...ignore });
    await until(() => plane.liveStreams.includes(name), 'first push did not start', 8_000);
    const pull = media.pull({ url: await pullUrl(where), video: true, audio: false, ...ignore });
    await until(() => pull.frames > 0, 'the pull received nothing', 8_000);

    const second = media.push({ url: pushUrl(where, unixNow() + 1), video: true, audio: false, ...ignore });
    await until(() => first.codes.includes(-1307), 'the first push was not dropped', 8_000);
    await until(() => second.codes.includes(1007) && plane.liveStreams.includes(name), 'the second push did not take over', 8_000);
    const frames = pull.frames;
    await until(() => pull.frames > frames + 10, 'the player stopped receiving after the takeover', 8_000, () => pull.stderrTail.join('\n'));
    expect(pull.codes).not.toContain(-2301);
    expect(plane.history.filter((e) => e.type === 'stopped' && e.streamName === name)).toEqual([]);
  });

  test('a restart drops every connection; urls of the old generation are refused, the new generation is accepted', async () => {
    const where = await address();
    const oldUrl = pushUrl(where);
    const push = media.push({ url: oldUrl, video: true, audio: false, ...ignore });
    await until(() => plane.liveStreams.includes(streamNameOf(where)), 'push did not start', 8_000);
    const before = plane.generation;

    const generation = await plane.restart();
    expect(generation).toBe(before + 1);
    await until(() => push.codes.includes(-1307), 'the push did not fail when the media server restarted', 5_000);
    expect(plane.history.some((e) => e.type === 'interrupted' && e.streamName === streamNameOf(where))).toBe(true);

    const stale = media.push({ url: oldUrl, video: true, audio: false, ...ignore });
    await failureOf(stale, -1307);
    expect(plane.history.filter((e) => e.type === 'publish' && e.streamName === streamNameOf(where)).at(-1)).toMatchObject({ accepted: false, reason: 'stale-generation' });

    const fresh = media.push({ url: pushUrl(where), video: true, audio: false, ...ignore });
    await until(() => fresh.codes.includes(1002) && plane.liveStreams.includes(streamNameOf(where)), 'a url of the new generation was not accepted', 8_000);
  });
});
