// A wall-clock time burnt into a video frame as big black and white blocks, and read back after the frame has
// been through H.264, RTMP, FLV and a browser's decoder: what the latency bench (bench/latency.ts) measures
// glass to glass with. Written once for both ends: Node draws and reads gray rawvideo frames with it, and the
// bench's browser page (bench/browser/latency-page.ts, bundled by esbuild) draws it on a canvas and reads it
// from a <video>. No Node, no DOM: plain arithmetic on pixel arrays.
//
// The frame is an 8 x 8 grid of cells filling the whole picture, so a cell is 1/8 of the width and height at
// any resolution (40 x 30 px at 320 x 240). Row 0 is a fixed sync pattern (4 white, 4 black cells): it proves
// the frame carries a code at all and gives the decoder its white and black levels. Rows 1 to 6 are the 48
// bits of the time in ms (most significant first), row 7 a CRC-8 of those 6 bytes. Only the middle half of each
// cell is read, so blurred edges, scaling and chroma bleed at low bitrates do not matter; a frame without the
// sync pattern, without enough contrast or with a wrong CRC is refused (null), never misread as a time.

export const GRID = 8;
/** Row 0: white (true) and black cells in this order. */
export const SYNC: readonly boolean[] = [true, false, true, true, false, false, true, false];
export const STAMP_BITS = 48;
/** The levels drawn: inside video range (16..235), so no encoder clips them. */
export const WHITE = 224;
export const BLACK = 32;
/** Sync cells must differ by this much in brightness (0..255) for a frame to count as carrying a code. */
export const MIN_CONTRAST = 48;

const CELLS = GRID * GRID;
const MAX_STAMP = 2 ** STAMP_BITS;

/** CRC-8 (polynomial 0x07, init 0) over bytes. */
export function crc8(bytes: readonly number[]): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte & 0xff;
    for (let i = 0; i < 8; i++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** The 6 bytes of a time in ms, most significant first. */
function bytesOf(ms: number): number[] {
  const bytes: number[] = [];
  let rest = ms;
  for (let i = 0; i < STAMP_BITS / 8; i++) {
    bytes.unshift(rest % 256);
    rest = Math.floor(rest / 256);
  }
  return bytes;
}

/** The 64 cells of a code, row by row: true is white. `ms` is rounded to an integer in 0 .. 2^48-1. */
export function stampCells(ms: number): boolean[] {
  const value = Math.round(ms);
  if (!Number.isFinite(value) || value < 0 || value >= MAX_STAMP) throw new RangeError(`timecode: ${ms} is not a time in ms within 48 bits`);
  const bytes = bytesOf(value);
  const cells = [...SYNC];
  for (const byte of [...bytes, crc8(bytes)]) for (let bit = 7; bit >= 0; bit--) cells.push(((byte >> bit) & 1) === 1);
  return cells;
}

/** Where cell `index` (row * 8 + column) lies in a width x height picture, in whole pixels; the cells tile it. */
export function cellRect(index: number, width: number, height: number): { x: number; y: number; w: number; h: number } {
  const row = Math.floor(index / GRID);
  const col = index % GRID;
  const x = Math.floor((col * width) / GRID);
  const y = Math.floor((row * height) / GRID);
  return { x, y, w: Math.floor(((col + 1) * width) / GRID) - x, h: Math.floor(((row + 1) * height) / GRID) - y };
}

/** Draw the code of `ms` over a whole gray (one byte per pixel) frame. */
export function drawStampGray(frame: Uint8Array, width: number, height: number, ms: number): void {
  const cells = stampCells(ms);
  for (let i = 0; i < CELLS; i++) {
    const { x, y, w, h } = cellRect(i, width, height);
    const level = cells[i] ? WHITE : BLACK;
    for (let row = y; row < y + h; row++) frame.fill(level, row * width + x, row * width + x + w);
  }
}

/** A picture to read: `channels` bytes per pixel (1: gray, 4: RGBA as canvas getImageData gives). */
export interface Picture {
  data: ArrayLike<number>;
  width: number;
  height: number;
  channels: 1 | 4;
}

/** Mean brightness of the middle half of each cell (every second pixel each way). */
export function cellLevels(picture: Picture): number[] {
  const { data, width, height, channels } = picture;
  const levels: number[] = [];
  for (let i = 0; i < CELLS; i++) {
    const { x, y, w, h } = cellRect(i, width, height);
    const x0 = x + Math.floor(w / 4);
    const x1 = x + Math.ceil((3 * w) / 4);
    const y0 = y + Math.floor(h / 4);
    const y1 = y + Math.ceil((3 * h) / 4);
    let sum = 0;
    let n = 0;
    for (let row = y0; row < y1; row += 2) {
      for (let col = x0; col < x1; col += 2) {
        const at = (row * width + col) * channels;
        // RGBA: a luma approximation, (R + 2G + B) / 4.
        sum += channels === 1 ? data[at]! : (data[at]! + 2 * data[at + 1]! + data[at + 2]!) / 4;
        n += 1;
      }
    }
    levels.push(n ? sum / n : 0);
  }
  return levels;
}

/** The time in ms a frame carries, or null when it carries none that checks out (no sync, no contrast, bad CRC). */
export function decodeStamp(picture: Picture): number | null {
  const { width, height, channels, data } = picture;
  if (width < GRID * 2 || height < GRID * 2 || data.length < width * height * channels) return null;
  const levels = cellLevels(picture);
  const whites = SYNC.map((white, i) => (white ? levels[i]! : null)).filter((v): v is number => v !== null);
  const blacks = SYNC.map((white, i) => (white ? null : levels[i]!)).filter((v): v is number => v !== null);
  if (Math.min(...whites) - Math.max(...blacks) < MIN_CONTRAST) return null;
  const threshold = (whites.reduce((a, b) => a + b, 0) / whites.length + blacks.reduce((a, b) => a + b, 0) / blacks.length) / 2;
  const bytes: number[] = [];
  for (let b = 0; b < STAMP_BITS / 8 + 1; b++) {
    let byte = 0;
    for (let bit = 0; bit < 8; bit++) byte = (byte << 1) | (levels[GRID + b * 8 + bit]! > threshold ? 1 : 0);
    bytes.push(byte);
  }
  const check = bytes.pop()!;
  if (crc8(bytes) !== check) return null;
  return bytes.reduce((value, byte) => value * 256 + byte, 0);
}

/** Median and 95th percentile (nearest rank) of some values; null for none. */
export function percentiles(values: readonly number[]): { median: number; p95: number; min: number; max: number; count: number } | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, p95: rank(0.95), min: sorted[0]!, max: sorted[sorted.length - 1]!, count: sorted.length };
}
