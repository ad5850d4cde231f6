// The latency group's rows (bench/latency.ts): what `npm run bench -- --only latency` prints from what it
// measured. The measuring itself needs chromium and ffmpeg for minutes and runs only in the bench.

import { latencyRows, type Direction, type LatencyResult } from '../../bench/latency';
import { renderFigures } from '../../bench/lib/stats';

const dir = (label: string, samples: number[], sessionMedians: number[], failures: string[] = []): Direction => ({
  label,
  samples,
  sessionMedians,
  frames: samples.length + 3,
  unreadable: 1,
  repeats: 2,
  failures,
});

const result = (directions: Direction[]): LatencyResult => ({
  directions,
  offsets: [{ offsetMs: 1.25, roundTripMs: 2 }],
  browserCodec: 'h264',
  sessions: 3,
  seconds: 10,
  loadBefore: [3.5, 2, 1],
  loadAfter: [4, 2.5, 1.25],
});

test('a median row (pooled frames, the sessions\' range) and a p95 row per direction; the 1.5 s target only on the browser ones', () => {
  const fast = Array.from({ length: 100 }, (_, i) => 50 + i); // median 99.5, p95 144
  const slow = Array.from({ length: 100 }, (_, i) => 1_450 + i); // median 1499.5
  const slower = Array.from({ length: 100 }, (_, i) => 1_460 + i); // median 1509.5
  const { rows, notes } = latencyRows(
    result([
      dir('mini-program -> mini-program', fast, [90, 110]),
      dir('mini-program -> browser', slow, [1_400, 1_600]),
      dir('browser -> mini-program', slower, [1_500, 1_520]),
    ]),
  );
  expect(rows.map((r) => r.metric)).toEqual([
    '8. latency, mini-program -> mini-program: median of 100 frames, 2 sessions',
    '   mini-program -> mini-program: p95',
    '   mini-program -> browser: median of 100 frames, 2 sessions',
    '   mini-program -> browser: p95',
    '   browser -> mini-program: median of 100 frames, 2 sessions',
    '   browser -> mini-program: p95',
  ]);
  expect(rows[0]).toMatchObject({ ours: { median: 99.5, min: 90, max: 110, runs: 2 }, target: '', met: null });
  expect(rows[1]).toMatchObject({ ours: 144, met: null });
  expect(rows[2]).toMatchObject({ ours: { median: 1_499.5 }, target: '<= 1500 ms', met: true });
  expect(rows[4]).toMatchObject({ ours: { median: 1_509.5 }, target: '<= 1500 ms', met: false });
  expect(renderFigures(rows)[2]).toBe('mini-program -> browser: median of 100 frames, 2 sessions: ours 1500 [1400..1600] ms (target <= 1500 ms: yes)');
  expect(notes.join('\n')).toMatch(/load average before 3\.50 2\.00 1\.00, after 4\.00 2\.50 1\.25/);
  expect(notes.join('\n')).toMatch(/chromium's clock - node's clock, per session: 1\.3 ms \(round trip 2 ms\)/);
  expect(notes.join('\n')).toMatch(/sent h264 \(the bridge passes it through\)/);
});

test('a direction that measured nothing is a pending row with its reason in the notes, not a met target', () => {
  const { rows, notes } = latencyRows(
    result([dir('mini-program -> mini-program', [70, 80], [75]), dir('mini-program -> browser', [], [], ['the browser read no timecode within 30 s']), dir('browser -> mini-program', [400], [400])]),
  );
  const pending = rows.find((r) => r.metric.includes('mini-program -> browser'))!;
  expect(pending).toMatchObject({ ours: null, target: '<= 1500 ms', met: 'pending' });
  expect(rows.filter((r) => r.met === true)).toHaveLength(1);
  expect(notes).toContain('latency mini-program -> browser: not measured: the browser read no timecode within 30 s');
});
