// The nginx-rtmp media plane in development (one process): the dev server writes an origin and an edge
// config, runs nginx, and stops it with itself; pushes go to the origin, plays to the edge, both authorized by
// signaling's callbacks; a stream is announced when nginx lets its push in and withdrawn when it ends.

import { existsSync } from 'node:fs';
import { startDevServer, type DevServer } from '../../server/index';
import type { NginxMediaPlane } from '../../server/media/nginx-plane';
import { RtmpMedia } from '../../src/testing/rtmp-media';
import { TestClient } from '../server/helpers/client';
import { describeWithNginx, NGINX } from '../helpers/nginx';
import { isGone, until } from './helpers';

describeWithNginx('media nginx in development', () => {
  let server: DevServer;
  let plane: NginxMediaPlane;
  let media: RtmpMedia;
  const clients: TestClient[] = [];
  const ignore = { report: () => undefined, netStatus: () => undefined };

  beforeAll(async () => {
    server = await startDevServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, logLevel: 'silent', media: 'nginx', nginxDevEdges: 1, ...NGINX });
    plane = server.media as NginxMediaPlane;
  });
  beforeEach(() => {
    media = new RtmpMedia();
  });
  afterEach(async () => {
    await media.close();
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await server?.close();
  });

  async function join(userID: string, roomID: number): Promise<TestClient> {
    const client = await TestClient.connect(server.wsUrl, userID);
    clients.push(client);
    await client.ok<'join'>({ type: 'join', sdkAppID: server.sdkAppID, userID, userSig: server.genUserSig(userID), roomID, scene: 'rtc', role: 'anchor', visible: true });
    return client;
  }

  test('push to the origin, play from the edge, announced and withdrawn as with node-media-server', async () => {
    expect(plane.name).toBe('nginx');
    const [origin, edge] = plane.nodeList;
    expect(origin!.rtmp).toBe(server.rtmpBaseUrl);
    const alice = await join('alice', 95001);
    const bob = await join('bob', 95001);
    const { url: pushUrl } = await alice.ok<'publish'>({ type: 'publish', streamType: 'main' });
    expect(pushUrl.startsWith(`${origin!.rtmp}/`)).toBe(true);
    const push = media.push({ url: pushUrl, video: true, audio: true, ...ignore });
    await bob.waitFor('stream-added', (n) => n.userID === 'alice', 10_000);
    const { url: pullUrl } = await bob.ok<'subscribe'>({ type: 'subscribe', userID: 'alice', streamType: 'main', audio: true, video: true });
    expect(pullUrl.startsWith(`${edge!.rtmp}/`)).toBe(true);
    const pull = media.pull({ url: pullUrl, video: true, audio: true, ...ignore });
    await until(() => pull.frames >= 10, 'no frames at the edge', 10_000, () => pull.stderrTail.join('\n'));

    // A url with a bad signature is refused by the callback.
    const forged = media.pull({ url: pullUrl.replace(/sign=(.)/, (_, c: string) => `sign=${c === '0' ? '1' : '0'}`), video: true, audio: true, ...ignore });
    await until(() => forged.codes.includes(-2301), 'a forged pull url played', 8_000);
    expect(forged.frames).toBe(0);
    expect(plane.history.some((e) => e.type === 'callback' && e.event === 'play' && e.reason === 'bad-signature')).toBe(true);

    push.stop();
    await bob.waitFor('stream-removed', (n) => n.userID === 'alice', 8_000);
  });

  test('an nginx reload (SIGHUP: new workers) and an admin media restart each give url-updated to every participant', async () => {
    const alice = await join('alice', 95002);
    const bob = await join('bob', 95002);
    const { url: pushUrl } = await alice.ok<'publish'>({ type: 'publish', streamType: 'main' });
    const push = media.push({ url: pushUrl, video: true, audio: true, ...ignore });
    await bob.waitFor('stream-added', (n) => n.userID === 'alice', 10_000);
    await bob.ok<'subscribe'>({ type: 'subscribe', userID: 'alice', streamType: 'main', audio: true, video: true });
    const before = plane.generation;

    process.kill(plane.nodeList[0]!.pid!, 'SIGHUP');
    const reloaded = await alice.waitFor('url-updated', (n) => n.kind === 'publish', 10_000);
    await bob.waitFor('url-updated', (n) => n.kind === 'subscribe', 10_000);
    expect(plane.generation).toBeGreaterThan(before);
    expect(reloaded.url).toContain(`gen=${plane.generation}`);

    const answer = await fetch(`${server.httpUrl}/admin/media/restart`, { method: 'POST', headers: { 'x-admin-key': server.config.adminKey } });
    expect(answer.status).toBe(200);
    const { generation } = (await answer.json()) as { generation: number };
    const restarted = await alice.waitFor('url-updated', (n) => n.kind === 'publish' && n.url.includes(`gen=${generation}`), 10_000);
    // The new url pushes to the restarted nginx, and the room kept the stream meanwhile.
    const again = media.push({ url: restarted.url, video: true, audio: true, ...ignore });
    await until(() => again.codes.includes(1002), 'the new url did not push after the restart', 10_000, () => again.stderrTail.join('\n'));
    expect(bob.of('stream-removed')).toEqual([]);
    push.stop();
  });

  test('closing the server stops its nginx and removes its files', async () => {
    const other = await startDevServer({ host: '127.0.0.1', port: 0, rtmpPort: 0, logLevel: 'silent', media: 'nginx', ...NGINX });
    const pids = (other.media as NginxMediaPlane).nodeList.map((n) => n.pid!);
    const dirs = (other.media as NginxMediaPlane).nodeList.map((n) => n.dir!);
    expect(pids.every((pid) => pid > 0 && !isGone(pid))).toBe(true);
    await other.close();
    await until(() => pids.every(isGone), 'nginx outlived the server', 5_000);
    expect(existsSync(dirs[0]!)).toBe(false);
  });
});
