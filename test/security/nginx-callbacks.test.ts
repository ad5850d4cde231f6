// The nginx callback endpoint (POST /v1/media/nginx/<event>) against hostile input: anyone who reaches the
// signaling server can POST to it. Without the key, from an unknown node, with garbage or oversized bodies,
// with forged, unsigned or stale urls, for a session that is not live or does not hold the stream, with
// fields injected through the url's arguments, or posing as an edge's relay: refused, and nothing reaches
// the room. A body as nginx writes it for a real session's url is accepted (the endpoint is not just closed).

import fc from 'fast-check';
import { startDevServer, type DevServer } from '../../server/index';
import { DEV_DEFAULTS } from '../../server/config';
import { nginxSecrets } from '../../server/media/nginx-config';
import type { NginxMediaPlane } from '../../server/media/nginx-plane';
import { TestClient } from '../server/helpers/client';
import { describeWithNginx, NGINX } from '../helpers/nginx';
import { printFigures, table } from '../helpers/figures';

const { callbackKey, relayToken } = nginxSecrets(DEV_DEFAULTS.mediaSecret);

describeWithNginx('the nginx callback endpoint under attack', () => {
  let server: DevServer;
  let plane: NginxMediaPlane;
  let alice: TestClient;
  let bob: TestClient;
  let aliceSession: string;
  let pushUrl: string;
  const rows: Array<Array<string | number>> = [['attack', 'requests', 'answered']];

  beforeAll(async () => {
    server = await startDevServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, logLevel: 'silent', media: 'nginx', nginxDevEdges: 1, ...NGINX });
    plane = server.media as NginxMediaPlane;
    const join = async (userID: string) => {
      const client = await TestClient.connect(server.wsUrl, userID);
      const joined = await client.ok<'join'>({ type: 'join', sdkAppID: server.sdkAppID, userID, userSig: server.genUserSig(userID), roomID: 97001, scene: 'rtc', role: 'anchor', visible: true });
      return { client, sessionId: joined.sessionId };
    };
    ({ client: alice, sessionId: aliceSession } = await join('alice'));
    ({ client: bob } = await join('bob'));
    pushUrl = (await alice.ok<'publish'>({ type: 'publish', streamType: 'main' })).url;
  });
  afterAll(async () => {
    printFigures('nginx callbacks (hostile input)', table(rows));
    await alice?.close();
    await bob?.close();
    await server?.close();
  });

  const post = async (path: string, body: string | Buffer, init: { method?: string; headers?: Record<string, string> } = {}) => {
    const response = await fetch(`${server.httpUrl}${path}`, { method: init.method ?? 'POST', body: init.method === 'GET' ? undefined : body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers } });
    await response.arrayBuffer();
    return response.status;
  };
  const cb = (event: string, node = 'origin', key = callbackKey) => `/v1/media/nginx/${event}?node=${node}&key=${key}`;
  /** A body the way nginx writes it: its fields, then the client's url arguments verbatim. */
  const nginxBody = (call: string, url: string, extra: Record<string, string> = {}) => {
    const parsed = new URL(url);
    const name = parsed.pathname.split('/').pop()!;
    const fields = { app: 'live', flashver: 'FMLE/3.0', swfurl: '', tcurl: `rtmp://${parsed.host}/live`, pageurl: '', addr: '127.0.0.1', clientid: '4242', ...extra };
    return `${new URLSearchParams(fields)}&call=${call}&name=${name}&type=live&${parsed.search.slice(1)}`;
  };
  const noStreamNews = async () => {
    await bob.sync();
    expect(bob.of('stream-added')).toEqual([]);
  };

  test('without the key, with a wrong one or from an unknown node: 403, whatever the body', async () => {
    const body = nginxBody('publish', pushUrl);
    const paths = [
      '/v1/media/nginx/publish',
      '/v1/media/nginx/publish?node=origin',
      cb('publish', 'origin', 'x'),
      cb('publish', 'origin', callbackKey.toUpperCase()),
      cb('publish', 'origin', callbackKey.slice(0, -1)),
      cb('publish', 'origin', `${callbackKey}0`),
      cb('publish', 'origin', nginxSecrets('another secret').callbackKey),
      cb('publish', 'origin', relayToken),
      cb('publish', 'edge9'),
      cb('publish', ''),
    ];
    const statuses = await Promise.all(paths.map((p) => post(p, body)));
    rows.push(['no key, wrong key, unknown node', paths.length, [...new Set(statuses)].join(',')]);
    expect(statuses).toEqual(paths.map(() => 403));
    await noStreamNews();
  });

  test('other methods, unknown events and oversized bodies are refused before anything is read', async () => {
    expect(await post(cb('publish'), '', { method: 'GET' })).toBe(405);
    expect(await post(cb('anything'), nginxBody('publish', pushUrl))).toBe(404);
    expect(await post('/v1/media/rtmp/publish', nginxBody('publish', pushUrl))).toBe(404);
    expect(await post('/v1/media/nginx/publish/extra', nginxBody('publish', pushUrl))).toBe(404);
    expect(await post(cb('publish'), 'a'.repeat(64 * 1024))).toBe(413);
    rows.push(['methods, events, 64 KiB body', 5, '405,404,413']);
    await noStreamNews();
  });

  test('garbage bodies: 400, and 300 random ones never authorize anything', async () => {
    const bodies = [
      '',
      'call',
      'call=',
      'name=x',
      'call=play_done',
      'call=publish&name=x&clientid=abc',
      'call=publish&clientid=1',
      `call=publish&clientid=1&name=${'n'.repeat(600)}`,
      'call=publish&clientid=1&name=x\u0000y',
      Array.from({ length: 300 }, (_, i) => `f${i}=1`).join('&') + '&call=publish&clientid=1&name=x',
    ];
    const statuses = await Promise.all(bodies.map((b) => post(cb('publish'), b)));
    expect(statuses).toEqual(bodies.map(() => 400));
    // Broken percent-encoding is read as it is, and then refused like any other stranger (no app).
    expect(await post(cb('publish'), '%ZZ=%ZZ&call=publish&clientid=1&name=%')).toBe(403);
    let random = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ maxLength: 300 }), fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('latin1'))), fc.constantFrom('publish', 'play', 'update', 'publish_done', 'play_done'), async (body, event) => {
        random += 1;
        const status = await post(cb(event), body);
        // done events are only bookkeeping (200 with a readable call); the rest must refuse.
        if (event.endsWith('_done')) return status === 200 || status === 400;
        return status === 400 || status === 403;
      }),
      { numRuns: 300 },
    );
    rows.push(['garbage bodies (fixed + random)', bodies.length + random, '400/403']);
    expect(plane.history.filter((e) => e.type === 'callback' && e.accepted && e.event !== 'publish_done' && e.event !== 'play_done')).toEqual([]);
    await noStreamNews();
  });

  test('forged, unsigned and tampered urls, and signed urls of sessions that are not live or do not hold the stream: 403 with the reason', async () => {
    const name = new URL(pushUrl).pathname.split('/').pop()!;
    const generation = plane.generation;
    const address = { roomKey: 'n:97001', userID: 'alice', streamType: 'main' as const };
    const cases: Array<{ reason: string; event: string; body: string }> = [
      { reason: 'malformed', event: 'publish', body: nginxBody('publish', `rtmp://h/live/${name}`) },
      { reason: 'bad-signature', event: 'publish', body: nginxBody('publish', pushUrl.replace(/sign=(.)/, (_, c: string) => `sign=${c === '0' ? '1' : '0'}`)) },
      { reason: 'bad-signature', event: 'publish', body: nginxBody('publish', pushUrl.replace(/expires=\d+/, 'expires=9999999999')) },
      // A pull url cannot publish.
      { reason: 'bad-signature', event: 'publish', body: nginxBody('publish', server.urls.mint('pull', address, generation, { sessionId: aliceSession, userID: 'alice' }).url) },
      { reason: 'stale-generation', event: 'publish', body: nginxBody('publish', server.urls.mint('push', address, generation + 7, { sessionId: aliceSession, userID: 'alice' }).url) },
      // Signed right, but the session is not the member, or does not publish that stream, or is not subscribed.
      { reason: 'no-session', event: 'publish', body: nginxBody('publish', server.urls.mint('push', address, generation, { sessionId: '00000000-0000-4000-8000-000000000000', userID: 'alice' }).url) },
      { reason: 'not-publishing', event: 'publish', body: nginxBody('publish', server.urls.mint('push', { ...address, streamType: 'aux' }, generation, { sessionId: aliceSession, userID: 'alice' }).url) },
      { reason: 'not-subscribed', event: 'play', body: nginxBody('play', server.urls.mint('pull', address, generation, { sessionId: aliceSession, userID: 'alice' }).url) },
      { reason: 'wrong-app', event: 'publish', body: nginxBody('publish', pushUrl, { app: 'other' }) },
      // Posing as an edge's relay: the wrong token at the origin, or a client's publish at an edge.
      { reason: 'not-subscribed', event: 'play', body: nginxBody('play', server.urls.mint('pull', address, generation, { sessionId: aliceSession, userID: 'alice' }).url, { pageurl: 'not-the-token' }) },
      { reason: 'edges-take-no-publishers', event: 'publish', body: nginxBody('publish', pushUrl) },
      { reason: 'edges-take-no-publishers', event: 'publish', body: nginxBody('publish', pushUrl, { flashver: 'ngx-local-relay', app: '' }) },
    ];
    const before = plane.history.length;
    const statuses: number[] = [];
    for (const [i, c] of cases.entries()) {
      const node = c.reason === 'edges-take-no-publishers' ? 'edge1' : 'origin';
      statuses.push(await post(cb(c.event, node), c.body.replace('clientid=4242', `clientid=${5000 + i}`)));
    }
    expect(statuses).toEqual(cases.map(() => 403));
    const reasons = plane.history.slice(before).filter((e) => e.type === 'callback').map((e) => (e as { reason: string | null }).reason);
    expect(reasons).toEqual(cases.map((c) => c.reason));
    rows.push(['forged / wrong session / relay impostor', cases.length, '403']);
    await noStreamNews();
  });

  test("fields injected through the url's arguments do not override nginx's own", async () => {
    // A body whose genuine fields name a stream nobody may push, with the real url's args and then injected
    // name/call/clientid/app fields: the first occurrence (nginx's) decides, so it is refused.
    const victim = new URL(pushUrl).pathname.split('/').pop()!;
    const injected = `app=other&flashver=x&swfurl=&tcurl=&pageurl=&addr=127.0.0.1&clientid=6001&call=publish&name=bm90aGluZw.bm90aGluZw.main&type=live&${new URL(pushUrl).search.slice(1)}&name=${victim}&app=live&call=publish`;
    expect(await post(cb('publish'), injected)).toBe(403);
    // A publish carrying `call=publish_done` later is a publish; its done is not faked by the client.
    const body = `${nginxBody('publish', pushUrl)}&call=publish_done`;
    expect(await post(cb('publish_done'), body)).toBe(400);
    rows.push(['injected fields', 2, '403,400']);
    await noStreamNews();
  });

  test('a body as nginx writes it for the real session is accepted, and the room hears of the stream', async () => {
    expect(await post(cb('publish'), nginxBody('publish', pushUrl))).toBe(200);
    expect(await bob.waitFor('stream-added', (n) => n.userID === 'alice', 5_000)).toMatchObject({ userID: 'alice', streamType: 'main' });
    // on_update for the same client keeps passing while the session lives.
    expect(await post(cb('update'), nginxBody('update_publish', pushUrl))).toBe(200);
  });
});
