// The dev server's inspector: the relay (websockets /v1/inspect and /v1/inspect/view) and the page
// (GET /inspect ...), behind the two hooks server/http.ts calls for every upgrade and request.

import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log';
import { INSPECT_PAGE_PATH, serveInspectorAsset } from './assets';
import { InspectorRelay, type InspectorRelayOptions } from './relay';

export { InspectorRelay, type InspectorRelayOptions } from './relay';
export { INSPECT_PAGE_PATH, pageScript } from './assets';
export { INSPECT_PATH, INSPECT_VIEW_PATH } from '../../src/inspect/protocol';

/** The relay's options; keys not given are made up at random (the server prints them). */
export type InspectorServiceOptions = Omit<InspectorRelayOptions, 'log' | 'viewKey' | 'publishKey'> & Partial<Pick<InspectorRelayOptions, 'viewKey' | 'publishKey'>>;

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
  const relay = new InspectorRelay({ ...options, viewKey, publishKey, log });
  return {
    relay,
    viewKey,
    publishKey,
    handleUpgrade: (path, req, socket, head) => relay.handleUpgrade(path, req, socket, head),
    handleRequest: (path, req, res) => (path === INSPECT_PAGE_PATH || path.startsWith(`${INSPECT_PAGE_PATH}/`) ? serveInspectorAsset(path, req, res) : Promise.resolve(false)),
    close: () => relay.close(),
  };
}

/** 128 random bits, url-safe: it travels in a url's query or fragment. */
function randomKey(): string {
  return randomBytes(16).toString('base64url');
}
