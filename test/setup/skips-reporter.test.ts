// The skips reporter (scripts/jest-skips-reporter.mjs, in jest.config.js) in a real jest run over a small
// fixture project: a skipped suite and missing packages are listed after jest's summary, where a full run's
// reader sees them; a run with nothing skipped says so in one line.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const REPORTER = join(root, 'scripts', 'jest-skips-reporter.mjs');
const JEST = join(root, 'node_modules', 'jest', 'bin', 'jest.js');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxrtc-skips-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Run jest on `files` with the reporter, on a PATH where dpkg-query knows only `installed`. */
function jest(files: Record<string, string>, installed: string[], env: Record<string, string> = {}) {
  const project = join(dir, 'project');
  const bin = join(dir, 'bin');
  mkdirSync(project);
  mkdirSync(bin);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(project, name), text);
  writeFileSync(join(dir, 'installed'), `${installed.join('\n')}\n`);
  writeFileSync(join(bin, 'dpkg-query'), `#!/bin/sh\nfor pkg; do :; done\nwhile read -r line; do if [ "$line" = "$pkg" ]; then printf 'install ok installed'; exit 0; fi; done < ${join(dir, 'installed')}\nexit 1\n`);
  chmodSync(join(bin, 'dpkg-query'), 0o755);
  const config = { rootDir: project, testMatch: ['**/*.test.js'], transform: {}, reporters: ['default', REPORTER], cacheDirectory: join(dir, 'cache') };
  const result = spawnSync(process.execPath, [JEST, '--config', JSON.stringify(config), '--runInBand', '--ci'], {
    cwd: project,
    env: { PATH: bin, HOME: dir, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: result.status, stderr: result.stderr };
}

test('a skipped suite and the missing packages are listed after the summary', () => {
  const r = jest(
    {
      'runs.test.js': "test('runs', () => expect(1).toBe(1));\n",
      'needs-redis.test.js': "describe.skip('scale-out', () => { test('a', () => {}); test('b', () => {}); });\n",
      'partly.test.js': "test('one', () => {}); test.skip('two', () => {}); test.todo('three');\n",
    },
    ['chromium', 'nginx', 'libnginx-mod-rtmp'],
    { WXRTC_SKIP_REDIS: '1' },
  );
  expect(r.code).toBe(0);
  const tail = r.stderr.slice(r.stderr.indexOf('Test Suites:'));
  // After jest's own summary, the block:
  expect(tail).toContain('=== wxrtc: skipped in this run');
  expect(tail).toMatch(/needs-redis\.test\.js\s+all of 2 tests skipped/);
  expect(tail).toMatch(/partly\.test\.js\s+2 of 3 tests skipped/);
  expect(tail).not.toMatch(/runs\.test\.js/);
  expect(tail).toContain('missing ffmpeg: real RTMP streams (test/media) (sudo apt-get install -y ffmpeg; WXRTC_SKIP_MEDIA=1 skips on purpose)');
  expect(tail).toContain('missing redis-server: the scale-out suites (test/scale)');
  expect(tail).toContain('set here: WXRTC_SKIP_REDIS=1');
  // And the start of the run says it too.
  expect(r.stderr.slice(0, r.stderr.indexOf('Test Suites:'))).toContain('wxrtc: missing ffmpeg (real RTMP streams (test/media)), redis-server');
}, 60_000);

test('nothing skipped and nothing missing: one line saying so', () => {
  const r = jest({ 'runs.test.js': "test('runs', () => expect(1).toBe(1));\n" }, ['chromium', 'ffmpeg', 'redis-server', 'nginx', 'libnginx-mod-rtmp']);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/wxrtc: no test skipped \(1 test in 1 file, \d+ s\)\n$/);
  expect(r.stderr).not.toContain('skipped in this run');
}, 60_000);

test('the project runs its jest with the reporter', () => {
  expect(readFileSync(join(root, 'jest.config.js'), 'utf8')).toContain("'<rootDir>/scripts/jest-skips-reporter.mjs'");
});
