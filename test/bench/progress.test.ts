// `npm run bench` shows its figures as it measures them: a progress line per step and a `= ...` line per figure
// before the table at the end. Its quickest section (the bundle sizes) stands in for the five-minute whole.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { renderFigures, type Row } from '../../bench/lib/stats';

const root = join(__dirname, '..', '..');

test('each figure prints, with a progress line, before the table', () => {
  // 2>&1 in one pipe keeps the order in which stderr (progress) and stdout (the table) were written.
  const run = spawnSync('sh', ['-c', `"${process.execPath}" --expose-gc --import tsx bench/run.ts --only bundle --runs 1 --no-build 2>&1`], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(run.status).toBe(0);
  const out = run.stdout;
  const progress = out.indexOf('[1/1 0:');
  const figure = out.search(/ {4}= 3\. bundle: minified: ours [\d,]+ bytes, trtc-wx [\d,]+ bytes, [\d.]+x \(target <= 90 KB: (yes|NO)\)/);
  const table = out.indexOf('| metric');
  expect(out).toContain('a full run takes about 5 minutes on 2 cores');
  expect(progress).toBeGreaterThan(-1);
  expect(figure).toBeGreaterThan(progress);
  expect(table).toBeGreaterThan(figure);
  expect(out).toMatch(/= bundle: minified \+ gzip -9: ours [\d,]+ bytes/);
}, 90_000);

test('a figure line says what the table row says', () => {
  const rows: Row[] = [
    { metric: '1. storm', unit: 'ms', ours: { median: 2, min: 1, max: 3, runs: 3 }, theirs: 8, target: '<= 0.5x', met: true },
    { metric: '   server p99', unit: 'ms', ours: 12.5, theirs: null, target: '', met: null },
    { metric: '5. pending one', unit: 'ms', ours: null, theirs: null, target: '<= 50 ms', met: 'pending' },
  ];
  expect(renderFigures(rows)).toEqual(['1. storm: ours 2.00 [1.00..3.00] ms, trtc-wx 8.00 ms, 0.25x (target <= 0.5x: yes)', 'server p99: ours 12.5 ms', '5. pending one: pending']);
});

test('--help names every group --only takes, the users group (7.) among them; an unknown group is refused', () => {
  const help = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(help.status).toBe(0);
  for (const group of ['storm', 'meeting', 'bundle', 'memory', 'server', 'media', 'users', 'latency']) expect(help.stdout).toMatch(new RegExp(`^ +${group} +\\d\\.`, 'm'));
  expect(help.stdout).toMatch(/users +7\. where users are: cold start/);
  const wrong = spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--only', 'usres', '--no-build'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(wrong.status).toBe(2);
  expect(wrong.stderr).toContain('unknown --only group: usres');
}, 90_000);
