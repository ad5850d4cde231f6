// Picking a port at run time for servers that cannot be told "port 0": bind an ephemeral port, note it,
// let it go. Another process could take it in between; on loopback in tests and dev that is rare enough.

import { createServer, type AddressInfo } from 'node:net';

export async function freePort(host = '127.0.0.1'): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
