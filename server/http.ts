// The dev server's HTTP side: one node:http server carrying the signaling websocket (upgrade on
// /v1/signaling), client reports (/v1/reports), the admin API (/admin/...), a small status document (/) and
// the live inspector (websockets /v1/inspect and /v1/inspect/view, the page at /inspect), and the media
// server's callbacks (/v1/media/<plane>/<event>: nginx's on_publish/on_play, keyed; the plane checks them).
// Request bodies are bounded and every failure is a JSON { error: { code, message } }.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ErrorCode } from '../src/errors';
import { PROTOCOL_VERSION } from '../src/services/signaling/protocol';
import { ADMIN_KEY_HEADER, handleAdmin, httpError, type AdminContext, type HttpResult } from './admin';
import type { ServerConfig } from './config';
import type { Logger } from './log';
import { validateReportBatch, type ReportStore } from './reports';
import { SIGNALING_PATH, type SignalingServer } from './signaling';
import type { InspectorService } from './inspector';

export const REPORTS_PATH = '/v1/reports';
/** Where a media plane's server calls back (nginx: /v1/media/nginx/publish, ...). */
export const MEDIA_CALLBACK_PREFIX = '/v1/media/';
const MEDIA_CALLBACK_MAX_BYTES = 16 * 1024;

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
    return write(res, { status: 200, body: path === '/' ? deps.describe() : { ok: true, protocol: PROTOCOL_VERSION } });
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

  if (path.startsWith(MEDIA_CALLBACK_PREFIX)) {
    const media = deps.admin.media;
    const [plane, event, ...rest] = path.slice(MEDIA_CALLBACK_PREFIX.length).split('/');
    if (!media.callback || plane !== media.name || !event || rest.length > 0) {
      req.resume();
      return write(res, httpError(404, ErrorCode.NOT_FOUND, `no route ${method} ${path}`));
    }
    if (method !== 'POST') {
      req.resume();
      return write(res, httpError(405, ErrorCode.BAD_REQUEST, `method ${method} is not allowed here`));
    }
    const body = await readBody(req, MEDIA_CALLBACK_MAX_BYTES);
    if (body === null) return write(res, httpError(413, ErrorCode.FRAME_TOO_LARGE, `callback bodies are limited to ${MEDIA_CALLBACK_MAX_BYTES} bytes`), true);
    return write(res, await media.callback(event, url.searchParams, body));
  }

  if (deps.inspector && (await deps.inspector.handleRequest(path, req, res))) return;

  return write(res, httpError(404, ErrorCode.NOT_FOUND, `no route ${method} ${path}`));
}

function write(res: ServerResponse, result: HttpResult, closeAfter = false): void {
  const text = JSON.stringify(result.body);
  res.writeHead(result.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...(closeAfter ? { connection: 'close' } : {}),
  });
  res.end(text);
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
