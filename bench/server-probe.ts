// Benchmark 5's server side: the dev server in its own `node --expose-gc` process, so its heap is its own.
// Talks to bench/server.ts over IPC: sends { wsUrl, sdkAppID, userSigs } when listening, answers 'heap'
// with heapUsed after a full collection, and closes on 'close'. argv[3], when given, is a Redis url: the
// process is then one of several sharing the room.

import { startDevServer } from '../server/index';

const collect = (globalThis as { gc?: () => void }).gc;

function heapUsed(): number {
  if (collect) for (let i = 0; i < 4; i++) collect();
  return process.memoryUsage().heapUsed;
}

async function main(): Promise<void> {
  const users = Number(process.argv[2] ?? 2008);
  const redisUrl = process.argv[3];
  const server = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', inspector: false, media: 'none', ...(redisUrl ? { redisUrl } : {}) });
  const userSigs: string[] = [];
  for (let i = 0; i < users; i++) userSigs.push(server.genUserSig(`u${i}`));
  process.on('message', (message: unknown) => {
    if (message === 'heap') process.send!({ heapUsed: heapUsed() });
    if (message === 'close') void server.close().finally(() => process.exit(0));
  });
  process.send!({ wsUrl: server.wsUrl, sdkAppID: server.sdkAppID, userSigs });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
