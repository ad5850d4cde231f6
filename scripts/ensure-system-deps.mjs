#!/usr/bin/env node
// The Debian packages the test suites use, in one list, and what `npm test` (its pretest) and .ci/run do about
// them: nothing when they are there; apt-get install what is missing when this process may (root, or sudo
// without a password); otherwise ONE line saying exactly what to install, and a non-zero exit before any test
// runs. A suite's skip variable (WXRTC_SKIP_MEDIA=1 ...) excuses its package, except in CI (CI set), where
// every package is required. Node built-ins only: .ci/run calls it before `npm ci`.
//
//   node scripts/ensure-system-deps.mjs            check, install what is missing where it can
//   node scripts/ensure-system-deps.mjs --list     print the package names (one line)
//   WXRTC_NO_INSTALL=1                             never run apt-get: say what to install and stop
//   WXRTC_DEPS_AS_USER=1                           act as a non-root user even as root (tests of the sudo path)

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Each package: what uses it, the binary that shows it is there without dpkg, and the variable that skips its suites. */
export const PACKAGES = [
  { name: 'chromium', usedBy: 'the browser tests (the inspector, the call page, browsers in a room)', binary: 'chromium', skip: 'WXRTC_SKIP_BROWSER' },
  { name: 'ffmpeg', usedBy: 'real RTMP streams (test/media)', binary: 'ffmpeg', skip: 'WXRTC_SKIP_MEDIA' },
  { name: 'redis-server', usedBy: 'the scale-out suites (test/scale)', binary: 'redis-server', skip: 'WXRTC_SKIP_REDIS' },
  { name: 'nginx', usedBy: 'the nginx-rtmp media plane', binary: 'nginx', skip: 'WXRTC_SKIP_NGINX' },
  { name: 'libnginx-mod-rtmp', usedBy: 'the nginx-rtmp media plane', file: '/usr/lib/nginx/modules/ngx_rtmp_module.so', skip: 'WXRTC_SKIP_NGINX' },
];

function onPath(command, env) {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, command))) return true;
  }
  return false;
}

function runs(command, args, env) {
  if (!onPath(command, env)) return false;
  const result = spawnSync(command, args, { env, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8', timeout: 10_000 });
  return result.status === 0 ? result.stdout : false;
}

/** Installed: dpkg says so, or (a binary built elsewhere, a machine without dpkg) the binary or file is there. */
export function isInstalled(pkg, env = process.env) {
  const status = runs('dpkg-query', ['-W', '-f=${Status}', pkg.name], env);
  if (typeof status === 'string' && status.includes('install ok installed')) return true;
  if (pkg.binary) return onPath(pkg.binary, env);
  // Without dpkg-query a module file is the only sign; with it, dpkg has the last word.
  return !onPath('dpkg-query', env) && pkg.file !== undefined && existsSync(pkg.file);
}

/**
 * What to do: { action: 'none' } | { action: 'install', packages, sudo } | { action: 'stop', line }.
 * `facts` are what this machine is: { installed(pkg), env, root, apt, sudo } (sudo: passwordless sudo works).
 */
export function plan(facts) {
  const { env } = facts;
  const ci = Boolean(env.CI) && env.CI !== 'false';
  const missing = PACKAGES.filter((pkg) => !facts.installed(pkg));
  const needed = missing.filter((pkg) => ci || env[pkg.skip] !== '1');
  if (needed.length === 0) return { action: 'none', skipped: missing.map((pkg) => pkg.name) };
  const names = needed.map((pkg) => pkg.name);
  const skips = [...new Set(needed.map((pkg) => `${pkg.skip}=1`))].join(' ');
  const excuse = ci ? ' (CI is set: the suites that use them cannot be skipped)' : ` (or set ${skips} to skip the suites that use them)`;
  const allowed = env.WXRTC_NO_INSTALL !== '1';
  if (facts.apt && allowed && (facts.root || facts.sudo)) return { action: 'install', packages: names, sudo: !facts.root };
  if (facts.apt) return { action: 'stop', line: `wxrtc: npm test needs Debian packages this machine lacks; install them with:  sudo apt-get install -y ${names.join(' ')}${excuse}` };
  return { action: 'stop', line: `wxrtc: npm test needs ${names.join(', ')} (Debian package names; this machine has no apt-get): install them${excuse}` };
}

function facts(env) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0 && env.WXRTC_DEPS_AS_USER !== '1';
  const apt = onPath('apt-get', env);
  const sudo = !root && apt && onPath('sudo', env) && spawnSync('sudo', ['-n', 'true'], { env, stdio: 'ignore', timeout: 10_000 }).status === 0;
  return { env, root, apt, sudo, installed: (pkg) => isInstalled(pkg, env) };
}

function install(packages, sudo, env) {
  const run = (args) => {
    const [command, ...rest] = sudo ? ['sudo', '-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args] : ['apt-get', ...args];
    return spawnSync(command, rest, { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' }, stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
  };
  process.stdout.write(`wxrtc: installing the Debian packages npm test needs: ${packages.join(' ')}\n`);
  return run(['update', '-qq']) && run(['install', '-y', '-qq', '--no-install-recommends', ...packages]);
}

export function main(argv = process.argv.slice(2), env = process.env) {
  if (argv.includes('--list')) {
    process.stdout.write(`${PACKAGES.map((pkg) => pkg.name).join(' ')}\n`);
    return 0;
  }
  const machine = facts(env);
  const decision = plan(machine);
  if (decision.action === 'none') return 0;
  if (decision.action === 'stop') {
    process.stderr.write(`${decision.line}\n`);
    return 1;
  }
  if (!install(decision.packages, decision.sudo, env)) {
    process.stderr.write(`wxrtc: apt-get could not install ${decision.packages.join(' ')}; install them by hand:  sudo apt-get install -y ${decision.packages.join(' ')}\n`);
    return 1;
  }
  const still = decision.packages.filter((name) => !machine.installed(PACKAGES.find((pkg) => pkg.name === name)));
  if (still.length > 0) {
    process.stderr.write(`wxrtc: after apt-get, still missing: ${still.join(' ')}; install them by hand:  sudo apt-get install -y ${still.join(' ')}\n`);
    return 1;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
