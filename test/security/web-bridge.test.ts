// The web media bridge (docs/web-media.md) under a hostile client: forged, tampered and stale urls, a url of
// the wrong kind, text where bytes belong, oversized and flooding frames, more sockets than the caps, bytes
// that are not webm, and a socket that opens and says nothing. Each must end in the documented close code,
// with no ffmpeg left behind. Real dev server on 127.0.0.1, port 0; every wait is bounded.

import { WebMediaClose } from '../../src/core/web-media';
import { describeMedia, ffmpegChildren, startMediaRig, until, type MediaRig } from '../media/helpers';
import { closeSocket, joinAsWeb, makeWebm, openMediaSocket, scratchDir, sendPaced } from '../media/web-helpers';

/** Small bounds, so each attack hits one within a second or two. */
const BOUNDS = { maxMessageBytes: 64 * 1024, perSession: 1, maxMessagesPerSecond: 20, idleTimeoutMs: 1_000 };

describeMedia('the web media bridge refuses a hostile client', () => {
  let rig: MediaRig | null = null;
  const scratch = scratchDir();
  let webm: Buffer;

  beforeAll(() => {
    webm = makeWebm(scratch.dir, { seconds: 3 });
  });
  afterEach(async () => {
    await rig?.close();
    rig = null;
    expect(ffmpegChildren()).toEqual([]);
  });
  afterAll(() => scratch.cleanup());

  async function start(): Promise<MediaRig> {
    rig = await startMediaRig({ server: { webMedia: BOUNDS } });
    return rig;
  }

  /** Opens `url` and waits (bounded) for the server to close it; what the close said. */
  async function closeOf(url: string, send?: (socket: ReturnType<typeof openMediaSocket>) => void): Promise<{ code: number; reason: string }> {
    const socket = openMediaSocket(url);
    socket.opened.then(() => send?.(socket), () => undefined);
    const timer = setTimeout(() => socket.ws.terminate(), 8_000);
    const closed = await socket.closed;
    clearTimeout(timer);
    return closed;
  }

  test('tampered urls: a changed signature, stream, expiry or session, no query at all, and an unknown path', async () => {
    const r = await start();
    const web = await joinAsWeb(r.server, 'browser');
    const url = await web.publish();
    const parsed = new URL(url);
    const variants: Array<[string, string]> = [];
    const withParam = (name: string, value: string) => {
      const next = new URL(url);
      next.searchParams.set(name, value);
      return next.toString();
    };
    variants.push(['sign', withParam('sign', '0'.repeat(64))]);
    variants.push(['expires', withParam('expires', String(Number(parsed.searchParams.get('expires')) + 3600))]);
    variants.push(['sid', withParam('sid', 'someone-else')]);
    variants.push(['stream', url.replace(/\.main\?/, '.aux?')]);
    variants.push(['no query', url.split('?')[0]!]);
    for (const [what, bad] of variants) {
      const closed = await closeOf(bad);
      expect([what, closed.code]).toEqual([what, WebMediaClose.REFUSED]);
    }
    const unknown = await closeOf(url.replace('/publish/', '/record/'));
    expect(unknown.code).not.toBe(1000);
    expect(r.server.webMedia.list()).toEqual([]);
    await web.client.close();
  });

  test('a play url used to publish and a publish url used to play are refused: the kind is signed', async () => {
    const r = await start();
    r.join('mini');
    const web = await joinAsWeb(r.server, 'browser');
    await web.client.waitFor('stream-added', (n) => n.userID === 'mini', 10_000);
    const publishUrl = await web.publish();
    const playUrl = await web.subscribe('mini');
    expect((await closeOf(playUrl.replace('/play/', '/publish/'))).code).toBe(WebMediaClose.REFUSED);
    expect((await closeOf(publishUrl.replace('/publish/', '/play/'))).code).toBe(WebMediaClose.REFUSED);
    await web.client.close();
  });

  test("a url outlives neither its session nor a rejoin: after leaving, the old url is refused", async () => {
    const r = await start();
    const web = await joinAsWeb(r.server, 'browser');
    const url = await web.publish();
    await web.client.ok({ type: 'leave' });
    const closed = await closeOf(url);
    expect(closed.code).toBe(WebMediaClose.REFUSED);
    const again = await joinAsWeb(r.server, 'browser');
    expect((await closeOf(url)).code).toBe(WebMediaClose.REFUSED);
    await web.client.close();
    await again.client.close();
  });

  test('text frames: refused on a publish socket; a play socket takes no message at all', async () => {
    const r = await start();
    r.join('mini');
    const web = await joinAsWeb(r.server, 'browser');
    await web.client.waitFor('stream-added', (n) => n.userID === 'mini', 10_000);
    const text = await closeOf(await web.publish(), (s) => s.ws.send('{"type":"hello"}'));
    expect(text.code).toBe(WebMediaClose.UNSUPPORTED);
    const upstream = await closeOf(await web.subscribe('mini'), (s) => s.ws.send(Buffer.from([1, 2, 3])));
    expect(upstream.code).toBe(WebMediaClose.UNSUPPORTED);
    await web.client.close();
  });

  test('an oversized frame closes with 1009 and a flood of frames with the rate limit', async () => {
    const r = await start();
    const web = await joinAsWeb(r.server, 'browser');
    const big = await closeOf(await web.publish(), (s) => s.ws.send(Buffer.alloc(BOUNDS.maxMessageBytes + 1, 0x1a)));
    expect(big.code).toBe(WebMediaClose.TOO_LARGE);
    const flood = await closeOf(await web.publish(), (s) => {
      // 400 tiny frames at once: twenty times the allowed rate, bounded in count.
      for (let i = 0; i < 400 && s.ws.readyState === s.ws.OPEN; i++) s.ws.send(webm.subarray(0, 16));
    });
    expect(flood).toEqual({ code: WebMediaClose.LIMIT, reason: 'rate' });
    await web.client.close();
  });

  test('more bridges than a session may hold: the one over the cap is refused, the first keeps working', async () => {
    const r = await start();
    r.join('mini');
    const web = await joinAsWeb(r.server, 'browser');
    await web.client.waitFor('stream-added', (n) => n.userID === 'mini', 10_000);
    const first = openMediaSocket(await web.publish());
    const sending = sendPaced(first, webm, 3);
    await until(() => r.server.webMedia.list().length === 1, 'the first bridge did not come up', 5_000);
    // The session's second bridge (a play of the mini-program) is over perSession = 1.
    expect(await closeOf(await web.subscribe('mini'))).toEqual({ code: WebMediaClose.LIMIT, reason: 'session-cap' });
    expect(first.closeInfo).toBeNull();
    await closeSocket(first);
    await sending;
    await web.client.close();
  });

  test('a publish url re-opened over and over: each socket replaces the last (never over the cap), at most one old ffmpeg lingers, none is left', async () => {
    const r = await start();
    const web = await joinAsWeb(r.server, 'browser');
    const url = await web.publish();
    const sockets: Array<ReturnType<typeof openMediaSocket>> = [];
    const sendings: Array<Promise<void>> = [];
    let most = 0;
    const watch = setInterval(() => (most = Math.max(most, r.server.webMedia.list().filter((b) => b.pid !== null).length)), 20);
    try {
      for (let i = 0; i < 6; i++) {
        const socket = openMediaSocket(url);
        sockets.push(socket);
        sendings.push(sendPaced(socket, webm, 3));
        await until(() => r.server.webMedia.list().some((b) => b.pid !== null && b.id === Math.max(...r.server.webMedia.list().map((x) => x.id))), `publish ${i} did not start its ffmpeg`, 5_000);
      }
      // perSession is 1: a replacement is not over the cap, so every earlier socket was superseded.
      for (const socket of sockets.slice(0, -1)) expect(await socket.closed).toEqual({ code: WebMediaClose.SUPERSEDED, reason: 'superseded' });
      expect(sockets.at(-1)!.closeInfo).toBeNull();
      // The newest push and at most one handing over.
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      clearInterval(watch);
    }
    await closeSocket(sockets.at(-1)!);
    await Promise.all(sendings);
    await until(() => r.server.webMedia.list().length === 0, 'a replaced publish outlived the last socket', 5_000, () => JSON.stringify(r.server.webMedia.list()));
    await web.client.close();
  });

  test('bytes that are not webm: ffmpeg gives up, the socket closes with media-failed, no ffmpeg is left', async () => {
    const r = await start();
    const web = await joinAsWeb(r.server, 'browser');
    const garbage = Buffer.alloc(32 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919) & 0xff;
    const closed = await closeOf(await web.publish(), (s) => {
      for (let i = 0; i < 8; i++) s.ws.send(garbage);
    });
    expect(closed.code).toBe(WebMediaClose.MEDIA_FAILED);
    await until(() => ffmpegChildren().length === 0, 'an ffmpeg outlived garbage input', 3_000);
    await web.client.close();
  });

  test('a socket that opens and says nothing is closed after the idle timeout', async () => {
    const r = await start();
    const web = await joinAsWeb(r.server, 'browser');
    const openedAt = Date.now();
    const closed = await closeOf(await web.publish());
    expect(closed).toEqual({ code: WebMediaClose.IDLE, reason: 'idle' });
    expect(Date.now() - openedAt).toBeLessThan(BOUNDS.idleTimeoutMs + 3_000);
    await web.client.close();
  });
});
