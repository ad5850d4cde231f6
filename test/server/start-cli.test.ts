// What `npm start` / `npm run server` (server/main.ts) say when they cannot start as asked: a taken port or an
// unreachable Redis is one line naming the flag and variable to change, and a non-zero exit, not a stack; and
// without ffmpeg the demo says at once what it runs instead of waiting for streams that never come.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../server/media/ports';

const root = join(__dirname, '..', '..');
const MAIN = join(root, 'server', 'main.ts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** server/main.ts with `args`, as npm runs it (tsx), under a clean WXRTC_* environment; killed after `untilMs`. */
function runMain(args: string[], { env = {}, untilMs = 20_000, stopWhen }: { env?: Record<string, string>; untilMs?: number; stopWhen?: (out: string) => boolean } = {}): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('WXRTC_') && name !== 'REDIS_URL' && name !== 'FFMPEG_PATH'));
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: root, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), untilMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stopWhen?.(stdout)) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A listener holding a loopback port, as another dev server would. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { port: address.port, server };
}

const lines = (text: string) => text.split('\n').filter((line) => line.trim() !== '');

let held: { port: number; server: Server };
beforeAll(async () => {
  held = await holdPort();
});
afterAll(async () => {
  await new Promise<void>((resolve) => held.server.close(() => resolve()));
});

test('a taken port is one line naming --port and WXRTC_PORT, and exit 1', async () => {
  const run = await runMain(['--port', String(held.port), '--media', 'none']);
  expect(run.code).toBe(1);
  expect(lines(run.stderr)).toEqual([`wxrtc: port ${held.port} is in use (another dev server?); choose another with --port <n> or WXRTC_PORT=<n> (0 picks a free one)`]);
  expect(run.stderr).not.toMatch(/EADDRINUSE|\n\s+at /);
}, 30_000);

test('the same through WXRTC_PORT', async () => {
  const run = await runMain(['--media', 'none'], { env: { WXRTC_PORT: String(held.port) } });
  expect(run.code).toBe(1);
  expect(lines(run.stderr)).toHaveLength(1);
  expect(run.stderr).toContain('WXRTC_PORT');
}, 30_000);

test("a taken RTMP port with --media rtmp names --rtmp-port and WXRTC_RTMP_PORT", async () => {
  const run = await runMain(['--port', '0', '--media', 'rtmp', '--rtmp-port', String(held.port)]);
  expect(run.code).toBe(1);
  expect(lines(run.stderr)).toEqual([`wxrtc: RTMP port ${held.port} is in use (another dev server?); choose another with --rtmp-port <n> or WXRTC_RTMP_PORT=<n> (0 picks a free one)`]);
}, 30_000);

test('an unreachable Redis is one line, and exit 1', async () => {
  const nobody = await freePort('127.0.0.1');
  const run = await runMain(['--port', '0', '--redis-url', `redis://:hunter2@127.0.0.1:${nobody}`]);
  expect(run.code).toBe(1);
  const output = lines(run.stderr);
  expect(output).toHaveLength(1);
  expect(output[0]).toMatch(new RegExp(`^wxrtc: cannot reach Redis at redis://(\\[redacted\\]|\\*+|:\\*+)?@?127\\.0\\.0\\.1:${nobody}`));
  expect(output[0]).toContain('--redis-url / WXRTC_REDIS_URL');
  expect(run.stderr).not.toContain('hunter2');
  expect(run.stderr).not.toMatch(/\n\s+at /);
}, 30_000);

test('a malformed flag is still the usage text and exit 2', async () => {
  // An invalid flag is a ConfigError (usage, exit 2), unchanged by the above.
  const run = await runMain(['--port', 'seventy']);
  expect(run.code).toBe(2);
  expect(run.stderr).toContain('--port');
}, 30_000);

describe('npm start without ffmpeg', () => {
  let empty: string;
  beforeAll(() => {
    empty = mkdtempSync(join(tmpdir(), 'wxrtc-no-ffmpeg-'));
  });
  afterAll(() => rmSync(empty, { recursive: true, force: true }));

  test('says at once the demo runs on simulated media, and the demo comes up', async () => {
    const started = Date.now();
    // PATH holds only an empty directory: no ffmpeg (node itself is started by its absolute path).
    const run = await runMain(['--demo', '--port', '0', '--rtmp-port', '0', '--log-level', 'warn'], { env: { PATH: empty }, stopWhen: (out) => out.includes('is its default') });
    const took = Date.now() - started;
    expect(lines(run.stdout)[0]).toMatch(/^No ffmpeg on the PATH: the demo room runs on simulated media, without the RTMP server; .*apt-get install ffmpeg/);
    expect(run.stdout).toMatch(/Demo room 1234: alice and bob publish and play each other on simulated media \(no ffmpeg on the PATH/);
    expect(run.stdout).toContain('[demo] bob: STREAM_ADDED alice');
    expect(run.stdout).not.toContain('did not come up');
    expect(run.stdout).toContain('join it');
    // The call page's url beside the others, with the inspector's view key in its fragment for the page's link.
    const call = /call page \(a browser\)\s+(http:\/\/127\.0\.0\.1:\d+\/call)#key=([A-Za-z0-9_-]+)\s/.exec(run.stdout);
    expect(call).not.toBeNull();
    expect(run.stdout).toContain(`/inspect#key=${call![2]}`);
    // The demo's own lines say the page joins it.
    expect(run.stdout).toContain(`or from a browser           ${call![1]}   (room 1234 is its default)`);
    // The demo used to wait its whole 20 s for frames; on simulated media it is up in a few seconds.
    expect(took).toBeLessThan(15_000);
    expect(run.code).toBe(0);
  }, 30_000);

  test('with --media rtmp the server runs and the demo is off, said at once', async () => {
    const run = await runMain(['--demo', '--media', 'rtmp', '--port', '0', '--rtmp-port', '0', '--log-level', 'warn'], { env: { PATH: empty }, stopWhen: (out) => out.includes('Demo room: off') });
    expect(lines(run.stdout)[0]).toMatch(/^No ffmpeg on the PATH: --media rtmp runs the RTMP server, but the demo room is off/);
    expect(run.stdout).toMatch(/RTMP urls\s+rtmp:\/\/127\.0\.0\.1:\d+\/live\/\.\.\.\s+\(media server: RTMP/);
    expect(run.stdout).toContain('Demo room: off (no ffmpeg)');
    expect(run.code).toBe(0);
  }, 30_000);
});
