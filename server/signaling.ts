// WebSocket connections: framing limits, rate limiting, heartbeat watchdog, slow-consumer protection, and
// dispatch of parsed requests to the room logic. Nothing a client sends can throw out of here: every bad
// frame gets an error response with its code, and only abuse closes the socket.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket, type RawData } from 'ws';
import { ErrorCode } from '../src/core/errors';
import { MAX_FRAME_BYTES, encodeError, encodeResponse, parseRequest, type Request } from '../src/core/protocol';
import type { ServerConfig } from './config';
import type { Logger } from './log';
import type { Reply, RoomService } from './rooms';
import type { Session, SessionLink } from './sessions';

/** The websocket path on the HTTP server. */
export const SIGNALING_PATH = '/v1/signaling';
/** Responses to frames whose request id could not be read carry this id (client ids are >= 0). */
export const NO_REQUEST_ID = -1;
/**
 * ws closes the socket itself past maxPayload, before we could answer; so ws gets some headroom and frames
 * between MAX_FRAME_BYTES and this are answered FRAME_TOO_LARGE before closing.
 */
const HARD_MAX_PAYLOAD = 4 * MAX_FRAME_BYTES;
/** Requests waiting behind a slow one on the same connection; more is refused rather than queued. */
const MAX_QUEUED_REQUESTS = 64;

export const CLOSE_GOING_AWAY = 1001;
export const CLOSE_POLICY = 1008;
export const CLOSE_TOO_BIG = 1009;

export interface SignalingServerOptions {
  config: ServerConfig;
  rooms: RoomService;
  log: Logger;
}

export class SignalingServer {
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<Connection>();
  private nextConnectionId = 1;

  constructor(private readonly options: SignalingServerOptions) {
    // perMessageDeflate stays off (the ws default for servers): compression would let small frames inflate past the limits.
    this.wss = new WebSocketServer({ noServer: true, maxPayload: HARD_MAX_PAYLOAD, clientTracking: false });
    this.wss.on('error', (error) => options.log.warn('websocket server error', error));
    this.wss.on('connection', (ws: WebSocket) => this.accept(ws));
  }

  /** Hand an HTTP upgrade on SIGNALING_PATH to the websocket server. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (error) => this.options.log.debug('upgrade socket error', error));
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Close every socket (1001), giving clients a moment to answer the close before cutting them. */
  async close(): Promise<void> {
    const pending = [...this.connections].map((conn) => conn.shutdown());
    await Promise.all(pending);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private accept(ws: WebSocket): void {
    const conn = new Connection(this.nextConnectionId++, ws, this.options);
    this.connections.add(conn);
    ws.once('close', () => {
      this.connections.delete(conn);
      conn.onClosed();
    });
  }
}

/** One client socket. Exported for tests that drive it with a stub socket (slow consumers). */
export class Connection implements SessionLink {
  session: Session | null = null;
  private closing = false;
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private tokens: number;
  private refilledAt = Date.now();
  private strikes = 0;
  private struckAt = 0;
  private readonly watchdog: NodeJS.Timeout;
  private readonly config: ServerConfig;
  private readonly log: Logger;
  private readonly rooms: RoomService;
  private closedResolve: (() => void) | null = null;
  private readonly closed = new Promise<void>((resolve) => {
    this.closedResolve = resolve;
  });

  constructor(
    readonly id: number,
    private readonly ws: WebSocket,
    options: Pick<SignalingServerOptions, 'config' | 'rooms' | 'log'>,
  ) {
    this.config = options.config;
    this.log = options.log;
    this.rooms = options.rooms;
    this.tokens = this.config.rateLimit.burst;
    // A client that sends nothing for 3 heartbeat intervals is gone (mobile sockets die without a FIN).
    this.watchdog = setTimeout(() => {
      this.log.info(`connection ${id}: silent for ${3 * this.config.heartbeatIntervalMs} ms, dropping it`);
      this.ws.terminate();
    }, 3 * this.config.heartbeatIntervalMs);
    this.watchdog.unref();
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('ping', () => this.watchdog.refresh());
    ws.on('pong', () => this.watchdog.refresh());
    // Without a listener an 'error' event would crash the process; ws closes the socket after it anyway.
    ws.on('error', (error) => this.log.debug(`connection ${id}: ${error.message}`));
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && !this.closing;
  }

  send(text: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    if (this.ws.bufferedAmount > this.config.maxBufferedBytes) {
      // A client that does not read would make us buffer without bound; it can resume on a new socket.
      this.log.warn(`connection ${this.id}: ${this.ws.bufferedAmount} bytes unsent, disconnecting a slow consumer`);
      this.ws.terminate();
      return;
    }
    this.ws.send(text);
  }

  close(code: number, reason: string): void {
    if (this.closing) return;
    this.closing = true;
    try {
      this.ws.close(code, reason);
    } catch {
      this.ws.terminate();
    }
  }

  onClosed(): void {
    clearTimeout(this.watchdog);
    this.closing = true;
    this.rooms.connectionClosed(this);
    this.closedResolve?.();
  }

  async shutdown(): Promise<void> {
    this.close(CLOSE_GOING_AWAY, 'server shutting down');
    const cut = setTimeout(() => this.ws.terminate(), 500);
    await this.closed;
    clearTimeout(cut);
  }

  // --- frames -----------------------------------------------------------------------------------------------

  private onFrame(data: RawData, isBinary: boolean): void {
    this.watchdog.refresh();
    if (this.closing) return;
    const bytes = toBuffer(data);
    if (bytes.length > MAX_FRAME_BYTES) {
      this.send(encodeError(NO_REQUEST_ID, ErrorCode.FRAME_TOO_LARGE, `frames are limited to ${MAX_FRAME_BYTES} bytes (got ${bytes.length})`));
      this.close(CLOSE_TOO_BIG, 'frame too large');
      return;
    }
    const text = bytes.toString('utf8');
    const admitted = this.admit(Date.now());
    if (admitted !== 'ok') {
      const id = peekId(text);
      if (admitted === 'abuse') {
        this.send(encodeError(id, ErrorCode.RATE_LIMITED, 'sustained flooding: closing the connection'));
        this.log.warn(`connection ${this.id}: closed for flooding`);
        this.close(CLOSE_POLICY, 'rate limit exceeded');
      } else {
        this.send(encodeError(id, ErrorCode.RATE_LIMITED, `more than ${this.config.rateLimit.perSecond} messages per second`));
      }
      return;
    }
    if (isBinary) {
      this.send(encodeError(peekId(text), ErrorCode.BAD_REQUEST, 'binary frames are not accepted: send JSON text'));
      return;
    }
    const parsed = parseRequest(text);
    if (!parsed.ok) {
      this.send(encodeError(parsed.id ?? NO_REQUEST_ID, parsed.code, parsed.message));
      return;
    }
    if (this.queued >= MAX_QUEUED_REQUESTS) {
      this.send(encodeError(parsed.request.id, ErrorCode.RATE_LIMITED, 'too many requests waiting on this connection'));
      return;
    }
    // One request at a time per connection, so a client's requests take effect in the order it sent them.
    this.queued += 1;
    this.queue = this.queue
      .then(() => this.dispatch(parsed.request))
      .catch((error: unknown) => {
        this.log.error(`connection ${this.id}: request ${parsed.request.type} failed`, error);
        this.send(encodeError(parsed.request.id, ErrorCode.INTERNAL, 'the server failed while handling the request'));
      })
      .finally(() => {
        this.queued -= 1;
      });
  }

  /** Token bucket; refusals decay at the same rate, and a backlog of them past the threshold is abuse. */
  private admit(now: number): 'ok' | 'limited' | 'abuse' {
    const { perSecond, burst, abuseThreshold } = this.config.rateLimit;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAt) / 1000) * perSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 'ok';
    }
    this.strikes = Math.max(0, this.strikes - ((now - this.struckAt) / 1000) * perSecond) + 1;
    this.struckAt = now;
    return this.strikes > abuseThreshold ? 'abuse' : 'limited';
  }

  private async dispatch(req: Request): Promise<void> {
    const reply = this.replyTo(req.id);
    const rooms = this.rooms;
    switch (req.type) {
      case 'ping':
        return reply.ok({ now: Date.now() });
      case 'join':
        return rooms.join(this, req, reply);
      case 'resume':
        return rooms.resume(this, req, reply);
      case 'leave':
        return rooms.leave(this, reply);
      case 'publish':
        return rooms.publish(this, req, reply);
      case 'unpublish':
        return rooms.unpublish(this, req, reply);
      case 'mute':
        return rooms.mute(this, req, reply);
      case 'subscribe':
        return rooms.subscribe(this, req, reply);
      case 'unsubscribe':
        return rooms.unsubscribe(this, req, reply);
      case 'renew-user-sig':
        return rooms.renewUserSig(this, req, reply);
      case 'set-visibility':
        return rooms.setVisibility(this, req, reply);
      case 'media-state':
        return rooms.mediaState(this, req, reply);
      case 'net-stats':
        return rooms.netStats(this, req, reply);
    }
  }

  private replyTo(id: number): Reply<unknown> {
    return {
      ok: (result) => this.send(encodeResponse(id, result)),
      fail: (code, message) => this.send(encodeError(id, code, message)),
    };
  }
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** The request id of a frame we refuse without parsing it fully, so the client can match the refusal. */
function peekId(text: string): number {
  try {
    const frame: unknown = JSON.parse(text);
    if (typeof frame === 'object' && frame !== null && 'id' in frame) {
      const id = (frame as { id: unknown }).id;
      if (Number.isSafeInteger(id) && (id as number) >= 0) return id as number;
    }
  } catch {
    // Not JSON: no id to give.
  }
  return NO_REQUEST_ID;
}
