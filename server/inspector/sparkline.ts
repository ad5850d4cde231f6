// Small inline SVG line graphs for the /inspect page's call quality panel: one per stream and figure (bitrate,
// fps, loss). Pure string building from numbers only (nothing from a client is ever text in the SVG), so it is
// unit-tested on Node and safe to set as innerHTML.

export interface SparklineOptions {
  width?: number;
  height?: number;
  /** The value the top of the graph stands for; default the largest value (at least 1). */
  max?: number;
}

/** Polyline points for the finite values, oldest left; a missing value breaks the line into runs. */
export function sparklineRuns(values: readonly unknown[], options: SparklineOptions = {}): string[] {
  const width = options.width ?? 200;
  const height = options.height ?? 28;
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0);
  const max = options.max ?? Math.max(1, ...finite);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const runs: string[] = [];
  let run: string[] = [];
  values.forEach((value, i) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      if (run.length > 0) runs.push(run.join(' '));
      run = [];
      return;
    }
    const x = values.length > 1 ? i * step : width / 2;
    const y = height - 1 - (Math.min(value, max) / max) * (height - 2);
    run.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  });
  if (run.length > 0) runs.push(run.join(' '));
  return runs;
}

/** The graph as SVG text: a baseline and one polyline per run of values (a single value is a dot). */
export function sparklineSvg(values: readonly unknown[], metric: string, options: SparklineOptions = {}): string {
  const width = options.width ?? 200;
  const height = options.height ?? 28;
  const safeMetric = /^[a-z-]{1,20}$/.test(metric) ? metric : 'value';
  const runs = sparklineRuns(values, options);
  const lines = runs
    .map((points) =>
      points.includes(' ')
        ? `<polyline points="${points}" fill="none" stroke-width="1.5" />`
        : `<circle cx="${points.split(',')[0]}" cy="${points.split(',')[1]}" r="1.5" />`,
    )
    .join('');
  return (
    `<svg class="spark" data-metric="${safeMetric}" data-points="${values.length}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img">` +
    `<line x1="0" y1="${height - 0.5}" x2="${width}" y2="${height - 0.5}" class="base" />${lines}</svg>`
  );
}
