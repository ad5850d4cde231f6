// A real redis-server for the scale-out suites: found on the PATH (Debian's package), started on a free loopback
// port with nothing persisted, stopped after. Without it the suites fail in CI and are skipped, loudly, elsewhere.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort } from '../../../server/media/ports';

/** redis-server on this machine (REDIS_SERVER overrides the PATH), or null. */
export function findRedisServer(): string | null {
  const given = process.env.REDIS_SERVER;
  if (given) return existsSync(given) ? given : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, 'redis-server');
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

export const REDIS_SERVER = findRedisServer();

const MISSING = [
  '',
  '################################################################################',
  '#  SKIPPED: the scale-out tests (test/scale) need redis-server, not found.     #',
  '#  Install it:   sudo apt-get install -y redis-server                          #',
  '#  (do not start the service: each suite starts its own on a free port),       #',
  '#  or point REDIS_SERVER at a redis-server binary. CI installs it (.ci/run)    #',
  '#  and fails these suites when it is missing.                                  #',
  '#  WXRTC_SKIP_REDIS=1 skips them without this banner.                          #',
  '################################################################################',
  '',
].join('\n');

/**
 * describe() when redis-server is here; in CI without it, a suite whose one test fails saying why; elsewhere
 * a skipped suite and a banner nobody can miss.
 */
export function describeWithRedis(name: string, body: () => void): void {
  if (REDIS_SERVER) {
    describe(name, body);
    return;
  }
  if (process.env.CI) {
    describe(name, () => {
      test('redis-server is installed (required in CI)', () => {
        throw new Error(`redis-server was not found on the PATH; .ci/run installs Debian's redis-server package.${MISSING}`);
      });
    });
    return;
  }
  // The skips reporter (scripts/jest-skips-reporter.mjs) lists the suite at the end of the run either way.
  if (process.env.WXRTC_SKIP_REDIS !== '1') console.warn(MISSING);
  describe.skip(name, body);
}

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** A command on a short-lived connection (FLUSHALL between tests, counting keys). */
  command(...args: string[]): Promise<string>;
  stop(): Promise<void>;
}

const children = new Set<ChildProcess>();
// Whatever happens to the test process, no redis-server outlives it.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

export async function startRedis(): Promise<RedisServer> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed');
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const command = (...args: string[]) => send(port, args);
  const deadline = Date.now() + 5_000;
  for (;;) {
    try {
      if ((await command('PING')) === 'PONG') break;
    } catch {
      // Not listening yet.
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      children.delete(child);
      throw new Error(`redis-server did not start on port ${port}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    command,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
        await exited;
        clearTimeout(timer);
      }
      children.delete(child);
    },
  };
}

/** One RESP command on its own connection; the reply as text (integers and bulk strings alike). */
function send(port: number, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let data = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('redis: no reply'));
    }, 2_000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      const reply = parseReply(data);
      if (reply === null) return;
      clearTimeout(timer);
      socket.end();
      if (reply.error) reject(new Error(reply.value));
      else resolve(reply.value);
    });
    socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

function parseReply(data: string): { error: boolean; value: string } | null {
  const end = data.indexOf('\r\n');
  if (end < 0) return null;
  const kind = data[0];
  const head = data.slice(1, end);
  if (kind === '+' || kind === ':') return { error: false, value: head };
  if (kind === '-') return { error: true, value: head };
  if (kind === '$') {
    const length = Number(head);
    if (length < 0) return { error: false, value: '' };
    if (data.length < end + 2 + length + 2) return null;
    return { error: false, value: data.slice(end + 2, end + 2 + length) };
  }
  return { error: true, value: `unsupported reply ${JSON.stringify(data.slice(0, 40))}` };
}
