// Benchmark 5, the dev server: 2008 clients (8 visible anchors, 2000 silent viewers: the mini-program limits)
// join one room over loopback; join latency (request sent -> response read) p50/p99, and the server's heap per
// connected, joined session. The server runs in a child process; the clients are raw protocol sockets here.

import { fork } from 'node:child_process';
import { join } from 'node:path';
import WebSocket from 'ws';
import { encodeRequest, parseServerFrame, type JoinRequest } from '../src/services/signaling/protocol';
import { ROOT } from './lib/sdk';

export interface ServerResult {
  clients: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  joinsPerSecond: number;
  heapPerSessionBytes: number;
}

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

export async function serverBench(): Promise<ServerResult> {
  const total = VISIBLE + SILENT;
  const child = fork(join(ROOT, 'bench/server-probe.ts'), [String(total)], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const messages: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  child.on('message', (m) => (waiters.length ? waiters.shift()!(m) : messages.push(m)));
  const next = () => new Promise<unknown>((resolve) => (messages.length ? resolve(messages.shift()) : waiters.push(resolve)));
  const sockets: WebSocket[] = [];
  try {
    const ready = (await next()) as Ready;
    const heapOf = async () => {
      child.send('heap');
      return ((await next()) as { heapUsed: number }).heapUsed;
    };
    const before = await heapOf();
    for (let i = 0; i < total; i += 100) {
      sockets.push(...(await Promise.all(Array.from({ length: Math.min(100, total - i) }, () => connect(ready.wsUrl)))));
    }
    const request = (i: number): JoinRequest => ({
      type: 'join',
      sdkAppID: ready.sdkAppID,
      userID: `u${i}`,
      userSig: ready.userSigs[i]!,
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
    const sorted = [...latencies].sort((a, b) => a - b);
    return {
      clients: total,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1]!,
      joinsPerSecond: (total / elapsed) * 1000,
      heapPerSessionBytes: (after - before) / total,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    child.send('close');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
