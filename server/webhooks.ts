// Business callbacks (volc 3.2.0): room, user and stream events of sessions that set a business id are
// POSTed as signed JSON to a configured url, from a bounded queue with retries and backoff. Signaling only
// ever enqueues: a slow or dead receiver can delay callbacks, never a join.
//
// POST <webhookUrl>
//   content-type: application/json
//   x-wxrtc-signature: sha256=<hex HMAC-SHA256(webhookSecret, raw body)>
//   x-wxrtc-event-id: <eventId>   (the same on every retry of one event: receivers deduplicate by it)
//   x-wxrtc-event-type: <eventType>
//   x-wxrtc-attempt: <1..webhookMaxAttempts>
// body: { eventId, eventType, timestamp (unix ms), sequence (per server, for ordering), sdkAppID,
//         businessId, room: { roomKey, roomID, strRoomID }, userID, data }
// Any 2xx is delivered; anything else (or no answer within webhookTimeoutMs) is retried after
// webhookBaseDelayMs * 2^(attempt-1), up to webhookMaxAttempts attempts.

import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Logger } from './log';
import type { RoomEvent, RoomEventType } from './rooms';

export const SIGNATURE_HEADER = 'x-wxrtc-signature';

export interface WebhookBody {
  eventId: string;
  eventType: RoomEventType;
  timestamp: number;
  sequence: number;
  sdkAppID: number;
  businessId: string | null;
  room: { roomKey: string; roomID: number | null; strRoomID: string | null };
  userID: string | null;
  data: Record<string, unknown>;
}

export interface WebhookOptions {
  url: string | null;
  secret: string;
  sdkAppID: number;
  sendAll: boolean;
  maxAttempts: number;
  baseDelayMs: number;
  timeoutMs: number;
  queueLimit: number;
  concurrency?: number;
}

export interface WebhookStats {
  queued: number;
  inFlight: number;
  waitingRetry: number;
  delivered: number;
  failed: number;
  dropped: number;
}

interface Delivery {
  body: WebhookBody;
  raw: string;
  attempt: number;
}

export function signWebhookBody(rawBody: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
}

/** For receivers: check x-wxrtc-signature against the raw body (before any JSON parsing). */
export function verifyWebhookSignature(rawBody: string | Buffer, header: string | undefined, secret: string): boolean {
  if (typeof header !== 'string' || !/^sha256=[0-9a-f]{64}$/.test(header)) return false;
  return timingSafeEqual(Buffer.from(header), Buffer.from(signWebhookBody(rawBody, secret)));
}

export class WebhookQueue {
  private readonly queue: Delivery[] = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<ClientRequest>();
  private sequence = 0;
  private closed = false;
  private readonly counts = { delivered: 0, failed: 0, dropped: 0 };
  private readonly concurrency: number;

  constructor(
    private readonly options: WebhookOptions,
    private readonly log: Logger,
  ) {
    this.concurrency = options.concurrency ?? 4;
  }

  get enabled(): boolean {
    return this.options.url !== null;
  }

  /** Called by the room logic for every event; cheap and synchronous. */
  push(event: RoomEvent): void {
    if (!this.enabled || this.closed) return;
    if (event.businessId === null && !this.options.sendAll) return;
    const body: WebhookBody = {
      eventId: randomUUID(),
      eventType: event.type,
      timestamp: event.at,
      sequence: ++this.sequence,
      sdkAppID: this.options.sdkAppID,
      businessId: event.businessId,
      room: { roomKey: event.room.key, roomID: event.room.roomID, strRoomID: event.room.strRoomID },
      userID: event.userID,
      data: event.data,
    };
    if (this.queue.length >= this.options.queueLimit) {
      // Bounded memory beats completeness for a dev server: the oldest waiting event goes.
      this.queue.shift();
      this.counts.dropped += 1;
      this.log.warn(`webhook queue full (${this.options.queueLimit}): dropped the oldest event`);
    }
    this.queue.push({ body, raw: JSON.stringify(body), attempt: 0 });
    this.pump();
  }

  stats(): WebhookStats {
    return { queued: this.queue.length, inFlight: this.inFlight.size, waitingRetry: this.retryTimers.size, ...this.counts };
  }

  /** Drop what is waiting and abort what is in flight. */
  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const req of this.inFlight) req.destroy();
    this.inFlight.clear();
    this.queue.length = 0;
  }

  private pump(): void {
    while (!this.closed && this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const delivery = this.queue.shift()!;
      delivery.attempt += 1;
      this.post(delivery);
    }
  }

  private post(delivery: Delivery): void {
    const url = new URL(this.options.url!);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let settled = false;
    const done = (ok: boolean, why: string) => {
      if (settled) return;
      settled = true;
      this.inFlight.delete(req);
      if (ok) this.counts.delivered += 1;
      else this.retry(delivery, why);
      this.pump();
    };
    // agent:false: one connection per delivery, so a dead receiver cannot hold pooled sockets open.
    const req = send(url, {
      method: 'POST',
      agent: false,
      timeout: this.options.timeoutMs,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(delivery.raw),
        'user-agent': 'wxrtc-dev-server',
        [SIGNATURE_HEADER]: signWebhookBody(delivery.raw, this.options.secret),
        'x-wxrtc-event-id': delivery.body.eventId,
        'x-wxrtc-event-type': delivery.body.eventType,
        'x-wxrtc-attempt': String(delivery.attempt),
      },
    });
    this.inFlight.add(req);
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      done(status >= 200 && status < 300, `status ${status}`);
    });
    req.on('timeout', () => {
      req.destroy(new Error(`no answer in ${this.options.timeoutMs} ms`));
    });
    req.on('error', (error) => done(false, error.message));
    req.on('close', () => done(false, 'connection closed'));
    req.end(delivery.raw);
  }

  private retry(delivery: Delivery, why: string): void {
    if (this.closed) return;
    if (delivery.attempt >= this.options.maxAttempts) {
      this.counts.failed += 1;
      this.log.warn(`webhook ${delivery.body.eventType} ${delivery.body.eventId} failed after ${delivery.attempt} attempts (${why})`);
      return;
    }
    const delay = this.options.baseDelayMs * 2 ** (delivery.attempt - 1);
    this.log.info(`webhook ${delivery.body.eventType} attempt ${delivery.attempt} failed (${why}); retrying in ${delay} ms`);
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      if (this.closed) return;
      this.queue.push(delivery);
      this.pump();
    }, delay);
    timer.unref();
    this.retryTimers.add(timer);
  }
}
