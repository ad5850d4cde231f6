// 'wxrtc/inspect': watch the statecharts live. @statelyai/inspect turns XState's inspection events into its
// own (actors, snapshots, events); this adapter sends them as JSON over a socket (wx.connectSocket in a
// mini-program, any SocketFactory elsewhere) to the dev server, whose /inspect page draws them. Opt-in and
// outside the main entry: nothing of it is in dist/trtc-wx.js unless a page imports this file.

/**
 * The live inspector: stream a room's statecharts to the dev server's /inspect page.
 * @module wxrtc/inspect
 */

import { createInspector as createStatelyInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { InspectionEvent, Observer } from 'xstate';
import { connectWxSocket, type SocketFactory, type SocketLike } from '../wx/socket';
import { HELLO_TYPE, type HelloMessage } from './protocol';
import { DEFAULT_LIMITS, encodeMessage, toSafeJson, type SerializeLimits } from './serialize';

export { encodeMessage, toSafeJson, DEFAULT_LIMITS, type SerializeLimits } from './serialize';
export { INSPECT_PATH, INSPECT_VIEW_PATH, HELLO_TYPE, type HelloMessage, type SessionInfo, type StatelyMessage, type ViewerMessage } from './protocol';
export type { SocketFactory, SocketLike } from '../wx/socket';

/** Options of {@link createInspector}. */
export interface InspectorOptions {
  /** The dev server's inspect endpoint: ws(s)://host:port/v1/inspect. */
  url: string;
  /** How the page lists this session (a userID, a page name); set later with setLabel. */
  label?: string;
  /** Opens the socket; defaults to wx.connectSocket. On Node use wsTransport from 'wxrtc/inspect/node'. */
  transport?: SocketFactory;
  /** Messages kept while the socket is not open; the oldest (actor registrations last) go first. Default 500. */
  maxBuffered?: number;
  /** First reconnect delay, doubled up to 30 s after each failure; 0 never reconnects. Default 1000. */
  reconnectDelayMs?: number;
  /** Bounds on what one message may carry (see serialize.ts). */
  limits?: Partial<SerializeLimits>;
  /** Leave some inspection events out (e.g. frequent net-status events). */
  filter?: (event: InspectionMessage) => boolean;
}

/** One message as it goes over the wire: @statelyai/inspect's event, made JSON-safe. */
export interface InspectionMessage {
  type: '@xstate.actor' | '@xstate.snapshot' | '@xstate.event';
  sessionId: string;
  rootId?: string;
  parentId?: string;
  name?: string;
  createdAt: string;
  [field: string]: unknown;
}

/** The inspector's socket: connecting, open, waiting to reconnect, or stopped for good. */
export type InspectorState = 'connecting' | 'open' | 'waiting' | 'stopped';

/** Counters of what the inspector did with its messages. */
export interface InspectorStats {
  /** Messages written to the socket. */
  sent: number;
  /** Messages lost: buffer overflow, too large to send, or a failing socket. */
  dropped: number;
  /** Messages waiting for the socket. */
  buffered: number;
}

/** XState's inspection observer, with `next` always there (so it can be called from a combined observer). */
export interface InspectObserver extends Observer<InspectionEvent> {
  next: (event: InspectionEvent) => void;
}

/** What {@link createInspector} returns: hand `inspect` to `new TRTC(page, { inspect })`, call `stop()` on unload. */
export interface WxrtcInspector {
  /** The observer for XState: createActor(machine, { inspect }) or new TRTC(page, { inspect }). */
  readonly inspect: InspectObserver;
  /** The inspect endpoint it sends to. */
  readonly url: string;
  /** Where its socket is now. */
  readonly state: InspectorState;
  /** Messages sent, dropped and waiting. */
  readonly stats: Readonly<InspectorStats>;
  /** Rename this session on the page (e.g. once the userID is known). */
  setLabel(label: string): void;
  /** Close the socket and ignore every later event. Idempotent. */
  stop(): void;
}

const MAX_RECONNECT_DELAY_MS = 30_000;
const DEFINITION_DEPTH = 40;
/** Actor registrations re-sent after a reconnect (the relay may have restarted); bounded. */
const MAX_REMEMBERED_ACTORS = 64;

function randomId(): string {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Node's timers would keep a test or script alive for a reconnect nobody waits for. */
function unref(timer: ReturnType<typeof setTimeout>): void {
  const handle = timer as unknown as { unref?: () => void };
  if (typeof handle.unref === 'function') handle.unref();
}

/**
 * The socket side: connects, says hello, buffers while closed (bounded), reconnects with backoff, and
 * swallows every failure. @statelyai/inspect calls send() with its inspection events.
 */
class SocketAdapter {
  state: InspectorState = 'waiting';
  readonly stats: InspectorStats = { sent: 0, dropped: 0, buffered: 0 };
  private socket: SocketLike | null = null;
  private queue: Array<{ text: string; actor: boolean }> = [];
  private readonly actors = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private delay: number;
  private readonly clientId = randomId();
  private readonly limits: SerializeLimits;
  private readonly maxBuffered: number;

  constructor(private readonly options: InspectorOptions & { label: string }) {
    this.limits = { ...DEFAULT_LIMITS, ...options.limits };
    this.maxBuffered = Math.max(1, options.maxBuffered ?? 500);
    this.delay = options.reconnectDelayMs ?? 1000;
  }

  start(): void {
    if (this.state === 'stopped' || this.socket) return;
    this.connect();
  }

  stop(): void {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const socket = this.socket;
    this.socket = null;
    this.queue = [];
    this.actors.clear();
    this.stats.buffered = 0;
    try {
      socket?.close(1000, 'inspector stopped');
    } catch {
      // Already closed.
    }
  }

  setLabel(label: string): void {
    this.options.label = label;
    if (this.state === 'open') this.write(this.hello());
  }

  send(event: StatelyInspectionEvent): void {
    if (this.state === 'stopped') return;
    const message = event as unknown as InspectionMessage;
    if (this.options.filter && !this.options.filter(message)) return;
    const text = encodeMessage(message, this.limits);
    if (text === null) {
      this.stats.dropped++;
      return;
    }
    this.remember(message, text);
    if (this.state === 'open' && this.socket) {
      this.write(text);
      return;
    }
    this.enqueue(text, message.type === '@xstate.actor');
  }

  /** Keep the latest registration of each live actor, to introduce it again to a relay that lost it. */
  private remember(message: InspectionMessage, text: string): void {
    if (message.type === '@xstate.actor') {
      this.actors.delete(message.sessionId);
      this.actors.set(message.sessionId, text);
      if (this.actors.size > MAX_REMEMBERED_ACTORS) this.actors.delete(this.actors.keys().next().value as string);
      return;
    }
    const snapshot = message.snapshot as { status?: unknown } | undefined;
    if (message.type === '@xstate.snapshot' && snapshot && snapshot.status !== 'active') this.actors.delete(message.sessionId);
  }

  private enqueue(text: string, actor: boolean): void {
    this.queue.push({ text, actor });
    if (this.queue.length > this.maxBuffered) {
      // Registrations are what lets the page place everything else: they go last.
      const victim = this.queue.findIndex((item) => !item.actor);
      this.queue.splice(victim < 0 ? 0 : victim, 1);
      this.stats.dropped++;
    }
    this.stats.buffered = this.queue.length;
  }

  private hello(): string {
    const hello: HelloMessage = { type: HELLO_TYPE, id: this.clientId, label: this.options.label, sdk: 'wxrtc', at: Date.now() };
    return JSON.stringify(hello);
  }

  private connect(): void {
    this.timer = null;
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    let socket: SocketLike;
    try {
      socket = (this.options.transport ?? connectWxSocket)(this.options.url);
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    const lost = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      try {
        socket.close();
      } catch {
        // Already closed.
      }
      this.retry();
    };
    try {
      socket.onOpen(() => {
        if (this.socket !== socket || this.state === 'stopped') return;
        this.state = 'open';
        this.delay = this.options.reconnectDelayMs ?? 1000;
        this.write(this.hello());
        const queued = new Set(this.queue.map((item) => item.text));
        for (const text of this.actors.values()) if (!queued.has(text)) this.write(text);
        const queue = this.queue;
        this.queue = [];
        this.stats.buffered = 0;
        for (const item of queue) this.write(item.text);
      });
      socket.onClose(lost);
      socket.onError(lost);
      socket.onMessage(() => undefined);
    } catch {
      lost();
    }
  }

  private retry(): void {
    if (this.state === 'stopped') return;
    this.state = 'waiting';
    if (this.delay <= 0 || this.timer) return;
    this.timer = setTimeout(() => this.connect(), this.delay);
    unref(this.timer);
    this.delay = Math.min(this.delay * 2, MAX_RECONNECT_DELAY_MS);
  }

  private write(text: string): void {
    try {
      this.socket!.send(text);
      this.stats.sent++;
    } catch {
      this.stats.dropped++;
    }
  }
}

/**
 * Snapshots reach @statelyai/inspect already JSON-safe: it would otherwise copy the page and every actor ref
 * in a context before this adapter could summarize them. Computed on first read, which is in Stately's own
 * deferred callback, so the SDK's step never pays for it.
 */
function withSafeSnapshot(event: InspectionEvent, limits: SerializeLimits): InspectionEvent {
  if (event.type !== '@xstate.snapshot') return event;
  let safe: unknown;
  let done = false;
  const copy = { ...event };
  Object.defineProperty(copy, 'snapshot', {
    enumerable: true,
    get: () => {
      if (!done) {
        safe = toSafeJson(event.snapshot, limits);
        done = true;
      }
      return safe;
    },
  });
  return copy;
}

/** Create the inspector; it connects at once and stays off the SDK's way if the server is not there. */
export function createInspector(options: InspectorOptions): WxrtcInspector {
  const adapter = new SocketAdapter({ ...options, label: options.label ?? '' });
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  // Stately stringifies machine definitions with this depth limit: deep enough for every nested state.
  const stately = createStatelyInspector(adapter, { autoStart: false, serializationDepthLimit: DEFINITION_DEPTH });
  adapter.start();
  const inspect: InspectObserver = {
    next: (event) => {
      if (adapter.state === 'stopped') return;
      try {
        stately.inspect.next?.(withSafeSnapshot(event, limits));
      } catch {
        // Inspection must never break the room it watches.
      }
    },
  };
  return {
    inspect,
    url: options.url,
    get state() {
      return adapter.state;
    },
    get stats() {
      return { ...adapter.stats };
    },
    setLabel: (label) => adapter.setLabel(label),
    stop: () => adapter.stop(),
  };
}
