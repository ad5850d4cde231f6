// Signed RTMP urls (mint, verify, tamper, expiry, generations) and the MediaPlane seam: with a plane that
// confirms pushes, a stream is announced only once the media server says it started.

import { ErrorCode } from '../../src/core/errors';
import type { MediaPlane, MediaPlaneListener } from '../../server/media-plane';
import { MediaUrls, parseStreamName, streamNameOf } from '../../server/media-urls';
import { startHarness, type Harness } from './helpers/server';

describe('media urls', () => {
  const urls = new MediaUrls({ secret: 'media-secret', baseUrl: 'rtmp://127.0.0.1:1935/live', ttlSec: 60 });
  const address = { roomKey: 's:team/a b?', userID: 'ünïcode-user', streamType: 'aux' as const };

  test('stream names round-trip any room and user, and only canonical ones parse', () => {
    const name = streamNameOf(address);
    expect(name).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.aux$/);
    expect(parseStreamName(name)).toEqual(address);
    for (const bad of ['', 'a.b', 'a.b.c', `${name}.x`, name.replace('.aux', '.screen'), 'YQ==.YQ.main', 'YR.YQ.main']) {
      expect(parseStreamName(bad)).toBeNull();
    }
  });

  test('a minted url verifies for its kind only, until it expires, for its generation', () => {
    const now = 1_800_000_000;
    const holder = { sessionId: 'f3b1c2d4-0000-4000-8000-000000000001', userID: address.userID };
    const push = urls.mint('push', address, 3, holder, now);
    const sub = Buffer.from(address.userID).toString('base64url');
    expect(push.url.startsWith(`rtmp://127.0.0.1:1935/live/${streamNameOf(address)}?gen=3&expires=${now + 60}&sid=${holder.sessionId}&sub=${sub}&sign=`)).toBe(true);
    expect(push.expiresAt).toBe(now + 60);
    const ok = urls.verifyUrl('push', push.url, { nowSec: now, generation: 3 });
    expect(ok).toEqual({ ok: true, address, streamName: streamNameOf(address), generation: 3, expiresAt: now + 60, holder });
    // The holder is signed: another session or another user cannot be swapped in.
    expect(urls.verifyUrl('push', push.url.replace(holder.sessionId, 'f3b1c2d4-0000-4000-8000-000000000002'), { nowSec: now })).toEqual({ ok: false, reason: 'bad-signature' });
    const pull = urls.mint('pull', address, 3, { sessionId: holder.sessionId, userID: 'viewer' }, now);
    expect(urls.verifyUrl('pull', pull.url.replace(`sub=${Buffer.from('viewer').toString('base64url')}`, `sub=${Buffer.from('other').toString('base64url')}`), { nowSec: now })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(urls.verifyUrl('pull', pull.url.replace(/&sid=[^&]*/, ''), { nowSec: now })).toEqual({ ok: false, reason: 'malformed' });
    expect(() => urls.mint('push', address, 3, { sessionId: holder.sessionId, userID: 'someone-else' }, now)).toThrow();
    expect(urls.verifyUrl('pull', push.url, { nowSec: now })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(urls.verifyUrl('push', push.url, { nowSec: now + 61 })).toEqual({ ok: false, reason: 'expired' });
    expect(urls.verifyUrl('push', push.url, { nowSec: now, generation: 4 })).toEqual({ ok: false, reason: 'stale-generation' });
    expect(urls.verifyUrl('push', push.url.replace(`expires=${now + 60}`, `expires=${now + 6000}`), { nowSec: now })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(urls.verifyUrl('push', push.url.replace('gen=3', 'gen=4'), { nowSec: now })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(urls.verifyUrl('push', push.url.replace('/live/', '/other/'), { nowSec: now })).toEqual({ ok: false, reason: 'malformed' });
    expect(urls.verifyUrl('push', 'not a url')).toEqual({ ok: false, reason: 'malformed' });
    const otherSecret = new MediaUrls({ secret: 'x', baseUrl: 'rtmp://127.0.0.1:1935/live', ttlSec: 60 });
    expect(otherSecret.verifyUrl('push', push.url, { nowSec: now })).toEqual({ ok: false, reason: 'bad-signature' });
    // What an RTMP server sees: the stream name and the query, separately.
    const query = Object.fromEntries(new URL(push.url).searchParams);
    expect(urls.verify('push', streamNameOf(address), query, { nowSec: now }).ok).toBe(true);
  });
});

/** A media plane driven by the test: it confirms pushes when told to. */
class ScriptedMediaPlane implements MediaPlane {
  readonly name = 'scripted';
  readonly confirmsStreams = true;
  generation = 1;
  listener: MediaPlaneListener | null = null;
  async start(listener: MediaPlaneListener): Promise<void> {
    this.listener = listener;
  }
  async restart(): Promise<number> {
    this.generation += 1;
    await this.listener?.onGenerationChanged(this.generation);
    return this.generation;
  }
  async close(): Promise<void> {
    this.listener = null;
  }
}

describe('a media plane that confirms pushes', () => {
  let h: Harness;
  let plane: ScriptedMediaPlane;
  beforeAll(async () => {
    plane = new ScriptedMediaPlane();
    h = await startHarness({ mediaPlane: () => plane });
  });
  afterEach(async () => {
    await h.closeClients();
  });
  afterAll(async () => {
    await h.close();
  });

  test('a stream is announced when its push starts and withdrawn when it stops', async () => {
    const room = { roomID: 11001 };
    const { client: alice } = await h.join('alice', room);
    const { client: bob } = await h.join('bob', room);
    const { url } = await alice.ok<'publish'>({ type: 'publish', streamType: 'main' });
    await bob.sync();
    expect(bob.of('stream-added')).toEqual([]);
    expect((await bob.fails({ type: 'subscribe', userID: 'alice', streamType: 'main', audio: true, video: true })).code).toBe(ErrorCode.STREAM_NOT_FOUND);

    // The RTMP server would verify the push url, then report the stream.
    const check = h.server.urls.verifyUrl('push', url, { generation: plane.generation });
    if (!check.ok) throw new Error(`push url did not verify: ${check.reason}`);
    await plane.listener!.onStreamStarted(check.streamName);
    expect(await bob.waitFor('stream-added')).toMatchObject({ userID: 'alice', streamType: 'main', audio: true, video: true });
    await bob.ok({ type: 'subscribe', userID: 'alice', streamType: 'main', audio: true, video: true });

    await plane.listener!.onStreamStopped(check.streamName);
    await bob.waitFor('stream-removed', (n) => n.userID === 'alice');
    expect((await h.admin('GET', '/admin/rooms/n:11001')).body.subscriptions).toEqual([]);

    // Reports for unknown names are ignored.
    await plane.listener!.onStreamStarted('garbage');
    await plane.listener!.onStreamStarted(streamNameOf({ roomKey: 'n:1', userID: 'nobody', streamType: 'main' }));

    await plane.listener!.onStreamStarted(check.streamName);
    const added = bob.of('stream-added');
    await bob.waitFor('stream-added', (n) => n.seq > added[0]!.seq);
    // Alice heard nothing about her own stream.
    await alice.sync();
    expect(alice.notifications.filter((n) => n.type.startsWith('stream-'))).toEqual([]);
  });
});
