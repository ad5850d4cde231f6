// `npm run bench`: ours against Tencent's trtc-wx.js, each pair measured in this one process run (memory and
// the server in child processes), alternating which goes first, medians of several runs after a warm-up.
// Flags: --runs N (default 5), --only storm,meeting,bundle,memory,server,media,users,latency, --no-build, --help.
// BENCH_OURS_FILE=<file> measures another build of ours instead of dist/trtc-wx.js (a what-if: another
// esbuild target, say).

import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { bundleSizes, composition, rebuild } from './bundle';
import { joinStormSample, repetitionsFor, type StormResult } from './join-storm';
import { meetingScript, runMeeting, type MeetingResult } from './meeting';
import { ROOT, type SdkName, type Sync } from './lib/sdk';
import { renderFigures, renderTable, summarize, type Row, type Sample } from './lib/stats';
import { REDIS_SERVER } from '../test/scale/helpers/redis';
import { serverBench, type ServerResult } from './server';
import { mediaFanoutRows } from './media-fanout';
import { USERS_STEPS, usersRows } from './users';
import { latencyAvailable, latencyRows, measureLatency } from './latency';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(flag('--runs') ?? 5);
const GROUPS = ['storm', 'meeting', 'bundle', 'memory', 'server', 'media', 'users', 'latency'] as const;
const ONLY = new Set((flag('--only') ?? GROUPS.join(',')).split(','));

const HELP = `npm run bench -- [--runs N] [--only group,group...] [--no-build]

  --runs N     samples per metric (default 5; memory and server take at most 3)
  --only ...   run only these groups (default: all):
                 storm    1. join storm, N = 8, 50, 300
                 meeting  2. a 10-minute 8-person meeting: setData traffic and CPU
                 bundle   3. minified and gzipped size of dist/trtc-wx.js
                 memory   4. heap per player and per room (fresh processes)
                 server   5. the dev server with 2008 clients, against a bare ws server (and 2 processes + Redis)
                 media    6. media fan-out through nginx-rtmp
                 users    7. where users are: cold start, 1v1 and 4-person calls (normal and --jitless),
                            steady state (minutes 20-30) of 1v1 / 4p / 8p calls, exitRoom at 8 / 50 / 299
                            players (a full room); a fresh process per sample
                 latency  8. glass-to-glass on loopback, timecodes burnt into the frames: mini-program ->
                            mini-program, mini-program -> browser and browser -> mini-program (chromium,
                            dist/wxrtc-web.js, the web media bridge); median and p95, 3 sessions of 10 s each
  --no-build   measure dist/trtc-wx.js as it is (no node build.mjs first)
  BENCH_OURS_FILE=<file>  measure another build of ours instead of dist/trtc-wx.js`;

if (args.includes('--help') || args.includes('-h')) {
  console.log(HELP);
  process.exit(0);
}
const unknownGroups = [...ONLY].filter((g) => !(GROUPS as readonly string[]).includes(g));
if (unknownGroups.length) {
  console.error(`unknown --only group: ${unknownGroups.join(', ')}\n\n${HELP}`);
  process.exit(2);
}
const KB = 1024;

type Variant = { sdk: SdkName; sync: Sync };
const OURS: Variant = { sdk: 'ours', sync: 'bindPage' };
const OURS_WHOLE: Variant = { sdk: 'ours', sync: 'documented' };
const THEIRS: Variant = { sdk: 'trtc-wx', sync: 'documented' };

/**
 * One warm-up run of each variant, then `runs` rounds; each round runs every variant once, and the variant
 * that goes first rotates, so drift on a noisy machine (other processes, CPU boost) falls on all of them alike.
 */
async function alternate<T>(variants: readonly Variant[], runs: number, measure: (v: Variant) => Promise<T>, warmUp = true): Promise<T[][]> {
  if (warmUp) for (const v of variants) await measure(v);
  if (warmUp) round('warm-up done');
  const results: T[][] = variants.map(() => []);
  for (let round_ = 0; round_ < runs; round_++) {
    for (let k = 0; k < variants.length; k++) {
      const i = (k + round_) % variants.length;
      results[i]!.push(await measure(variants[i]!));
    }
    round(`run ${round_ + 1} of ${runs} done`);
  }
  return results;
}

const startedAt = Date.now();
/** Steps of this run (a section counts its sizes or phases), so each progress line says how far along it is. */
let stepsTotal = 0;
let stepsDone = 0;

function elapsed(): string {
  const s = Math.round((Date.now() - startedAt) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

/** Within a step: one line per round, so a long step still shows it is moving. */
function round(message: string): void {
  process.stderr.write(`      ${message} (${elapsed()})\n`);
}

/** A progress line at the start of a step: "[3/12 1:05] join storm N=300 ...". */
function step(message: string): void {
  stepsDone += 1;
  process.stderr.write(`[${stepsDone}/${stepsTotal} ${elapsed()}] ${message}\n`);
}

/** Each figure as soon as it is measured (the table at the end repeats them all, aligned). */
function figures(rows: readonly Row[]): Row[] {
  for (const line of renderFigures(rows)) process.stderr.write(`    = ${line}\n`);
  return [...rows];
}

async function stormRows(): Promise<Row[]> {
  const rows: Row[] = [];
  for (const n of [8, 50, 300]) {
    step(`join storm N=${n} (${repetitionsFor(n)} rooms per sample, ${RUNS} runs)`);
    const [ours, whole, theirs] = (await alternate([OURS, OURS_WHOLE, THEIRS], RUNS, (v) => joinStormSample(v.sdk, v.sync, n))) as [StormResult[], StormResult[], StormResult[]];
    const cpu = (r: StormResult[]) => summarize(r.map((x) => x.cpuMs));
    const ratio = cpu(ours).median / cpu(theirs).median;
    const sizeRows: Row[] = [];
    sizeRows.push({
      metric: `1. join storm N=${n}: CPU until page data complete`,
      unit: 'ms',
      ours: cpu(ours),
      theirs: cpu(theirs),
      target: n === 300 ? '<= 0.5x' : '',
      met: n === 300 ? ratio <= 0.5 : null,
    });
    sizeRows.push({ metric: `   N=${n}, ours without bindPage (whole lists)`, unit: 'ms', ours: cpu(whole), theirs: cpu(theirs), target: '', met: null });
    if (n === 300) {
      sizeRows.push({ metric: `   N=${n}: setData bytes during the storm`, unit: 'bytes', ours: ours[0]!.setDataBytes, theirs: theirs[0]!.setDataBytes, target: '', met: null });
    }
    rows.push(...figures(sizeRows));
  }
  return rows;
}

async function meetingRows(): Promise<Row[]> {
  const script = meetingScript();
  step(`meeting: ${script.length} events in 10 simulated minutes; traffic on the recording page host`);
  const traffic = new Map<Variant, MeetingResult>();
  for (const v of [OURS, OURS_WHOLE, THEIRS]) traffic.set(v, await runMeeting(v.sdk, v.sync, script, true));
  // The binding must leave the page where the whole-list pattern does: same SDK, same script, same data.
  const same = JSON.stringify(traffic.get(OURS)!.final) === JSON.stringify(traffic.get(OURS_WHOLE)!.final);
  if (!same) throw new Error('meeting: the page kept by bindPage differs from the page kept by whole lists');
  const t = (v: Variant) => traffic.get(v)!;
  const bytesRatio = t(OURS).bytes / t(THEIRS).bytes;
  const trafficRows = figures([
    { metric: '2. meeting 10 min x 8: setData calls', unit: 'calls', ours: t(OURS).calls, theirs: t(THEIRS).calls, target: '', met: null },
    { metric: '   meeting: setData bytes', unit: 'bytes', ours: t(OURS).bytes, theirs: t(THEIRS).bytes, target: '<= 0.1x', met: bytesRatio <= 0.1 },
    { metric: '   meeting: setData bytes, ours without bindPage', unit: 'bytes', ours: t(OURS_WHOLE).bytes, theirs: t(THEIRS).bytes, target: '', met: null },
  ]);
  step(`meeting: CPU on the lean page host, ${RUNS} runs`);
  const [ours, whole, theirs] = (await alternate([OURS, OURS_WHOLE, THEIRS], RUNS, async (v) => (await runMeeting(v.sdk, v.sync, script, false)).cpuMs)) as [number[], number[], number[]];
  return [
    ...trafficRows,
    ...figures([
      { metric: '   meeting: CPU for the whole script', unit: 'ms', ours: summarize(ours), theirs: summarize(theirs), target: '', met: null },
      { metric: '   meeting: CPU, ours without bindPage', unit: 'ms', ours: summarize(whole), theirs: summarize(theirs), target: '', met: null },
    ]),
  ];
}

async function bundleRows(): Promise<{ rows: Row[]; notes: string[] }> {
  step('bundle: sizes of dist/trtc-wx.js and trtc-wx.js');
  const sizes = await bundleSizes();
  const parts = await composition();
  const xstate = parts.filter((p) => p.input.includes('node_modules/xstate')).reduce((n, p) => n + p.bytes, 0);
  const own = parts.filter((p) => !p.input.includes('node_modules/')).reduce((n, p) => n + p.bytes, 0);
  const notes = [
    `dist/trtc-wx.js composition (build.mjs settings, minified bytes): xstate ${xstate}, wxrtc's own code ${own}; biggest inputs:`,
    ...parts.slice(0, 10).map((p) => `  ${String(p.bytes).padStart(6)}  ${p.input}`),
  ];
  return {
    rows: figures([
      { metric: '3. bundle: minified', unit: 'bytes', ours: sizes.ours.minified, theirs: sizes.theirs.minified, target: '<= 90 KB', met: sizes.ours.minified <= 90 * KB },
      { metric: '   bundle: minified + gzip -9', unit: 'bytes', ours: sizes.ours.gzip, theirs: sizes.theirs.gzip, target: '', met: null },
    ]),
    notes,
  };
}

/** One measurement in a fresh `node --expose-gc` process: heaps of one SDK never see the other's. */
function probe(kind: string, sdk: SdkName, arg?: string): Record<string, number> {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(ROOT, 'bench/memory-probe.ts'), kind, sdk, ...(arg ? [arg] : [])], {
    cwd: ROOT,
    encoding: 'utf8',
    env: process.env,
  });
  // trtc-wx prints to the console on exitRoom; the probe's answer is the last line.
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
}

async function memoryRows(): Promise<{ rows: Row[]; notes: string[] }> {
  // Fresh processes need no warm-up, and heap figures repeat to 0.1 %: three samples are plenty. trtc-wx gets
  // one sample of the 2000-user probe: it copies the whole player list on every status event, so announcing
  // 2000 users costs it about a minute of CPU (ours: about a second).
  const runs = Math.min(RUNS, 3);
  step(`memory: heap per player (2000 users; ours ${runs} processes, trtc-wx 1: it takes about a minute)`);
  const ours = Array.from({ length: runs }, (_, i) => {
    const bytes = probe('players', 'ours', '2000').perPlayerBytes!;
    round(`ours: process ${i + 1} of ${runs} done`);
    return bytes;
  });
  const bound = Array.from({ length: Math.max(1, runs - 1) }, () => probe('players-bound', 'ours', '2000').perPlayerBytes!);
  round('ours with bindPage done; trtc-wx next (about a minute)');
  const theirsStarted = process.hrtime.bigint();
  const theirs = [probe('players', 'trtc-wx', '2000').perPlayerBytes!];
  const theirsSeconds = Number(process.hrtime.bigint() - theirsStarted) / 1e9;
  const perPlayer = summarize(ours);
  const playerRows = figures([
    { metric: '4. heap per remote user + its player', unit: 'B', ours: perPlayer, theirs: summarize(theirs), target: '<= 4 KB', met: perPlayer.median <= 4 * KB },
    { metric: '   heap per player, ours with bindPage on', unit: 'B', ours: summarize(bound), theirs: summarize(theirs), target: '', met: null },
  ]);
  step(`memory: a room with 8 visible users (50 rooms per process, ${runs} processes each)`);
  const [roomOurs, roomTheirs] = (await alternate([OURS, THEIRS], runs, async (v) => probe('room', v.sdk).roomBytes!, false)) as [number[], number[]];
  return {
    rows: [
      ...playerRows,
      ...figures([{ metric: '   heap of a room: 8 visible (+2000 silent: none on the client)', unit: 'B', ours: summarize(roomOurs), theirs: summarize(roomTheirs), target: '', met: null }]),
    ],
    notes: [`the trtc-wx 2000-user memory probe process ran ${theirsSeconds.toFixed(0)} s (event handling copies the player list per event: O(N^2))`],
  };
}

async function serverRows(): Promise<Row[]> {
  const runs = Math.min(RUNS, 3);
  step(`server: 2008 clients (8 visible + 2000 silent) join one room over loopback, against a bare ws server, ${runs} pairs`);
  const results: ServerResult[] = [];
  const bare: ServerResult[] = [];
  try {
    // Paired and alternating: the dev server goes first in even pairs, the bare baseline in odd ones.
    for (let i = 0; i < runs; i++) {
      const order = i % 2 === 0 ? [results, bare] : [bare, results];
      for (const into of order) into.push(await serverBench(into === bare ? { processes: 1, bare: true } : { processes: 1 }));
      round(`pair ${i + 1} of ${runs} done`);
    }
  } catch (error) {
    progress(`server benchmark failed: ${error instanceof Error ? error.message : String(error)}`);
    const pending = (metric: string, unit: string, target = ''): Row => ({ metric, unit, ours: null, theirs: null, target, met: 'pending', note: 'server' });
    return [pending('5. server: join p99 (2008 clients)', 'ms', '<= 50 ms'), pending('   server: heap per session', 'B')];
  }
  const s = (pick: (r: ServerResult) => number, of: readonly ServerResult[] = results): Sample => summarize(of.map(pick));
  const p99 = s((r) => r.p99Ms);
  const bareP99 = s((r) => r.p99Ms, bare);
  const vsBare = { baseline: 'bare ws' };
  const rows: Row[] = figures([
    { metric: '5. server: join p50, 2008 clients, 16 in flight', unit: 'ms', ours: s((r) => r.p50Ms), theirs: s((r) => r.p50Ms, bare), target: '', met: null, ...vsBare },
    { metric: '   server: join p99', unit: 'ms', ours: p99, theirs: null, target: '<= 50 ms', met: p99.median <= 50 },
    { metric: '   server: join p99 against a bare ws server', unit: 'ms', ours: p99, theirs: bareP99, target: '<= 1.5x', met: p99.median / bareP99.median <= 1.5, ...vsBare },
    { metric: '   server: joins per second', unit: '/s', ours: s((r) => r.joinsPerSecond), theirs: s((r) => r.joinsPerSecond, bare), target: '', met: null, ...vsBare },
    {
      metric: '   server: heap per joined session',
      unit: 'B',
      ours: s((r) => r.heapPerSessionBytes ?? 0),
      theirs: s((r) => r.heapPerSessionBytes ?? 0, bare),
      target: '',
      met: null,
      ...vsBare,
    },
    { metric: '   server: one publish reaches the other 2007', unit: 'ms', ours: s((r) => r.fanOutMs ?? 0), theirs: null, target: '', met: null },
  ]);
  // The same room on two processes sharing it through Redis (docs/scale-out.md), when redis-server is here.
  if (!REDIS_SERVER) {
    step('server with Redis: skipped (no redis-server on this machine)');
    return rows;
  }
  step('server with Redis: the same 2008 clients over 2 processes sharing the room');
  const shared: ServerResult[] = [];
  try {
    for (let i = 0; i < Math.min(RUNS, 3); i++) {
      shared.push(await serverBench({ processes: 2, redis: true }));
      round(`run ${i + 1} of ${Math.min(RUNS, 3)} done`);
    }
  } catch (error) {
    progress(`server benchmark with Redis failed: ${error instanceof Error ? error.message : String(error)}`);
    return rows;
  }
  const r = (pick: (r: ServerResult) => number): Sample => summarize(shared.map(pick));
  return [
    ...rows,
    ...figures([
    { metric: '   2 processes + Redis: join p50', unit: 'ms', ours: r((x) => x.p50Ms), theirs: null, target: '', met: null },
    { metric: '   2 processes + Redis: join p99', unit: 'ms', ours: r((x) => x.p99Ms), theirs: null, target: '', met: null },
    { metric: '   2 processes + Redis: joins per second', unit: '/s', ours: r((x) => x.joinsPerSecond), theirs: null, target: '', met: null },
    { metric: '   2 processes + Redis: one publish reaches 2007', unit: 'ms', ours: r((x) => x.fanOutMs ?? 0), theirs: null, target: '', met: null },
    ]),
  ];
}

function machine(): string {
  const model = cpus()[0]?.model ?? 'unknown CPU';
  return `${availableParallelism()} x ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version} (${process.platform} ${process.arch})`;
}

async function main(): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) progress('note: run through `npm run bench` (node --expose-gc) for steadier numbers');
  stepsTotal = (ONLY.has('storm') ? 3 : 0) + (ONLY.has('meeting') ? 2 : 0) + (ONLY.has('bundle') ? 1 : 0) + (ONLY.has('memory') ? 2 : 0) + (ONLY.has('server') ? 2 : 0) + (ONLY.has('users') ? USERS_STEPS : 0) + (ONLY.has('latency') ? 1 : 0);
  process.stderr.write(`wxrtc bench: ${machine()}; ${RUNS} runs per metric (medians, [min..max])\n`);
  process.stderr.write(`${stepsTotal} steps, a full run takes about 5 minutes on 2 cores; each figure prints as it is measured (= lines), the table at the end\n`);
  if (!args.includes('--no-build') && !process.env.BENCH_OURS_FILE) {
    progress('node build.mjs');
    rebuild();
  }
  const rows: Row[] = [];
  const notes: string[] = [];
  if (ONLY.has('storm')) rows.push(...(await stormRows()));
  if (ONLY.has('meeting')) rows.push(...(await meetingRows()));
  if (ONLY.has('bundle')) {
    const bundle = await bundleRows();
    rows.push(...bundle.rows);
    notes.push(...bundle.notes);
  }
  if (ONLY.has('memory')) {
    const memory = await memoryRows();
    rows.push(...memory.rows);
    notes.push(...memory.notes);
  }
  if (ONLY.has('server')) rows.push(...(await serverRows()));
  if (ONLY.has('media')) {
    const media = await mediaFanoutRows(progress);
    rows.push(...media.rows);
    notes.push(...media.notes);
  }
  if (ONLY.has('users')) {
    const users = await usersRows(RUNS, { step, round, figures });
    rows.push(...users.rows);
    notes.push(...users.notes);
  }
  if (ONLY.has('latency')) {
    const missing = latencyAvailable();
    step(`latency: glass to glass on loopback, 3 directions${missing ? ` (skipped: ${missing})` : ', about a minute'}`);
    if (missing) notes.push(`8. latency: not measured (${missing})`);
    else {
      const latency = latencyRows(await measureLatency({ progress: round }));
      rows.push(...figures(latency.rows));
      notes.push(...latency.notes);
    }
  }
  process.stderr.write(`done in ${elapsed()}\n`);
  console.log(`\nmachine: ${machine()}`);
  console.log(`ours: ${process.env.BENCH_OURS_FILE ?? 'dist/trtc-wx.js'} (with bindPage unless said); trtc-wx: trtc-wx-sdk 1.1.15 with its documented whole-list setData pattern\n`);
  console.log(renderTable(rows));
  if (notes.length) console.log(`\n${notes.join('\n')}`);
  const missed = rows.filter((r) => r.met === false).map((r) => r.metric.trim());
  console.log(`\ntargets missed: ${missed.length ? missed.join('; ') : 'none'}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
