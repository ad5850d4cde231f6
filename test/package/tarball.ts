// `npm pack` of the checkout as it would be published, for the tests that install wxrtc the way a user does.
// It packs a copy (the files git tracks or would add, node_modules linked in): test/build.test.ts rebuilds
// dist/ in place, and another jest worker may run it at the same time. prepack builds inside the copy.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

export const REPO_ROOT = join(__dirname, '..', '..');

/** Pack into `dir` (a scratch directory the caller removes); returns the tarball's path. */
export function packTarball(dir: string): string {
  const stage = join(dir, 'stage');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\0');
  for (const file of files) if (file !== '' && existsSync(join(REPO_ROOT, file))) cpSync(join(REPO_ROOT, file), join(stage, file));
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(stage, 'node_modules'), 'dir');
  // The tarball's name is the last line npm prints (prepack's build output goes before it).
  const out = execFileSync('npm', ['pack', '--pack-destination', dir, '--loglevel=error'], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  return join(dir, out.trim().split('\n').pop()!);
}

/** `npm install` as a user types it, in `project`: the registry, or npm's cache when it has the package. */
export function npmInstall(project: string, specs: string[]): void {
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...specs], { cwd: project, stdio: 'pipe', timeout: 180_000 });
}
