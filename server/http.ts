// The dev server's HTTP side: one node:http server carrying the signaling websocket (upgrade on
// The dev server's HTTP side: one node:http server carrying the signaling websocket (upgrade on
// /v1/signaling), client reports (/v1/reports), the admin API (/admin/...), a status document at / (a landing
// page for browsers, JSON for API clients), the live inspector (websockets /v1/inspect and /v1/inspect/view,
// the page at /inspect), the call page (/call, /call/config, POST /call/session: call/), the browsers' media
// sockets (/v1/media/web/<publish|play>/<stream>, media/web-bridge.ts), and the media server's callbacks
// (/v1/media/<plane>/<event>: nginx's on_publish/on_play, keyed; the plane checks them). Request bodies are
// bounded and every failure is a JSON { error: { code, message } }.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '../src/core/errors';
import { PROTOCOL_VERSION } from '../src/core/protocol';
import { ADMIN_KEY_HEADER, handleAdmin, httpError, keyMatches, type AdminContext, type HttpResult } from './admin';
import type { ServerConfig } from './config';
import type { Logger } from './log';
import { reportedNetStats, validateReportBatch, type ReportBatch, type ReportStore } from './reports';
import type { StatsStore } from './stats';
import { SIGNALING_PATH, type SignalingServer } from './signaling';
import { verifyUserSig } from './usersig';
import type { InspectorService } from './inspector';
import type { CallService } from './call';
import { landingPage, prefersHtml } from './landing';
import { isJsonContentType, readBody } from './request-body';

export const REPORTS_PATH = '/v1/reports';
/** Where a media plane's server calls back (nginx: /v1/media/nginx/publish, ...). */
export const MEDIA_CALLBACK_PREFIX = '/v1/media/';
const MEDIA_CALLBACK_MAX_BYTES = 16 * 1024;

export interface HttpDeps {
  config: ServerConfig;
  signaling: SignalingServer;
  reports: ReportStore;
  /** Reported NET_STATS events (trtc-room) go into the quality series too. */
  stats?: StatsStore;
  admin: AdminContext;
  log: Logger;
  /** Facts for the status document at / (urls are known only once listening). */
  describe(): Record<string, unknown>;
  /** The live inspector (relay websockets and the /inspect page); absent when turned off. */
  inspector?: InspectorService | null;
  /** The call page (/call) and its userSig endpoint; absent when turned off. */
  call?: CallService | null;
  /** The browsers' media sockets (/v1/media/web/...): takes an upgrade on its paths, false otherwise. */
  webMedia?: { handleUpgrade(path: string, req: IncomingMessage, socket: Duplex, head: Buffer): boolean } | null;
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
    if (deps.webMedia?.handleUpgrade(pathOf(req), req, socket, head)) return;
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
      req.resume();
      const key = req.headers[ADMIN_KEY_HEADER];
      if (!keyMatches(Array.isArray(key) ? key[0] : key, deps.admin.adminKey)) {
        return write(res, httpError(401, ErrorCode.ADMIN_UNAUTHORIZED, `reading reports needs the ${ADMIN_KEY_HEADER} header`));
      }
      const userID = url.searchParams.get('userID') ?? undefined;
      const sdkAppIDText = url.searchParams.get('sdkAppID');
      const sdkAppID = sdkAppIDText !== null && /^\d+$/.test(sdkAppIDText) ? Number(sdkAppIDText) : undefined;
      const batches = deps.reports.list({ ...(userID !== undefined ? { userID } : {}), ...(sdkAppID !== undefined ? { sdkAppID } : {}) });
      return write(res, { status: 200, body: { batches, dropped: deps.reports.dropped } });
    }
    if (method !== 'POST') return write(res, httpError(405, ErrorCode.BAD_REQUEST, `method ${method} is not allowed here`));
    // JSON only: text/plain, form and multipart bodies are what any web page may POST cross-site without a
    // preflight; application/json from another origin needs one, which this server never grants.
    if (!isJsonContentType(req.headers['content-type'])) {
      req.resume();
      return write(res, httpError(415, ErrorCode.BAD_REQUEST, 'report bodies must be sent as content-type: application/json'), true);
    }
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
    // Signed by the user it is about: the userSig this server would let that user enter with.
    const { batch, userSig } = check;
    if (userSig === null || batch.userID === null || batch.sdkAppID !== deps.config.sdkAppID) {
      return write(res, httpError(401, ErrorCode.USER_SIG_INVALID, `a report needs the sdkAppID (${deps.config.sdkAppID}), userID and userSig of the user it is about`));
    }
    const signed = verifyUserSig(userSig, { sdkAppID: deps.config.sdkAppID, secret: deps.config.secret, userID: batch.userID });
    if (!signed.ok) return write(res, httpError(401, signed.code, signed.message));
    deps.reports.add(batch);
    if (deps.stats) recordReportedStats(deps.stats, batch);
    return write(res, { status: 202, body: { accepted: check.batch.events.length } });
  }

  const raw = rawPath(req.url ?? '/');
  if (raw === '/admin' || raw.startsWith('/admin/')) {
    let segments: string[];
    try {
      // From the raw request path, not the URL's: URL parsing resolves "." and ".." segments (%2E too), and
      // "." and ".." are userIDs the server accepts. Each segment is one percent-encoded id.
      segments = raw.split('/').slice(2).filter((s, i, all) => s !== '' || i < all.length - 1).map(decodeURIComponent);
    } catch {
      return write(res, httpError(400, ErrorCode.BAD_REQUEST, 'the path is not valid percent-encoding'));
    }
    // Admin calls carry no body we use; drain any so the connection stays usable.
    req.resume();
    const query = strictQuery(req.url ?? '/');
    if (query === null) return write(res, httpError(400, ErrorCode.BAD_REQUEST, 'the query is not valid percent-encoding'));
    const key = req.headers[ADMIN_KEY_HEADER];
    return write(res, await handleAdmin(deps.admin, method, segments, Array.isArray(key) ? key[0] : key, query));
  }

  if (path.startsWith(MEDIA_CALLBACK_PREFIX)) {
    const media = deps.admin.media;
    const [plane, event, ...rest] = path.slice(MEDIA_CALLBACK_PREFIX.length).split('/');
    if (!media.callback || plane !== media.name || !event || rest.length > 0) {
      req.resume();
      return write(res, httpError(404, ErrorCode.ROUTE_NOT_FOUND, `no route ${method.slice(0, 16)} ${path.slice(0, 200)}`));
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
  if (deps.call && (await deps.call.handleRequest(path, req, res))) return;

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


/**
 * The query's parameters, decoded strictly: URLSearchParams would turn bytes that are not UTF-8 (a lone
 * surrogate's CESU form) into U+FFFD, i.e. into another id. null when any does not decode.
 */
function strictQuery(target: string): Map<string, string> | null {
  const start = target.indexOf('?');
  const params = new Map<string, string>();
  if (start < 0) return params;
  const end = target.indexOf('#', start);
  const text = target.slice(start + 1, end < 0 ? undefined : end);
  try {
    for (const pair of text.split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decodeURIComponent((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, ' '));
      params.set(name, eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' ')));
    }
  } catch {
    return null;
  }
  return params;
}

/** The path of a request target as sent: before any query or fragment, nothing resolved. */
function rawPath(target: string): string {
  const end = target.search(/[?#]/);
  return end < 0 ? target : target.slice(0, end);
}

function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    return '';
  }
}

/**
 * NET_STATS events of a checked, signed batch (the SDK's reporter, trtc-room) into the quality series of that
 * user in that room. Only well-formed samples about the reporter's own push or a stream it plays count.
 */
function recordReportedStats(stats: StatsStore, batch: ReportBatch): void {
  const found = reportedNetStats(batch);
  if (!found) return;
  stats.record({ id: `report:${found.roomKey}:${found.userID}`, source: 'report', roomKey: found.roomKey, userID: found.userID }, found.samples);
}
