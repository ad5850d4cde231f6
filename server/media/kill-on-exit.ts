// Children the dev server starts (nginx, the web bridge's ffmpeg) must not outlive it: a process that exits
// without closing them (a crash, process.exit in a test) would leave them holding ports and CPU.

import type { ChildProcess } from 'node:child_process';

const running = new Map<ChildProcess, (child: ChildProcess) => void>();
let exitHookInstalled = false;

/** Kills `child` with `kill` (default SIGKILL) if this process exits while it still runs. */
export function killOnExit(child: ChildProcess, kill: (child: ChildProcess) => void = (c) => c.kill('SIGKILL')): void {
  running.set(child, kill);
  child.once('exit', () => running.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const [c, killIt] of running) killIt(c);
  });
}
