// A raw protocol client for the dev server tests: typed requests over a real `ws` socket, every notification
// recorded, and waits that always end (a bounded timeout fails the test instead of hanging it).

import WebSocket from 'ws';
import {
  PROTOCOL_VERSION,
  encodeRequest,
  parseServerFrame,
  type Notification,
  type NotificationType,
  type RequestBody,
  type Response,
  type ResultByType,
  type WireError,
} from '../../../src/core/protocol';

export const WAIT_MS = 3_000;

type Waiter = { match: (frame: unknown) => boolean; resolve: (frame: unknown) => void; reject: (error: Error) => void };
type BodyOf<T extends RequestBody['type']> = Extract<RequestBody, { type: T }>;
export type NotificationOf<T extends NotificationType> = Extract<Notification, { type: T }>;

export class TestClient {
  /** Every notification received, in order. */
  readonly notifications: Notification[] = [];
  /** Every response received, including ones to raw frames. */
  readonly responses: Response[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  closeInfo: { code: number; reason: string } | null = null;
  private nextId = 1;
  private waiters: Waiter[] = [];

  private constructor(
    readonly ws: WebSocket,
    readonly label: string,
  ) {
    this.closed = new Promise((resolve) => {
      ws.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        resolve(this.closeInfo);
        // Nothing more can arrive: fail the waits now rather than leave their timers running.
        const waiters = this.waiters;
        this.waiters = [];
        for (const waiter of waiters) waiter.reject(new Error(`${label}: socket closed (${code})`));
      });
    });
    ws.on('error', () => undefined);
    ws.on('message', (data) => {
      const frame = parseServerFrame(data.toString());
      if (!frame) throw new Error(`${label}: unreadable frame ${data.toString()}`);
      if (frame.type === 'response') this.responses.push(frame);
      else this.notifications.push(frame);
      for (const waiter of [...this.waiters]) {
        if (waiter.match(frame)) {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          waiter.resolve(frame);
        }
      }
    });
  }

  static connect(url: string, label = 'client'): Promise<TestClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const client = new TestClient(ws, label);
      const timer = setTimeout(() => reject(new Error(`${label}: no connection in ${WAIT_MS} ms`)), WAIT_MS);
      ws.once('open', () => {
        clearTimeout(timer);
        resolve(client);
      });
      ws.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Send a request and wait for the response with its id. */
  request<T extends RequestBody['type']>(body: BodyOf<T>, timeoutMs = WAIT_MS): Promise<Response> {
    const id = this.nextId++;
    const response = this.waitFrame<Response>((f) => isResponse(f) && f.id === id, `response to ${body.type} #${id}`, timeoutMs);
    this.ws.send(encodeRequest(id, body));
    return response;
  }

  /** A request that must succeed; returns its typed result. */
  async ok<T extends RequestBody['type']>(body: BodyOf<T>): Promise<ResultByType[T]> {
    const response = await this.request(body);
    if (!response.ok) throw new Error(`${this.label}: ${body.type} failed with ${response.error.code}: ${response.error.message}`);
    return response.result as ResultByType[T];
  }

  /** A request that must fail; returns its error. */
  async fails<T extends RequestBody['type']>(body: BodyOf<T>): Promise<WireError> {
    const response = await this.request(body);
    if (response.ok) throw new Error(`${this.label}: ${body.type} succeeded (${JSON.stringify(response.result)}) but should have failed`);
    return response.error;
  }

  /** Wait for a response matching `match` (for raw frames, whose ids the test chose or the server could not read). */
  waitResponse(match: (r: Response) => boolean, what: string, timeoutMs = WAIT_MS): Promise<Response> {
    const seen = this.responses.find(match);
    if (seen) return Promise.resolve(seen);
    return this.waitFrame<Response>((f) => isResponse(f) && match(f), what, timeoutMs);
  }

  /** The first notification of `type` matching `match`, received already or within the timeout. */
  waitFor<T extends NotificationType>(type: T, match: (n: NotificationOf<T>) => boolean = () => true, timeoutMs = WAIT_MS): Promise<NotificationOf<T>> {
    const matches = (f: unknown): f is NotificationOf<T> => isNotification(f) && f.type === type && match(f as NotificationOf<T>);
    const seen = this.notifications.find(matches);
    if (seen) return Promise.resolve(seen as NotificationOf<T>);
    return this.waitFrame<NotificationOf<T>>(matches, `${type} notification`, timeoutMs);
  }

  /**
   * Everything the server sent this client before now has arrived once this resolves: a ping's response
   * travels the same socket behind it. Used instead of sleeping to assert that something was NOT sent.
   */
  async sync(): Promise<void> {
    await this.ok({ type: 'ping' });
  }

  of<T extends NotificationType>(type: T): Array<NotificationOf<T>> {
    return this.notifications.filter((n): n is NotificationOf<T> => n.type === type);
  }

  get lastSeq(): number {
    return this.notifications.reduce((max, n) => Math.max(max, n.seq), 0);
  }

  /** Close the socket without `leave` (as a dropped network would) and wait until it is closed. */
  async drop(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.terminate();
    await this.closed;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000, 'test done');
    const timer = setTimeout(() => this.ws.terminate(), 1_000);
    await this.closed;
    clearTimeout(timer);
  }

  private waitFrame<F>(match: (frame: unknown) => boolean, what: string, timeoutMs: number): Promise<F> {
    return new Promise<F>((resolve, reject) => {
      if (this.closeInfo) {
        reject(new Error(`${this.label}: no ${what}: the socket is closed (${this.closeInfo.code})`));
        return;
      }
      const waiter: Waiter = {
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame as F);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms (closed: ${JSON.stringify(this.closeInfo)})`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}

function isResponse(frame: unknown): frame is Response {
  return typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type === 'response';
}

function isNotification(frame: unknown): frame is Notification {
  return typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type !== 'response' && (frame as { v?: unknown }).v === PROTOCOL_VERSION;
}
