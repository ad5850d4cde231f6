// 'wxrtc/inspect/node': the inspector's socket on Node (tests, scripts, the actor API in a server), over
// the `ws` package. Its own entry so that no mini-program bundle ever reaches `ws`.

/**
 * The inspector on Node: its socket over the `ws` package.
 * @module wxrtc/inspect/node
 */

import WebSocket from 'ws';
import type { SocketFactory } from '../wx/socket';
import { createInspector, type InspectorOptions, type WxrtcInspector } from './index';

/** A SocketFactory over `ws`: text frames only, every failure reported through onError/onClose. */
export const wsTransport: SocketFactory = (url) => {
  const socket = new WebSocket(url);
  // Without a listener a refused connection would be an uncaught 'error' event.
  socket.on('error', () => undefined);
  return {
    send: (text) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
      else throw new Error('socket is not open');
    },
    close: (code = 1000, reason = '') => {
      if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
      else socket.close(code, reason);
    },
    onOpen: (listener) => socket.on('open', () => listener()),
    onMessage: (listener) =>
      socket.on('message', (data, isBinary) => {
        if (!isBinary) listener(data.toString());
      }),
    onClose: (listener) => socket.on('close', (code, reason) => listener({ code, reason: reason.toString() })),
    onError: (listener) => socket.on('error', (error) => listener(error.message)),
  };
};

/** createInspector with the `ws` transport. */
export function createNodeInspector(options: Omit<InspectorOptions, 'transport'>): WxrtcInspector {
  return createInspector({ ...options, transport: wsTransport });
}

export { createInspector, INSPECT_PATH, type InspectorOptions, type InspectObserver, type WxrtcInspector } from './index';
