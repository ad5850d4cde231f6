// Benchmark 7, where users are: a cold page open, small calls on a fresh (and a JIT-less) engine, and
// leaving a room. Every sample is a fresh `node` process running bench/user-probe.ts, bundled here once with
// esbuild so both SDKs are loaded by plain `require`, as a mini-program loads them. The two SDKs alternate
// which goes first from one pair of samples to the next.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT, type SdkName } from './lib/sdk';
import { summarize, type Row, type Sample } from './lib/stats';
import { MAX_REMOTE_USERS } from '../src/services/signaling/server-trust';

/** How run.ts shows progress: a step line, a line per round, the figures as they are measured. */
export interface Reporter {
  step(message: string): void;
  round(message: string): void;
  figures(rows: readonly Row[]): Row[];
}

/** The targets (issue 17), each a ratio to trtc-wx. */
const TARGET = { coldStart: 2.5, heap: 2.5, perEvent: 1.0, steady1v1: 1.0, exit50: 2.0 };
/** The steady-state window: minutes 20-30 of a call, after everything a call builds has been built. */
const STEADY_FROM_MIN = 20;
const STEADY_TO_MIN = 30;
/** A call's length in simulated seconds. */
const CALL_SECONDS = 60;
/** Rooms per process for exitRoom: one exit of a small room is a fraction of a millisecond. */
const EXIT_ROOMS: Record<number, number> = { 8: 20, 50: 8, [MAX_REMOTE_USERS]: 2 };

/** The steps this group reports (run.ts counts them for its progress lines). */
export const USERS_STEPS = 11;

async function bundleProbe(dir: string): Promise<string> {
  const outfile = join(dir, 'user-probe.cjs');
  await build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'bench/user-probe.ts')],
    bundle: true,
    outfile,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    logLevel: 'silent',
    // The SDKs are not bundled: bench/lib/sdk.ts requires them at run time, from the project.
  });
  return outfile;
}

/**
 * Runs one probe in a fresh process; the answer is its last line (trtc-wx logs on exitRoom). Its stderr is
 * shown only when it fails (--jitless makes V8 warn that it turned --expose-wasm off).
 */
function probeIn(probeFile: string, flags: readonly string[], args: readonly string[]): Record<string, number> {
  const run = spawnSync(process.execPath, ['--expose-gc', ...flags, probeFile, ...args], { cwd: ROOT, encoding: 'utf8', env: process.env, maxBuffer: 64 * 2 ** 20 });
  if (run.status !== 0) throw new Error(`probe ${[...flags, ...args].join(' ')} failed (${run.status ?? run.signal}):\n${run.stderr}`);
  const lines = run.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]!) as Record<string, number>;
}

/** `runs` pairs of fresh processes; ours goes first in even pairs, trtc-wx in odd ones. */
function pairs(runs: number, report: Reporter, measure: (sdk: SdkName) => Record<string, number>): { ours: Record<string, number>[]; theirs: Record<string, number>[] } {
  const ours: Record<string, number>[] = [];
  const theirs: Record<string, number>[] = [];
  for (let i = 0; i < runs; i++) {
    const order: SdkName[] = i % 2 === 0 ? ['ours', 'trtc-wx'] : ['trtc-wx', 'ours'];
    for (const sdk of order) (sdk === 'ours' ? ours : theirs).push(measure(sdk));
    report.round(`pair ${i + 1} of ${runs} done`);
  }
  return { ours, theirs };
}

const pick = (samples: readonly Record<string, number>[], key: string): Sample => summarize(samples.map((s) => s[key]!));
const ratioOf = (ours: Sample, theirs: Sample): number => ours.median / theirs.median;
const within = (ours: Sample, theirs: Sample, limit: number): boolean => ratioOf(ours, theirs) <= limit;

export async function usersRows(runs: number, report: Reporter): Promise<{ rows: Row[]; notes: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'wxrtc-bench-'));
  try {
    const probeFile = await bundleProbe(dir);
    const rows: Row[] = [];
    const notes: string[] = [
      "7. (users): both SDKs run trtc-wx's documented page (whole lists, no bindPage), each sample a fresh `node` process; the SDK pair alternates which goes first",
    ];

    report.step(`cold start: require -> LOCAL_JOIN, a fresh process per sample, ${runs} pairs`);
    const cold = pairs(runs, report, (sdk) => probeIn(probeFile, [], ['cold', sdk]));
    const wall = { ours: pick(cold.ours, 'wallMs'), theirs: pick(cold.theirs, 'wallMs') };
    const cpu = { ours: pick(cold.ours, 'cpuMs'), theirs: pick(cold.theirs, 'cpuMs') };
    const heap = { ours: pick(cold.ours, 'heapBytes'), theirs: pick(cold.theirs, 'heapBytes') };
    rows.push(
      ...report.figures([
        { metric: '7. cold start: require -> LOCAL_JOIN, wall', unit: 'ms', ...wall, target: `<= ${TARGET.coldStart}x`, met: within(wall.ours, wall.theirs, TARGET.coldStart) },
        { metric: '   cold start: CPU', unit: 'ms', ...cpu, target: `<= ${TARGET.coldStart}x`, met: within(cpu.ours, cpu.theirs, TARGET.coldStart) },
        { metric: '   cold start: heap after LOCAL_JOIN', unit: 'B', ...heap, target: `<= ${TARGET.heap}x`, met: within(heap.ours, heap.theirs, TARGET.heap) },
      ]),
    );

    for (const jitless of [false, true]) {
      for (const people of [2, 4]) {
        const name = people === 2 ? '1v1 call' : `${people}-person call`;
        const engine = jitless ? ', --jitless' : '';
        report.step(`${name}${engine}: ${CALL_SECONDS} s of component reports, a fresh process per sample, ${runs} pairs`);
        const flags = jitless ? ['--jitless'] : [];
        const samples = pairs(runs, report, (sdk) => probeIn(probeFile, flags, ['call', sdk, String(people), String(CALL_SECONDS)]));
        const perEvent = { ours: pick(samples.ours, 'cpuPerEventUs'), theirs: pick(samples.theirs, 'cpuPerEventUs') };
        rows.push(
          ...report.figures([
            {
              metric: `   ${name}${engine}, ${samples.ours[0]!.events} events: CPU per event`,
              unit: 'µs',
              ...perEvent,
              target: `<= ${TARGET.perEvent}x`,
              met: within(perEvent.ours, perEvent.theirs, TARGET.perEvent),
            },
          ]),
        );
      }
    }

    for (const people of [2, 4, 8]) {
      const name = people === 2 ? '1v1' : `${people}p`;
      report.step(`steady state, ${name}: minutes ${STEADY_FROM_MIN}-${STEADY_TO_MIN} of a call, a fresh process per sample, ${runs} pairs`);
      const samples = pairs(runs, report, (sdk) => probeIn(probeFile, [], ['steady', sdk, String(people), String(STEADY_FROM_MIN), String(STEADY_TO_MIN)]));
      const perEvent = { ours: pick(samples.ours, 'cpuPerEventUs'), theirs: pick(samples.theirs, 'cpuPerEventUs') };
      const targeted = people === 2;
      rows.push(
        ...report.figures([
          {
            metric: `   steady state ${name}, minutes ${STEADY_FROM_MIN}-${STEADY_TO_MIN}, ${samples.ours[0]!.events} events: CPU per event`,
            unit: 'µs',
            ...perEvent,
            target: targeted ? `<= ${TARGET.steady1v1}x` : '',
            met: targeted ? within(perEvent.ours, perEvent.theirs, TARGET.steady1v1) : null,
          },
        ]),
      );
    }

    const exits: Array<{ players: number; ours: Sample; theirs: Sample }> = [];
    // A full room: 300 people, so the local user and MAX_REMOTE_USERS others.
    for (const players of [8, 50, MAX_REMOTE_USERS]) {
      const rooms = EXIT_ROOMS[players]!;
      report.step(`exitRoom with ${players} players (${rooms} rooms per process, mean per call), ${runs} pairs`);
      const samples = pairs(runs, report, (sdk) => probeIn(probeFile, [], ['exit', sdk, String(players), String(rooms)]));
      const exit = { ours: pick(samples.ours, 'wallMsPerExit'), theirs: pick(samples.theirs, 'wallMsPerExit') };
      const exitCpu = { ours: pick(samples.ours, 'cpuMsPerExit'), theirs: pick(samples.theirs, 'cpuMsPerExit') };
      exits.push({ players, ...exitCpu });
      const targeted = players === 50;
      rows.push(
        ...report.figures([
          {
            metric: `   exitRoom with ${players} players: wall per call`,
            unit: 'ms',
            ...exit,
            target: targeted ? `<= ${TARGET.exit50}x` : '',
            met: targeted ? within(exit.ours, exit.theirs, TARGET.exit50) : null,
          },
          { metric: `   exitRoom with ${players} players: CPU per call`, unit: 'ms', ...exitCpu, target: '', met: null },
        ]),
      );
    }
    const perPlayer = exits.map((e) => `${e.players}: ${((e.ours.median * 1000) / e.players).toFixed(1)} µs`).join(', ');
    notes.push(`exitRoom, ours, CPU per player (linear when these stay level; a fixed cost per call weighs on small rooms): ${perPlayer}`);
    return { rows, notes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
