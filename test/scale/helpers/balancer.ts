// A small TCP load balancer for the scale-out suites: round-robin over the live server processes, skipping
// ones that refuse the connection (killed). SDK participants are given its url, as a real deployment gives
// clients one domain, so a reconnect after a process dies lands wherever the balancer sends it.

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  /** ws://127.0.0.1:<port>/v1/signaling */
  readonly wsUrl: string;
  readonly port: number;
  /** Which backend port each accepted connection went to, in order. */
  readonly routed: number[];
  /** Hold new connections (they wait, unanswered) until release(); what is connected stays. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export async function startBalancer(backends: () => number[]): Promise<Balancer> {
  let next = 0;
  let held = false;
  const waiting: Socket[] = [];
  const sockets = new Set<Socket>();
  const routed: number[] = [];

  const forward = (client: Socket, attempt = 0): void => {
    const ports = backends();
    if (ports.length === 0 || attempt >= ports.length) {
      client.destroy();
      return;
    }
    const port = ports[next++ % ports.length]!;
    const upstream = createConnection({ host: '127.0.0.1', port });
    sockets.add(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      routed.push(port);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      // Refused: that process is gone; the next one gets the client.
      if (!connected && !client.destroyed) forward(client, attempt + 1);
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      if (connected) client.destroy();
    });
    client.on('close', () => upstream.destroy());
  };

  const server: Server = createServer((client) => {
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    client.pause();
    if (held) waiting.push(client);
    else forward(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    wsUrl: `ws://127.0.0.1:${port}/v1/signaling`,
    port,
    routed,
    hold() {
      held = true;
    },
    release() {
      held = false;
      for (const client of waiting.splice(0)) if (!client.destroyed) forward(client);
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
