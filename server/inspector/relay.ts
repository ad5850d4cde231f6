// The inspector relay: SDK sessions send inspection events to /v1/inspect, inspector pages watch
// /v1/inspect/view. Each session keeps a bounded history (its actor registrations kept apart, so a page
// opened late can still place every actor), and every page gets the history first, then the live stream.
// Both ends need a credential: pages the view key (they read everything), SDK sessions the publish key (they
// can only add their own sessions, never read). A browser's Origin must be this server's or an allowed one.
// Everything held is bounded: one message, the bytes of one session and of all, the number of sessions.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { HELLO_TYPE, INSPECT_PATH, INSPECT_VIEW_PATH, type SessionInfo, type StatelyMessage, type ViewerMessage } from '../../src/inspect/protocol';
import type { Logger } from '../log';

export interface InspectorRelayOptions {
  log: Logger;
  /** The credential of pages (/v1/inspect/view?key=...): whoever holds it reads every session. */
  viewKey: string;
  /** The credential of SDK sessions (/v1/inspect?key=...): it adds sessions, it reads nothing. */
  publishKey: string;
  /**
   * Browser origins (scheme://host[:port]) allowed besides the server's own (the Origin whose host is the
   * request's Host). A request without Origin is not from a browser page (a mini-program, Node) and passes.
   */
  allowedOrigins?: readonly string[];
  /** Events kept per session (actor registrations are counted apart). Default 5000. */
  historyLimit?: number;
  /** Actor registrations kept per session. Default 500. */
  actorLimit?: number;
  /** Closed sessions kept for late viewers; the oldest go first. Default 20. */
  closedSessionLimit?: number;
  /** Largest accepted message from an SDK session; a larger one closes its socket (1009). Default 256 KiB (the SDK's own limit). */
  maxMessageBytes?: number;
  /** Characters of history kept per session (events and registrations); the oldest events go first. Default 4 MiB. */
  maxSessionBytes?: number;
  /** Characters of history kept over all sessions; closed sessions go first, then the writer's oldest events. Default 64 MiB. */
  maxTotalBytes?: number;
  /** SDK sessions connected at once; more are refused (HTTP 503). Default 64. */
  maxSessions?: number;
  /** Pages connected at once; more are refused (HTTP 503). Default 32. */
  maxViewers?: number;
  /** A page whose unsent data passes this is too slow and is disconnected. Default 32 MiB. */
  maxViewerBufferBytes?: number;
  /** Ping interval for dead-socket detection. Default 30 s. */
  heartbeatMs?: number;
}

const STATELY_TYPES = new Set(['@xstate.actor', '@xstate.snapshot', '@xstate.event']);
/** Close codes: 1001 going away (server closing), 1008 policy (a viewer too slow to keep up). */
const CLOSE_GOING_AWAY = 1001;
const CLOSE_POLICY = 1008;

interface Stored {
  seq: number;
  /** The viewer message, serialized once. */
  text: string;
  /** Held in the event window and/or as an actor's registration: its size counts while either holds it. */
  inEvents: boolean;
  inActors: boolean;
}

class SessionRecord {
  readonly events: Stored[] = [];
  /** Latest registration per actor sessionId, in arrival order. */
  readonly actors = new Map<string, Stored>();
  sockets = 0;
  /** Characters held by events and registrations (each stored message counted once). */
  bytes = 0;

  constructor(readonly info: SessionInfo) {}

  /** Let go of a stored message from one holder; returns the characters freed (when no holder is left). */
  release(stored: Stored, from: 'events' | 'actors'): number {
    if (from === 'events') stored.inEvents = false;
    else stored.inActors = false;
    if (stored.inEvents || stored.inActors) return 0;
    this.bytes -= stored.text.length;
    return stored.text.length;
  }

  /** Drop the oldest event (or, with none left, the oldest registration); the characters freed, or -1 if empty. */
  dropOldest(): number {
    const event = this.events.shift();
    if (event) {
      this.info.dropped++;
      return this.release(event, 'events');
    }
    const first = this.actors.entries().next();
    if (first.done) return -1;
    this.actors.delete(first.value[0]);
    return this.release(first.value[1], 'actors');
  }

  /** The history as a page should see it: registrations no longer in the window first, all in seq order. */
  replay(): Stored[] {
    const oldest = this.events[0]?.seq ?? Number.POSITIVE_INFINITY;
    const early = [...this.actors.values()].filter((a) => a.seq < oldest);
    return [...early, ...this.events].sort((a, b) => a.seq - b.seq);
  }
}

interface Viewer {
  ws: WebSocket;
  /** Only this session, or every session. */
  session: string | null;
  alive: boolean;
}

export class InspectorRelay {
  private readonly wss: WebSocketServer;
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly viewers = new Set<Viewer>();
  private readonly sources = new Map<WebSocket, { record: SessionRecord; alive: boolean }>();
  private nextSession = 1;
  private seq = 0;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly historyLimit: number;
  private readonly actorLimit: number;
  private readonly closedSessionLimit: number;
  private readonly maxViewerBufferBytes: number;
  private readonly maxSessionBytes: number;
  private readonly maxTotalBytes: number;
  private readonly maxSessions: number;
  private readonly maxViewers: number;
  private readonly allowedOrigins: ReadonlySet<string>;
  /** Characters held over all sessions. */
  private totalBytes = 0;

  constructor(private readonly options: InspectorRelayOptions) {
    if (!options.viewKey || !options.publishKey) throw new Error('the inspector relay needs a view key and a publish key');
    this.historyLimit = Math.max(1, options.historyLimit ?? 5000);
    this.actorLimit = Math.max(1, options.actorLimit ?? 500);
    this.closedSessionLimit = Math.max(0, options.closedSessionLimit ?? 20);
    this.maxViewerBufferBytes = options.maxViewerBufferBytes ?? 32 * 1024 * 1024;
    this.maxSessionBytes = Math.max(1024, options.maxSessionBytes ?? 4 * 1024 * 1024);
    this.maxTotalBytes = Math.max(this.maxSessionBytes, options.maxTotalBytes ?? 64 * 1024 * 1024);
    this.maxSessions = Math.max(1, options.maxSessions ?? 64);
    this.maxViewers = Math.max(1, options.maxViewers ?? 32);
    this.allowedOrigins = new Set((options.allowedOrigins ?? []).map((o) => o.replace(/\/+$/, '').toLowerCase()));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 256 * 1024, clientTracking: false });
    this.wss.on('error', (error) => options.log.warn('inspector websocket error', error));
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  /** Take an HTTP upgrade on one of the inspector's paths; false when the path is not ours. */
  handleUpgrade(path: string, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (path !== INSPECT_PATH && path !== INSPECT_VIEW_PATH) return false;
    socket.on('error', (error) => this.options.log.debug('inspector upgrade socket error', error));
    if (this.closed) return refuse(socket, 503, 'Service Unavailable');
    const source = path === INSPECT_PATH;
    if (!this.originAllowed(req)) return refuse(socket, 403, 'Forbidden');
    if (!keyMatches(keyOf(req), source ? this.options.publishKey : this.options.viewKey)) return refuse(socket, 401, 'Unauthorized');
    if (source ? this.sources.size >= this.maxSessions : this.viewers.size >= this.maxViewers) return refuse(socket, 503, 'Service Unavailable');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (path === INSPECT_PATH) this.acceptSource(ws, req);
      else this.acceptViewer(ws, req);
    });
    return true;
  }

  /** Every session the relay holds (open ones and the most recently closed), oldest first. */
  sessionList(): SessionInfo[] {
    return [...this.sessions.values()].map((s) => ({ ...s.info }));
  }

  /** A session's retained history as viewer messages (tests, and anything wanting a dump). */
  history(sessionId: string): ViewerMessage[] {
    const record = this.sessions.get(sessionId);
    return record ? record.replay().map((s) => JSON.parse(s.text) as ViewerMessage) : [];
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Characters of history held over all sessions (bounded by maxTotalBytes). */
  get storedBytes(): number {
    return this.totalBytes;
  }

  /** Characters of history one session holds (bounded by maxSessionBytes). */
  sessionBytes(sessionId: string): number {
    return this.sessions.get(sessionId)?.bytes ?? 0;
  }

  /**
   * A browser page may connect only from this server's own origin (its host is the Host the request was sent
   * to) or an allowed one: a page elsewhere that learned a key still cannot use it from its own origin.
   */
  private originAllowed(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true;
    if (this.allowedOrigins.has(origin.toLowerCase())) return true;
    try {
      const parsed = new URL(origin);
      return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host.toLowerCase() === String(req.headers.host ?? '').toLowerCase();
    } catch {
      return false;
    }
  }

  /** Close every socket (1001). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    const sockets = [...this.sources.keys(), ...[...this.viewers].map((v) => v.ws)];
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, 500);
            timer.unref();
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(CLOSE_GOING_AWAY, 'server closing');
          }),
      ),
    );
    this.sources.clear();
    this.viewers.clear();
    this.sessions.clear();
    this.totalBytes = 0;
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  // --- SDK sessions --------------------------------------------------------------------------------------

  private acceptSource(ws: WebSocket, req: IncomingMessage): void {
    const info: SessionInfo = {
      id: `s${this.nextSession++}`,
      label: '',
      clientId: null,
      remoteAddress: req.socket.remoteAddress ?? '',
      connectedAt: Date.now(),
      closedAt: null,
      dropped: 0,
      received: 0,
    };
    const state = { record: new SessionRecord(info), alive: true };
    state.record.sockets = 1;
    this.sessions.set(info.id, state.record);
    this.sources.set(ws, state);
    this.announce(state.record);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      this.onSourceMessage(state, data);
    });
    ws.on('pong', () => {
      state.alive = true;
    });
    ws.on('error', (error) => this.options.log.debug(`inspector session ${state.record.info.id}: ${error.message}`));
    ws.once('close', () => {
      this.sources.delete(ws);
      const record = state.record;
      record.sockets--;
      if (record.sockets <= 0 && !this.closed) {
        record.info.closedAt = Date.now();
        this.announce(record);
        this.pruneClosed();
      }
    });
  }

  private onSourceMessage(state: { record: SessionRecord }, data: RawData): void {
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || typeof (message as { type?: unknown }).type !== 'string') return;
    const typed = message as { type: string; [key: string]: unknown };
    if (typed.type === HELLO_TYPE) {
      this.onHello(state, typed);
      return;
    }
    if (!STATELY_TYPES.has(typed.type) || typeof typed.sessionId !== 'string') return;
    this.store(state.record, typed as StatelyMessage);
  }

  /** Label the session; a hello id seen before continues that session's history (a reconnect). */
  private onHello(state: { record: SessionRecord }, hello: { [key: string]: unknown }): void {
    const clientId = typeof hello.id === 'string' ? hello.id.slice(0, 100) : null;
    const label = typeof hello.label === 'string' ? hello.label.slice(0, 200) : '';
    if (clientId) {
      const previous = [...this.sessions.values()].find((s) => s !== state.record && s.info.clientId === clientId);
      if (previous && state.record.events.length === 0 && state.record.actors.size === 0) {
        this.forget(state.record);
        previous.sockets++;
        previous.info.closedAt = null;
        state.record = previous;
        this.broadcast(null, { type: 'sessions', sessions: this.sessionList() });
      }
    }
    state.record.info.clientId = clientId;
    state.record.info.label = label;
    this.announce(state.record);
  }

  private store(record: SessionRecord, event: StatelyMessage): void {
    const seq = ++this.seq;
    record.info.received++;
    const message: ViewerMessage = { type: 'event', session: record.info.id, seq, at: Date.now(), event };
    const stored: Stored = { seq, text: JSON.stringify(message), inEvents: true, inActors: false };
    record.bytes += stored.text.length;
    this.totalBytes += stored.text.length;
    if (event.type === '@xstate.actor') {
      const previous = record.actors.get(event.sessionId);
      if (previous) {
        record.actors.delete(event.sessionId);
        this.totalBytes -= record.release(previous, 'actors');
      }
      stored.inActors = true;
      record.actors.set(event.sessionId, stored);
      if (record.actors.size > this.actorLimit) {
        const [oldestId, oldest] = record.actors.entries().next().value as [string, Stored];
        record.actors.delete(oldestId);
        this.totalBytes -= record.release(oldest, 'actors');
      }
    }
    record.events.push(stored);
    while (record.events.length > this.historyLimit) this.totalBytes -= record.dropOldest();
    // The session's own bound, then the relay's: closed sessions give way before the writer loses more.
    while (record.bytes > this.maxSessionBytes && record.events.length + record.actors.size > 1) this.totalBytes -= record.dropOldest();
    if (this.totalBytes > this.maxTotalBytes) this.reclaim(record);
    this.broadcastText(record.info.id, stored.text);
  }

  /** Bring the total back under maxTotalBytes: forget closed sessions (oldest first), then trim the writer. */
  private reclaim(writer: SessionRecord): void {
    let forgot = false;
    for (const record of [...this.sessions.values()]) {
      if (this.totalBytes <= this.maxTotalBytes) break;
      if (record.info.closedAt === null) continue;
      this.forget(record);
      forgot = true;
    }
    while (this.totalBytes > this.maxTotalBytes && writer.events.length + writer.actors.size > 1) this.totalBytes -= writer.dropOldest();
    if (forgot) this.broadcast(null, { type: 'sessions', sessions: this.sessionList() });
  }

  private forget(record: SessionRecord): void {
    this.sessions.delete(record.info.id);
    this.totalBytes -= record.bytes;
    record.bytes = 0;
    record.events.length = 0;
    record.actors.clear();
  }

  private pruneClosed(): void {
    const closed = [...this.sessions.values()].filter((s) => s.info.closedAt !== null);
    const excess = closed.length - this.closedSessionLimit;
    if (excess <= 0) return;
    for (const record of closed.slice(0, excess)) this.forget(record);
    this.broadcast(null, { type: 'sessions', sessions: this.sessionList() });
  }

  // --- pages ---------------------------------------------------------------------------------------------

  private acceptViewer(ws: WebSocket, req: IncomingMessage): void {
    let session: string | null = null;
    try {
      session = new URL(req.url ?? '/', 'http://localhost').searchParams.get('session');
    } catch {
      session = null;
    }
    const viewer: Viewer = { ws, session, alive: true };
    this.viewers.add(viewer);
    ws.on('pong', () => {
      viewer.alive = true;
    });
    ws.on('error', (error) => this.options.log.debug(`inspector viewer: ${error.message}`));
    ws.once('close', () => this.viewers.delete(viewer));
    // Pages only listen; anything they send is ignored.
    ws.on('message', () => undefined);
    const sessions = this.sessionList().filter((s) => session === null || s.id === session);
    this.sendTo(viewer, JSON.stringify({ type: 'sessions', sessions } satisfies ViewerMessage));
    for (const record of this.sessions.values()) {
      if (session !== null && record.info.id !== session) continue;
      for (const stored of record.replay()) this.sendTo(viewer, stored.text);
    }
    this.sendTo(viewer, JSON.stringify({ type: 'live' } satisfies ViewerMessage));
  }

  private announce(record: SessionRecord): void {
    this.broadcast(record.info.id, { type: 'session', session: { ...record.info } });
  }

  private broadcast(session: string | null, message: ViewerMessage): void {
    this.broadcastText(session, JSON.stringify(message));
  }

  /** To every page watching `session` (null: a message about all sessions). */
  private broadcastText(session: string | null, text: string): void {
    for (const viewer of this.viewers) {
      if (session !== null && viewer.session !== null && viewer.session !== session) continue;
      this.sendTo(viewer, text);
    }
  }

  private sendTo(viewer: Viewer, text: string): void {
    if (viewer.ws.readyState !== WebSocket.OPEN) return;
    if (viewer.ws.bufferedAmount > this.maxViewerBufferBytes) {
      this.options.log.info('inspector viewer too slow: disconnecting it');
      viewer.ws.close(CLOSE_POLICY, 'too slow');
      this.viewers.delete(viewer);
      return;
    }
    viewer.ws.send(text);
  }

  private ping(): void {
    for (const [ws, state] of this.sources) {
      if (!state.alive) {
        ws.terminate();
        continue;
      }
      state.alive = false;
      ws.ping();
    }
    for (const viewer of this.viewers) {
      if (!viewer.alive) {
        viewer.ws.terminate();
        continue;
      }
      viewer.alive = false;
      viewer.ws.ping();
    }
  }
}

/** The key a client presents: `?key=` on the upgrade url (browsers cannot set headers on a WebSocket). */
function keyOf(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://localhost').searchParams.get('key') ?? undefined;
  } catch {
    return undefined;
  }
}

/** Compare digests, so neither the key's content nor its length leaks through timing. */
function keyMatches(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  return timingSafeEqual(createHash('sha256').update(given).digest(), createHash('sha256').update(expected).digest());
}

/** Answer an upgrade with an HTTP error and close; true, as handleUpgrade reports the path handled. */
function refuse(socket: Duplex, status: number, text: string): true {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  return true;
}
