// Printing a suite's figures so CI logs show them: plain lines on stdout (outside jest's console decoration),
// and an optional JSON line per figure set under WXRTC_FIGURES_DIR for tooling that collects them.

import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function printFigures(title: string, lines: readonly string[]): void {
  const text = [`\n=== ${title} ===`, ...lines, ''].join('\n');
  process.stdout.write(`${text}\n`);
  const dir = process.env.WXRTC_FIGURES_DIR;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    appendFileSync(join(dir, 'figures.jsonl'), `${JSON.stringify({ title, lines, at: new Date().toISOString() })}\n`);
  }
}

/** A fixed-width table: the first row is the header. */
export function table(rows: ReadonlyArray<ReadonlyArray<string | number>>): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, String(cell).length)));
  const line = (row: ReadonlyArray<string | number>) => row.map((cell, i) => String(cell).padEnd(widths[i]!)).join(' | ');
  const [header, ...body] = rows;
  if (!header) return [];
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)];
}
