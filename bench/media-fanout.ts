// Fan-out of one stream to 50 loopback players, through nginx-rtmp and through node-media-server, measured in
// one run: the server side's CPU per player (the dev server process, plus nginx's processes when it is the
// media plane; the ffmpeg clients are not counted) and each player's time to first frame. The server runs in
// a child process (`npm run server -- --media <plane>`), so its CPU is its own. Standalone:
// `node --import tsx bench/media-fanout.ts [--players N]`; `npm run bench -- --only media` runs it too.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_DEFAULTS } from '../server/config';
import { genUserSig } from '../server/usersig';
import { ffmpegAvailable, RtmpMedia, type RtmpPull } from '../src/testing/rtmp-media';
import { TestClient } from '../test/server/helpers/client';
import { NGINX_MISSING } from '../test/helpers/nginx';
import { summarize, type Row, type Sample } from './lib/stats';

const ROOT = join(__dirname, '..');
const TICKS_PER_SECOND = 100;
const WINDOW_MS = 5_000;

export interface FanoutResult {
  plane: 'nginx' | 'rtmp';
  players: number;
  /** Server-side CPU per player while all play, in ms of CPU per second of stream. */
  cpuPerPlayerMsPerS: number;
  /** With only the publisher (subtracted above). */
  baselineMsPerS: number;
  /** Of the per-player figure, what nginx's own processes spent (the rest: signaling answering its callbacks). */
  nginxPerPlayerMsPerS: number;
  firstFrame: Sample;
}

/** utime + stime of a process, in ms (0 when it is gone). */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** The server process and every nginx process under it. */
function serverPids(root: number): number[] {
  const out = spawnSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' }).stdout ?? '';
  const rows = out
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((r) => r.length >= 3)
    .map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm: comm! }));
  const pids = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const r of rows) {
      if (r.comm !== 'nginx' || pids.has(r.pid) || !pids.has(r.ppid)) continue;
      pids.add(r.pid);
      grew = true;
    }
  }
  return [...pids];
}

const cpuNow = (root: number) => serverPids(root).reduce((sum, pid) => sum + cpuOf(pid), 0);
const nginxCpuNow = (root: number) => serverPids(root).filter((pid) => pid !== root).reduce((sum, pid) => sum + cpuOf(pid), 0);

async function startServer(plane: 'nginx' | 'rtmp'): Promise<{ child: ChildProcess; wsUrl: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'server', 'main.ts'), '--media', plane, '--port', '0', '--rtmp-port', '0', '--log-level', 'warn'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const wsUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the ${plane} server did not start: ${err}`)), 20_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const match = /ws:\/\/127\.0\.0\.1:\d+\/v1\/signaling/.exec(out);
      if (match && out.includes('domain names')) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${plane} server exited (${code}): ${err}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    wsUrl,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function fanout(plane: 'nginx' | 'rtmp', players = 50): Promise<FanoutResult> {
  const server = await startServer(plane);
  const media = new RtmpMedia({ readTimeoutMs: 20_000, netStatusIntervalMs: 5_000 });
  const clients: TestClient[] = [];
  const join = async (userID: string, visible: boolean) => {
    const client = await TestClient.connect(server.wsUrl, userID);
    clients.push(client);
    const userSig = genUserSig({ sdkAppID: DEV_DEFAULTS.sdkAppID, secret: DEV_DEFAULTS.secret, userID, expireSec: 600 });
    await client.ok<'join'>({ type: 'join', sdkAppID: DEV_DEFAULTS.sdkAppID, userID, userSig, roomID: 99001, scene: 'live', role: visible ? 'anchor' : 'audience', visible });
    return client;
  };
  try {
    const pid = server.child.pid!;
    const pub = await join('pub', true);
    const { url } = await pub.ok<'publish'>({ type: 'publish', streamType: 'main' });
    media.push({ url, video: true, audio: true, report: () => undefined, netStatus: () => undefined });
    const viewers = await Promise.all(Array.from({ length: players }, (_, i) => join(`viewer${i}`, false)));
    await viewers[0]!.waitFor('stream-added', () => true, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const base0 = cpuNow(pid);
    const nginxBase0 = nginxCpuNow(pid);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const baselineMsPerS = (cpuNow(pid) - base0) / (WINDOW_MS / 1000);
    const nginxBaseline = (nginxCpuNow(pid) - nginxBase0) / (WINDOW_MS / 1000);

    const urls = await Promise.all(viewers.map(async (v) => (await v.ok<'subscribe'>({ type: 'subscribe', userID: 'pub', streamType: 'main', audio: true, video: true })).url));
    const pulls: RtmpPull[] = urls.map((u) => media.pull({ url: u, video: true, audio: true, report: () => undefined, netStatus: () => undefined }));
    const deadline = Date.now() + 60_000;
    while (!pulls.every((p) => p.firstFrameAt !== null)) {
      if (Date.now() > deadline) throw new Error(`${plane}: ${pulls.filter((p) => p.firstFrameAt === null).length} players had no frame after 60 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const firstFrame = summarize(pulls.map((p) => p.firstFrameAt! - p.startedAt));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const c0 = cpuNow(pid);
    const n0 = nginxCpuNow(pid);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const allMsPerS = (cpuNow(pid) - c0) / (WINDOW_MS / 1000);
    const nginxMsPerS = (nginxCpuNow(pid) - n0) / (WINDOW_MS / 1000);
    return {
      plane,
      players,
      baselineMsPerS,
      cpuPerPlayerMsPerS: Math.max(0, allMsPerS - baselineMsPerS) / players,
      nginxPerPlayerMsPerS: Math.max(0, nginxMsPerS - nginxBaseline) / players,
      firstFrame,
    };
  } finally {
    await media.close();
    await Promise.all(clients.map((c) => c.close()));
    await server.stop();
  }
}

/** Rows for bench/run.ts: both planes, one after the other, in this run. */
export async function mediaFanoutRows(progress: (message: string) => void, players = 50): Promise<{ rows: Row[]; notes: string[] }> {
  if (!ffmpegAvailable()) {
    progress('media fan-out: skipped (no ffmpeg)');
    return { rows: [], notes: ['media fan-out: not measured (no ffmpeg on this machine)'] };
  }
  const planes: Array<'nginx' | 'rtmp'> = NGINX_MISSING === null ? ['nginx', 'rtmp'] : ['rtmp'];
  const results: FanoutResult[] = [];
  for (const plane of planes) {
    progress(`media fan-out: one stream to ${players} loopback players through ${plane === 'nginx' ? 'nginx-rtmp' : 'node-media-server'}`);
    results.push(await fanout(plane, players));
  }
  const label = (p: 'nginx' | 'rtmp') => (p === 'nginx' ? 'nginx-rtmp' : 'node-media-server');
  const rows: Row[] = [];
  results.forEach((r, i) => {
    const head = i === 0 ? '6. media fan-out, ' : '   ';
    rows.push({ metric: `${head}${players} players, ${label(r.plane)}: server CPU per player`, unit: 'ms/s', ours: r.cpuPerPlayerMsPerS, theirs: null, target: '', met: null });
    rows.push({ metric: `   ${label(r.plane)}: time to first frame`, unit: 'ms', ours: r.firstFrame, theirs: null, target: '', met: null });
  });
  const notes = [
    `media fan-out: server-side CPU (dev server process${planes.includes('nginx') ? ', plus nginx master and worker for nginx-rtmp' : ''}) while ${players} players play, minus the same with the publisher alone, per player; first frame per player from its ffmpeg start`,
    ...results.map(
      (r) =>
        `  ${label(r.plane)}: publisher alone ${r.baselineMsPerS.toFixed(1)} ms/s of CPU` +
        (r.plane === 'nginx' ? `; of the per-player CPU, nginx itself ${r.nginxPerPlayerMsPerS.toFixed(2)} ms/s, the rest signaling answering on_play/on_update` : ''),
    ),
    ...(NGINX_MISSING === null ? [] : [`  nginx-rtmp not measured: ${NGINX_MISSING}`]),
  ];
  return { rows, notes };
}

if (require.main === module) {
  const i = process.argv.indexOf('--players');
  const players = i >= 0 ? Number(process.argv[i + 1]) : 50;
  void (async () => {
    const { rows, notes } = await mediaFanoutRows((m) => process.stderr.write(`  ${m}\n`), players);
    const { renderTable } = await import('./lib/stats');
    console.log(renderTable(rows));
    console.log(notes.join('\n'));
  })().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
