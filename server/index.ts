// startDevServer: wires config, store, media plane, room logic, signaling, webhooks, reports and HTTP into one
// running server and hands back its urls and a close(). Composable on purpose: it installs no signal
// handlers and prints nothing, so main.ts, the demo and tests can each start one (or several). With
// redisUrl it is one process of several sharing rooms through Redis (cluster.ts); without, it is alone.

import type { AddressInfo } from 'node:net';
import { PROTOCOL_VERSION } from '../src/core/protocol';
import type { RoomCluster } from './cluster';
import { ConfigError, resolveConfig, type ServerConfig, type ServerConfigInput } from './config';
import { createHttpServer, REPORTS_PATH } from './http';
import type { DemoFacts } from './landing';
import { createLogger, type Logger } from './log';
import { LocalCoordination, noMediaPlane, type MediaPlane, type MediaPlaneFactory } from './media-plane';
import { MediaUrls } from './media-urls';
import { MediaAccess } from './media/authorize';
import { freePort } from './media/ports';
import { WebMediaBridge, type WebBridgeOptions } from './media/web-bridge';
import { WEB_MEDIA_PATH } from '../src/core/web-media';
import { ReportStore } from './reports';
import { StatsStore, type StatsStoreOptions } from './stats';
import { RoomService, type RoomEvent } from './rooms';
import { SessionRegistry } from './sessions';
import { SIGNALING_PATH, SignalingServer } from './signaling';
import { MemoryRoomStore } from './store/memory-store';
import type { RoomStore } from './store/room-store';
import { genUserSig } from './usersig';
import { WebhookQueue } from './webhooks';
import { CALL_PAGE_PATH, createCallService } from './call';
import { createInspectorService, INSPECT_PAGE_PATH, INSPECT_PATH, type InspectorRelay, type InspectorServiceOptions } from './inspector';

export interface DevServerOptions extends ServerConfigInput {
  /** Room state; defaults to the in-memory store (or Redis with redisUrl). Closed with the server. */
  store?: RoomStore;
  /** Builds the media plane from the url signer; defaults to "no media server". */
  mediaPlane?: MediaPlaneFactory;
  /** Where log lines go; defaults to stderr at config.logLevel (startDevServer defaults the level to 'warn'). */
  logger?: Logger;
  /** Also called with every room event (the inspector, the demo); must not throw or block. */
  onRoomEvent?: (event: RoomEvent) => void;
  /** The live inspector (relay + /inspect page): on unless false; an object tunes its bounds. */
  inspector?: boolean | InspectorServiceOptions;
  /** The call page (/call: a browser in a room) and its userSig endpoint: on unless false. */
  call?: boolean;
  /** Bounds of the browsers' media bridges (docs/web-media.md); `baseUrl` overrides ws://host:port/v1/media/web (a TLS proxy: wss://...). */
  webMedia?: WebBridgeOptions & { baseUrl?: string };
  /** Bounds of the stream quality series (samples per stream, streams, participants, retention; server/stats.ts). */
  stats?: StatsStoreOptions;
}

export interface DevInspector {
  /** http://host:port/inspect#key=<viewKey> — open it in a browser (the key stays in the fragment, out of logs). */
  readonly url: string;
  /** ws://host:port/v1/inspect?key=<publishKey> — createInspector({ url }) from 'wxrtc/inspect'. */
  readonly wsUrl: string;
  /** Reads every inspected session: give it only to whoever may watch them. */
  readonly viewKey: string;
  /** Lets an SDK session send (never read): it goes into the mini-program's build. */
  readonly publishKey: string;
  readonly relay: InspectorRelay;
}

export interface DevServer {
  /** http://host:port — reports, admin API, status. The mini-program's request domain. */
  readonly httpUrl: string;
  /** ws://host:port/v1/signaling — the websocket driver's url. The mini-program's socket domain. */
  readonly wsUrl: string;
  readonly host: string;
  readonly port: number;
  /** Base of the RTMP urls handed out (rtmp://host:rtmpPort/live). */
  readonly rtmpBaseUrl: string;
  readonly sdkAppID: number;
  readonly config: Readonly<ServerConfig>;
  readonly store: RoomStore;
  /** This process in a Redis cluster (redisUrl), or null when it serves alone. */
  readonly cluster: { readonly processId: string } | null;
  readonly media: MediaPlane;
  readonly urls: MediaUrls;
  readonly rooms: RoomService;
  readonly webhooks: WebhookQueue;
  readonly reports: ReportStore;
  /** Stream quality series from net-stats frames and reported NET_STATS events (admin: /admin/stats). */
  readonly stats: StatsStore;
  /** The live inspector, unless turned off with `inspector: false`. */
  readonly inspector: DevInspector | null;
  /** http://host:port/call — the call page (a browser in a room), or null when turned off. */
  readonly callUrl: string | null;
  /** The browsers' media bridges (platform 'web' sessions' ws:// urls). */
  readonly webMedia: WebMediaBridge;
  /** Adds a fact to the status document at / and its landing page (main.ts puts the demo room there). */
  setStatus(key: 'demo', value: DemoFacts | null): void;
  /** A userSig this server accepts, for `userID` (expireSec defaults to config.userSigExpireSec). */
  genUserSig(userID: string, expireSec?: number): string;
  /** Stop accepting, close every socket (1001), drop pending webhooks, stop timers. Idempotent. */
  close(): Promise<void>;
}

export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const { store: givenStore, mediaPlane, logger, onRoomEvent, inspector: inspectorOption, call: callOption, webMedia: webMediaOptions, stats: statsOptions, ...configInput } = options;
  const config = resolveConfig({ logLevel: 'warn', ...configInput });
  const log = logger ?? createLogger(config.logLevel);
  if (givenStore && config.redisUrl) throw new ConfigError('give either a store or redisUrl, not both');
  const sessions = new SessionRegistry();
  const webhooks = new WebhookQueue(
    {
      url: config.webhookUrl,
      secret: config.webhookSecret,
      sdkAppID: config.sdkAppID,
      sendAll: config.webhookAll,
      maxAttempts: config.webhookMaxAttempts,
      baseDelayMs: config.webhookBaseDelayMs,
      timeoutMs: config.webhookTimeoutMs,
      queueLimit: config.webhookQueueLimit,
    },
    log,
  );
  const reports = new ReportStore(config.reportsMaxBatches);
  const stats = new StatsStore(statsOptions);
  // rtmpPort 0 = any free port; it is chosen here because the urls must name the port the media server binds.
  const rtmpPort = config.rtmpPort === 0 && config.mediaBaseUrl === null ? await freePort(config.host) : config.rtmpPort;
  const rtmpBaseUrl = config.mediaBaseUrl ?? `rtmp://${urlHost(config.host)}:${rtmpPort}/live`;
  const urls = new MediaUrls({ secret: config.mediaSecret, baseUrl: rtmpBaseUrl, ttlSec: config.urlTtlSec, pullBaseUrls: config.mediaPullBaseUrls });
  // Loaded only when asked for, so the in-memory server never touches ioredis.
  const cluster: (RoomCluster & { store: RoomStore }) | null = config.redisUrl ? await (await import('./cluster')).startCluster({ config, log }) : null;
  const store = cluster?.store ?? givenStore ?? new MemoryRoomStore();
  const access = new MediaAccess(urls, store);
  // A session ended on one process: every process's media plane cuts what it still serves of it.
  if (cluster) cluster.shareRevocations(access);
  let media: MediaPlane;
  try {
    const coordination = cluster?.coordination ?? new LocalCoordination();
    media = (mediaPlane ?? (cluster && config.media === 'none' ? cluster.mediaPlane : await mediaPlaneFor(config, cluster !== null)))({ urls, log, access, coordination });
  } catch (error) {
    if (cluster) {
      await cluster.close();
      await store.close();
    }
    throw error;
  }
  if (cluster && media.name !== 'none' && media.name !== 'nginx') {
    log.warn(`media plane ${media.name} with Redis: each process's media server has its own generation; url-updated after a media restart reaches only that process's sessions`);
  }
  const rooms = new RoomService({
    config,
    store,
    sessions,
    urls,
    media,
    access,
    log,
    cluster,
    stats,
    onEvent: (event) => {
      webhooks.push(event);
      onRoomEvent?.(event);
    },
  });
  cluster?.attach(rooms);
  const signaling = new SignalingServer({ config, rooms, log });
  const { baseUrl: webMediaBase, ...webBridgeOptions } = webMediaOptions ?? {};
  const webMedia = new WebMediaBridge({ urls, access, media, log }, webBridgeOptions);
  const inspector =
    inspectorOption === false
      ? null
      : createInspectorService(log, {
          ...(config.inspectorKey !== null ? { viewKey: config.inspectorKey } : {}),
          ...(config.inspectorPublishKey !== null ? { publishKey: config.inspectorPublishKey } : {}),
          allowedOrigins: config.allowedOrigins,
          // The page draws the last 2 minutes (60 samples at 2 s) of the 20 rooms heard from last.
          stats: () => stats.rooms(Date.now(), { maxRooms: 20, samplesPerStream: 60 }),
          ...(typeof inspectorOption === 'object' ? inspectorOption : {}),
        });

  let httpUrl = '';
  let wsUrl = '';
  let demo: DemoFacts | null = null;
  const call =
    callOption === false
      ? null
      : createCallService({
          sdkAppID: config.sdkAppID,
          adminKey: config.adminKey,
          userSigExpireSec: config.userSigExpireSec,
          allowedOrigins: config.allowedOrigins,
          genUserSig: (userID, expireSec) => genUserSig({ sdkAppID: config.sdkAppID, secret: config.secret, userID, expireSec }),
          inspectorKey: () => inspector?.publishKey ?? null,
          demo: () => demo,
        });
  const http = createHttpServer({
    config,
    signaling,
    reports,
    stats,
    admin: { adminKey: config.adminKey, rooms, store, media, webhooks, stats },
    log,
    inspector,
    call,
    webMedia,
    describe: () => ({
      name: 'wxrtc-dev-server',
      protocol: PROTOCOL_VERSION,
      sdkAppID: config.sdkAppID,
      signaling: wsUrl,
      reports: `${httpUrl}${REPORTS_PATH}`,
      admin: `${httpUrl}/admin/rooms`,
      rtmp: rtmpBaseUrl,
      media: media.name,
      connections: signaling.connectionCount,
      // Without its key: the status document answers anyone.
      inspector: inspector ? `${httpUrl}${INSPECT_PAGE_PATH}` : null,
      call: call ? `${httpUrl}${CALL_PAGE_PATH}` : null,
      cluster: cluster ? { processId: cluster.processId, redisPrefix: config.redisPrefix } : null,
      demo,
    }),
  });

  try {
    // Listening first: a media server that calls back (nginx) is told where, and may call at once.
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.port, config.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    const listening = (http.address() as AddressInfo).port;
    // Before any session can publish: a browser's urls name this port.
    urls.setWebBase(webMediaBase ?? `ws://${urlHost(config.host)}:${listening}${WEB_MEDIA_PATH}`);
    await media.start(rooms, { httpUrl: `http://${urlHost(config.host)}:${listening}` });
  } catch (error) {
    if (http.listening) await new Promise<void>((resolve) => http.close(() => resolve()));
    await webMedia.close();
    await inspector?.close();
    await media.close();
    await rooms.close();
    await cluster?.close();
    if (cluster) await store.close();
    throw error;
  }
  http.on('error', (error) => log.error('http server error', error));
  const port = (http.address() as AddressInfo).port;
  httpUrl = `http://${urlHost(config.host)}:${port}`;
  wsUrl = `ws://${urlHost(config.host)}:${port}${SIGNALING_PATH}`;
  log.info(`listening on ${httpUrl} (signaling ${wsUrl})`);

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
      // First (in a cluster): sessions are handed over, so the clients the sockets' close sends away can resume elsewhere.
      await rooms.close();
      await signaling.close();
      // Before the media plane: each bridge's ffmpeg is stopped while the RTMP server is still there.
      await webMedia.close();
      await inspector?.close();
      http.closeAllConnections();
      await httpClosed;
      await webhooks.close();
      await media.close();
      await cluster?.close();
      await store.close();
    })();
    return closing;
  };

  return {
    httpUrl,
    wsUrl,
    host: config.host,
    port,
    rtmpBaseUrl,
    sdkAppID: config.sdkAppID,
    config,
    store,
    cluster: cluster ? { processId: cluster.processId } : null,
    media,
    urls,
    rooms,
    webhooks,
    reports,
    stats,
    webMedia,
    callUrl: call ? `${httpUrl}${CALL_PAGE_PATH}` : null,
    inspector: inspector
      ? {
          url: `${httpUrl}${INSPECT_PAGE_PATH}#key=${encodeURIComponent(inspector.viewKey)}`,
          wsUrl: `ws://${urlHost(config.host)}:${port}${INSPECT_PATH}?key=${encodeURIComponent(inspector.publishKey)}`,
          viewKey: inspector.viewKey,
          publishKey: inspector.publishKey,
          relay: inspector.relay,
        }
      : null,
    setStatus: (_key, value) => {
      demo = value;
    },
    genUserSig: (userID, expireSec = config.userSigExpireSec) => genUserSig({ sdkAppID: config.sdkAppID, secret: config.secret, userID, expireSec }),
    close,
  };
}

/** config.media without an explicit factory. server/media/ loads only when asked for: node-media-server is optional. */
async function mediaPlaneFor(config: ServerConfig, clustered: boolean): Promise<MediaPlaneFactory> {
  if (config.media === 'none') return noMediaPlane;
  if (config.media === 'nginx') {
    const { nginxMediaPlane, nginxPlaneOptionsFrom } = await import('./media/nginx-plane');
    return nginxMediaPlane(nginxPlaneOptionsFrom(config, clustered));
  }
  try {
    const { rtmpMediaPlane } = await import('./media/index');
    return rtmpMediaPlane({ host: config.host });
  } catch (error) {
    const missing = /node-media-server/.test(String((error as Error).message)) && /MODULE_NOT_FOUND/.test(String((error as NodeJS.ErrnoException).code));
    if (config.media === 'rtmp' || !missing) throw error;
    return noMediaPlane; // 'auto' without node-media-server installed
  }
}

/** IPv6 literals need brackets in urls. */
function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export { DEV_DEFAULTS, defaultConfig, type ServerConfig } from './config';
export type { MediaPlane, MediaPlaneFactory, MediaPlaneListener } from './media-plane';
export { NoMediaPlane } from './media-plane';
export { MediaUrls, parseStreamName, streamNameOf } from './media-urls';
export type { RoomEvent } from './rooms';
export type { RoomStore } from './store/room-store';
export { MemoryRoomStore } from './store/memory-store';
export type { RedisRoomStore } from './store/redis-store';
export { genUserSig, verifyUserSig } from './usersig';
export { verifyWebhookSignature, signWebhookBody } from './webhooks';
export { StatsStore, type ParticipantStats, type RoomStatsResult, type StatsIndexResult, type StatsStoreOptions, type StoredSample, type StreamStats } from './stats';
