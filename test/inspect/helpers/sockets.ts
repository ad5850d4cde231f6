// Raw sockets for the inspector tests: an SDK-side sender and a page-side viewer that records every relay
// message and waits (bounded) for the ones a test expects.

import WebSocket from 'ws';
import type { ViewerMessage } from '../../../src/inspect/protocol';

/** `prepare` runs before the socket opens: a listener added after 'open' could miss the first frames. */
export function open(url: string, prepare: (ws: WebSocket) => void = () => undefined): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    prepare(ws);
    const timer = setTimeout(() => reject(new Error(`${url}: not open within 3 s`)), 3000);
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(ws);
    });
    ws.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

export function closeSocket(ws: WebSocket): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    ws.close();
  });
}

export class Viewer {
  readonly messages: ViewerMessage[] = [];
  private ws: WebSocket | null = null;

  static async connect(url: string): Promise<Viewer> {
    const viewer = new Viewer();
    viewer.ws = await open(url, (ws) => ws.on('message', (data) => viewer.messages.push(JSON.parse(data.toString()) as ViewerMessage)));
    return viewer;
  }

  events(): Array<Extract<ViewerMessage, { type: 'event' }>> {
    return this.messages.filter((m): m is Extract<ViewerMessage, { type: 'event' }> => m.type === 'event');
  }

  async until<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 3000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`viewer: ${what} not seen within ${timeoutMs} ms; got ${this.messages.map((m) => m.type).join(',')}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  close(): Promise<void> {
    return this.ws ? closeSocket(this.ws) : Promise.resolve();
  }
}

/** A Stately-shaped event, as the SDK adapter sends it. */
export function statelyEvent(type: '@xstate.actor' | '@xstate.snapshot' | '@xstate.event', sessionId: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ type, sessionId, rootId: 'x:0', createdAt: String(Date.now()), _version: '0.7.2', id: null, ...extra });
}
