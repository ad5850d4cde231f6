// The dev server's inspector: the relay (websockets /v1/inspect and /v1/inspect/view) and the page
// (GET /inspect ...), behind the two hooks server/http.ts calls for every upgrade and request. GET /inspect/stats
// gives the page the stream quality series (the admin API's RoomStatsResult), to the view key only.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log';
import { ErrorCode } from '../../src/core/errors';
import { INSPECT_PAGE_PATH, serveInspectorAsset } from './assets';
import { InspectorRelay, type InspectorRelayOptions } from './relay';
import { keyMatches } from '../admin';
import type { RoomStatsResult } from '../stats';

/** Where the page reads quality series; the view key goes in this header (never in the url, so never in a log). */
export const INSPECT_STATS_PATH = `${INSPECT_PAGE_PATH}/stats`;
export const INSPECT_KEY_HEADER = 'x-inspector-key';

export { InspectorRelay, type InspectorRelayOptions } from './relay';
export { INSPECT_PAGE_PATH, pageScript } from './assets';
export { INSPECT_PATH, INSPECT_VIEW_PATH } from '../../src/inspect/protocol';

/** The relay's options; keys not given are made up at random (the server prints them). */
export type InspectorServiceOptions = Omit<InspectorRelayOptions, 'log' | 'viewKey' | 'publishKey'> &
  Partial<Pick<InspectorRelayOptions, 'viewKey' | 'publishKey'>> & {
    /** The stream quality series to draw (server/stats.ts), every room's. */
    stats?: () => RoomStatsResult[];
  };

export interface InspectorService {
  readonly relay: InspectorRelay;
  /** Pages present it to read every session. */
  readonly viewKey: string;
  /** SDK sessions present it to send; it reads nothing. */
  readonly publishKey: string;
  /** True when the upgrade was the inspector's and has been handled. */
  handleUpgrade(path: string, req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** True when the request was the inspector's and has been answered. */
  handleRequest(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

export function createInspectorService(log: Logger, options: InspectorServiceOptions = {}): InspectorService {
  const viewKey = options.viewKey ?? randomKey();
  const publishKey = options.publishKey ?? randomKey();
  const { stats, ...relayOptions } = options;
  const relay = new InspectorRelay({ ...relayOptions, viewKey, publishKey, log });
  return {
    relay,
    viewKey,
    publishKey,
    handleUpgrade: (path, req, socket, head) => relay.handleUpgrade(path, req, socket, head),
    handleRequest: (path, req, res) => {
      if (path === INSPECT_STATS_PATH) return Promise.resolve(serveStats(req, res, viewKey, stats));
      return path === INSPECT_PAGE_PATH || path.startsWith(`${INSPECT_PAGE_PATH}/`) ? serveInspectorAsset(path, req, res) : Promise.resolve(false);
    },
    close: () => relay.close(),
  };
}

function serveStats(req: IncomingMessage, res: ServerResponse, viewKey: string, stats: (() => RoomStatsResult[]) | undefined): true {
  req.resume();
  const answer = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(JSON.stringify(body));
  };
  const given = req.headers[INSPECT_KEY_HEADER];
  if (!keyMatches(Array.isArray(given) ? given[0] : given, viewKey)) {
    answer(401, { error: { code: ErrorCode.ADMIN_UNAUTHORIZED, message: `the quality series need the view key in the ${INSPECT_KEY_HEADER} header` } });
  } else if (req.method !== 'GET') {
    answer(405, { error: { code: ErrorCode.BAD_REQUEST, message: `method ${String(req.method).slice(0, 16)} is not allowed here` } });
  } else {
    answer(200, { rooms: stats?.() ?? [] });
  }
  return true;
}

/** 128 random bits, url-safe: it travels in a url's query or fragment. */
function randomKey(): string {
  return randomBytes(16).toString('base64url');
}
