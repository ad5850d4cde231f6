// The RTMP media plane: node-media-server's RTMP sessions behind a listener of our own on loopback. Every
// publish and play is authorized (media/authorize.ts: signed url and a live session holding the stream) before
// node-media-server sees it; pushes that really carry media are reported to signaling; a session that ends has
// its pushes and plays cut at once; restart() really drops every connection and bumps the generation. A
// connection that does not get to publish or play within setupTimeoutMs (idle, garbage, a stalled handshake),
// or a publisher that goes silent for idleTimeoutMs, is closed.
//
// Why not `new NodeMediaServer(config)`: its v4 class also starts an HTTP server and a JSON store in ./data,
// calls process.exit when a port is taken, keeps its config in a process-wide singleton (two dev servers in
// one test process would share it), and checks only its own md5 "sign" scheme, after it has already answered
// NetStream.Publish.Start. Its RTMP session is the part worth reusing (handshake, chunking, AMF, GOP cache,
// fan-out to players), so the plane owns the listening socket and wraps the session's publish/play commands.

import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import nmsLogger from 'node-media-server/src/core/logger.js';
import RtmpSession, { type NmsAvPacket, type NmsInvokeMessage } from 'node-media-server/src/session/rtmp_session.js';
import type { Logger } from '../log';
import type { MediaPlane, MediaPlaneContext, MediaPlaneFactory, MediaPlaneListener } from '../media-plane';
import { MediaUrls, type MediaUrlKind } from '../media-urls';
import type { MediaAccess, MediaGrant } from './authorize';

export interface RtmpMediaPlaneOptions {
  /** Interface the RTMP listener binds; default 127.0.0.1. */
  host?: string;
  /** Port to listen on; default the port of the signed urls' base (startDevServer picks one when rtmpPort is 0). */
  port?: number;
  /**
   * Verify urls with this secret instead of the one signaling signs with: a misconfigured media server, which
   * refuses every url (bad-signature). For tests of refused urls.
   */
  secret?: string;
  /** How long restart() keeps the server down before listening again (clients notice the failure first). */
  restartDowntimeMs?: number;
  /** A stream cut by a restart that is not pushed again within this is reported stopped. */
  restartGraceMs?: number;
  /** A connection that has not been allowed to publish or play this long after it opened is closed (default 10 s). */
  setupTimeoutMs?: number;
  /** A publisher that sends nothing for this long is closed (default 15 s); players only receive, so never. */
  idleTimeoutMs?: number;
}

/** What the media server saw and decided, for tests, the admin view and logs. */
export type RtmpPlaneEvent =
  | { type: 'publish' | 'play'; at: number; streamName: string; accepted: boolean; reason: string | null; generation: number }
  /** Media flows on a verified push (signaling was told: onStreamStarted). */
  | { type: 'started'; at: number; streamName: string }
  /** The push ended (signaling was told: onStreamStopped); `cause` says why. */
  | { type: 'stopped'; at: number; streamName: string; cause: 'publisher-left' | 'not-back-after-restart' }
  /** A restart cut this push; it has restartGraceMs to come back. */
  | { type: 'interrupted'; at: number; streamName: string }
  | { type: 'restarted'; at: number; generation: number }
  /** The session that held this push or play ended: it was cut. */
  | { type: 'revoked'; at: number; streamName: string; role: 'publisher' | 'player' }
  /** A connection that never got to publish or play in time (or a silent publisher) was closed. */
  | { type: 'timeout'; at: number; what: 'setup' | 'idle' };

type Role = 'pending' | 'authorizing' | 'publisher' | 'player';

interface Connection {
  readonly socket: Socket;
  readonly session: RtmpSession;
  role: Role;
  streamName: string | null;
  /** A publisher whose first audio/video packet arrived. */
  flowing: boolean;
  /** A newer verified publish of the same stream took over: its end is not the stream's end. */
  superseded: boolean;
  /** The session its url was minted for (once authorized). */
  sessionId: string | null;
  setupTimer: ReturnType<typeof setTimeout> | null;
}

const HISTORY_LIMIT = 2000;
const AUDIO = 8;
const VIDEO = 9;

/**
 * node-media-server logs every session at info level through one module-wide logger writing to stdout; send
 * its lines to the newest plane's logger at debug level instead.
 */
let nmsSink: Logger | null = null;
nmsLogger.log = (message: string) => nmsSink?.debug(`[node-media-server] ${message}`);

export class RtmpMediaPlane implements MediaPlane {
  readonly name = 'rtmp';
  readonly confirmsStreams = true;
  /** A newer verified publish of a stream supersedes the old one and the stream goes on (onPublish). */
  readonly takesOverPushes = true;
  /** Everything the plane saw, oldest first (bounded). */
  readonly history: RtmpPlaneEvent[] = [];
  readonly host: string;
  private readonly verifier: MediaUrls | undefined;
  private readonly appPath: string;
  private readonly access: MediaAccess;
  private readonly stopRevocations: () => void;
  private readonly setupTimeoutMs: number;
  private readonly idleTimeoutMs: number;
  private readonly log: Logger;
  private readonly configuredPort: number;
  private readonly downtimeMs: number;
  private readonly graceMs: number;
  /** Prefix of node-media-server stream paths: its registry is process-wide, planes must not share names. */
  private readonly tag = randomBytes(4).toString('hex');
  private gen = 1;
  private server: Server | null = null;
  private listener: MediaPlaneListener | null = null;
  private readonly connections = new Set<Connection>();
  private readonly publishers = new Map<string, Connection>();
  /** Streams a restart cut, with the timer that reports them stopped unless they come back. */
  private readonly interrupted = new Map<string, ReturnType<typeof setTimeout> | null>();
  private drainWaiters: Array<() => void> = [];
  private readonly refusals: { push: string | null; pull: string | null } = { push: null, pull: null };
  private restarting: Promise<number> | null = null;
  private down = false;
  private closed = false;

  constructor(context: MediaPlaneContext, options: RtmpMediaPlaneOptions = {}) {
    const { urls, log, access } = context;
    this.verifier = options.secret === undefined ? undefined : new MediaUrls({ secret: options.secret, baseUrl: urls.baseUrl, ttlSec: urls.ttlSec });
    this.appPath = urls.appPath;
    this.access = access;
    this.stopRevocations = access.onSessionEnded((sessionId) => this.cut(sessionId));
    this.setupTimeoutMs = options.setupTimeoutMs ?? 10_000;
    this.idleTimeoutMs = options.idleTimeoutMs ?? 15_000;
    this.log = log;
    nmsSink = log;
    this.host = options.host ?? '127.0.0.1';
    const urlPort = Number(new URL(urls.baseUrl).port || 1935);
    this.configuredPort = options.port ?? urlPort;
    if (this.configuredPort === 0) throw new Error('the RTMP plane needs a fixed port (startDevServer picks a free one when rtmpPort is 0)');
    this.downtimeMs = options.restartDowntimeMs ?? 500;
    this.graceMs = options.restartGraceMs ?? 15_000;
  }

  get generation(): number {
    return this.gen;
  }

  /** The port the RTMP listener is bound to (null while down). */
  get port(): number | null {
    const address = this.server?.address();
    return address && typeof address === 'object' ? (address as AddressInfo).port : null;
  }

  /** Streams with a verified push carrying media now. */
  get liveStreams(): string[] {
    return [...this.publishers.values()].filter((c) => c.flowing).map((c) => c.streamName!);
  }

  /** Connected players per stream. */
  playersOf(streamName: string): number {
    let count = 0;
    for (const c of this.connections) if (c.role === 'player' && c.streamName === streamName) count += 1;
    return count;
  }

  /**
   * Fault injection for tests and demos: while a reason is set, every publish (push) or play (pull) is refused
   * with it, as a media server in maintenance would. null lifts it.
   */
  refuse(kind: MediaUrlKind, reason: string | null): void {
    this.refusals[kind] = reason;
  }

  async start(listener: MediaPlaneListener): Promise<void> {
    this.listener = listener;
    await this.listen();
    this.log.info(`RTMP media server on rtmp://${this.host}:${this.port}${this.appPath}`);
  }

  restart(): Promise<number> {
    this.restarting ??= this.restartNow().finally(() => {
      this.restarting = null;
    });
    return this.restarting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listener = null;
    this.stopRevocations();
    for (const timer of this.interrupted.values()) if (timer) clearTimeout(timer);
    this.interrupted.clear();
    await this.stopListening();
  }

  // --- the listener -----------------------------------------------------------------------------------------

  private async listen(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.configuredPort, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (error) => this.log.error('RTMP listener error', error));
    this.server = server;
  }

  /** Stop accepting and drop every connection; resolves once each one's close has been handled. */
  private async stopListening(): Promise<void> {
    const server = this.server;
    this.server = null;
    const closed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const c of this.connections) c.socket.destroy();
    await closed;
    if (this.connections.size > 0) await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
  }

  private async restartNow(): Promise<number> {
    if (this.closed) return this.gen;
    this.down = true;
    await this.stopListening();
    // Urls minted from now on (a client re-publishing while the server is down) are already the new generation.
    this.gen += 1;
    // A real restart takes a moment; clients see their streams fail before any new url reaches them.
    await new Promise((resolve) => setTimeout(resolve, this.downtimeMs));
    if (this.closed) return this.gen;
    await this.listen();
    this.down = false;
    this.record({ type: 'restarted', at: Date.now(), generation: this.gen });
    this.log.info(`RTMP media server restarted: generation ${this.gen}, ${this.interrupted.size} stream(s) to come back`);
    for (const streamName of this.interrupted.keys()) this.awaitReturn(streamName);
    await this.tell((l) => l.onGenerationChanged(this.gen), 'generation change');
    return this.gen;
  }

  // --- one RTMP connection -----------------------------------------------------------------------------------

  private accept(socket: Socket): void {
    if (this.down || this.closed) {
      socket.destroy();
      return;
    }
    const session = new RtmpSession(socket);
    const conn: Connection = { socket, session, role: 'pending', streamName: null, flowing: false, superseded: false, sessionId: null, setupTimer: null };
    this.connections.add(conn);
    // Until it publishes or plays, a connection costs memory and a socket for nothing: idle, garbage and stalled
    // handshakes would otherwise stay open for ever.
    conn.setupTimer = setTimeout(() => {
      if (conn.role === 'publisher' || conn.role === 'player') return;
      this.record({ type: 'timeout', at: Date.now(), what: 'setup' });
      socket.destroy();
    }, this.setupTimeoutMs);
    conn.setupTimer.unref();
    session.run();
    const rtmp = session.rtmp;
    const publish = rtmp.onPublish.bind(rtmp);
    const play = rtmp.onPlay.bind(rtmp);
    const forward = rtmp.onPacketCallback;
    rtmp.onPublish = (message) => void this.onPublish(conn, message, publish);
    rtmp.onPlay = (message) => void this.onPlay(conn, message, play);
    rtmp.onPacketCallback = (packet: NmsAvPacket) => {
      // Media before the publish is allowed goes nowhere.
      if (conn.role !== 'publisher') return;
      forward(packet);
      if (!conn.flowing && (packet.codec_type === AUDIO || packet.codec_type === VIDEO)) this.onFlowing(conn);
    };
    // Registered after the session's own close handler, so node-media-server has let go of it first.
    socket.on('close', () => this.onClose(conn));
  }

  /** The session that held these pushes and plays ended: cut them now. */
  private cut(sessionId: string): void {
    for (const c of this.connections) {
      if (c.sessionId !== sessionId || (c.role !== 'publisher' && c.role !== 'player')) continue;
      this.record({ type: 'revoked', at: Date.now(), streamName: c.streamName ?? '', role: c.role });
      this.log.info(`RTMP: the session of ${c.role} ${c.streamName} ended; cut`);
      c.socket.destroy();
    }
  }

  /** Authorize a publish or play; null when the connection went meanwhile (nothing left to answer). */
  private async authorize(kind: MediaUrlKind, conn: Connection, message: NmsInvokeMessage): Promise<{ name: string; grant: MediaGrant | { ok: false; reason: string } } | null> {
    conn.role = 'authorizing';
    const { name, query, refusal } = this.parse(kind, conn, message);
    let grant: MediaGrant | { ok: false; reason: string };
    if (refusal !== null) grant = { ok: false, reason: refusal };
    else {
      try {
        grant = await this.access.authorize(kind, name, query, { generation: this.gen, verifier: this.verifier });
      } catch (error) {
        this.log.error('RTMP: authorizing failed', error);
        grant = { ok: false, reason: 'internal' };
      }
    }
    if (conn.socket.destroyed || this.closed) return null;
    conn.role = 'pending';
    // What changed while signaling was asked (all checked here, synchronously, with nothing after it awaiting).
    if (grant.ok && grant.generation !== this.gen) grant = { ok: false, reason: 'stale-generation' };
    if (grant.ok && this.access.isRevoked(grant.holder.sessionId)) grant = { ok: false, reason: 'session-ended' };
    if (grant.ok && this.down) grant = { ok: false, reason: 'restarting' };
    if (grant.ok) conn.sessionId = grant.holder.sessionId;
    return { name, grant };
  }

  private async onPublish(conn: Connection, message: NmsInvokeMessage, publish: (message: NmsInvokeMessage) => void): Promise<void> {
    const streamId = conn.session.rtmp.parserPacket.header.stream_id;
    if (conn.role !== 'pending') return; // one publish or play per connection
    const authorized = await this.authorize('push', conn, message);
    if (!authorized) return;
    const { name, grant: check } = authorized;
    if (!check.ok) {
      this.record({ type: 'publish', at: Date.now(), streamName: name, accepted: false, reason: check.reason, generation: this.gen });
      this.hangUp(conn, streamId, 'NetStream.Publish.BadName', `push url refused: ${check.reason}`);
      return;
    }
    const previous = this.publishers.get(name);
    if (previous && previous !== conn) {
      // A client that got a new url (UPDATE_URL) may push again before its old push is gone: the newest wins,
      // and the stream goes on (its players stay attached to node-media-server's broadcast).
      previous.superseded = true;
      this.publishers.delete(name);
      if (previous.session.broadcast.publisher === previous.session) previous.session.broadcast._finishPublish();
      previous.socket.destroy();
    }
    conn.role = 'publisher';
    conn.streamName = name;
    this.publishers.set(name, conn);
    this.clearSetup(conn);
    // A publisher sends all the time; one that stops without closing would hold its stream for ever.
    conn.socket.setTimeout(this.idleTimeoutMs, () => {
      this.record({ type: 'timeout', at: Date.now(), what: 'idle' });
      conn.socket.destroy();
    });
    publish({ ...message, streamName: this.internalName(name) });
    if (!conn.session.isPublisher) {
      // node-media-server refused it after all (another publisher on its path) and is closing the socket.
      this.publishers.delete(name);
      conn.role = 'pending';
      this.record({ type: 'publish', at: Date.now(), streamName: name, accepted: false, reason: 'busy', generation: this.gen });
      return;
    }
    this.record({ type: 'publish', at: Date.now(), streamName: name, accepted: true, reason: null, generation: this.gen });
  }

  private async onPlay(conn: Connection, message: NmsInvokeMessage, play: (message: NmsInvokeMessage) => void): Promise<void> {
    const streamId = conn.session.rtmp.parserPacket.header.stream_id;
    if (conn.role !== 'pending') return;
    const authorized = await this.authorize('pull', conn, message);
    if (!authorized) return;
    const { name, grant: check } = authorized;
    let reason: string | null = check.ok ? null : check.reason;
    // A pull url is only handed out for a stream that is live; until its push is back there is nothing to play.
    if (reason === null && !this.publishers.get(name)?.flowing) reason = 'not-published';
    this.record({ type: 'play', at: Date.now(), streamName: name, accepted: reason === null, reason, generation: this.gen });
    if (reason !== null) {
      const code = reason === 'not-published' ? 'NetStream.Play.StreamNotFound' : 'NetStream.Play.BadName';
      this.hangUp(conn, streamId, code, reason === 'not-published' ? `stream not found: ${name} is not being published` : `pull url refused: ${reason}`);
      return;
    }
    conn.role = 'player';
    conn.streamName = name;
    this.clearSetup(conn);
    play({ ...message, streamName: this.internalName(name) });
  }

  private onFlowing(conn: Connection): void {
    conn.flowing = true;
    const name = conn.streamName!;
    const timer = this.interrupted.get(name);
    if (timer) clearTimeout(timer);
    this.interrupted.delete(name);
    this.record({ type: 'started', at: Date.now(), streamName: name });
    void this.tell((l) => l.onStreamStarted(name), `stream start of ${name}`);
  }

  private onClose(conn: Connection): void {
    this.clearSetup(conn);
    this.connections.delete(conn);
    if (this.connections.size === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const wake of waiters) wake();
    }
    const name = conn.streamName;
    if (conn.role !== 'publisher' || name === null || this.publishers.get(name) !== conn) return;
    this.publishers.delete(name);
    const broadcast = conn.session.broadcast;
    // Without this node-media-server holds the publish (and its GOP cache) for 30 s in case it resumes.
    if (broadcast.publisher === conn.session) broadcast._finishPublish();
    if (!conn.flowing || conn.superseded) return;
    if (this.down || this.closed) {
      // Cut by a restart, not ended by its publisher: the room keeps the stream while the push comes back.
      if (!this.closed) {
        this.interrupted.set(name, null);
        this.record({ type: 'interrupted', at: Date.now(), streamName: name });
      }
      return;
    }
    this.endPlayers(name);
    this.record({ type: 'stopped', at: Date.now(), streamName: name, cause: 'publisher-left' });
    void this.tell((l) => l.onStreamStopped(name), `stream stop of ${name}`);
  }

  /** The publisher ended: players hear the stream is over (a clean end, not a failure) and are let go. */
  private endPlayers(streamName: string): void {
    for (const c of this.connections) {
      if (c.role !== 'player' || c.streamName !== streamName) continue;
      const rtmp = c.session.rtmp;
      rtmp.sendStatusMessage(rtmp.streamId, 'status', 'NetStream.Play.UnpublishNotify', `${streamName} is no longer published`);
      c.socket.end();
    }
  }

  private awaitReturn(streamName: string): void {
    const timer = setTimeout(() => {
      if (!this.interrupted.has(streamName)) return;
      this.interrupted.delete(streamName);
      this.endPlayers(streamName);
      this.record({ type: 'stopped', at: Date.now(), streamName, cause: 'not-back-after-restart' });
      void this.tell((l) => l.onStreamStopped(streamName), `stream stop of ${streamName}`);
    }, this.graceMs);
    timer.unref();
    this.interrupted.set(streamName, timer);
  }

  // --- helpers ------------------------------------------------------------------------------------------------

  /** The stream name and url parameters of a publish/play, and a refusal that needs no signaling. */
  private parse(kind: MediaUrlKind, conn: Connection, message: NmsInvokeMessage): { name: string; query: Record<string, string>; refusal: string | null } {
    const raw = String(message.streamName ?? '');
    const mark = raw.indexOf('?');
    const name = mark < 0 ? raw : raw.slice(0, mark);
    const query = Object.fromEntries(new URLSearchParams(mark < 0 ? '' : raw.slice(mark + 1)));
    if (`/${conn.session.rtmp.streamApp}` !== this.appPath) return { name, query, refusal: 'wrong-app' };
    return { name, query, refusal: this.refusals[kind] };
  }

  private clearSetup(conn: Connection): void {
    if (conn.setupTimer) clearTimeout(conn.setupTimer);
    conn.setupTimer = null;
  }

  /** Answer with an error status (ffmpeg prints it as "Server error: <description>") and hang up. */
  private hangUp(conn: Connection, streamId: number, code: string, description: string): void {
    this.log.info(`RTMP ${code}: ${description}`);
    conn.session.rtmp.sendStatusMessage(streamId, 'error', code, description);
    conn.socket.end();
    setTimeout(() => conn.socket.destroy(), 1_000).unref();
  }

  /** node-media-server only accepts [A-Za-z0-9_-] in names; ours carry dots (see media-urls.ts). */
  private internalName(streamName: string): string {
    return `${this.tag}_${Buffer.from(streamName, 'utf8').toString('hex')}`;
  }

  private record(event: RtmpPlaneEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
  }

  private async tell(work: (listener: MediaPlaneListener) => void | Promise<void>, what: string): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    try {
      await work(listener);
    } catch (error) {
      this.log.error(`RTMP plane: reporting the ${what} failed`, error);
    }
  }
}

/** `startDevServer({ mediaPlane: rtmpMediaPlane() })`: real RTMP on the port of the signed urls. */
export function rtmpMediaPlane(options: RtmpMediaPlaneOptions = {}): MediaPlaneFactory {
  return (context) => new RtmpMediaPlane(context, options);
}
