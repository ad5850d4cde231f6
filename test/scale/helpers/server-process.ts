// One dev server process of a scale-out test: startDevServer with the JSON options of argv[2] (limits, grace,
// redisUrl...), one JSON line on stdout once it listens, a clean close on SIGTERM. Run by helpers/cluster.ts.

import { startDevServer } from '../../../server/index';

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as Parameters<typeof startDevServer>[0];
  const server = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'warn', inspector: false, ...options });
  process.stdout.write(`${JSON.stringify({ port: server.port, wsUrl: server.wsUrl, httpUrl: server.httpUrl, processId: server.cluster?.processId ?? null })}\n`);
  let closing = false;
  process.on('SIGTERM', () => {
    if (closing) return;
    closing = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
