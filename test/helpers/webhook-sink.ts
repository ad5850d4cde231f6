// A webhook receiver that can go down and come back on the same port (the fault suite's "receiver down"): it
// records every delivery with its raw body and answers 204, or is simply not listening.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SinkDelivery {
  headers: IncomingHttpHeaders;
  raw: string;
  body: { eventId: string; eventType: string; sequence: number; userID: string | null; [key: string]: unknown };
}

export class WebhookSink {
  readonly deliveries: SinkDelivery[] = [];
  private server: Server | null = null;
  private constructor(readonly port: number) {}

  /** Bind a free port, then let it go: the url exists, nothing answers it yet. */
  static async reserve(): Promise<WebhookSink> {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return new WebhookSink(port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  get up(): boolean {
    return this.server !== null;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        this.deliveries.push({ headers: req.headers, raw, body: JSON.parse(raw) as SinkDelivery['body'] });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}
