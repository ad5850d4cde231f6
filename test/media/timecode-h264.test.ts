// The latency bench's timecode survives what the media path does to a picture: x264 at a low bitrate (as
// the emulated live-pusher and the web bridge encode), then a decode and a rescale to another size. Every
// frame reads back as exactly the time drawn into it, in order. Real ffmpeg, bounded in frames and time.

import { spawnSync } from 'node:child_process';
import { decodeStamp, drawStampGray } from '../../bench/lib/timecode';
import { describeMedia } from './helpers';

const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
const W = 320;
const H = 240;
const FRAMES = 45;
const T0 = 1_796_000_000_000;

describeMedia('the timecode through H.264', () => {
  test('45 frames at 100 kbps through libx264, decoded and scaled to 176x144, read back as the times drawn', () => {
    // Times 67 ms apart (15 fps), each drawn over a whole gray frame.
    const times = Array.from({ length: FRAMES }, (_, i) => T0 + i * 67 + (i % 7));
    const input = Buffer.concat(
      times.map((ms) => {
        const frame = new Uint8Array(W * H);
        drawStampGray(frame, W, H, ms);
        return frame;
      }),
    );
    const encoded = spawnSync(
      FFMPEG,
      ['-hide_banner', '-loglevel', 'error', '-f', 'rawvideo', '-pix_fmt', 'gray', '-video_size', `${W}x${H}`, '-framerate', '15', '-i', 'pipe:0',
        '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p', '-g', '15', '-b:v', '100k', '-maxrate', '100k', '-bufsize', '200k',
        '-f', 'flv', 'pipe:1'],
      { input, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
    );
    expect(encoded.status).toBe(0);
    const OW = 176;
    const OH = 144;
    const decoded = spawnSync(
      FFMPEG,
      ['-hide_banner', '-loglevel', 'error', '-f', 'flv', '-i', 'pipe:0', '-vf', `scale=${OW}:${OH}`, '-pix_fmt', 'gray', '-fps_mode', 'passthrough', '-f', 'rawvideo', 'pipe:1'],
      { input: encoded.stdout, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 },
    );
    expect(decoded.status).toBe(0);
    const size = OW * OH;
    expect(decoded.stdout.length).toBe(FRAMES * size);
    const read = Array.from({ length: FRAMES }, (_, i) => decodeStamp({ data: decoded.stdout.subarray(i * size, (i + 1) * size), width: OW, height: OH, channels: 1 }));
    expect(read).toEqual(times);
  }, 60_000);
});
