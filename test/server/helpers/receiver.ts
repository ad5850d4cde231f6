// A webhook receiver on loopback for tests: records every delivery (headers and raw body) and answers with
// whatever status the test's policy says, or never answers at all (a hung receiver).

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookBody } from '../../../server/webhooks';
import { WAIT_MS } from './client';

export interface Delivery {
  headers: IncomingHttpHeaders;
  raw: string;
  body: WebhookBody;
}

/** A status to answer with, or 'hang' to keep the request open until the receiver closes. */
export type Policy = (delivery: Delivery, attemptsOfThisEvent: number) => number | 'hang';

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  policy: Policy;
  /** Resolves when `match` holds for the deliveries so far (checked on every delivery), bounded. */
  until(match: (deliveries: Delivery[]) => boolean, what: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(policy: Policy = () => 200): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const watchers = new Set<() => void>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const delivery: Delivery = { headers: req.headers, raw, body: JSON.parse(raw) as WebhookBody };
      deliveries.push(delivery);
      const attempts = deliveries.filter((d) => d.body.eventId === delivery.body.eventId).length;
      const answer = receiver.policy(delivery, attempts);
      for (const watcher of [...watchers]) watcher();
      if (answer === 'hang') return;
      res.writeHead(answer, { 'content-type': 'text/plain' });
      res.end(answer < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver: Receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    deliveries,
    policy,
    until(match, what, timeoutMs = WAIT_MS) {
      if (match(deliveries)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const watcher = () => {
          if (!match(deliveries)) return;
          clearTimeout(timer);
          watchers.delete(watcher);
          resolve();
        };
        const timer = setTimeout(() => {
          watchers.delete(watcher);
          reject(new Error(`webhook receiver: not within ${timeoutMs} ms: ${what} (got ${deliveries.map((d) => d.body.eventType).join(', ')})`));
        }, timeoutMs);
        watchers.add(watcher);
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return receiver;
}
