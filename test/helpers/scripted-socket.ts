// A socket the test plays the server on: it records every request the websocket driver sends and lets the test
// open it, answer or refuse requests, push notifications (well-formed or not) and cut it.

import { createWebSocketSignaling, type WebSocketSignalingOptions } from '../../src/services/signaling/websocket';
import type { SocketLike } from '../../src/wx/socket';

export interface SentRequest {
  id: number;
  type: string;
  [field: string]: unknown;
}

export class ScriptedSocket implements SocketLike {
  readonly sent: SentRequest[] = [];
  closed = false;
  opened = false;
  dropped = false;
  private readonly listeners = {
    open: [] as Array<() => void>,
    message: [] as Array<(text: string) => void>,
    close: [] as Array<(info: { code: number; reason: string }) => void>,
    error: [] as Array<(message: string) => void>,
  };

  constructor(readonly index: number) {}

  // --- SocketLike, as the driver sees it
  send(text: string): void {
    if (this.closed || this.dropped) throw new Error('socket is closed');
    this.sent.push(JSON.parse(text) as SentRequest);
  }
  close(): void {
    this.closed = true;
  }
  onOpen(listener: () => void): void {
    this.listeners.open.push(listener);
  }
  onMessage(listener: (text: string) => void): void {
    this.listeners.message.push(listener);
  }
  onClose(listener: (info: { code: number; reason: string }) => void): void {
    this.listeners.close.push(listener);
  }
  onError(listener: (message: string) => void): void {
    this.listeners.error.push(listener);
  }

  // --- the server side
  get live(): boolean {
    return !this.closed && !this.dropped;
  }
  open(): void {
    if (this.opened || !this.live) return;
    this.opened = true;
    for (const l of [...this.listeners.open]) l();
  }
  drop(code = 1006): void {
    if (this.dropped) return;
    this.dropped = true;
    for (const l of [...this.listeners.close]) l({ code, reason: 'gone' });
  }
  error(message = 'network error'): void {
    for (const l of [...this.listeners.error]) l(message);
  }
  lastOf(type: string): SentRequest | undefined {
    return [...this.sent].reverse().find((r) => r.type === type);
  }
  /** Requests of `type` not answered yet. */
  unanswered(type?: string): SentRequest[] {
    return this.sent.filter((r) => !this.answered.has(r.id) && (type === undefined || r.type === type));
  }
  private readonly answered = new Set<number>();
  reply(request: SentRequest, result: unknown): void {
    this.answered.add(request.id);
    this.push({ v: 1, id: request.id, type: 'response', ok: true, result });
  }
  refuse(request: SentRequest, code: number, message = 'refused'): void {
    this.answered.add(request.id);
    this.push({ v: 1, id: request.id, type: 'response', ok: false, error: { code, message } });
  }
  notify(seq: number, body: Record<string, unknown>): void {
    this.push({ v: 1, seq, ...body });
  }
  /** Any text as a frame: malformed JSON, wrong versions, unknown types. */
  raw(text: string): void {
    if (!this.live) return;
    for (const l of [...this.listeners.message]) l(text);
  }
  private push(frame: unknown): void {
    this.raw(JSON.stringify(frame));
  }
}

/**
 * The websocket driver on scripted sockets: every socket it opens is pushed to `sockets` (index = how many
 * opened before), for the test to play the server on. `options` override the defaults (an iOS phone).
 */
export function scriptedSignaling(options: Partial<WebSocketSignalingOptions> = {}): { signaling: ReturnType<typeof createWebSocketSignaling>; sockets: ScriptedSocket[] } {
  const sockets: ScriptedSocket[] = [];
  const signaling = createWebSocketSignaling({
    url: 'ws://signaling.test',
    connect: () => {
      const socket = new ScriptedSocket(sockets.length);
      sockets.push(socket);
      return socket;
    },
    platform: 'ios',
    ...options,
  });
  return { signaling, sockets };
}
