// The dev server's HTTP side: one node:http server carrying the signaling websocket (upgrade on
// /v1/signaling), client reports (/v1/reports), the admin API (/admin/...), a status document at / (a landing
// page for browsers, JSON for API clients) and the live inspector (websockets /v1/inspect and /v1/inspect/view,
// the page at /inspect). Request bodies are bounded and every failure is a JSON { error: { code, message } }.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ErrorCode } from '../src/errors';
import { PROTOCOL_VERSION } from '../src/services/signaling/protocol';
import { ADMIN_KEY_HEADER, handleAdmin, httpError, type AdminContext, type HttpResult } from './admin';
import type { ServerConfig } from './config';
import type { Logger } from './log';
import { validateReportBatch, type ReportStore } from './reports';
import { SIGNALING_PATH, type SignalingServer } from './signaling';
import type { InspectorService } from './inspector';
import { landingPage, prefersHtml } from './landing';

export const REPORTS_PATH = '/v1/reports';

export interface HttpDeps {
  config: ServerConfig;
  signaling: SignalingServer;
  reports: ReportStore;
  admin: AdminContext;
  log: Logger;
  /** Facts for the status document at / (urls are known only once listening). */
  describe(): Record<string, unknown>;
  /** The live inspector (relay websockets and the /inspect page); absent when turned off. */
  inspector?: InspectorService | null;
}

export function createHttpServer(deps: HttpDeps): Server {
  const server = createServer((req, res) => {
    route(deps, req, res).catch((error: unknown) => {
      deps.log.error(`${req.method} ${req.url} failed`, error);
      if (!res.headersSent) write(res, httpError(500, ErrorCode.INTERNAL, 'the server failed while handling the request'));
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket, head: Buffer) => {
    if (pathOf(req) === SIGNALING_PATH) {
      deps.signaling.handleUpgrade(req, socket, head);
      return;
    }
    if (deps.inspector?.handleUpgrade(pathOf(req), req, socket, head)) return;
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return server;
}

async function route(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;

  if (path === '/' || path === '/healthz') {
    if (method !== 'GET') return write(res, httpError(405, ErrorCode.BAD_REQUEST, `method ${method} is not allowed here`));
    if (path === '/healthz') return write(res, { status: 200, body: { ok: true, protocol: PROTOCOL_VERSION } });
    // A browser gets the landing page; curl, fetch and anything else preferring JSON the status document.
    if (url.searchParams.get('format') !== 'json' && prefersHtml(req.headers.accept)) return writeHtml(res, landingPage(deps.describe()));
    return write(res, { status: 200, body: deps.describe() }, false, { vary: 'Accept' });
  }

  if (path === REPORTS_PATH) {
    if (method === 'GET') {
      const userID = url.searchParams.get('userID') ?? undefined;
      const sdkAppIDText = url.searchParams.get('sdkAppID');
      const sdkAppID = sdkAppIDText !== null && /^\d+$/.test(sdkAppIDText) ? Number(sdkAppIDText) : undefined;
      const batches = deps.reports.list({ ...(userID !== undefined ? { userID } : {}), ...(sdkAppID !== undefined ? { sdkAppID } : {}) });
      return write(res, { status: 200, body: { batches, dropped: deps.reports.dropped } });
    }
    if (method !== 'POST') return write(res, httpError(405, ErrorCode.BAD_REQUEST, `method ${method} is not allowed here`));
    const body = await readBody(req, deps.config.reportsMaxBodyBytes);
    if (body === null) {
      return write(res, httpError(413, ErrorCode.FRAME_TOO_LARGE, `report bodies are limited to ${deps.config.reportsMaxBodyBytes} bytes`), true);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return write(res, httpError(400, ErrorCode.BAD_REQUEST, 'the body is not JSON'));
    }
    const check = validateReportBatch(parsed);
    if (!check.ok) return write(res, httpError(400, ErrorCode.BAD_REQUEST, check.message));
    deps.reports.add(check.batch);
    return write(res, { status: 202, body: { accepted: check.batch.events.length } });
  }

  if (path === '/admin' || path.startsWith('/admin/')) {
    let segments: string[];
    try {
      segments = path.split('/').slice(2).filter((s, i, all) => s !== '' || i < all.length - 1).map(decodeURIComponent);
    } catch {
      return write(res, httpError(400, ErrorCode.BAD_REQUEST, 'the path is not valid percent-encoding'));
    }
    // Admin calls carry no body we use; drain any so the connection stays usable.
    req.resume();
    const key = req.headers[ADMIN_KEY_HEADER];
    return write(res, await handleAdmin(deps.admin, method, segments, Array.isArray(key) ? key[0] : key));
  }

  if (deps.inspector && (await deps.inspector.handleRequest(path, req, res))) return;

  // Its own code: "no such room" (NOT_FOUND) and "no such route" are different mistakes to a client.
  const shown = path.length > 200 ? `${path.slice(0, 200)}...` : path;
  return write(res, httpError(404, ErrorCode.ROUTE_NOT_FOUND, `no route ${method.slice(0, 16)} ${shown}`));
}

function write(res: ServerResponse, result: HttpResult, closeAfter = false, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(result.body);
  res.writeHead(result.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...extra,
    ...(closeAfter ? { connection: 'close' } : {}),
  });
  res.end(text);
}

/** A page that runs nothing and loads nothing: the policy forbids scripts, frames and remote files. */
function writeHtml(res: ServerResponse, html: string): void {
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
    vary: 'Accept',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

/** The body as text, or null once it passes `limit` bytes (the rest is not read). */
function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
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

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}
