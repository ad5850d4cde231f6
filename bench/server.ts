// Benchmark 5, the dev server: 2008 clients (8 visible anchors, 2000 silent viewers: the mini-program limits)
// join one room over loopback; join latency (request sent -> response read) p50/p99, the server's heap per
// connected, joined session, and the fan-out of one publish (publish sent -> all 2007 others hold its
// stream-added). The server runs in child processes: one alone, or two sharing the room through a
// redis-server started here (the clients alternate between them). The clients are raw protocol sockets.

import { fork } from 'node:child_process';
import { join } from 'node:path';
import WebSocket from 'ws';
import { encodeRequest, parseServerFrame, type JoinRequest } from '../src/core/protocol';
import { startRedis, type RedisServer } from '../test/scale/helpers/redis';
import { ROOT } from './lib/sdk';

export interface ServerResult {
  clients: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  joinsPerSecond: number;
  /** Of the one process; null with several (their heaps also hold the Redis client's buffers). */
  heapPerSessionBytes: number | null;
  /** null for the bare `ws` baseline, which has no rooms to fan out in. */
  fanOutMs: number | null;
}

/**
 * One dev server process, `processes` of them sharing the room through a fresh redis-server, or the bare `ws`
 * baseline (bench/bare-ws-probe.ts) answering the same clients.
 */
export type ServerMode = { processes: 1 } | { processes: number; redis: true } | { processes: 1; bare: true };

interface Ready {
  wsUrl: string;
  sdkAppID: number;
  userSigs: string[];
}

const VISIBLE = 8;
const SILENT = 2000;
/** Joins in flight at once: a steady stream of people arriving, not one instant (that would measure the queue). */
const IN_FLIGHT = 16;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function connect(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function joinOnce(ws: WebSocket, body: JoinRequest): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`join of ${body.userID} timed out`)), 10_000);
    const onMessage = (data: WebSocket.RawData) => {
      const frame = parseServerFrame(data.toString());
      if (!frame || frame.type !== 'response' || frame.id !== 1) return;
      const elapsed = performance.now() - start;
      clearTimeout(timer);
      ws.off('message', onMessage);
      if (!frame.ok) reject(new Error(`join of ${body.userID} failed: ${frame.error.code} ${frame.error.message}`));
      else resolve(elapsed);
    };
    ws.on('message', onMessage);
    const start = performance.now();
    ws.send(encodeRequest(1, body));
  });
}

export async function serverBench(mode: ServerMode = { processes: 1 }): Promise<ServerResult> {
  const total = VISIBLE + SILENT;
  const redis: RedisServer | null = 'redis' in mode ? await startRedis() : null;
  const script = 'bare' in mode ? 'bench/bare-ws-probe.ts' : 'bench/server-probe.ts';
  const probes = Array.from({ length: mode.processes }, () => startProbe(script, total, redis?.url));
  const sockets: WebSocket[] = [];
  try {
    const ready = await Promise.all(probes.map((probe) => probe.next() as Promise<Ready>));
    const heapOf = async () => (probes.length === 1 ? probes[0]!.heap() : 0);
    const before = await heapOf();
    for (let i = 0; i < total; i += 100) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, total - i) }, (_, k) => connect(ready[(i + k) % ready.length]!.wsUrl)))));
    }
    const request = (i: number): JoinRequest => ({
      type: 'join',
      sdkAppID: ready[0]!.sdkAppID,
      userID: `u${i}`,
      userSig: ready[0]!.userSigs[i]!,
      roomID: 4242,
      // 'live': an rtc room stops at 300 users; viewers beyond the 8 visible join silent.
      scene: 'live',
      role: i < VISIBLE ? 'anchor' : 'audience',
      visible: i < VISIBLE,
      platform: 'android',
    });
    const latencies: number[] = [];
    let nextClient = 0;
    const started = performance.now();
    const worker = async () => {
      while (nextClient < total) {
        const i = nextClient++;
        latencies.push(await joinOnce(sockets[i]!, request(i)));
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const elapsed = performance.now() - started;
    const after = await heapOf();
    const fanOutMs = 'bare' in mode ? null : await fanOut(sockets);
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      clients: total,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1]!,
      joinsPerSecond: (total / elapsed) * 1000,
      heapPerSessionBytes: probes.length === 1 ? (after - before) / total : null,
      fanOutMs,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await Promise.all(probes.map((probe) => probe.close()));
    await redis?.stop();
  }
}

/** The first anchor publishes; how long until every other client holds its stream-added. */
async function fanOut(sockets: readonly WebSocket[]): Promise<number> {
  const [anchor, ...others] = sockets as [WebSocket, ...WebSocket[]];
  let waiting = others.length;
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const timer = setTimeout(() => done(), 30_000);
  const listeners = others.map((ws) => {
    const onMessage = (data: WebSocket.RawData) => {
      const frame = parseServerFrame(data.toString());
      if (!frame || frame.type !== 'stream-added' || frame.userID !== 'u0') return;
      ws.off('message', onMessage);
      if (--waiting === 0) done();
    };
    ws.on('message', onMessage);
    return onMessage;
  });
  const start = performance.now();
  anchor.send(encodeRequest(2, { type: 'publish', streamType: 'main' }));
  await all;
  const elapsed = performance.now() - start;
  clearTimeout(timer);
  others.forEach((ws, i) => ws.off('message', listeners[i]!));
  if (waiting > 0) throw new Error(`fan-out: ${waiting} of ${others.length} clients never heard of the stream`);
  return elapsed;
}

interface Probe {
  next(): Promise<unknown>;
  heap(): Promise<number>;
  close(): Promise<void>;
}

function startProbe(script: string, users: number, redisUrl: string | undefined): Probe {
  const child = fork(join(ROOT, script), [String(users), ...(redisUrl ? [redisUrl] : [])], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const messages: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  child.on('message', (m) => (waiters.length ? waiters.shift()!(m) : messages.push(m)));
  const next = () => new Promise<unknown>((resolve) => (messages.length ? resolve(messages.shift()) : waiters.push(resolve)));
  return {
    next,
    async heap() {
      child.send('heap');
      return ((await next()) as { heapUsed: number }).heapUsed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const timer = setTimeout(() => {
          child.kill();
          resolve();
        }, 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.send('close');
      }),
  };
}
