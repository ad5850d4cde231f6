// nginx-rtmp as the media plane of two signaling processes sharing Redis: one nginx origin (its callbacks go
// to process A) and one edge (its callbacks go to process B), run as an operator would (the processes are told
// where with --nginx-control-url and friends). A publisher joined on A pushes to the origin; players joined on
// B pull from the edge, frames counted; a kick on A cuts the stream at the edge within a second; an nginx
// restart gives every participant url-updated and playback resumes with the new urls. Loopback, free ports,
// everything stopped at the end (nginx too, even when a test fails).

import { freePort } from '../../server/media/ports';
import { nginxConfFile, nginxSecrets } from '../../server/media/nginx-config';
import { NginxProcess } from '../../server/media/nginx-process';
import { DEV_DEFAULTS } from '../../server/config';
import { RtmpMedia, type RtmpPull, type RtmpPush } from '../../src/testing/rtmp-media';
import type { TestClient } from '../server/helpers/client';
import { ffmpegAvailable } from '../../src/testing/rtmp-media';
import { until } from '../media/helpers';
import { describeWithNginx, NGINX } from '../helpers/nginx';
import { printFigures, table } from '../helpers/figures';
import { startCluster, type Cluster } from './helpers/cluster';
import { describeWithRedis } from './helpers/redis';

const PLAYERS = 20;
const CUT_WITHIN_MS = 1_000;
const ignore = { report: () => undefined, netStatus: () => undefined };

const suite = (name: string, body: () => void) => describeWithRedis(name, () => describeWithNginx('with nginx-rtmp', body));

suite('nginx-rtmp shared by two signaling processes', () => {
  let cluster: Cluster;
  let origin: NginxProcess;
  let edge: NginxProcess;
  let media: RtmpMedia;
  const rows: Array<Array<string | number>> = [['what', 'value']];
  let nextRoom = 96000;

  beforeAll(async () => {
    if (!ffmpegAvailable()) throw new Error('this suite needs ffmpeg on the PATH (apt-get install -y ffmpeg)');
    const host = '127.0.0.1';
    const [originRtmp, edgeRtmp, originControl, edgeControl] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const mediaBaseUrl = `rtmp://${host}:${originRtmp}/live`;
    // The documented command line (npm run server -- --redis-url .. --nginx-control-url .. --media-base ..),
    // without --media: with Redis it defaults to nginx.
    cluster = await startCluster(0, {
      media: undefined,
      graceMs: 5_000,
      mediaBaseUrl,
      mediaPullBaseUrls: [`rtmp://${host}:${edgeRtmp}/live`],
      nginxControlUrl: `http://${host}:${originControl}`,
      nginxEdgeControlUrls: [`http://${host}:${edgeControl}`],
    });
    await cluster.spawn({ cli: true });
    await cluster.spawn({ cli: true });
    const { callbackKey, relayToken } = nginxSecrets(DEV_DEFAULTS.mediaSecret);
    const [a, b] = cluster.processes;
    origin = new NginxProcess({
      ...NGINX,
      name: 'origin',
      statUrl: `http://${host}:${originControl}/stat`,
      conf: (dir) =>
        nginxConfFile({ dir, modulePath: NGINX.modulePath, httpListen: `${host}:${originControl}`, node: { role: 'origin', name: 'origin', rtmpListen: `${host}:${originRtmp}`, app: 'live', callbackBase: `${a!.httpUrl}/v1/media/nginx`, callbackKey } }),
    });
    edge = new NginxProcess({
      ...NGINX,
      name: 'edge',
      statUrl: `http://${host}:${edgeControl}/stat`,
      conf: (dir) =>
        nginxConfFile({
          dir,
          modulePath: NGINX.modulePath,
          httpListen: `${host}:${edgeControl}`,
          node: { role: 'edge', name: 'edge1', rtmpListen: `${host}:${edgeRtmp}`, app: 'live', callbackBase: `${b!.httpUrl}/v1/media/nginx`, callbackKey, pullFrom: mediaBaseUrl, relayToken },
        }),
    });
    await origin.start();
    await edge.start();
  });
  beforeEach(() => {
    media = new RtmpMedia({ readTimeoutMs: 10_000 });
  });
  afterEach(async () => {
    await media.close();
    await cluster.closeClients();
  });
  afterAll(async () => {
    printFigures('nginx-rtmp origin + edge, two signaling processes', table(rows));
    await edge?.dispose();
    await origin?.dispose();
    await cluster?.close();
  });

  /** A publisher on A pushing to the origin, and `players` silent viewers on B playing from the edge. */
  async function stream(players: number): Promise<{ key: string; pub: TestClient; viewers: TestClient[]; push: RtmpPush; pulls: RtmpPull[]; pushUrl: string }> {
    const roomID = nextRoom++;
    const pub = (await cluster.join(0, 'pub', { roomID })).client;
    const viewers = await Promise.all(Array.from({ length: players }, async (_, i) => (await cluster.join(1, `viewer${i}`, { roomID }, { visible: false })).client));
    const { url: pushUrl } = await pub.ok<'publish'>({ type: 'publish', streamType: 'main' });
    const push = media.push({ url: pushUrl, video: true, audio: true, ...ignore });
    await Promise.all(viewers.map((v) => v.waitFor('stream-added', (n) => n.userID === 'pub', 15_000)));
    const pulls = await Promise.all(
      viewers.map(async (v) => {
        const { url } = await v.ok<'subscribe'>({ type: 'subscribe', userID: 'pub', streamType: 'main', audio: true, video: true });
        return media.pull({ url, video: true, audio: true, ...ignore });
      }),
    );
    return { key: `n:${roomID}`, pub, viewers, push, pulls, pushUrl };
  }

  test(`${PLAYERS} players on the edge receive frames; a kick on process A cuts them all within a second`, async () => {
    const s = await stream(PLAYERS);
    const startedAt = Date.now();
    await until(() => s.pulls.every((p) => p.frames >= 5), `not every player on the edge received frames`, 30_000, () =>
      s.pulls.map((p) => `${p.frames}:${p.stderrTail.slice(-2).join(' / ')}`).join('\n'),
    );
    rows.push([`players on the edge with frames (${PLAYERS})`, s.pulls.filter((p) => p.frames >= 5).length]);
    rows.push(['slowest first frame after pulls started (ms)', Math.max(...s.pulls.map((p) => p.firstFrameAt! - startedAt))]);
    for (const p of s.pulls) expect(new URL(p.url).port).not.toBe(new URL(s.pushUrl).port);

    // When each player last received a frame, sampled every 20 ms from the kick on.
    const lastFrameAt = s.pulls.map(() => Date.now());
    const seen = s.pulls.map((p) => p.frames);
    const sampler = setInterval(() => {
      s.pulls.forEach((p, i) => {
        if (p.frames !== seen[i]) {
          seen[i] = p.frames;
          lastFrameAt[i] = Date.now();
        }
      });
    }, 20);
    const endedAt = s.pulls.map(() => 0);
    s.pulls.forEach((p, i) => void p.exited.then(() => (endedAt[i] = Date.now())));
    const kickedAt = Date.now();
    try {
      expect((await cluster.admin(0, 'POST', `/admin/rooms/${s.key}/users/pub/remove`)).status).toBe(200);
      await until(() => s.pulls.every((p) => !p.running), 'players at the edge kept running after the kick', 5_000);
      // And nothing arrives later (well past the bound).
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    } finally {
      clearInterval(sampler);
    }
    const lastFrame = Math.max(...lastFrameAt) - kickedAt;
    rows.push(['last frame at any edge player after the kick (ms)', lastFrame]);
    rows.push(['last edge player process gone after the kick (ms)', Math.max(...endedAt) - kickedAt]);
    expect(lastFrame).toBeLessThanOrEqual(CUT_WITHIN_MS);
    await until(() => !s.push.running, 'the kicked publisher kept pushing', 5_000);

    // Its old url, signed and unexpired, does not publish again.
    const again = media.push({ url: s.pushUrl, video: true, audio: false, ...ignore });
    await until(() => again.codes.includes(-1307), 'the kicked user\'s old push url published again', 8_000);
    expect(again.codes).not.toContain(1002);
  });

  test('a viewer held by process B, removed through process A: its play at the edge is cut within a second, the other plays on', async () => {
    const s = await stream(2);
    await until(() => s.pulls.every((p) => p.frames >= 5), 'no frames at the edge', 15_000);
    const [victim, other] = s.pulls as [RtmpPull, RtmpPull];
    const victimEnded = victim.exited.then(() => Date.now());
    const removedAt = Date.now();
    // Process A ends the session; B (whose edge let the player in) hears it over Redis and drops it.
    expect((await cluster.admin(0, 'POST', `/admin/rooms/${s.key}/users/viewer0/remove`)).status).toBe(200);
    const cut = (await victimEnded) - removedAt;
    rows.push(['viewer on B removed through A: its edge play gone after (ms)', cut]);
    expect(cut).toBeLessThanOrEqual(CUT_WITHIN_MS + 500); // + ffmpeg's own exit
    const frames = other.frames;
    await until(() => other.frames > frames + 10, 'the other viewer stopped playing', 5_000);
    expect(other.running && s.push.running).toBe(true);
  });

  test('an nginx restart gives every participant url-updated, and playback resumes with the new urls', async () => {
    const s = await stream(2);
    await until(() => s.pulls.every((p) => p.frames >= 5), 'no frames before the restart', 15_000);
    const restartedAt = Date.now();
    await edge.stop();
    await origin.stop();
    await origin.start();
    await edge.start();
    const [pubUpdate, ...viewerUpdates] = await Promise.all([
      s.pub.waitFor('url-updated', (n) => n.kind === 'publish', 10_000),
      ...s.viewers.map((v) => v.waitFor('url-updated', (n) => n.kind === 'subscribe', 10_000)),
    ]);
    rows.push(['every participant had url-updated after the restart (ms)', Date.now() - restartedAt]);
    expect(pubUpdate!.url).not.toBe(s.pushUrl);
    const push = media.push({ url: pubUpdate!.url, video: true, audio: true, ...ignore });
    await until(() => push.codes.includes(1002), 'the new push url was not accepted', 10_000, () => push.stderrTail.join('\n'));
    const pulls = viewerUpdates.map((u) => media.pull({ url: u!.url, video: true, audio: true, ...ignore }));
    await until(() => pulls.every((p) => p.frames >= 5), 'playback did not resume with the new urls', 15_000, () => pulls.map((p) => p.stderrTail.slice(-3).join(' / ')).join('\n'));
    rows.push(['playback resumed after the restart (ms)', Date.now() - restartedAt]);
    // The room kept the stream: nobody heard it go.
    for (const v of s.viewers) expect(v.of('stream-removed')).toEqual([]);
  });
});
