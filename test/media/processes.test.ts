// No ffmpeg outlives what started it: a component that stops ends its process, closing the runtime ends them
// all (also when the test failed half way), and a process that exits without closing anything takes its
// ffmpeg children with it.

import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { describeMedia, ffmpegChildren, isGone, startMediaRig, until, type MediaRig } from './helpers';

describeMedia('ffmpeg processes', () => {
  let rig: MediaRig | null = null;
  afterEach(async () => {
    await rig?.close();
    rig = null;
  });

  test('a stopped component ends its ffmpeg; closing the runtime ends every one, and none is left', async () => {
    rig = await startMediaRig();
    const alice = rig.join('alice');
    const bob = rig.join('bob');
    await until(() => rig!.media.pulls().filter((s) => s.running && s.frames > 0).length === 2, 'the call did not come up', 10_000);
    const alicePush = rig.media.pushes().find((s) => s.running && s.url.includes('.YWxpY2U.'))!;
    const bobPullOfAlice = rig.media.pulls().find((s) => s.running && s.url.includes('.YWxpY2U.'))!;
    expect(ffmpegChildren().sort()).toEqual(rig.media.live().map((s) => s.pid).sort());

    // Alice leaves: her <live-pusher> stops and bob's <live-player> for her goes; so do their processes.
    alice.exit();
    await until(() => isGone(alicePush.pid!) && isGone(bobPullOfAlice.pid!), 'the stopped components left ffmpeg running', 8_000);
    expect(bob.mounted.player('alice_main')).toBeUndefined();

    const pids = rig.media.pids();
    expect(pids.length).toBeGreaterThanOrEqual(4);
    await rig.close();
    rig = null;
    expect(pids.filter((pid) => !isGone(pid))).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });

  test('a test that fails mid-call still leaves no ffmpeg once its runtime is closed', async () => {
    let pids: number[] = [];
    const scenario = async () => {
      rig = await startMediaRig();
      rig.join('alice');
      rig.join('bob');
      await until(() => rig!.media.pulls().some((s) => s.frames > 0), 'no frames', 10_000);
      pids = rig.media.live().map((s) => s.pid!);
      throw new Error('the assertion that failed');
    };
    await expect(scenario()).rejects.toThrow('the assertion that failed');
    expect(pids.length).toBeGreaterThan(0);
    // What afterEach does after a failure:
    await rig!.close();
    rig = null;
    expect(pids.filter((pid) => !isGone(pid))).toEqual([]);
    expect(ffmpegChildren()).toEqual([]);
  });

  test('a process that exits without closing its engine takes its ffmpeg with it', async () => {
    // The never-answering server lives here, so nothing but the exiting process can end its ffmpeg.
    const sockets = new Set<Socket>();
    const blackHole = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    try {
      const port = (blackHole.address() as AddressInfo).port;
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'fixtures', 'leaky-runtime.ts'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      expect(code).toBe(0);
      const pid = Number(out.trim());
      expect(pid).toBeGreaterThan(0);
      await until(() => isGone(pid), `ffmpeg ${pid} outlived the process that started it`, 3_000);
    } finally {
      // Had it leaked, hanging up ends it (EOF in the handshake).
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });
});
