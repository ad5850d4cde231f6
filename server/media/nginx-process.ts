// Running nginx for development and tests: write a config into a temp dir, start nginx in the foreground
// (`daemon off`, so it is our child and dies with us), wait until its /stat answers, stop it (SIGTERM: fast
// shutdown, RTMP connections would hold a graceful one; then SIGKILL to its whole process group, workers too). No root: the pid file, logs and temp files are all in the dir.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killOnExit } from './kill-on-exit';

export interface NginxInstall {
  nginxPath: string;
  modulePath: string;
}

/** Why nginx-rtmp cannot run here, or null when it can (the binary runs and the module file is there). */
export function nginxMissing(install: NginxInstall): string | null {
  if (!existsSync(install.nginxPath)) return `no nginx at ${install.nginxPath} (apt-get install -y nginx libnginx-mod-rtmp)`;
  if (!existsSync(install.modulePath)) return `no nginx RTMP module at ${install.modulePath} (apt-get install -y libnginx-mod-rtmp)`;
  const probe = spawnSync(install.nginxPath, ['-v'], { stdio: 'ignore', timeout: 5_000 });
  if (probe.status !== 0) return `${install.nginxPath} -v failed`;
  return null;
}

export interface NginxProcessOptions extends NginxInstall {
  /** The config, given the dir it lives in (paths in it point there). */
  conf: (dir: string) => string;
  /** http base of its /stat, to know it is up. */
  statUrl: string;
  /** A name for messages and the temp dir. */
  name: string;
  startTimeoutMs?: number;
}

export class NginxProcess {
  readonly dir: string;
  private child: ChildProcess | null = null;
  private stderr = '';
  private exited: Promise<void> = Promise.resolve();

  constructor(private readonly options: NginxProcessOptions) {
    this.dir = mkdtempSync(join(tmpdir(), `wxrtc-nginx-${options.name}-`));
    writeFileSync(join(this.dir, 'nginx.conf'), options.conf(this.dir));
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Start and wait until /stat answers; rejects (and stops it) with what nginx said. */
  async start(): Promise<void> {
    if (this.running) return;
    const args = ['-p', this.dir, '-e', join(this.dir, 'error.log'), '-c', join(this.dir, 'nginx.conf')];
    // Its own process group, so master and workers go together even when the master is killed.
    const child = spawn(this.options.nginxPath, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    killOnExit(child, (c) => killGroup(c, 'SIGKILL'));
    this.child = child;
    this.stderr = '';
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4_000);
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    const deadline = Date.now() + (this.options.startTimeoutMs ?? 8_000);
    for (;;) {
      if (!this.running) throw new Error(`nginx (${this.options.name}) exited at start: ${this.stderr.trim() || 'no message'} (config ${join(this.dir, 'nginx.conf')})`);
      try {
        const response = await fetch(this.options.statUrl, { signal: AbortSignal.timeout(500) });
        await response.arrayBuffer();
        if (response.ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) {
        await this.stop();
        throw new Error(`nginx (${this.options.name}) did not answer on ${this.options.statUrl}: ${this.stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** Fast shutdown (SIGTERM), SIGKILL to the group after `graceMs`; resolves once it has exited. */
  async stop(graceMs = 1_500): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    // Workers of a master that was killed outright would keep the ports.
    killGroup(child, 'SIGKILL');
  }

  /** Kill at once, workers too (a crash). */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    killGroup(child, 'SIGKILL');
    await this.exited;
  }

  /** Stop, remove the temp dir. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}
