// Several real dev server processes sharing one redis-server, for the scale-out suites: each a child process (so
// SIGKILL really kills one), on its own ephemeral loopback port, every one of them killed when the suite ends.
// Raw protocol clients join through any of them; admin calls go to any of them.

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { DevServerOptions } from '../../../server/index';
import { DEV_DEFAULTS } from '../../../server/config';
import { genUserSig } from '../../../server/usersig';
import type { JoinRequest, JoinResult } from '../../../src/core/protocol';
import { TestClient } from '../../server/helpers/client';
import { startRedis, type RedisServer } from './redis';

const ROOT = join(__dirname, '..', '..', '..');
// tsx as a loader inside the one node process (not its CLI, which runs the script in a child): SIGKILL must
// kill the server itself, not leave it orphaned behind a dead wrapper.
const TSX_LOADER = ['--import', 'tsx'];
const START_TIMEOUT_MS = 20_000;

export type RoomRef = { roomID: number } | { strRoomID: string };

/** Config every process shares (what docs/scale-out.md says must be the same everywhere). */
export type SharedOptions = Omit<DevServerOptions, 'store' | 'mediaPlane' | 'logger' | 'onRoomEvent' | 'host' | 'port' | 'redisUrl'>;

export interface ServerProcess {
  readonly index: number;
  readonly child: ChildProcess;
  readonly port: number;
  readonly wsUrl: string;
  readonly httpUrl: string;
  readonly processId: string | null;
  readonly exited: Promise<number | null>;
  readonly alive: boolean;
  /** Everything it wrote on stderr (warnings), for failure messages. */
  stderr(): string;
}

export interface Cluster {
  readonly redis: RedisServer;
  readonly processes: ServerProcess[];
  readonly sdkAppID: number;
  readonly adminKey: string;
  /** Start one more process with the shared options (or the documented command line, `cli: true`). */
  spawn(options?: { cli?: boolean; extra?: SharedOptions }): Promise<ServerProcess>;
  /** Kill a process (SIGKILL by default) and wait until it is gone. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  connect(index: number, label?: string): Promise<TestClient>;
  joinRequest(userID: string, room: RoomRef, extra?: Partial<JoinRequest>): JoinRequest;
  /** Connect to process `index` and join; the join must succeed. */
  join(index: number, userID: string, room: RoomRef, extra?: Partial<JoinRequest>): Promise<{ client: TestClient; result: JoinResult }>;
  admin(index: number, method: 'GET' | 'POST', path: string): Promise<{ status: number; body: any }>;
  userSig(userID: string): string;
  closeClients(): Promise<void>;
  /** Kill every process and stop redis-server. */
  close(): Promise<void>;
}

export async function startCluster(count: number, shared: SharedOptions = {}): Promise<Cluster> {
  const redis = await startRedis();
  const processes: ServerProcess[] = [];
  const clients = new Set<TestClient>();
  const adminKey = shared.adminKey ?? 'scale-admin-key';
  const options: SharedOptions = { adminKey, media: 'none', ...shared };
  const sdkAppID = options.sdkAppID ?? DEV_DEFAULTS.sdkAppID;
  const secret = options.secret ?? DEV_DEFAULTS.secret;

  const cluster: Cluster = {
    redis,
    processes,
    sdkAppID,
    adminKey,
    async spawn(spawnOptions = {}) {
      const proc = await spawnProcess(processes.length, redis.url, { ...options, ...spawnOptions.extra }, spawnOptions.cli === true);
      processes.push(proc);
      return proc;
    },
    async kill(index, signal = 'SIGKILL') {
      const proc = processes[index]!;
      if (proc.alive) proc.child.kill(signal);
      const timer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
      await proc.exited;
      clearTimeout(timer);
    },
    async connect(index, label = 'client') {
      const client = await TestClient.connect(processes[index]!.wsUrl, label);
      clients.add(client);
      return client;
    },
    joinRequest(userID, room, extra = {}) {
      return { type: 'join', sdkAppID, userID, userSig: cluster.userSig(userID), ...room, scene: 'rtc', role: 'anchor', visible: true, ...extra };
    },
    async join(index, userID, room, extra) {
      const client = await cluster.connect(index, `${userID}@${index}`);
      const result = await client.ok<'join'>(cluster.joinRequest(userID, room, extra));
      return { client, result };
    },
    async admin(index, method, path) {
      const response = await fetch(`${processes[index]!.httpUrl}${path}`, { method, headers: { 'x-admin-key': adminKey } });
      return { status: response.status, body: await response.json() };
    },
    userSig(userID) {
      return genUserSig({ sdkAppID, secret, userID, expireSec: 3600 });
    },
    async closeClients() {
      await Promise.all([...clients].map((c) => c.close()));
      clients.clear();
    },
    async close() {
      await cluster.closeClients();
      await Promise.all(processes.map((p, i) => (p.alive ? cluster.kill(i) : p.exited)));
      await redis.stop();
    },
  };
  try {
    await Promise.all(Array.from({ length: count }, () => cluster.spawn()));
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

async function spawnProcess(index: number, redisUrl: string, options: SharedOptions, cli: boolean): Promise<ServerProcess> {
  const args = cli
    ? [...TSX_LOADER, join(ROOT, 'server', 'main.ts'), '--port', '0', '--redis-url', redisUrl, '--log-level', 'warn', ...cliFlags(options)]
    : [...TSX_LOADER, join(__dirname, 'server-process.ts'), JSON.stringify({ ...options, redisUrl })];
  // The children's own environment must not choose for them (a developer's REDIS_URL or WXRTC_* settings).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('WXRTC_') && k !== 'REDIS_URL'));
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  // 'close', not 'exit': by then its pipes are closed too, so nothing of it keeps the test process alive.
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );
  const ready = await new Promise<{ port: number; wsUrl: string; httpUrl: string; processId: string | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server process ${index} did not start within ${START_TIMEOUT_MS} ms: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      try {
        const parsed = cli ? fromBanner(stdout) : fromJsonLine(stdout);
        if (!parsed) return;
        clearTimeout(timer);
        resolve(parsed);
      } catch (error) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error as Error);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server process ${index} exited (${code}) before listening: ${stderr}`));
    });
  });
  return {
    index,
    child,
    ...ready,
    exited,
    get alive() {
      return child.exitCode === null && child.signalCode === null;
    },
    stderr: () => stderr,
  };
}

function fromJsonLine(stdout: string): { port: number; wsUrl: string; httpUrl: string; processId: string | null } | null {
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  return line ? (JSON.parse(line) as { port: number; wsUrl: string; httpUrl: string; processId: string | null }) : null;
}

/** `npm run server` prints a banner; its signaling line names the port. */
function fromBanner(stdout: string): { port: number; wsUrl: string; httpUrl: string; processId: string | null } | null {
  if (!stdout.includes('domain names')) return null;
  const match = /ws:\/\/127\.0\.0\.1:(\d+)\/v1\/signaling/.exec(stdout);
  if (!match) return null;
  const port = Number(match[1]);
  // The banner says the rooms are shared, and as which process.
  const shared = /rooms\s+shared through redis:\/\/\S+ \(prefix \S+\) as process ([0-9a-f]+)/.exec(stdout);
  if (!shared) throw new Error(`the banner does not say the rooms are shared through Redis:\n${stdout}`);
  return { port, wsUrl: match[0], httpUrl: `http://127.0.0.1:${port}`, processId: shared[1]! };
}

function cliFlags(options: SharedOptions): string[] {
  const flags: string[] = [];
  if (options.adminKey) flags.push('--admin-key', options.adminKey);
  if (options.graceMs !== undefined) flags.push('--grace-ms', String(options.graceMs));
  if (options.media) flags.push('--media', options.media);
  if (options.redisPrefix) flags.push('--redis-prefix', options.redisPrefix);
  // media nginx: the operator's nginx, as docs/scale-out.md gives the command line.
  if (options.mediaBaseUrl) flags.push('--media-base', options.mediaBaseUrl);
  if (options.mediaPullBaseUrls?.length) flags.push('--media-pull-base', options.mediaPullBaseUrls.join(','));
  if (options.nginxControlUrl) flags.push('--nginx-control-url', options.nginxControlUrl);
  if (options.nginxEdgeControlUrls?.length) flags.push('--nginx-edge-control-urls', options.nginxEdgeControlUrls.join(','));
  return flags;
}
