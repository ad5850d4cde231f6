// A WebSocket through wx.connectSocket, reduced to what the websocket driver needs. In a mini-program the
// socket's domain must be listed as a socket domain in the mini-program console (README explains).

import { hasWx } from './host';

/** A text WebSocket, as the websocket driver and the inspector use one: wx.connectSocket's task, or `ws` on Node. */
export interface SocketLike {
  /** Send one text frame. */
  send(text: string): void;
  /** Close (1000 unless told). */
  close(code?: number, reason?: string): void;
  /** Called once the socket is open. */
  onOpen(listener: () => void): void;
  /** Called with every text frame. */
  onMessage(listener: (text: string) => void): void;
  /** Called once the socket has closed, with its close code and reason. */
  onClose(listener: (info: { code: number; reason: string }) => void): void;
  /** Called when the socket fails (a close follows). */
  onError(listener: (message: string) => void): void;
}

/** Opens a {@link SocketLike} to a url: the `connect` option of the websocket driver, the inspector's `transport`. */
export type SocketFactory = (url: string) => SocketLike;

/** Open a socket with wx.connectSocket. Binary frames are ignored: the protocol is JSON text. */
export const connectWxSocket: SocketFactory = (url) => {
  if (!hasWx() || typeof wx.connectSocket !== 'function') throw new Error('wx.connectSocket is not available');
  const task = wx.connectSocket({ url, fail: () => undefined });
  return {
    send: (text) => task.send({ data: text }),
    close: (code = 1000, reason = '') => task.close({ code, reason }),
    onOpen: (listener) => task.onOpen(() => listener()),
    onMessage: (listener) =>
      task.onMessage((message) => {
        if (typeof message.data === 'string') listener(message.data);
      }),
    onClose: (listener) => task.onClose((info) => listener({ code: info.code, reason: info.reason })),
    onError: (listener) => task.onError((error) => listener(error.errMsg)),
  };
};
