// The dev server's inspector: the relay (websockets /v1/inspect and /v1/inspect/view) and the page
// (GET /inspect ...), behind the two hooks server/http.ts calls for every upgrade and request.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../log';
import { INSPECT_PAGE_PATH, serveInspectorAsset } from './assets';
import { InspectorRelay, type InspectorRelayOptions } from './relay';

export { InspectorRelay, type InspectorRelayOptions } from './relay';
export { INSPECT_PAGE_PATH, pageScript } from './assets';
export { INSPECT_PATH, INSPECT_VIEW_PATH } from '../../src/inspect/protocol';

export type InspectorServiceOptions = Omit<InspectorRelayOptions, 'log'>;

export interface InspectorService {
  readonly relay: InspectorRelay;
  /** True when the upgrade was the inspector's and has been handled. */
  handleUpgrade(path: string, req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** True when the request was the inspector's and has been answered. */
  handleRequest(path: string, req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  close(): Promise<void>;
}

export function createInspectorService(log: Logger, options: InspectorServiceOptions = {}): InspectorService {
  const relay = new InspectorRelay({ ...options, log });
  return {
    relay,
    handleUpgrade: (path, req, socket, head) => relay.handleUpgrade(path, req, socket, head),
    handleRequest: (path, req, res) => (path === INSPECT_PAGE_PATH || path.startsWith(`${INSPECT_PAGE_PATH}/`) ? serveInspectorAsset(path, req, res) : Promise.resolve(false)),
    close: () => relay.close(),
  };
}
