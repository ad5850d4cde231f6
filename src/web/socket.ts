// The signaling socket in a browser: the websocket driver's SocketFactory on the browser's own WebSocket, so
// the driver runs unchanged (it is given this at its `connect` edge instead of wx.connectSocket).

import type { SocketFactory } from '../wx/socket';

/** Open a text socket with the browser's WebSocket. Binary frames are ignored: the protocol is JSON text. */
export const connectBrowserSocket: SocketFactory = (url) => {
  const socket = new WebSocket(url);
  return {
    send: (text) => {
      if (socket.readyState === WebSocket.OPEN) socket.send(text);
    },
    close: (code = 1000, reason = '') => socket.close(code, reason),
    onOpen: (listener) => socket.addEventListener('open', () => listener()),
    onMessage: (listener) =>
      socket.addEventListener('message', (event: MessageEvent) => {
        if (typeof event.data === 'string') listener(event.data);
      }),
    onClose: (listener) => socket.addEventListener('close', (event: CloseEvent) => listener({ code: event.code, reason: event.reason })),
    onError: (listener) => socket.addEventListener('error', () => listener(`websocket error on ${url}`)),
  };
};
