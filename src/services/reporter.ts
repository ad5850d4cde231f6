// Client event reporting (volc 3.1.0): what happened in the room — joins, leaves, errors, stream failures,
// connection changes — batched and POSTed to an endpoint the app configures. Off unless an endpoint is
// given; a failed post is retried with the next batch and the buffer is bounded, so reporting can never
// grow memory or slow the call.

import { postJson } from '../wx/request';
import { logger } from '../core/log';

/** The `report` option of `new TRTC(page, { report })`: where and how often client events are posted. */
export interface ReporterOptions {
  /** Where batches go (the dev server accepts them at /v1/reports). */
  endpoint: string;
  /** Flush at most this often. */
  flushIntervalMs?: number;
  /** Flush as soon as this many events wait. */
  maxBatch?: number;
  /** Events kept while the endpoint is unreachable; the oldest are dropped past this. */
  maxBuffered?: number;
  /** Sends a batch; defaults to wx.request. Returns the HTTP status. */
  post?: (url: string, body: unknown) => Promise<number>;
}

/** Who a batch is about, and the userSig that vouches for it. */
export interface ReporterIdentity {
  sdkAppID: number;
  userID: string;
  roomID: string;
  userSig: string;
}

/** One reported event: its type, when, and its fields. */
export interface ReportedEvent {
  type: string;
  at: number;
  [field: string]: unknown;
}

/** Batches client events and posts them to the configured endpoint; bounded, never blocking the call. */
export class Reporter {
  private buffer: ReportedEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private sending = false;
  private closed = false;
  private identity: ReporterIdentity | { sdkAppID: null; userID: null; roomID: null; userSig: null } = { sdkAppID: null, userID: null, roomID: null, userSig: null };
  private readonly flushIntervalMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  private readonly post: (url: string, body: unknown) => Promise<number>;

  constructor(private readonly options: ReporterOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 5_000;
    this.maxBatch = options.maxBatch ?? 20;
    this.maxBuffered = options.maxBuffered ?? 500;
    this.post = options.post ?? postJson;
  }

  /**
   * Who the events are about; set when a room is entered. The userSig signs the batches (the dev server takes
   * reports only from users it would let in), so point `endpoint` only at your own server.
   */
  identify(identity: ReporterIdentity): void {
    this.identity = identity;
  }

  /** Queue one event; a batch is posted when full or after the flush interval. */
  record(event: ReportedEvent): void {
    if (this.closed) return;
    this.buffer.push(event);
    if (this.buffer.length > this.maxBuffered) this.buffer.splice(0, this.buffer.length - this.maxBuffered);
    if (this.buffer.length >= this.maxBatch) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  /** Send what is waiting now (also called on exit and destroy). */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.sending || this.buffer.length === 0) return;
    const batch = this.buffer.splice(0, this.maxBatch);
    this.sending = true;
    let failed = false;
    try {
      const status = await this.post(this.options.endpoint, { ...this.identity, events: batch });
      if (status < 200 || status >= 300) throw new Error(`status ${status}`);
    } catch (error) {
      failed = true;
      logger.info('event report failed; kept for the next batch', error);
      this.buffer.unshift(...batch.slice(0, Math.max(0, this.maxBuffered - this.buffer.length)));
    } finally {
      this.sending = false;
    }
    // Closed: that was the last attempt. After a failure, wait a whole interval: an endpoint that is down
    // must not be hammered, and must not keep a timer alive for ever once the room is gone.
    if (this.closed) return;
    if (!failed && this.buffer.length >= this.maxBatch) void this.flush();
    else if (this.buffer.length > 0) this.timer ??= setTimeout(() => void this.flush(), this.flushIntervalMs);
  }

  /** One last attempt to send what is queued, then nothing more: no timer outlives this. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    this.buffer = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
