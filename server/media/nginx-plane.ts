// The nginx-rtmp media plane: one nginx origin (pushes) and optional edges (plays, pulled from the origin),
// shared by every signaling process. nginx asks signaling about every publish and play over HTTP
// (on_publish/on_play/on_update, POST /v1/media/nginx/<event>?node=..&key=..): the same check as the in-process
// plane (media/authorize.ts), so a push or play needs a signed url of the current generation AND a live session
// holding the stream; on_update asks again every few seconds, so what one process missed another refuses.
// A session that ends has its clients dropped through nginx's control module (/control/drop) at once; a
// restarted nginx (its worker pid in /stat changed) bumps the shared generation: every participant gets
// UPDATE_URL. Development launches nginx here (nginx-process.ts); production uses the operator's.

import { timingSafeEqual } from 'node:crypto';
import type { ServerConfig } from '../config';
import type { Logger } from '../log';
import type { MediaCoordination, MediaPlane, MediaPlaneContext, MediaPlaneFactory, MediaPlaneListener } from '../media-plane';
import type { MediaUrlKind, MediaUrls } from '../media-urls';
import type { MediaAccess, MediaGrant } from './authorize';
import { nginxConfFile, nginxRtmpBlock, nginxSecrets, nginxControlServer, type NginxNodeConfig } from './nginx-config';
import { NginxProcess, nginxMissing } from './nginx-process';
import { freePort } from './ports';

export interface NginxPlaneOptions {
  /** Signs callbacks and the edges' relay token (every process has the same). */
  mediaSecret: string;
  /** Production: the operator's nginx, by the http bases of their /control and /stat. Absent = development. */
  external?: { origin: string; edges: string[] } | null;
  /** Development: edges to run besides the origin, and where nginx and its RTMP module are. */
  dev?: { edges: number; nginxPath: string; modulePath: string };
  /** Where nginx's callbacks reach signaling (a balancer in front of every process); default this server. */
  callbackUrl?: string | null;
  /** How often every nginx's /stat is read (restarts, and whether a stream is still published). */
  pollMs?: number;
  /** Streams cut by an nginx restart that are not pushed again within this are reported stopped. */
  restartGraceMs?: number;
  /** nginx's on_update period, in seconds. */
  updateSec?: number;
}

/** What the plane saw and did, for tests and logs. */
export type NginxPlaneEvent =
  | { type: 'callback'; at: number; event: string; node: string; accepted: boolean; reason: string | null; streamName: string | null }
  | { type: 'started' | 'stopped'; at: number; streamName: string }
  | { type: 'dropped'; at: number; node: string; role: 'publisher' | 'subscriber'; streamName: string; count: number }
  | { type: 'restarted'; at: number; generation: number };

interface NginxNode {
  name: string;
  role: 'origin' | 'edge';
  /** http base of /control and /stat. */
  control: string;
  /** rtmp base (with the app) clients use. */
  rtmp: string;
  process: NginxProcess | null;
  /** Worker pid in /stat when last read; null while unreachable. */
  pid: string | null;
}

/** A client nginx let in on this process's word: what to drop when its session ends. */
interface Client {
  node: string;
  clientid: string;
  sessionId: string;
  role: 'publisher' | 'subscriber';
  streamName: string;
}

export const NGINX_CALLBACK_PATH = '/v1/media/nginx';
const HISTORY_LIMIT = 2_000;
const CLIENT_LIMIT = 50_000;
/** Fields nginx writes before the client's own url arguments; the first occurrence is nginx's. */
const EVENTS: Record<string, ReadonlySet<string>> = {
  publish: new Set(['publish']),
  play: new Set(['play']),
  publish_done: new Set(['publish_done']),
  play_done: new Set(['play_done']),
  update: new Set(['update_publish', 'update_play']),
};

export class NginxMediaPlane implements MediaPlane {
  readonly name = 'nginx';
  readonly confirmsStreams = true;
  readonly history: NginxPlaneEvent[] = [];
  private readonly urls: MediaUrls;
  private readonly access: MediaAccess;
  private readonly coordination: MediaCoordination;
  private readonly log: Logger;
  private readonly app: string;
  private readonly callbackKey: string;
  private readonly relayToken: string;
  private readonly pollMs: number;
  private readonly graceMs: number;
  private nodes: NginxNode[] = [];
  private gen = 1;
  private listener: MediaPlaneListener | null = null;
  private readonly clients = new Map<string, Client>();
  /** Streams this process reported started (and not stopped): checked after a restart. */
  private readonly started = new Set<string>();
  private lastRestartAt = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private polling: Promise<void> | null = null;
  private readonly unsubscribe: Array<() => void> = [];
  private restartChecks = new Set<ReturnType<typeof setTimeout>>();
  private closed = false;

  constructor(
    context: MediaPlaneContext,
    private readonly options: NginxPlaneOptions,
  ) {
    this.urls = context.urls;
    this.access = context.access;
    this.coordination = context.coordination;
    this.log = context.log;
    this.app = context.urls.appPath.slice(1);
    const secrets = nginxSecrets(options.mediaSecret);
    this.callbackKey = secrets.callbackKey;
    this.relayToken = secrets.relayToken;
    this.pollMs = options.pollMs ?? 400;
    this.graceMs = options.restartGraceMs ?? 15_000;
  }

  get generation(): number {
    return this.gen;
  }

  /** The nginx nodes: name, rtmp base, control base, and (development) pid of its master. */
  get nodeList(): Array<{ name: string; role: 'origin' | 'edge'; rtmp: string; control: string; pid: number | null; dir: string | null }> {
    return this.nodes.map((n) => ({ name: n.name, role: n.role, rtmp: n.rtmp, control: n.control, pid: n.process?.pid ?? null, dir: n.process?.dir ?? null }));
  }

  async start(listener: MediaPlaneListener, info?: { httpUrl: string }): Promise<void> {
    this.listener = listener;
    this.gen = await this.coordination.generation();
    this.unsubscribe.push(this.coordination.onGeneration((g) => this.applyGeneration(g)));
    this.unsubscribe.push(this.access.onSessionEnded((sessionId) => void this.drop(sessionId)));
    const callbackBase = `${(this.options.callbackUrl ?? info?.httpUrl ?? '').replace(/\/+$/, '')}${NGINX_CALLBACK_PATH}`;
    if (!/^https?:\/\//.test(callbackBase)) throw new Error('the nginx plane needs the url nginx calls back on (callbackUrl, or start it with the server\'s httpUrl)');
    if (this.options.external) this.useExternal(this.options.external);
    else await this.launch(callbackBase);
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
    this.log.info(`nginx media plane: ${this.nodes.map((n) => `${n.name} ${n.rtmp} (control ${n.control})`).join(', ')}; callbacks to ${callbackBase}`);
  }

  /** The nginx config the operator needs (production), with this deployment's secrets and urls. */
  configSnippet(callbackUrl: string): string {
    const portOf = (url: string, fallback: string) => new URL(url).port || fallback;
    const node = (role: 'origin' | 'edge', name: string, rtmp: string): NginxNodeConfig => ({
      role,
      name,
      rtmpListen: portOf(rtmp, '1935'),
      app: this.app,
      callbackBase: `${callbackUrl.replace(/\/+$/, '')}${NGINX_CALLBACK_PATH}`,
      callbackKey: this.callbackKey,
      ...(role === 'edge' ? { pullFrom: this.urls.baseUrl, relayToken: this.relayToken } : {}),
    });
    const parts: string[] = [];
    for (const n of this.nodes) {
      parts.push(
        `# --- nginx ${n.name} (${n.role === 'origin' ? 'pushes go here' : 'players pull here'}: ${n.rtmp}) ---`,
        '# top level of its nginx.conf; Debian loads the module itself (libnginx-mod-rtmp), elsewhere add',
        '# "load_module modules/ngx_rtmp_module.so;". Keep worker_processes 1: a stream lives in one worker.',
        nginxRtmpBlock(node(n.role, n.name, n.rtmp)),
        '# inside its http { } block: control and stat, for the signaling processes only',
        nginxControlServer(portOf(n.control, '80'), ['<each signaling host>']),
        '',
      );
    }
    return parts.join('\n');
  }

  async restart(): Promise<number> {
    const before = this.gen;
    if (this.options.external) {
      // Not ours to restart: every url goes stale, and nginx drops the old ones at their next on_update.
      await this.coordination.bumpGeneration();
      return this.gen;
    }
    for (const n of [...this.nodes].reverse()) await n.process?.stop();
    for (const n of this.nodes) await n.process?.start();
    // The poll sees the new pids and bumps the generation (here, or on another process first).
    const deadline = Date.now() + 5_000;
    while (this.gen === before && Date.now() < deadline) {
      await this.poll();
      if (this.gen === before) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.gen;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listener = null;
    if (this.timer) clearInterval(this.timer);
    for (const stop of this.unsubscribe) stop();
    for (const t of this.restartChecks) clearTimeout(t);
    this.restartChecks.clear();
    await this.polling;
    for (const n of [...this.nodes].reverse()) await n.process?.dispose();
  }

  // --- nginx's callbacks ------------------------------------------------------------------------------------

  async callback(event: string, query: URLSearchParams, body: string): Promise<{ status: number; body: unknown }> {
    const deny = (status: number, reason: string, node = '?', streamName: string | null = null) => {
      this.log.debug(`nginx callback ${event.slice(0, 32)} from ${node} refused: ${reason}${streamName ? ` (${streamName.slice(0, 100)})` : ''}`);
      this.record({ type: 'callback', at: Date.now(), event: event.slice(0, 32), node, accepted: false, reason, streamName });
      return { status, body: { error: { reason } } };
    };
    // Anyone who reaches signaling can POST here: only nginx has the key.
    if (!sameSecret(query.get('key') ?? '', this.callbackKey)) return deny(403, 'bad-key');
    const node = this.nodes.find((n) => n.name === query.get('node'));
    if (!node) return deny(403, 'unknown-node');
    const calls = EVENTS[event];
    if (!calls) return deny(404, 'unknown-event', node.name);
    const fields = firstFields(body);
    if (!fields) return deny(400, 'unreadable-body', node.name);
    const call = fields.get('call') ?? '';
    const name = fields.get('name') ?? '';
    const clientid = fields.get('clientid') ?? '';
    if (!calls.has(call) || !/^\d{1,15}$/.test(clientid) || name.length === 0 || name.length > 512) return deny(400, 'malformed-call', node.name);
    const accept = (reason: string | null = null) => {
      this.record({ type: 'callback', at: Date.now(), event, node: node.name, accepted: true, reason, streamName: name });
      return { status: 200, body: { ok: true } };
    };

    if (call === 'publish_done' || call === 'play_done') {
      this.clients.delete(`${node.name}:${clientid}`);
      if (call === 'publish_done' && node.role === 'origin') await this.publishDone(name, clientid, fields);
      return accept();
    }

    const kind: MediaUrlKind = call === 'publish' || call === 'update_publish' ? 'push' : 'pull';
    // An edge's relay: it publishes locally what it pulls from the origin, and plays there with the relay token.
    if (kind === 'push' && node.role === 'edge') {
      const relay = fields.get('flashver') === 'ngx-local-relay' && fields.get('app') === '' && fields.get('addr') === this.relayAddr();
      return relay ? accept('relay') : deny(403, 'edges-take-no-publishers', node.name, name);
    }
    if (kind === 'pull' && node.role === 'origin' && sameSecret(fields.get('pageurl') ?? '', this.relayToken)) return accept('relay');
    if (fields.get('app') !== this.app) return deny(403, 'wrong-app', node.name, name);

    let grant: MediaGrant;
    try {
      grant = await this.access.authorize(kind, name, Object.fromEntries(fields), { generation: this.gen });
    } catch (error) {
      this.log.error('nginx plane: authorizing failed', error);
      // Redis away for a moment: no new pushes or plays, but running ones are not all dropped for it.
      return call.startsWith('update_') ? accept('unchecked') : deny(503, 'internal', node.name, name);
    }
    if (!grant.ok) return deny(403, grant.reason, node.name, name);
    this.remember({ node: node.name, clientid, sessionId: grant.holder.sessionId, role: kind === 'push' ? 'publisher' : 'subscriber', streamName: name });
    if (call === 'publish') {
      this.started.add(name);
      this.record({ type: 'started', at: Date.now(), streamName: name });
      // After the answer: nginx starts taking media while the room hears of the stream.
      setImmediate(() => void this.tell((l) => l.onStreamStarted(name), `stream start of ${name}`));
    }
    return accept();
  }

  /** A push ended: the room takes the stream down, unless an nginx restart cut it (it comes back) or it already did. */
  private async publishDone(name: string, clientid: string, fields: Map<string, string>): Promise<void> {
    // Only a push signaling had let in ends a stream (a refused push of the same name must not end the real one).
    const check = this.urls.verify('push', name, Object.fromEntries(fields), { nowSec: 0 });
    if (!check.ok) return;
    if (check.generation !== this.gen || Date.now() - this.lastRestartAt < this.graceMs) return;
    // Callbacks travel separately: the same stream may already be published again by a new connection.
    const origin = this.nodes.find((n) => n.role === 'origin')!;
    const stat = await this.readStat(origin);
    // No answer: nginx is going down; whether the stream comes back is the restart's to decide.
    if (stat === null) return;
    const publisher = stat.publishers.get(name);
    if (publisher !== undefined && publisher !== clientid) return;
    this.started.delete(name);
    this.record({ type: 'stopped', at: Date.now(), streamName: name });
    await this.tell((l) => l.onStreamStopped(name), `stream stop of ${name}`);
  }

  // --- cutting the media of sessions that ended ------------------------------------------------------------

  private remember(client: Client): void {
    const key = `${client.node}:${client.clientid}`;
    this.clients.delete(key);
    this.clients.set(key, client);
    if (this.clients.size > CLIENT_LIMIT) this.clients.delete(this.clients.keys().next().value as string);
  }

  private async drop(sessionId: string): Promise<void> {
    const mine = [...this.clients.values()].filter((c) => c.sessionId === sessionId);
    await Promise.all(
      mine.map(async (c) => {
        this.clients.delete(`${c.node}:${c.clientid}`);
        const node = this.nodes.find((n) => n.name === c.node);
        if (!node) return;
        if (c.role === 'subscriber') {
          await this.control(node, 'subscriber', c.streamName, c.clientid);
          return;
        }
        await this.control(node, 'publisher', c.streamName, c.clientid);
        // The stream is over for everyone: its players everywhere (edges included) go now, not when nginx notices.
        await Promise.all(this.nodes.map((n) => this.control(n, 'subscriber', c.streamName, null)));
      }),
    );
  }

  private async control(node: NginxNode, role: 'publisher' | 'subscriber', streamName: string, clientid: string | null): Promise<void> {
    const params = new URLSearchParams({ app: this.app, name: streamName, ...(clientid ? { clientid } : {}) });
    try {
      const response = await fetch(`${node.control}/control/drop/${role}?${params}`, { signal: AbortSignal.timeout(1_000) });
      const text = await response.text();
      const count = Number(text.trim()) || 0;
      this.record({ type: 'dropped', at: Date.now(), node: node.name, role, streamName, count });
    } catch (error) {
      this.log.warn(`nginx plane: dropping a ${role} of ${streamName} on ${node.name} failed: ${(error as Error).message}`);
    }
  }

  // --- nginx's health and restarts -------------------------------------------------------------------------

  private poll(): Promise<void> {
    this.polling ??= this.pollNow().finally(() => {
      this.polling = null;
    });
    return this.polling;
  }

  private async pollNow(): Promise<void> {
    const stats = await Promise.all(this.nodes.map((n) => this.readStat(n)));
    if (this.closed) return;
    let allUp = true;
    this.nodes.forEach((n, i) => {
      const pid = stats[i]?.pid ?? null;
      if (pid === null) {
        if (n.pid !== null) this.log.warn(`nginx ${n.name} (${n.control}) does not answer`);
        allUp = false;
      } else if (n.pid !== null && n.pid !== pid) {
        // Client ids start again in a new nginx: the old ones name nobody (or somebody else).
        for (const [key, c] of this.clients) if (c.node === n.name) this.clients.delete(key);
      }
      if (pid !== null || n.pid !== null) n.pid = pid;
    });
    if (!allUp) return;
    const identity = this.nodes.map((n) => `${n.name}:${n.pid}`).join(',');
    try {
      if (await this.coordination.observe(`nginx:${this.urls.baseUrl}`, identity)) {
        const generation = await this.coordination.bumpGeneration();
        this.log.info(`nginx restarted (${identity}): media generation ${generation}`);
      }
    } catch (error) {
      this.log.warn(`nginx plane: sharing what nginx looks like failed: ${(error as Error).message}`);
    }
  }

  /** A new generation (an nginx restart seen by some process, or an admin restart): new urls for everyone. */
  private applyGeneration(generation: number): void {
    if (generation <= this.gen || this.closed) return;
    this.gen = generation;
    this.lastRestartAt = Date.now();
    this.record({ type: 'restarted', at: Date.now(), generation });
    void this.tell((l) => l.onGenerationChanged(generation), 'generation change');
    // Streams it had started that are not published again by then are over.
    const check = setTimeout(() => {
      this.restartChecks.delete(check);
      void this.afterRestart();
    }, this.graceMs);
    check.unref();
    this.restartChecks.add(check);
  }

  private async afterRestart(): Promise<void> {
    const origin = this.nodes.find((n) => n.role === 'origin');
    const stat = origin ? await this.readStat(origin) : null;
    if (!stat || this.closed) return;
    for (const name of [...this.started]) {
      if (stat.publishers.has(name)) continue;
      this.started.delete(name);
      this.record({ type: 'stopped', at: Date.now(), streamName: name });
      await this.tell((l) => l.onStreamStopped(name), `stream stop of ${name}`);
    }
  }

  private async readStat(node: NginxNode): Promise<{ pid: string; publishers: Map<string, string> } | null> {
    try {
      const response = await fetch(`${node.control}/stat`, { signal: AbortSignal.timeout(1_000) });
      if (!response.ok) return null;
      return parseStat(await response.text());
    } catch {
      return null;
    }
  }

  // --- setting up ------------------------------------------------------------------------------------------

  private useExternal(external: { origin: string; edges: string[] }): void {
    this.nodes = [
      { name: 'origin', role: 'origin', control: external.origin.replace(/\/+$/, ''), rtmp: this.urls.baseUrl, process: null, pid: null },
      ...external.edges.map((control, i): NginxNode => ({ name: `edge${i + 1}`, role: 'edge', control: control.replace(/\/+$/, ''), rtmp: this.urls.pullBaseUrls[i] ?? this.urls.baseUrl, process: null, pid: null })),
    ];
  }

  private async launch(callbackBase: string): Promise<void> {
    const dev = this.options.dev ?? { edges: 0, nginxPath: '/usr/sbin/nginx', modulePath: '/usr/lib/nginx/modules/ngx_rtmp_module.so' };
    const missing = nginxMissing(dev);
    if (missing) throw new Error(`media 'nginx' in development runs nginx here: ${missing}`);
    const origin = new URL(this.urls.baseUrl);
    const host = origin.hostname.replace(/^\[|\]$/g, '');
    const hostPort = (port: number | string) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);
    const specs: Array<{ name: string; role: 'origin' | 'edge'; rtmpPort: number; controlPort: number }> = [
      { name: 'origin', role: 'origin', rtmpPort: Number(origin.port || 1935), controlPort: await freePort(host) },
    ];
    for (let i = 1; i <= dev.edges; i++) specs.push({ name: `edge${i}`, role: 'edge', rtmpPort: await freePort(host), controlPort: await freePort(host) });
    for (const spec of specs) {
      const control = `http://${hostPort(spec.controlPort)}`;
      const node: NginxNodeConfig = {
        role: spec.role,
        name: spec.name,
        rtmpListen: hostPort(spec.rtmpPort),
        app: this.app,
        callbackBase,
        callbackKey: this.callbackKey,
        updateSec: this.options.updateSec,
        ...(spec.role === 'edge' ? { pullFrom: this.urls.baseUrl, relayToken: this.relayToken } : {}),
      };
      const proc = new NginxProcess({
        nginxPath: dev.nginxPath,
        modulePath: dev.modulePath,
        name: spec.name,
        statUrl: `${control}/stat`,
        conf: (dir) => nginxConfFile({ dir, modulePath: dev.modulePath, httpListen: hostPort(spec.controlPort), node }),
      });
      const rtmp = `rtmp://${hostPort(spec.rtmpPort)}/${this.app}`;
      this.nodes.push({ name: spec.name, role: spec.role, control, rtmp, process: proc, pid: null });
      try {
        await proc.start();
      } catch (error) {
        for (const n of this.nodes) await n.process?.dispose();
        throw error;
      }
    }
    // Players pull from the edges when there are some.
    if (dev.edges > 0) this.urls.setPullBases(this.nodes.filter((n) => n.role === 'edge').map((n) => n.rtmp));
  }

  /** What an edge's relay names as its address: the origin's host:port/app it pulls from. */
  private relayAddr(): string {
    return this.urls.baseUrl.replace(/^rtmps?:\/\//, '');
  }

  private record(event: NginxPlaneEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
  }

  private async tell(work: (listener: MediaPlaneListener) => void | Promise<void>, what: string): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    try {
      await work(listener);
    } catch (error) {
      this.log.error(`nginx plane: reporting the ${what} failed`, error);
    }
  }
}

/**
 * nginx's form body: its own fields first (app, flashver, swfurl, tcurl, pageurl, addr, clientid, call, name,
 * ...), then the client's url arguments verbatim. The first occurrence of a field is nginx's, so a client
 * cannot override one with `&clientid=..` in its url. null for what nginx would never send.
 */
export function firstFields(body: string): Map<string, string> | null {
  if (body.length === 0 || body.length > 16_384 || /[\0\r\n]/.test(body)) return null;
  const fields = new Map<string, string>();
  const parts = body.split('&');
  if (parts.length > 256) return null;
  for (const part of parts) {
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = decode(eq < 0 ? '' : part.slice(eq + 1));
    if (key === '' || fields.has(key)) continue;
    fields.set(key, value);
  }
  return fields.has('call') ? fields : null;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The worker pid and, per published stream, its publisher's client id, from rtmp_stat's XML. */
export function parseStat(xml: string): { pid: string; publishers: Map<string, string> } | null {
  const pid = /<pid>(\d+)<\/pid>/.exec(xml)?.[1];
  if (!pid) return null;
  const publishers = new Map<string, string>();
  for (const chunk of xml.split('<stream>').slice(1)) {
    const name = /^\s*<name>([^<]*)<\/name>/.exec(chunk)?.[1];
    if (!name) continue;
    for (const client of chunk.split('<client>').slice(1)) {
      if (!client.includes('<publishing/>')) continue;
      const id = /<id>(\d+)<\/id>/.exec(client)?.[1];
      if (id) publishers.set(name, id);
    }
  }
  return { pid, publishers };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `startDevServer({ mediaPlane: nginxMediaPlane({...}) })`. */
export function nginxMediaPlane(options: NginxPlaneOptions): MediaPlaneFactory {
  return (context) => new NginxMediaPlane(context, options);
}

/** The plane's options from the server's config (media 'nginx'). */
export function nginxPlaneOptionsFrom(config: ServerConfig, clustered: boolean): NginxPlaneOptions {
  if (config.nginxControlUrl === null && clustered) {
    throw new Error(
      "media 'nginx' with --redis-url: every process must share one nginx, so give --nginx-control-url (and --media-base) of the nginx you run; " +
        'see docs/scale-out.md for its config (or --media none)',
    );
  }
  return {
    mediaSecret: config.mediaSecret,
    external: config.nginxControlUrl === null ? null : { origin: config.nginxControlUrl, edges: config.nginxEdgeControlUrls },
    dev: { edges: config.nginxDevEdges, nginxPath: config.nginxPath, modulePath: config.nginxModulePath },
    callbackUrl: config.nginxCallbackUrl,
  };
}
