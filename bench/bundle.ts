// Benchmark 3, bundle size: ours (dist/trtc-wx.js, the drop-in file build.mjs makes) and Tencent's
// trtc-wx.js, both minified and gzipped the same way here, plus what our bundle is made of.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, transform } from 'esbuild';
import { ROOT } from './lib/sdk';

export interface BundleSize {
  file: string;
  minified: number;
  gzip: number;
}

/** Rebuild with the project's own build so the numbers describe the source as it is now. */
export function rebuild(): void {
  const result = spawnSync(process.execPath, ['build.mjs'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`node build.mjs failed:\n${result.stdout}\n${result.stderr}`);
}

export async function sizeOf(file: string): Promise<BundleSize> {
  const code = readFileSync(file, 'utf8');
  // The same minifier and settings for both files (trtc-wx.js ships minified already; ours too), at the
  // target build.mjs gives the mini-program files (a lower one would re-lower our object spreads).
  const minified = (await transform(code, { minify: true, target: 'es2018', format: 'cjs', legalComments: 'none' })).code;
  return { file, minified: Buffer.byteLength(minified), gzip: gzipSync(minified, { level: 9 }).length };
}

export async function bundleSizes(): Promise<{ ours: BundleSize; theirs: BundleSize }> {
  const ours = process.env.BENCH_OURS_FILE ?? join(ROOT, 'dist/trtc-wx.js');
  if (!existsSync(ours)) throw new Error(`${ours} is missing`);
  return { ours: await sizeOf(ours), theirs: await sizeOf(require.resolve('trtc-wx-sdk/trtc-wx.js', { paths: [ROOT] })) };
}

/** Bytes each input contributes to the minified drop-in, biggest first (the same entry and settings as build.mjs). */
export async function composition(): Promise<Array<{ input: string; bytes: number }>> {
  const result = await build({
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    stdin: { contents: "module.exports = require('./src/trtc.ts').TRTC;\n", resolveDir: ROOT, sourcefile: 'trtc-wx-entry.js', loader: 'js' },
    format: 'cjs',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    // build.mjs's MINIPROGRAM settings.
    target: 'es2018',
    conditions: ['module'],
    minify: true,
  });
  const output = Object.values(result.metafile.outputs)[0]!;
  return Object.entries(output.inputs)
    .map(([input, meta]) => ({ input, bytes: meta.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
}
