// The latency bench's timecode (bench/lib/timecode.ts): a time drawn as blocks reads back as the same time, at
// other sizes, in RGBA, under noise and blur; and a frame that does not carry a valid code reads as null, never
// as some other time.

import { BLACK, cellRect, crc8, decodeStamp, drawStampGray, GRID, percentiles, stampCells, WHITE, type Picture } from '../../bench/lib/timecode';
import { mulberry32 } from '../helpers/prng';

const gray = (width: number, height: number, ms: number): Picture & { data: Uint8Array } => {
  const data = new Uint8Array(width * height);
  drawStampGray(data, width, height, ms);
  return { data, width, height, channels: 1 };
};

const NOW = 1_796_000_000_000; // a time in late 2026, in ms

test('a time round-trips through a gray frame at several sizes, and 0 and 2^48-1 are in range', () => {
  for (const [w, h] of [
    [320, 240],
    [640, 360],
    [100, 75],
    [33, 17],
  ] as const) {
    for (const ms of [NOW, NOW + 1, NOW + 999, 0, 2 ** 48 - 1, 123_456_789]) expect(decodeStamp(gray(w, h, ms))).toBe(ms);
  }
});

test('fractional ms round to the nearest ms; out-of-range times are refused when drawing', () => {
  expect(decodeStamp(gray(320, 240, NOW + 0.6))).toBe(NOW + 1);
  expect(() => stampCells(-1)).toThrow(RangeError);
  expect(() => stampCells(2 ** 48)).toThrow(RangeError);
  expect(() => stampCells(Number.NaN)).toThrow(RangeError);
});

test('the cells tile the whole frame without gaps or overlaps', () => {
  for (const [w, h] of [
    [320, 240],
    [33, 17],
  ] as const) {
    const covered = new Uint8Array(w * h);
    for (let i = 0; i < GRID * GRID; i++) {
      const { x, y, w: cw, h: ch } = cellRect(i, w, h);
      for (let row = y; row < y + ch; row++) for (let col = x; col < x + cw; col++) covered[row * w + col]! += 1;
    }
    expect([...covered].every((n) => n === 1)).toBe(true);
  }
});

test('an RGBA picture (what canvas getImageData gives) reads like the gray one', () => {
  const { data, width, height } = gray(320, 240, NOW);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = data[i]!;
    rgba[i * 4 + 1] = data[i]!;
    rgba[i * 4 + 2] = data[i]!;
    rgba[i * 4 + 3] = 255;
  }
  expect(decodeStamp({ data: rgba, width, height, channels: 4 })).toBe(NOW);
});

test('heavy noise, a blur, washed-out levels and a rescale still read the right time', () => {
  const random = mulberry32(16);
  for (let k = 0; k < 20; k++) {
    const ms = NOW + Math.floor(random() * 10_000_000);
    const { data, width, height } = gray(320, 240, ms);
    // Uniform noise of +-60 on every pixel.
    const noisy = data.map((v) => Math.max(0, Math.min(255, v + Math.round((random() - 0.5) * 120))));
    expect(decodeStamp({ data: noisy, width, height, channels: 1 })).toBe(ms);
    // Levels squeezed towards gray (white 160, black 96: a contrast of 64).
    const washed = data.map((v) => Math.round(96 + ((v - BLACK) * 64) / (WHITE - BLACK)));
    expect(decodeStamp({ data: washed, width, height, channels: 1 })).toBe(ms);
    // Scaled to 1.5x with nearest neighbour (a player's <video> at another size).
    const W = 480;
    const H = 360;
    const scaled = new Uint8Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) scaled[y * W + x] = data[Math.floor((y * height) / H) * width + Math.floor((x * width) / W)]!;
    expect(decodeStamp({ data: scaled, width: W, height: H, channels: 1 })).toBe(ms);
    // A 9-pixel box blur (what a low bitrate does to edges), on every tenth frame (it is the slow part).
    if (k % 10 !== 0) continue;
    const blurred = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        let sum = 0;
        let n = 0;
        for (let dy = -4; dy <= 4; dy++) for (let dx = -4; dx <= 4; dx++) {
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= height || xx < 0 || xx >= width) continue;
          sum += data[yy * width + xx]!;
          n++;
        }
        blurred[y * width + x] = Math.round(sum / n);
      }
    }
    expect(decodeStamp({ data: blurred, width, height, channels: 1 })).toBe(ms);
  }
});

test('garbage reads as null: random pixels, flat frames, random blocks, too little contrast, too small a picture', () => {
  const random = mulberry32(7);
  const W = 64;
  const H = 48;
  for (let k = 0; k < 500; k++) {
    const data = new Uint8Array(W * H).map(() => Math.floor(random() * 256));
    expect(decodeStamp({ data, width: W, height: H, channels: 1 })).toBeNull();
  }
  for (const level of [0, 128, 255]) expect(decodeStamp({ data: new Uint8Array(W * H).fill(level), width: W, height: H, channels: 1 })).toBeNull();
  // Random black and white blocks with the right sync row: only the CRC stands between them and a wrong time.
  let accepted = 0;
  for (let k = 0; k < 2000; k++) {
    const { data } = gray(W, H, NOW);
    for (let i = GRID; i < GRID * GRID; i++) {
      const { x, y, w, h } = cellRect(i, W, H);
      const level = random() < 0.5 ? WHITE : BLACK;
      for (let row = y; row < y + h; row++) data.fill(level, row * W + x, row * W + x + w);
    }
    if (decodeStamp({ data, width: W, height: H, channels: 1 }) !== null) accepted++;
  }
  // A CRC-8 lets about 1 in 256 through; far more would mean it is not checked.
  expect(accepted).toBeLessThan(30);
  // A valid code squeezed below the contrast floor.
  const { data } = gray(W, H, NOW);
  const flat = data.map((v) => (v === WHITE ? 140 : 116));
  expect(decodeStamp({ data: flat, width: W, height: H, channels: 1 })).toBeNull();
  expect(decodeStamp({ data: new Uint8Array(10 * 10), width: 10, height: 10, channels: 1 })).toBeNull();
  // A picture whose buffer is shorter than it claims.
  expect(decodeStamp({ data: new Uint8Array(W * H - 1), width: W, height: H, channels: 1 })).toBeNull();
});

test('one flipped data or check cell, or a broken sync row, is refused rather than misread', () => {
  const W = 80;
  const H = 80;
  for (let i = 0; i < GRID * GRID; i++) {
    const { data } = gray(W, H, NOW);
    const { x, y, w, h } = cellRect(i, W, H);
    const level = data[(y + (h >> 1)) * W + x + (w >> 1)] === WHITE ? BLACK : WHITE;
    for (let row = y; row < y + h; row++) data.fill(level, row * W + x, row * W + x + w);
    expect(decodeStamp({ data, width: W, height: H, channels: 1 })).toBeNull();
  }
});

test('crc8 is the 0x07 polynomial (check value of "123456789" is 0xF4) and percentiles use nearest rank', () => {
  expect(crc8([...'123456789'].map((c) => c.charCodeAt(0)))).toBe(0xf4);
  const values = Array.from({ length: 100 }, (_, i) => 100 - i);
  expect(percentiles(values)).toEqual({ median: 50.5, p95: 95, min: 1, max: 100, count: 100 });
  expect(percentiles([7])).toEqual({ median: 7, p95: 7, min: 7, max: 7, count: 1 });
  expect(percentiles([])).toBeNull();
});
