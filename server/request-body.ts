// Reading a request's body for the dev server's JSON endpoints (reports, media callbacks, the call page's
// session): bounded in bytes, and the one content-type check they share.

import type { IncomingMessage } from 'node:http';

/** The body as text, or null once it passes `limit` bytes (the rest is not read). */
export function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** application/json, with or without parameters (charset), in any letter case. */
export function isJsonContentType(header: string | undefined): boolean {
  return typeof header === 'string' && header.split(';')[0]!.trim().toLowerCase() === 'application/json';
}
