// Every command the READMEs give (```bash blocks and `npm ...` spans in the prose) is exercised: run here,
// bounded, or by .ci/run, or by the named test that runs the same script. A command added to a README
// without a way to check it fails this test, and so does a command only one language has.

import { execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_DEFAULTS, verifyUserSig } from '../../server';
import { ErrorCode } from '../../src/core/errors';

const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
const ciRun = read('.ci/run');

/** Shell commands in a markdown file: each line of a bash/sh block (comments cut, `&&` split), and inline spans that start like one. */
function commandsIn(markdown: string, { inline = true } = {}): string[] {
  const commands = new Set<string>();
  for (const block of markdown.matchAll(/```(?:bash|sh|shell)\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      const code = line.replace(/(^|\s)#.*$/, '').trim();
      for (const part of code.split('&&')) if (part.trim() !== '') commands.add(part.trim());
    }
  }
  if (inline) {
    const prose = markdown.replace(/```[\s\S]*?```/g, '');
    for (const span of prose.matchAll(/`((?:npm|npx|node|apt-get) [^`]+)`/g)) commands.add(span[1]!.trim());
  }
  return [...commands].sort();
}

const english = commandsIn(read('README.md'));
const chinese = commandsIn(read('README.zh-CN.md'));

/** How each README command is checked. `run` ones are run below; the others name what runs them. */
const COVERAGE: Record<string, { by: 'ci' | 'run' | 'test'; how: string }> = {
  'npm ci': { by: 'ci', how: 'the first step of .ci/run' },
  'npm test': { by: 'ci', how: '.ci/run' },
  'npm run typecheck': { by: 'ci', how: '.ci/run' },
  'npm run build': { by: 'ci', how: '.ci/run (and test/build.test.ts, test/package/pack.test.ts through prepack)' },
  'apt-get install chromium ffmpeg redis-server nginx libnginx-mod-rtmp': {
    by: 'test',
    how: 'scripts/ensure-system-deps.mjs (npm test\'s pretest and .ci/run) installs these when missing; test/setup/ensure-system-deps.test.ts checks its decisions',
  },
  'npm start': { by: 'run', how: 'started below, urls read, stopped with Ctrl-C; the demo room itself by test/media/demo.test.ts' },
  'npm run server': { by: 'run', how: 'the same server as npm start without --demo, started below' },
  'npm run server -- --help': { by: 'run', how: 'run below' },
  'npm run server -- --redis-url redis://127.0.0.1:6379 --port 8787 --nginx-control-url http://127.0.0.1:8080 --media-base rtmp://127.0.0.1:1935/live': {
    by: 'test',
    how: 'test/scale/nginx.test.ts starts two processes with this command line (ports chosen at run time, plus an edge) on a real redis-server and nginx-rtmp',
  },
  'npm run server -- --redis-url redis://127.0.0.1:6379 --port 8788 --nginx-control-url http://127.0.0.1:8080 --media-base rtmp://127.0.0.1:1935/live': { by: 'test', how: 'the second process of the same test' },
  'npm run usersig -- --user alice': { by: 'run', how: 'run below; the sig verifies' },
  'npm run usersig -- --user web-app': { by: 'test', how: "test/call/call-page.browser.test.ts runs it and enters the demo room with what it prints, from the README's web page in chromium" },
  'npm run demo': { by: 'run', how: 'run below' },
  'npm run statecharts': { by: 'test', how: 'test/statecharts.test.ts checks statecharts/ against the same generator' },
  'npm run docs': { by: 'test', how: 'test/docs/api-docs.test.ts runs the generator' },
  'npm install wxrtc': { by: 'test', how: 'test/toolchain/build-npm.test.ts (in the example mini-program, then Build npm) and test/package/consumer.test.ts install the packed tarball so' },
  'npm run bench': { by: 'test', how: 'about 5 minutes: test/bench/progress.test.ts runs its quickest section (--only bundle), the rest only its script and entry' },
};

test('both READMEs give the same commands', () => {
  expect(chinese).toEqual(english);
});

test('every README command has a way to be checked', () => {
  const unchecked = english.filter((command) => !(command in COVERAGE));
  expect(unchecked).toEqual([]);
});

test('what .ci/run covers, it runs', () => {
  const ciLines = ciRun.split('\n').map((line) => line.trim());
  for (const [command, { by }] of Object.entries(COVERAGE)) {
    if (by !== 'ci' || command.startsWith('apt-get')) continue;
    expect([command, ciLines.some((line) => line === command || line.startsWith(`${command} `) || line.endsWith(` ${command}`))]).toEqual([command, true]);
  }
  // The package list lives in scripts/ensure-system-deps.mjs, which .ci/run runs; the README names the same.
  expect(ciRun).toContain('node scripts/ensure-system-deps.mjs');
  const packages = execFileSync(process.execPath, [join(root, 'scripts', 'ensure-system-deps.mjs'), '--list'], { encoding: 'utf8' }).trim();
  expect(english).toContain(`apt-get install ${packages}`);
});

test('the commands other tests run are the scripts those tests check', () => {
  expect(pkg.scripts.statecharts).toBe('tsx scripts/statecharts.ts');
  expect(read('scripts/statecharts.ts')).toContain("from './statechart-docs'");
  expect(read('test/statecharts.test.ts')).toContain("from '../scripts/statechart-docs'");
  expect(pkg.scripts.docs).toBe('node scripts/api-docs/run.mjs');
  expect(existsSync(join(root, 'test', 'docs', 'api-docs.test.ts'))).toBe(true);
  expect(pkg.scripts.bench).toBe('node --expose-gc --import tsx bench/run.ts');
  expect(existsSync(join(root, 'bench', 'run.ts'))).toBe(true);
  expect(pkg.scripts.start).toBe('tsx server/main.ts --demo');
  expect(read('test/media/demo.test.ts')).toMatch(/main\.ts[\s\S]*'--demo'/);
});

/** Run an npm script as a reader would type it (bounded). */
function npm(args: string[], timeout = 30_000): string {
  return execFileSync('npm', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout });
}

test('npm run usersig -- --user alice prints a userSig the dev server accepts', () => {
  const sig = npm(['run', '--silent', 'usersig', '--', '--user', 'alice']).trim();
  expect(verifyUserSig(sig, { sdkAppID: DEV_DEFAULTS.sdkAppID, secret: DEV_DEFAULTS.secret, userID: 'alice' })).toMatchObject({ ok: true });
  expect(verifyUserSig(sig, { sdkAppID: DEV_DEFAULTS.sdkAppID, secret: DEV_DEFAULTS.secret, userID: 'bob' })).toMatchObject({ ok: false, code: ErrorCode.USER_SIG_MISMATCH });
});

test('npm run server -- --help lists the flags and their WXRTC_* variables', () => {
  const help = npm(['run', '--silent', 'server', '--', '--help']);
  for (const flag of ['--port', '--secret', '--webhook-url', '--admin-key']) expect(help).toContain(flag);
  expect(help).toContain('WXRTC_PORT');
});

test('npm run demo plays a scripted trtc-wx page to the end', () => {
  const out = npm(['run', '--silent', 'demo'], 45_000);
  expect(out).toMatch(/LOCAL_JOIN/);
  expect(out).toMatch(/done: \d+ setData calls/);
}, 60_000);

/** Whether anything still listens on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// The last line each prints once it is up; the signal handlers are installed right after it.
describe.each([
  ['npm start', ['start', '--'], /join it|Demo room: off/],
  ['npm run server', ['run', 'server', '--'], /In the mini-program:(.*\n)+.*directly\./],
])('%s', (_name, args, lastLine) => {
  test('prints the urls a mini-program needs, and Ctrl-C stops everything it started', async () => {
    // --port 0 so it cannot collide with a dev server already running; --media none keeps it quick (the
    // demo room with real media is test/media/demo.test.ts). Its own process group: Ctrl-C signals the group,
    // as a terminal does, so npm, tsx and the server all get SIGINT.
    const child = spawn('npm', [...args, '--port', '0', '--rtmp-port', '0', '--media', 'none'], { cwd: root, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const groupAlive = () => {
      try {
        process.kill(-child.pid!, 0);
        return true;
      } catch {
        return false;
      }
    };
    try {
      const deadline = Date.now() + 20_000;
      while (!lastLine.test(stdout) && child.exitCode === null && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(stdout).toMatch(lastLine);
      const signaling = /signaling \(socket domain\)\s+(ws:\/\/127\.0\.0\.1:(\d+)\/v1\/signaling)/.exec(stdout);
      expect(signaling).not.toBeNull();
      expect(stdout).toMatch(/HTTP \(request domain\)\s+http:\/\/127\.0\.0\.1:\d+/);
      expect(stdout).toMatch(/inspector\s+http:\/\/127\.0\.0\.1:\d+\/inspect/);
      expect(stdout).toContain('npm run usersig -- --user <userID>');
      const port = Number(signaling![2]);
      expect(await listening(port)).toBe(true);

      process.kill(-child.pid!, 'SIGINT');
      await exited;
      const gone = Date.now() + 5_000;
      while (groupAlive() && Date.now() < gone) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(groupAlive()).toBe(false);
      expect(stderr).toContain('SIGINT: closing...');
      expect(stderr).not.toMatch(/again: exiting now|close failed/);
      expect(await listening(port)).toBe(false);
    } finally {
      if (groupAlive()) process.kill(-child.pid!, 'SIGKILL');
    }
  }, 40_000);
});

test("the example's setup commands (example/miniprogram/README.md) put the build where the pages require it", () => {
  const commands = commandsIn(read('example/miniprogram/README.md'), { inline: false });
  expect(commands).toEqual(['cp miniprogram_dist/*.js example/miniprogram/miniprogram_npm/wxrtc/', 'mkdir -p example/miniprogram/miniprogram_npm/wxrtc']);
  // Run them in a scratch tree shaped like the repository (dist is rebuilt by other tests meanwhile).
  const scratch = mkdtempSync(join(tmpdir(), 'wxrtc-example-'));
  try {
    mkdirSync(join(scratch, 'miniprogram_dist'));
    mkdirSync(join(scratch, 'example', 'miniprogram'), { recursive: true });
    for (const file of ['index.js', 'inspect.js']) writeFileSync(join(scratch, 'miniprogram_dist', file), `// ${file}\n`);
    const block = /```bash\n([\s\S]*?)```/.exec(read('example/miniprogram/README.md'))![1]!;
    execFileSync('bash', ['-euo', 'pipefail', '-c', block], { cwd: scratch, timeout: 10_000 });
    expect(readdirSync(join(scratch, 'example', 'miniprogram', 'miniprogram_npm', 'wxrtc')).sort()).toEqual(['index.js', 'inspect.js']);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
