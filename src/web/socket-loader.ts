// mpegts.js's loader for a play socket (ws://…/v1/media/web/play/…). mpegts.js has a WebSocket loader of its
// own, but it takes every close for the end of the stream: a refused url (4403), a media restart (4502) or a
// cut session all looked like 2006 "ended", so the player chart never saw a failure to retry or report. The
// server says why a socket ends with its close code (docs/web-media.md); this loader keeps it: 1000 is the
// end of the stream, anything else an error whose message carries the code and reason.

import { WebMediaClose } from '../core/web-media';

/** mpegts.js's LoaderStatus and LoaderErrors values (its BaseLoader contract). */
const STATUS = { idle: 0, connecting: 1, buffering: 2, error: 3, complete: 4 } as const;
const EXCEPTION = 'Exception';

/** How a play socket ended, as the player reports it. */
export function playSocketFailure(code: number, reason: string): string {
  if (code === WebMediaClose.REFUSED) return `pull url refused: ${reason || 'refused'}`;
  return `the play socket closed (${code}${reason ? ` ${reason}` : ''})`;
}

/** The close codes that end a stream cleanly: the publisher stopped, or the socket closed without a code. */
function isCleanEnd(code: number): boolean {
  return code === WebMediaClose.ENDED;
}

/**
 * The BaseLoader interface mpegts.js's IOController drives (`config.customLoader`): open, abort, destroy, and
 * the callbacks it sets. Binary messages are the FLV byte stream.
 */
export class PlaySocketLoader {
  _status: number = STATUS.idle;
  _needStash = true;
  onContentLengthKnown: ((length: number) => void) | null = null;
  onURLRedirect: ((url: string) => void) | null = null;
  onDataArrival: ((chunk: ArrayBuffer, byteStart: number, receivedLength?: number) => void) | null = null;
  onError: ((type: string, info: { code: number; msg: string }) => void) | null = null;
  onComplete: ((from: number, to: number) => void) | null = null;
  private socket: WebSocket | null = null;
  private received = 0;

  get type(): string {
    return 'wxrtc-play-socket';
  }

  get status(): number {
    return this._status;
  }

  get needStashBuffer(): boolean {
    return this._needStash;
  }

  isWorking(): boolean {
    return this._status === STATUS.connecting || this._status === STATUS.buffering;
  }

  open(dataSource: { url: string }): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(dataSource.url);
    } catch (error) {
      this._status = STATUS.error;
      this.onError?.(EXCEPTION, { code: -1, msg: `cannot open the play socket: ${String(error)}` });
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    this._status = STATUS.connecting;
    socket.onopen = () => {
      if (this.socket === socket) this._status = STATUS.buffering;
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket || !(event.data instanceof ArrayBuffer)) return;
      const start = this.received;
      this.received += event.data.byteLength;
      this.onDataArrival?.(event.data, start, this.received);
    };
    // The error event says nothing the close event after it does not; the close decides.
    socket.onerror = () => undefined;
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (isCleanEnd(event.code)) {
        this._status = STATUS.complete;
        this.onComplete?.(0, this.received - 1);
        return;
      }
      this._status = STATUS.error;
      this.onError?.(EXCEPTION, { code: event.code, msg: playSocketFailure(event.code, event.reason) });
    };
  }

  abort(): void {
    const socket = this.socket;
    this.socket = null;
    if (socket && (socket.readyState === WebSocket.CONNECTING || socket.readyState === WebSocket.OPEN)) socket.close(1000, 'stopped');
    this._status = STATUS.complete;
  }

  destroy(): void {
    if (this.socket) this.abort();
    this._status = STATUS.idle;
    this.onContentLengthKnown = null;
    this.onURLRedirect = null;
    this.onDataArrival = null;
    this.onError = null;
    this.onComplete = null;
  }
}
