// A protocol client for Node: one socket to the dev server, typed requests that resolve with their
// answer, and a notification listener. The headless runtime's TRTC emulation and the demo's scripted
// participants use it; it speaks exactly src/core/protocol.ts.

import WebSocket from 'ws';
import {
  encodeRequest,
  parseServerFrame,
  REQUEST_TIMEOUT_MS,
  type Notification,
  type RequestBody,
  type ResultByType,
  type WireError,
} from '../core/protocol';

/** A request the dev server refused, with its code. */
export class RoomRequestError extends Error {
  constructor(
    /** The server's error code, from ErrorCode (8xxx). */
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'RoomRequestError';
  }
}

/** A raw client of the dev server's signaling protocol: a participant without an SDK (tests, the demo, load). */
export class RoomClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly listeners = new Set<(n: Notification) => void>();
  private readonly closeListeners = new Set<() => void>();

  private constructor(private readonly socket: WebSocket, private readonly timeoutMs: number) {
    socket.on('message', (data, isBinary) => {
      if (!isBinary) this.onFrame(data.toString());
    });
    socket.on('close', () => {
      for (const [id, p] of this.pending) {
        clearTimeout(p.timer);
        p.reject(new RoomRequestError(-1, 'socket closed'));
        this.pending.delete(id);
      }
      for (const listener of [...this.closeListeners]) listener();
    });
    socket.on('error', () => undefined);
  }

  /** Open a socket to the signaling url; resolves once it is open. */
  static connect(url: string, timeoutMs = REQUEST_TIMEOUT_MS): Promise<RoomClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const fail = (error: Error) => reject(error);
      socket.once('error', fail);
      socket.once('open', () => {
        socket.off('error', fail);
        resolve(new RoomClient(socket, timeoutMs));
      });
    });
  }

  /** Whether the socket is open. */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Send a request (join, publish, subscribe ...); resolves with its result, rejects with a RoomRequestError. */
  request<T extends keyof ResultByType>(body: Extract<RequestBody, { type: T }>): Promise<ResultByType[T]> {
    return new Promise((resolve, reject) => {
      if (!this.open) {
        reject(new RoomRequestError(-1, 'socket is not open'));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RoomRequestError(-1, `${body.type} timed out`));
      }, this.timeoutMs);
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
      this.socket.send(encodeRequest(id, body));
    });
  }

  /** Listen to the server's notifications (user-joined, stream-added ...); returns the unsubscribe. */
  onNotification(listener: (n: Notification) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when the socket closes; returns the unsubscribe. */
  onClose(listener: () => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Close the socket with a handshake. */
  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close();
  }

  /** Cut the socket without a close handshake, as a lost network does. */
  drop(): void {
    this.socket.terminate();
  }

  private onFrame(text: string): void {
    const frame = parseServerFrame(text);
    if (!frame) return;
    if (frame.type === 'response') {
      const pending = this.pending.get(frame.id);
      if (!pending) return;
      this.pending.delete(frame.id);
      clearTimeout(pending.timer);
      if (frame.ok) pending.resolve(frame.result);
      else {
        const error: WireError = frame.error;
        pending.reject(new RoomRequestError(error.code, error.message));
      }
      return;
    }
    for (const listener of [...this.listeners]) listener(frame);
  }
}
