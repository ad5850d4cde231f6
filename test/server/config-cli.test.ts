// Configuration (flags over WXRTC_* over documented defaults) and the `npm run server` CLI: it prints what a
// mini-program needs and stops cleanly on SIGTERM.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ConfigError, DEV_DEFAULTS, configFromCli, redactedRedisUrl } from '../../server/config';

test('defaults are the documented development values on loopback', () => {
  const { config, help } = configFromCli([], {});
  expect(help).toBe(false);
  expect(config).toMatchObject({
    host: '127.0.0.1',
    port: DEV_DEFAULTS.port,
    rtmpPort: 1935,
    sdkAppID: DEV_DEFAULTS.sdkAppID,
    secret: DEV_DEFAULTS.secret,
    adminKey: DEV_DEFAULTS.adminKey,
    webhookUrl: null,
    webhookAll: false,
  });
});

test('flags override the environment, which overrides the defaults', () => {
  const env = { WXRTC_PORT: '9000', WXRTC_SECRET: 'env-secret', WXRTC_SDKAPPID: '1400000001', WXRTC_WEBHOOK_ALL: '1', WXRTC_ADMIN_KEY: '' };
  const { config } = configFromCli(['--port', '0', '--admin-key', 'k', '--webhook-url', 'http://127.0.0.1:1/hook', '--rtmp-port', '1936'], env);
  expect(config).toMatchObject({ port: 0, secret: 'env-secret', sdkAppID: 1400000001, webhookAll: true, adminKey: 'k', webhookUrl: 'http://127.0.0.1:1/hook', rtmpPort: 1936 });
});

test('bad values are refused with a message', () => {
  expect(() => configFromCli(['--port', 'eighty'], {})).toThrow(ConfigError);
  expect(() => configFromCli(['--port', '70000'], {})).toThrow(/port/);
  expect(() => configFromCli(['--sdkappid', '0'], {})).toThrow(/sdkAppID/);
  expect(() => configFromCli(['--webhook-url', 'ftp://x'], {})).toThrow(/webhookUrl/);
  expect(() => configFromCli(['--nope'], {})).toThrow(ConfigError);
  expect(() => configFromCli([], { WXRTC_LOG_LEVEL: 'loud' })).toThrow(/WXRTC_LOG_LEVEL/);
});

test('Redis: --redis-url over WXRTC_REDIS_URL over REDIS_URL; with it the command line shares one nginx-rtmp', () => {
  expect(configFromCli([], {}).config).toMatchObject({ redisUrl: null, redisPrefix: 'wxrtc', media: 'auto' });
  expect(configFromCli([], { REDIS_URL: 'redis://10.0.0.1:6379' }).config).toMatchObject({ redisUrl: 'redis://10.0.0.1:6379', media: 'nginx' });
  expect(configFromCli(['--redis-url', 'redis://c:3', '--nginx-control-url', 'http://10.0.0.5:8080', '--media-base', 'rtmp://10.0.0.5/live', '--media-pull-base', 'rtmp://e1/live, rtmp://e2/live', '--nginx-edge-control-urls', 'http://e1:8080,http://e2:8080'], {}).config).toMatchObject({
    media: 'nginx',
    nginxControlUrl: 'http://10.0.0.5:8080',
    mediaPullBaseUrls: ['rtmp://e1/live', 'rtmp://e2/live'],
    nginxEdgeControlUrls: ['http://e1:8080', 'http://e2:8080'],
  });
  expect(() => configFromCli(['--media-pull-base', 'rtmp://e1/live', '--nginx-edge-control-urls', 'http://e1:8080,http://e2:8080'], {})).toThrow(/one nginx edge control url per pull base/);
  expect(() => configFromCli(['--nginx-control-url', 'ftp://x'], {})).toThrow(/nginxControlUrl/);
  expect(configFromCli([], { REDIS_URL: 'redis://a:1', WXRTC_REDIS_URL: 'redis://b:2' }).config.redisUrl).toBe('redis://b:2');
  expect(configFromCli(['--redis-url', 'rediss://c:3', '--redis-prefix', 'staging'], { WXRTC_REDIS_URL: 'redis://b:2' }).config).toMatchObject({ redisUrl: 'rediss://c:3', redisPrefix: 'staging' });
  // An explicit media choice is kept (flag or environment).
  expect(configFromCli(['--redis-url', 'redis://c:3', '--media', 'rtmp'], {}).config.media).toBe('rtmp');
  expect(configFromCli([], { REDIS_URL: 'redis://c:3', WXRTC_MEDIA: 'rtmp' }).config.media).toBe('rtmp');
  expect(() => configFromCli([], { REDIS_URL: 'http://c:3' })).toThrow(/redisUrl/);
  expect(() => configFromCli(['--redis-url', 'redis://c:3', '--redis-prefix', 'a{b}'], {})).toThrow(/redisPrefix/);
  // What the banner and the errors print never carries the password.
  expect(redactedRedisUrl('rediss://app:s3cret@redis.internal:6380/2')).toBe('rediss://app:***@redis.internal:6380/2');
  expect(redactedRedisUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
});

test('npm run server prints the mini-program settings and exits 0 on SIGTERM', async () => {
  const root = join(__dirname, '..', '..');
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'server', 'main.ts'), '--port', '0', '--log-level', 'warn'], {
    cwd: root,
    env: { ...process.env, WXRTC_SECRET: '', WXRTC_PORT: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => {
        if (stdout.includes('domain names')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`server exited early (${code}): ${stdout}`)));
    });
    expect(stdout).toMatch(/signaling \(socket domain\)\s+ws:\/\/127\.0\.0\.1:\d+\/v1\/signaling/);
    expect(stdout).toMatch(/HTTP \(request domain\)\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(stdout).toContain(`sdkAppID                    ${DEV_DEFAULTS.sdkAppID}`);
    expect(stdout).toContain('npm run usersig -- --user <userID>');
    const wsUrl = /ws:\/\/127\.0\.0\.1:\d+\/v1\/signaling/.exec(stdout)![0];
    const status = (await (await fetch(wsUrl.replace('ws://', 'http://').replace('/v1/signaling', '/'))).json()) as { signaling: string };
    expect(status.signaling).toBe(wsUrl);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    clearTimeout(killer);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}, 20_000);
