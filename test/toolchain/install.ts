// WeChat's build tools (miniprogram-ci, miniprogram-compiler) live in their own package folder with their own
// lockfile: ~300 MB that no user of wxrtc and no other test needs. The toolchain tests install them on first
// use with `npm ci` (the npm registry, or npm's cache), so a fresh clone where only the root `npm ci` ran
// needs no extra step. Two test files may ask at once (jest workers): a lock directory makes one install
// while the other waits.

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const TOOLCHAIN_DIR = __dirname;
const lockfile = join(TOOLCHAIN_DIR, 'package-lock.json');
const modules = join(TOOLCHAIN_DIR, 'node_modules');
/** Written after a complete install, holding the lockfile it installed, so a changed lockfile reinstalls. */
const stamp = join(modules, '.wxrtc-installed');
const lock = join(TOOLCHAIN_DIR, '.installing');

/** A whole install takes ~20 s from npm's cache and ~1 min from the registry on a 2-core machine. */
export const INSTALL_TIMEOUT_MS = 5 * 60_000;

function installed(): boolean {
  return existsSync(stamp) && readFileSync(stamp, 'utf8') === readFileSync(lockfile, 'utf8');
}

function npmCi(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      ['ci', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      { cwd: TOOLCHAIN_DIR, timeout: INSTALL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => (error ? reject(new Error(`npm ci in test/toolchain failed: ${error.message}\n${stderr}`)) : resolve()),
    );
  });
}

/** Install test/toolchain's packages unless the same lockfile is installed already; resolves when usable. */
export async function ensureToolchain(): Promise<void> {
  const deadline = Date.now() + INSTALL_TIMEOUT_MS + 30_000;
  while (!installed()) {
    let mine = false;
    try {
      mkdirSync(lock);
      mine = true;
    } catch {
      // Another worker installs. A lock older than any install could take is left by a killed run: take it.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > INSTALL_TIMEOUT_MS + 30_000) rmSync(lock, { recursive: true, force: true });
    }
    if (mine) {
      try {
        if (!installed()) {
          await npmCi();
          writeFileSync(stamp, readFileSync(lockfile, 'utf8'));
        }
      } finally {
        rmSync(lock, { recursive: true, force: true });
      }
      return;
    }
    if (Date.now() > deadline) throw new Error('test/toolchain: timed out waiting for another worker to install');
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** A package of test/toolchain, resolved from there (not from the root node_modules). */
export function toolchainPath(request: string): string {
  return require.resolve(request, { paths: [TOOLCHAIN_DIR] });
}
