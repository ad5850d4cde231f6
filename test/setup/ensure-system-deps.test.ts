// scripts/ensure-system-deps.mjs, npm test's pretest and .ci/run's first step, decides on a machine it is told
// about through a fake PATH: stub dpkg-query, apt-get and sudo record what they were asked and install nothing.
// Nothing here runs the real apt-get (sudo is a stub too, so its secure_path can never reach the real one).

import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const SCRIPT = join(root, 'scripts', 'ensure-system-deps.mjs');
const ALL = ['chromium', 'ffmpeg', 'redis-server', 'nginx', 'libnginx-mod-rtmp'];

interface Machine {
  /** Packages dpkg reports installed (null: no dpkg-query on the machine). */
  installed: string[] | null;
  apt?: boolean;
  /** sudo on the PATH: 'nopasswd' runs commands, 'password' refuses -n; absent: no sudo. */
  sudo?: 'nopasswd' | 'password';
  /** Binaries on the PATH besides the stubs (for a machine without dpkg). */
  binaries?: string[];
  aptFails?: boolean;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wxrtc-deps-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function stub(name: string, body: string): void {
  const file = join(dir, 'bin', name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
}

/** Build the fake machine and run the script on it; returns its exit code, output, and every stub call. */
function run(machine: Machine, env: Record<string, string> = {}, args: string[] = []) {
  const bin = join(dir, 'bin');
  spawnSync('mkdir', ['-p', bin]);
  const state = join(dir, 'installed');
  const log = join(dir, 'calls');
  writeFileSync(state, `${(machine.installed ?? []).join('\n')}\n`);
  writeFileSync(log, '');
  // Shell built-ins only (the PATH holds nothing else): `read` the state file line by line.
  if (machine.installed !== null) {
    stub('dpkg-query', `echo "dpkg-query $*" >> ${log}\nfor pkg; do :; done\nwhile read -r line; do if [ "$line" = "$pkg" ]; then printf 'install ok installed'; exit 0; fi; done < ${state}\nexit 1`);
  }
  if (machine.apt !== false) {
    stub(
      'apt-get',
      `echo "apt-get $* DEBIAN_FRONTEND=$DEBIAN_FRONTEND" >> ${log}\n${machine.aptFails ? 'exit 100' : ''}\nif [ "$1" = install ]; then for pkg; do case "$pkg" in -*|install) ;; *) echo "$pkg" >> ${state};; esac; done; fi\nexit 0`,
    );
  }
  if (machine.sudo === 'nopasswd') {
    stub('sudo', `echo "sudo $*" >> ${log}\n[ "$1" = -n ] && shift\nexec "$@"`);
    for (const tool of ['env', 'true']) symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
  }
  if (machine.sudo === 'password') stub('sudo', `echo "sudo $*" >> ${log}\necho 'sudo: a password is required' >&2\nexit 1`);
  for (const binary of machine.binaries ?? []) stub(binary, 'exit 0');
  const result = spawnSync(process.execPath, [SCRIPT, ...args], { env: { PATH: bin, ...env }, encoding: 'utf8', timeout: 20_000 });
  const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, calls, installedAfter: readFileSync(state, 'utf8').split('\n').filter(Boolean) };
}

const aptCalls = (calls: string[]) => calls.filter((c) => c.startsWith('apt-get'));

test('everything installed: nothing to do, nothing printed, no apt-get', () => {
  const r = run({ installed: ALL });
  expect(r.code).toBe(0);
  expect(r.stdout + r.stderr).toBe('');
  expect(aptCalls(r.calls)).toEqual([]);
});

test('as root with apt-get, what is missing is installed (and only that), non-interactively', () => {
  const r = run({ installed: ['chromium', 'nginx', 'libnginx-mod-rtmp'] });
  expect(r.code).toBe(0);
  expect(aptCalls(r.calls)).toEqual(['apt-get update -qq DEBIAN_FRONTEND=noninteractive', 'apt-get install -y -qq --no-install-recommends ffmpeg redis-server DEBIAN_FRONTEND=noninteractive']);
  expect(r.stdout).toBe('wxrtc: installing the Debian packages npm test needs: ffmpeg redis-server\n');
  expect(r.calls.some((c) => c.startsWith('sudo'))).toBe(false);
});

test('as a user with passwordless sudo, it installs through sudo -n', () => {
  const r = run({ installed: ALL.filter((p) => p !== 'libnginx-mod-rtmp'), sudo: 'nopasswd' }, { WXRTC_DEPS_AS_USER: '1' });
  expect(r.code).toBe(0);
  expect(r.calls.filter((c) => c.startsWith('sudo'))).toEqual([
    'sudo -n true',
    'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get update -qq',
    'sudo -n env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libnginx-mod-rtmp',
  ]);
  expect(r.installedAfter).toContain('libnginx-mod-rtmp');
});

test('as a user whose sudo wants a password: one line saying exactly what to install, exit 1, no apt-get', () => {
  const r = run({ installed: ['nginx', 'libnginx-mod-rtmp', 'chromium'], sudo: 'password' }, { WXRTC_DEPS_AS_USER: '1' });
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  expect(r.stderr.split('\n').filter(Boolean)).toEqual([
    'wxrtc: npm test needs Debian packages this machine lacks; install them with:  sudo apt-get install -y ffmpeg redis-server (or set WXRTC_SKIP_MEDIA=1 WXRTC_SKIP_REDIS=1 to skip the suites that use them)',
  ]);
  expect(aptCalls(r.calls)).toEqual([]);
});

test('as a user without sudo at all: the same one line', () => {
  const r = run({ installed: ALL.filter((p) => p !== 'chromium') }, { WXRTC_DEPS_AS_USER: '1' });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^wxrtc: npm test needs Debian packages this machine lacks; install them with: {2}sudo apt-get install -y chromium \(or set WXRTC_SKIP_BROWSER=1 to skip/);
  expect(aptCalls(r.calls)).toEqual([]);
});

test('WXRTC_NO_INSTALL=1 never runs apt-get, even as root', () => {
  const r = run({ installed: [] }, { WXRTC_NO_INSTALL: '1' });
  expect(r.code).toBe(1);
  expect(r.stderr).toContain(`sudo apt-get install -y ${ALL.join(' ')} (or set WXRTC_SKIP_BROWSER=1 WXRTC_SKIP_MEDIA=1 WXRTC_SKIP_REDIS=1 WXRTC_SKIP_NGINX=1`);
  expect(aptCalls(r.calls)).toEqual([]);
});

test("a suite's skip variable excuses its package outside CI; in CI nothing is excused", () => {
  const excused = run({ installed: ['chromium', 'redis-server', 'nginx', 'libnginx-mod-rtmp'], sudo: 'password' }, { WXRTC_DEPS_AS_USER: '1', WXRTC_SKIP_MEDIA: '1' });
  expect([excused.code, excused.stderr]).toEqual([0, '']);
  const ci = run({ installed: ['chromium', 'redis-server', 'nginx', 'libnginx-mod-rtmp'], sudo: 'password' }, { WXRTC_DEPS_AS_USER: '1', WXRTC_SKIP_MEDIA: '1', CI: 'true' });
  expect(ci.code).toBe(1);
  expect(ci.stderr).toContain('sudo apt-get install -y ffmpeg (CI is set: the suites that use them cannot be skipped)');
  // In CI as root the package is installed, skip variable or not.
  const ciRoot = run({ installed: ['chromium', 'redis-server', 'nginx', 'libnginx-mod-rtmp'] }, { WXRTC_SKIP_MEDIA: '1', CI: 'true' });
  expect(ciRoot.code).toBe(0);
  expect(aptCalls(ciRoot.calls)[1]).toMatch(/install -y -qq --no-install-recommends ffmpeg /);
});

test('apt-get failing is one line with the command to run by hand, exit 1', () => {
  const r = run({ installed: ALL.filter((p) => p !== 'ffmpeg'), aptFails: true });
  expect(r.code).toBe(1);
  expect(r.stderr.split('\n').filter(Boolean)).toEqual(['wxrtc: apt-get could not install ffmpeg; install them by hand:  sudo apt-get install -y ffmpeg']);
});

test('a machine without dpkg or apt-get: binaries on the PATH count, and the line names what is missing', () => {
  const r = run({ installed: null, apt: false, binaries: ['chromium', 'ffmpeg', 'nginx'] });
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^wxrtc: npm test needs redis-server(, libnginx-mod-rtmp)? \(Debian package names; this machine has no apt-get\): install them/);
  // A Debian machine where ffmpeg came from elsewhere (FFMPEG on the PATH, dpkg does not know it) is fine too.
  const own = run({ installed: ['chromium', 'redis-server', 'nginx', 'libnginx-mod-rtmp'], binaries: ['ffmpeg'] });
  expect([own.code, aptCalls(own.calls)]).toEqual([0, []]);
});

test('npm test runs it first, .ci/run runs it before anything else, and the list lives only in the script', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  expect(pkg.scripts.pretest).toBe('node scripts/ensure-system-deps.mjs');
  const ci = readFileSync(join(root, '.ci', 'run'), 'utf8');
  const commands = ci.split('\n').filter((line) => line.trim() !== '' && !line.trim().startsWith('#'));
  const first = commands.findIndex((line) => line.includes('scripts/ensure-system-deps.mjs'));
  expect(first).toBeGreaterThan(-1);
  expect(first).toBeLessThan(commands.findIndex((line) => line.includes('npm ci')));
  expect(ci).not.toMatch(/apt-get install/);
  expect(existsSync(SCRIPT)).toBe(true);
  const listed = spawnSync(process.execPath, [SCRIPT, '--list'], { encoding: 'utf8' }).stdout.trim();
  expect(listed).toBe(ALL.join(' '));
});
