// The call quality panel's sparklines (server/inspector/sparkline.ts): numbers only become coordinates inside
// the box, missing or ill-typed values break the line instead of drawing zeros, and nothing from a sample can
// become markup.

import { sparklineRuns, sparklineSvg } from '../../server/inspector/sparkline';

test('values map into the box, oldest left, the largest at the top', () => {
  const [run] = sparklineRuns([0, 50, 100], { width: 100, height: 22 });
  expect(run).toBe('0.0,21.0 50.0,11.0 100.0,1.0');
});

test('a missing, NaN, negative or string value breaks the line into runs', () => {
  expect(sparklineRuns([1, 2, undefined, 3, 4, Number.NaN, -1, '5', 6], { width: 80, height: 10 })).toHaveLength(3);
  expect(sparklineRuns([undefined, null, 'x'])).toEqual([]);
});

test('a fixed max clips bigger values to the top; a single value is a dot', () => {
  const [run] = sparklineRuns([5, 500], { width: 10, height: 12, max: 10 });
  expect(run!.split(' ')[1]).toBe('10.0,1.0');
  const svg = sparklineSvg([7], 'fps');
  expect(svg).toContain('<circle');
  expect(svg).not.toContain('<polyline');
});

test('the svg carries only numbers and a known metric name', () => {
  const svg = sparklineSvg([1, 2, 3], 'bitrate');
  expect(svg).toMatch(/^<svg class="spark" data-metric="bitrate" data-points="3"/);
  expect(svg.match(/<polyline/g)).toHaveLength(1);
  const hostile = sparklineSvg(['<script>', '"><img onerror=1>', 3] as unknown[], '"><script>');
  expect(hostile).not.toMatch(/script|onerror|<img/);
  expect(hostile).toContain('data-metric="value"');
});
