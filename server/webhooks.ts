// Business callbacks (volc 3.2.0): room, user and stream events of sessions that set a business id are
// POSTed as signed JSON to a configured url, from a bounded queue with retries and backoff. Signaling only
// ever enqueues: a slow or dead receiver can delay callbacks, never a join.
//
// POST <webhookUrl>
//   content-type: application/json
//   x-wxrtc-signature: t=<unix seconds>,v1=<hex HMAC-SHA256(webhookSecret, "<t>.<raw body>")>
// body: { eventId (the same on every retry of one event: receivers deduplicate by it), eventType,
//         attempt (1..webhookMaxAttempts), timestamp (unix ms), sequence (per server, for ordering),
//         sdkAppID, businessId, room: { roomKey, roomID, strRoomID }, userID, data }
// The signature covers the time it was made and the whole body, and nothing that matters travels outside
// the body: a captured delivery verifies only within the receiver's tolerance (verifyWebhookSignature,
// 60 s by default), and within it the eventId tells a replay from a new event. The scheme is Stripe's.
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
  /** 1 for the first delivery of the event, then one more per retry. */
  attempt: number;
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
  body: Omit<WebhookBody, 'attempt'>;
  attempt: number;
}

/** How far a signature's time may be from the receiver's clock, by default. */
export const DEFAULT_WEBHOOK_TOLERANCE_SEC = 60;

function hmac(secret: string, timestampSec: number, rawBody: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestampSec}.`).update(rawBody).digest('hex');
}

/** The x-wxrtc-signature value for a body sent at `timestampSec` (unix seconds, default now). */
export function signWebhookBody(rawBody: string | Buffer, secret: string, timestampSec = Math.floor(Date.now() / 1000)): string {
  return `t=${timestampSec},v1=${hmac(secret, timestampSec, rawBody)}`;
}

export interface VerifyWebhookOptions {
  /** Accept signatures made at most this many seconds from `now` (either way). Default 60. */
  toleranceSec?: number;
  /** The receiver's clock, unix ms (tests). Default Date.now(). */
  now?: number;
}

/**
 * For receivers: check x-wxrtc-signature against the raw body (before any JSON parsing) and the signature's
 * age. Several v1= entries may be given (a secret being rotated); one matching is enough. Then deduplicate on
 * the body's eventId: within the tolerance a captured delivery still verifies.
 */
export function verifyWebhookSignature(rawBody: string | Buffer, header: string | undefined, secret: string, options: VerifyWebhookOptions = {}): boolean {
  if (typeof header !== 'string' || header.length > 1024) return false;
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (name === 'v1' && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === null || signatures.length === 0) return false;
  const tolerance = options.toleranceSec ?? DEFAULT_WEBHOOK_TOLERANCE_SEC;
  const nowSec = (options.now ?? Date.now()) / 1000;
  if (!(Math.abs(nowSec - timestamp) <= tolerance)) return false;
  const expected = Buffer.from(hmac(secret, timestamp, rawBody));
  let ok = false;
  // Every entry is compared (no early exit), each in constant time.
  for (const signature of signatures) ok = timingSafeEqual(Buffer.from(signature), expected) || ok;
  return ok;
}

/** The delay before retry number `attempt` (after attempt `attempt` failed): base, 2 base, 4 base ... */
export function webhookRetryDelayMs(baseDelayMs: number, attempt: number): number {
  return baseDelayMs * 2 ** (attempt - 1);
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
    const body: Delivery['body'] = {
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
    this.queue.push({ body, attempt: 0 });
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
    // The attempt and the signing time change per delivery: both are inside what is signed.
    const { eventId, eventType, ...rest } = delivery.body;
    const body: WebhookBody = { eventId, eventType, attempt: delivery.attempt, ...rest };
    const raw = JSON.stringify(body);
    // agent:false: one connection per delivery, so a dead receiver cannot hold pooled sockets open.
    const req = send(url, {
      method: 'POST',
      agent: false,
      timeout: this.options.timeoutMs,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(raw),
        'user-agent': 'wxrtc-dev-server',
        [SIGNATURE_HEADER]: signWebhookBody(raw, this.options.secret),
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
    req.end(raw);
  }

  private retry(delivery: Delivery, why: string): void {
    if (this.closed) return;
    if (delivery.attempt >= this.options.maxAttempts) {
      this.counts.failed += 1;
      this.log.warn(`webhook ${delivery.body.eventType} ${delivery.body.eventId} failed after ${delivery.attempt} attempts (${why})`);
      return;
    }
    const delay = webhookRetryDelayMs(this.options.baseDelayMs, delivery.attempt);
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
