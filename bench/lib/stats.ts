// Medians and the result table: every row is one metric measured for both SDKs in the same process run.

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface Sample {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function summarize(values: readonly number[]): Sample {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values.length };
}

export interface Row {
  metric: string;
  unit: string;
  ours: Sample | number | null;
  theirs: Sample | number | null;
  /** Human-readable target, e.g. '<= 0.5x'. */
  target: string;
  /** true/false when the row has a target, null when informational, 'pending' when not measured yet. */
  met: boolean | null | 'pending';
  note?: string;
  /** What `theirs` is when it is not trtc-wx (the server rows compare against a bare `ws` server). */
  baseline?: string;
}

const valueOf = (s: Sample | number | null): number | null => (s === null ? null : typeof s === 'number' ? s : s.median);

function format(n: number | null, unit: string): string {
  if (n === null) return '-';
  if (unit === 'bytes' || unit === 'B') return Math.round(n).toLocaleString('en-US');
  if (Math.abs(n) >= 100) return n.toFixed(0);
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function cell(s: Sample | number | null, unit: string): string {
  if (s === null) return '-';
  if (typeof s === 'number') return format(s, unit);
  if (s.runs <= 1) return format(s.median, unit);
  return `${format(s.median, unit)} [${format(s.min, unit)}..${format(s.max, unit)}]`;
}

export function ratio(row: Row): number | null {
  const a = valueOf(row.ours);
  const b = valueOf(row.theirs);
  return a === null || b === null || b === 0 ? null : a / b;
}

/** One line per row, as it is measured: "1. join storm N=8: ...: ours 1.2 [1.1..1.4] ms, trtc-wx 3.0 ms, 0.40x (target <= 0.5x: yes)". */
export function renderFigures(rows: readonly Row[]): string[] {
  return rows.map((row) => {
    if (row.met === 'pending') return `${row.metric.trim()}: pending`;
    const r = ratio(row);
    const theirs = row.theirs === null ? '' : `, ${row.baseline ?? 'trtc-wx'} ${cell(row.theirs, row.unit)} ${row.unit}`;
    const versus = r === null ? '' : `, ${r.toFixed(r < 0.1 ? 3 : 2)}x`;
    const target = row.target ? ` (target ${row.target}: ${row.met ? 'yes' : 'NO'})` : '';
    return `${row.metric.trim()}: ours ${cell(row.ours, row.unit)} ${row.unit}${theirs}${versus}${target}`;
  });
}

export function renderTable(rows: readonly Row[]): string {
  const header = ['metric', 'unit', 'ours', 'trtc-wx', 'ratio', 'target', 'met?'];
  const lines = rows.map((row) => {
    const r = ratio(row);
    return [
      row.metric,
      row.unit,
      row.met === 'pending' ? 'pending' : cell(row.ours, row.unit),
      row.met === 'pending' ? 'pending' : row.baseline && row.theirs !== null ? `${cell(row.theirs, row.unit)} (${row.baseline})` : cell(row.theirs, row.unit),
      r === null ? '-' : `${r.toFixed(r < 0.1 ? 3 : 2)}x`,
      row.target || '-',
      row.met === 'pending' ? 'pending' : row.met === null ? '(info)' : row.met ? 'yes' : 'NO',
    ];
  });
  const all = [header, ...lines];
  const widths = header.map((_, i) => Math.max(...all.map((l) => l[i]!.length)));
  const fmt = (l: string[]) => `| ${l.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

/** CPU time (user + system) of `body`, in milliseconds. */
export async function cpuMs(body: () => Promise<void> | void): Promise<number> {
  const start = process.cpuUsage();
  await body();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) for (let i = 0; i < 3; i++) collect();
}
