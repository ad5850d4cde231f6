// Benchmark 5's baseline: a bare `ws` server on loopback answering the same clients' joins with an answer of
// the dev server's shape, and keeping nothing per session but the socket. It is the floor any server built
// on `ws` pays (upgrade, framing, JSON), so the dev server's join p99 and heap per session are read as a
// ratio to it. Speaks bench/server-probe.ts's IPC: { wsUrl, sdkAppID, userSigs } when listening, 'heap' and
// 'close'.

import { WebSocketServer } from 'ws';
import { DEV_DEFAULTS } from '../server/config';
import { genUserSig } from '../server/usersig';
import { encodeResponse } from '../src/core/protocol';

const collect = (globalThis as { gc?: () => void }).gc;
/** The dev server's visible-user limit: its join answer lists at most these users. */
const VISIBLE_LISTED = 8;

function heapUsed(): number {
  if (collect) for (let i = 0; i < 4; i++) collect();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const users = Number(process.argv[2] ?? 2008);
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  const listed: string[] = [];
  let sessions = 0;
  wss.on('connection', (socket) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { id?: number; type?: string; userID?: string; visible?: boolean };
      if (frame.type !== 'join' || typeof frame.id !== 'number') return;
      if (frame.visible && listed.length < VISIBLE_LISTED && frame.userID) listed.push(frame.userID);
      sessions += 1;
      socket.send(encodeResponse(frame.id, { sessionId: `s${sessions}`, resumeToken: `t${sessions}`.padEnd(32, '0'), heartbeatIntervalMs: 10_000, graceMs: 30_000, users: listed, streams: [] }));
    });
  });
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // The same kind of userSig the dev server's clients send, so both servers read frames of one size.
  const userSigs = Array.from({ length: users }, (_, i) => genUserSig({ sdkAppID: DEV_DEFAULTS.sdkAppID, secret: DEV_DEFAULTS.secret, userID: `u${i}`, expireSec: 600 }));
  process.on('message', (message: unknown) => {
    if (message === 'heap') process.send!({ heapUsed: heapUsed() });
    if (message === 'close') {
      for (const client of wss.clients) client.terminate();
      wss.close(() => process.exit(0));
    }
  });
  process.send!({ wsUrl: `ws://127.0.0.1:${port}`, sdkAppID: DEV_DEFAULTS.sdkAppID, userSigs });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
