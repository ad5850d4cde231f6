// The dev server's call page (GET /call and its files) and the two endpoints it talks to: GET /call/config
// (the sdkAppID and the demo room, which anyone reaching the server may know) and POST /call/session (a
// userSig, minted only for this machine or the admin key: session.ts). server/http.ts calls handleRequest.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { ErrorCode } from '../../src/core/errors';
import { httpError, type HttpResult } from '../admin';
import type { DemoFacts } from '../landing';
import { isJsonContentType, readBody } from '../request-body';
import { CALL_PAGE_PATH, callAsset } from './assets';
import { CALL_SESSION_MAX_BYTES, CALL_SESSION_PATH, mintSession, parseSessionBody, refusal, type CallSessionDeps } from './session';

export { CALL_PAGE_PATH, callScript, webScript } from './assets';
export { CALL_SESSION_PATH, CALL_USERSIG_MAX_SEC, isLocalRequest } from './session';
export const CALL_CONFIG_PATH = '/call/config';

export interface CallServiceDeps extends CallSessionDeps {
  /** The demo room `npm start` runs, once it runs (main.ts sets it). */
  demo(): DemoFacts | null;
}

export interface CallService {
  /** True when the request was the call page's and has been answered. */
  handleRequest(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

/** The page's own policy: its script, styles, media and sockets from this server only, nothing else. */
const PAGE_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob:; connect-src 'self' ws: wss:; worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
  res.end(body);
}

function sendJson(res: ServerResponse, result: HttpResult, closeAfter = false): void {
  send(res, result.status, 'application/json; charset=utf-8', JSON.stringify(result.body), closeAfter ? { connection: 'close' } : {});
}


export function createCallService(deps: CallServiceDeps): CallService {
  async function session(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST') {
      req.resume();
      return sendJson(res, httpError(405, ErrorCode.BAD_REQUEST, `method ${String(req.method).slice(0, 16)} is not allowed here (POST)`));
    }
    // Refused before the body is read: a refused caller costs no more than its headers.
    const refused = refusal(req, deps);
    if (refused) {
      req.resume();
      return sendJson(res, refused, true);
    }
    // JSON only: a form or text/plain POST is what any page may send cross-site without a preflight.
    if (!isJsonContentType(req.headers['content-type'])) {
      req.resume();
      return sendJson(res, httpError(415, ErrorCode.BAD_REQUEST, 'send the body as content-type: application/json'), true);
    }
    const body = await readBody(req, CALL_SESSION_MAX_BYTES);
    if (body === null) return sendJson(res, httpError(413, ErrorCode.FRAME_TOO_LARGE, `bodies are limited to ${CALL_SESSION_MAX_BYTES} bytes`), true);
    const parsed = parseSessionBody(body);
    if (!parsed.ok) return sendJson(res, parsed.result);
    return sendJson(res, { status: 200, body: mintSession(deps, parsed.userID) });
  }

  return {
    async handleRequest(path, req, res) {
      if (path !== CALL_PAGE_PATH && !path.startsWith(`${CALL_PAGE_PATH}/`)) return false;
      if (path === CALL_SESSION_PATH) {
        await session(req, res);
        return true;
      }
      req.resume();
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendJson(res, httpError(405, ErrorCode.BAD_REQUEST, `method ${String(req.method).slice(0, 16)} is not allowed here`));
        return true;
      }
      if (path === CALL_CONFIG_PATH) {
        const demo = deps.demo();
        sendJson(res, { status: 200, body: { sdkAppID: deps.sdkAppID, demo: demo ? { roomID: demo.roomID, users: [...demo.users] } : null, inspector: deps.inspectorKey() !== null } });
        return true;
      }
      try {
        const asset = await callAsset(path.slice(CALL_PAGE_PATH.length));
        if (asset === null) {
          sendJson(res, httpError(404, ErrorCode.ROUTE_NOT_FOUND, `no call page file ${path.slice(CALL_PAGE_PATH.length, CALL_PAGE_PATH.length + 200)}`));
        } else {
          send(res, 200, asset.type, asset.body, asset.type.startsWith('text/html') ? { 'content-security-policy': PAGE_POLICY } : {});
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `call page: ${message}`);
      }
      return true;
    },
  };
}
