// Configuration an operator (or a deploy script) can get dangerously wrong: timer values Node's timers cannot
// hold (they fire after 1 ms: every socket dropped at once, every session expired at once), and the demo's
// public secrets on a reachable host. Each is refused at start with a message that says why.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startDevServer } from '../../server';
import { ConfigError, MAX_TIMER_MS, configFromCli, isLoopbackHost } from '../../server/config';

test('the attacks of the report: --heartbeat-ms 800000000 and --grace-ms 3000000000 are refused', () => {
  expect(() => configFromCli(['--heartbeat-ms', '800000000'], {})).toThrow(ConfigError);
  expect(() => configFromCli(['--heartbeat-ms', '800000000'], {})).toThrow(/heartbeatIntervalMs must be at most 715827882 ms .*3 intervals.*2147483647/);
  expect(() => configFromCli(['--grace-ms', '3000000000'], {})).toThrow(/graceMs must be at most 2147483647 ms/);
  expect(() => configFromCli([], { WXRTC_GRACE_MS: '3000000000' })).toThrow(/graceMs/);
  // Past what a double holds exactly, too.
  expect(() => configFromCli(['--grace-ms', '99999999999999999999'], {})).toThrow(ConfigError);
});

test('each timer is checked as it is armed, right up to the limit', () => {
  const ok = (argv: string[]) => configFromCli(argv, {}).config;
  expect(ok(['--heartbeat-ms', String(Math.floor(MAX_TIMER_MS / 3))]).heartbeatIntervalMs).toBe(715827882);
  expect(() => ok(['--heartbeat-ms', String(Math.floor(MAX_TIMER_MS / 3) + 1)])).toThrow(ConfigError);
  expect(ok(['--grace-ms', String(MAX_TIMER_MS)]).graceMs).toBe(MAX_TIMER_MS);
  expect(() => ok(['--grace-ms', String(MAX_TIMER_MS + 1)])).toThrow(ConfigError);
});

test('startDevServer refuses the same values, webhook backoff and timeouts included, before listening', async () => {
  const refused = [
    { heartbeatIntervalMs: 800_000_000 },
    { graceMs: 3_000_000_000 },
    { webhookTimeoutMs: MAX_TIMER_MS + 1 },
    // The fifth attempt waits 8 x the base: 2^28 x 8 = 2^31 ms is one too many.
    { webhookBaseDelayMs: 2 ** 28, webhookMaxAttempts: 5 },
    { processTtlMs: 2 ** 31 },
  ];
  for (const options of refused) await expect(startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...options })).rejects.toThrow(ConfigError);
  const fits = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', webhookBaseDelayMs: 2 ** 28 - 1, webhookMaxAttempts: 5, graceMs: MAX_TIMER_MS });
  await fits.close();
});

test('--demo refuses a host others can reach unless --demo-public says it is meant', () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com']) {
    expect(() => configFromCli(['--demo', '--host', host], {})).toThrow(/--demo refuses to listen on .*public secrets.*--demo-public/);
    expect(() => configFromCli([], { WXRTC_DEMO: '1', WXRTC_HOST: host })).toThrow(ConfigError);
    expect(configFromCli(['--demo', '--host', host, '--demo-public'], {}).config).toMatchObject({ demo: true, demoPublic: true, host });
  }
  for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) {
    expect(isLoopbackHost(host)).toBe(true);
    expect(configFromCli(['--demo', '--host', host], {}).config.demo).toBe(true);
  }
  // Without --demo nothing changes (the banner warns about public development secrets instead).
  expect(configFromCli(['--host', '0.0.0.0'], {}).config.host).toBe('0.0.0.0');
});

test('npm run server -- --demo --host 0.0.0.0 exits 2 with the reason, without listening', async () => {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'server', 'main.ts'), '--demo', '--host', '0.0.0.0', '--port', '0'], {
    cwd: root,
    env: { ...process.env, WXRTC_DEMO_PUBLIC: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearTimeout(killer);
  expect(code).toBe(2);
  expect(stderr).toMatch(/--demo refuses to listen on 0\.0\.0\.0: the demo signs its users in with public secrets/);
  expect(stdout).not.toContain('signaling (socket domain)');
}, 20_000);
