// The inspector relay: SDK sessions send inspection events to /v1/inspect, inspector pages watch
// /v1/inspect/view. Each session keeps a bounded history (its actor registrations kept apart, so a page
// opened late can still place every actor), and every page gets the history first, then the live stream.

import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { HELLO_TYPE, INSPECT_PATH, INSPECT_VIEW_PATH, type SessionInfo, type StatelyMessage, type ViewerMessage } from '../../src/inspect/protocol';
import type { Logger } from '../log';

export interface InspectorRelayOptions {
  log: Logger;
  /** Events kept per session (actor registrations are counted apart). Default 5000. */
  historyLimit?: number;
  /** Actor registrations kept per session. Default 500. */
  actorLimit?: number;
  /** Closed sessions kept for late viewers; the oldest go first. Default 20. */
  closedSessionLimit?: number;
  /** Largest accepted message from an SDK session. Default 1 MiB. */
  maxMessageBytes?: number;
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
}

class SessionRecord {
  readonly events: Stored[] = [];
  /** Latest registration per actor sessionId, in arrival order. */
  readonly actors = new Map<string, Stored>();
  sockets = 0;

  constructor(readonly info: SessionInfo) {}

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

  constructor(private readonly options: InspectorRelayOptions) {
    this.historyLimit = Math.max(1, options.historyLimit ?? 5000);
    this.actorLimit = Math.max(1, options.actorLimit ?? 500);
    this.closedSessionLimit = Math.max(0, options.closedSessionLimit ?? 20);
    this.maxViewerBufferBytes = options.maxViewerBufferBytes ?? 32 * 1024 * 1024;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 1024 * 1024, clientTracking: false });
    this.wss.on('error', (error) => options.log.warn('inspector websocket error', error));
    this.heartbeat = setInterval(() => this.ping(), options.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  /** Take an HTTP upgrade on one of the inspector's paths; false when the path is not ours. */
  handleUpgrade(path: string, req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    if (path !== INSPECT_PATH && path !== INSPECT_VIEW_PATH) return false;
    socket.on('error', (error) => this.options.log.debug('inspector upgrade socket error', error));
    if (this.closed) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return true;
    }
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
        this.sessions.delete(state.record.info.id);
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
    const stored: Stored = { seq, text: JSON.stringify(message) };
    if (event.type === '@xstate.actor') {
      record.actors.delete(event.sessionId);
      record.actors.set(event.sessionId, stored);
      if (record.actors.size > this.actorLimit) record.actors.delete(record.actors.keys().next().value as string);
    }
    record.events.push(stored);
    if (record.events.length > this.historyLimit) {
      const excess = record.events.length - this.historyLimit;
      record.events.splice(0, excess);
      record.info.dropped += excess;
    }
    this.broadcastText(record.info.id, stored.text);
  }

  private pruneClosed(): void {
    const closed = [...this.sessions.values()].filter((s) => s.info.closedAt !== null);
    const excess = closed.length - this.closedSessionLimit;
    if (excess <= 0) return;
    for (const record of closed.slice(0, excess)) this.sessions.delete(record.info.id);
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
