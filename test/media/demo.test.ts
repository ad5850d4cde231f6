// `npm start` (server/main.ts --demo): the dev server runs its RTMP media server, a demo room's headless
// participants push and play real streams, and the printed pull url plays in an ordinary RTMP client (ffmpeg
// here, VLC or ffplay for a person). Stopping the server leaves no ffmpeg behind.

import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { RtmpMedia } from '../../src/testing/rtmp-media';
import { describeMedia, isGone, until } from './helpers';

const root = join(__dirname, '..', '..');

/** Pids of ffmpeg processes whose parent is `ppid`. */
function ffmpegChildrenOf(ppid: number): number[] {
  const out = spawnSync('ps', ['-o', 'pid=,stat=,comm=', '--ppid', String(ppid)], { encoding: 'utf8' }).stdout ?? '';
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat, comm]) => comm === 'ffmpeg' && !stat?.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

describeMedia('npm start', () => {
  test('the demo room pushes and plays real streams, and the printed pull url plays', async () => {
    // `npm start` is `tsx server/main.ts --demo`; node --import tsx keeps the demo's ffmpeg children ours to see.
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'server', 'main.ts'), '--demo', '--port', '0', '--rtmp-port', '0', '--log-level', 'warn'], {
      cwd: root,
      env: { ...process.env, WXRTC_SECRET: '', WXRTC_PORT: '', WXRTC_MEDIA: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const media = new RtmpMedia();
    try {
      await until(() => stdout.includes('watch bob') || child.exitCode !== null, 'the demo room did not print its pull urls', 12_000, () => `${stdout}\n${stderr}`);
      expect(stdout).toMatch(/RTMP urls\s+rtmp:\/\/127\.0\.0\.1:\d+\/live\/\.\.\.\s+\(media server: RTMP/);
      expect(stdout).toContain('[demo] bob: STREAM_ADDED alice');
      expect(stdout).not.toContain('did not come up');
      const url = /watch alice\s+ffplay -fflags nobuffer '([^']+)'/.exec(stdout)![1]!;
      expect(url).toMatch(/^rtmp:\/\/127\.0\.0\.1:\d+\/live\/[A-Za-z0-9_-]+\.YWxpY2U\.main\?gen=1&expires=\d+&sid=[0-9a-f-]{36}&sub=[A-Za-z0-9_-]+&sign=[0-9a-f]{64}$/);

      // A viewer outside the room plays the printed url.
      const viewer = media.pull({ url, video: true, audio: true, report: () => undefined, netStatus: () => undefined });
      await until(() => viewer.frames >= 15 && viewer.audioFrames > 0, 'the printed pull url did not play', 10_000, () => viewer.stderrTail.join('\n'));

      // The demo's participants push and play: two pushes, two plays.
      const pids = ffmpegChildrenOf(child.pid!);
      expect(pids.length).toBe(4);

      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await until(() => pids.every(isGone), 'the demo left ffmpeg running', 5_000);
    } finally {
      await media.close();
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
