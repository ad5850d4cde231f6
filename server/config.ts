// The dev server's configuration: documented development defaults, overridden by WXRTC_* environment
// variables, overridden by command-line flags. Nothing else in server/ reads process.env or argv.

import { parseArgs } from 'node:util';
import { HEARTBEAT_INTERVAL_MS, LIMITS, RESUME_GRACE_MS } from '../src/core/protocol';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/**
 * 'rtmp': a real RTMP media server in this process (node-media-server, server/media/); 'nginx': nginx-rtmp, shared
 * by every process (server/media/nginx-plane.ts: launched here in development, the operator's with
 * nginxControlUrl); 'none': a publish counts as started at once; 'auto': rtmp when node-media-server is installed.
 */
export type MediaMode = 'auto' | 'rtmp' | 'nginx' | 'none';

/** Room limits the store enforces atomically (see store/room-store.ts). */
export interface RoomLimits {
  visibleUsersPerRoom: number;
  silentUsersPerRoom: number;
  subscriptionsPerUser: number;
  androidSubscriptionWarningAt: number;
  rtcUsersPerRoom: number;
  liveAnchorsPerRoom: number;
}

export interface RateLimitConfig {
  /** Tokens added per second (sustained messages per second). */
  perSecond: number;
  /** Bucket size (messages accepted in a burst). */
  burst: number;
  /**
   * Refused messages decay at `perSecond`; when the backlog of refusals passes this, the socket is closed
   * (1008). A client slightly over the rate only sees RATE_LIMITED; a flood gets disconnected.
   */
  abuseThreshold: number;
}

export interface ServerConfig {
  host: string;
  /** Signaling (websocket) and HTTP share this port; 0 picks an ephemeral one. */
  port: number;
  /** 0 = a free port chosen at start. */
  rtmpPort: number;
  /** The media server; startDevServer() defaults to none (unless given a mediaPlane), the command line to auto. */
  media: MediaMode;
  /** Start a demo room whose headless participants push and play real streams (`npm start`; needs ffmpeg). */
  demo: boolean;
  /**
   * Let --demo listen on a non-loopback host. The demo signs its users in with public secrets, so anyone who
   * reaches the server can act as them: refused unless this says it is meant.
   */
  demoPublic: boolean;
  sdkAppID: number;
  /** The TLS-Sig-API v2 secret key userSigs are signed with. */
  secret: string;
  adminKey: string;
  webhookUrl: string | null;
  webhookSecret: string;
  /** Send webhooks for every session, not only those that set a business id. */
  webhookAll: boolean;
  webhookMaxAttempts: number;
  webhookBaseDelayMs: number;
  webhookTimeoutMs: number;
  webhookQueueLimit: number;
  /** Signs RTMP push/pull urls (the media server verifies them with the same secret). */
  mediaSecret: string;
  /** Base of RTMP urls; null = rtmp://<host>:<rtmpPort>/live. */
  mediaBaseUrl: string | null;
  /** Bases of pull urls (nginx edges, same app as mediaBaseUrl); empty = pull where pushes go. */
  mediaPullBaseUrls: string[];
  /**
   * media 'nginx' in production: http(s) base of the operator's nginx origin where `rtmp_control` (/control) and
   * `rtmp_stat` (/stat) are served. null = development: the server writes a config and runs nginx itself.
   */
  nginxControlUrl: string | null;
  /** The same for each nginx edge, in the order of mediaPullBaseUrls. */
  nginxEdgeControlUrls: string[];
  /** Where nginx's callbacks reach signaling (the balancer in front of every process); null = this server. */
  nginxCallbackUrl: string | null;
  /** Development nginx: edges to run besides the origin (players pull from them). */
  nginxDevEdges: number;
  /** Development nginx: the binary and the RTMP module it loads. */
  nginxPath: string;
  nginxModulePath: string;
  /** How long a minted RTMP url is valid. */
  urlTtlSec: number;
  heartbeatIntervalMs: number;
  graceMs: number;
  /** Notifications kept per session so a resume can replay what it missed. */
  resumeBufferSize: number;
  rateLimit: RateLimitConfig;
  /** A socket whose unsent data grows past this is a slow consumer and is disconnected. */
  maxBufferedBytes: number;
  limits: RoomLimits;
  reportsMaxBodyBytes: number;
  reportsMaxBatches: number;
  /** Validity of userSigs the dev tools mint (`npm run usersig`, DevServer.genUserSig). */
  userSigExpireSec: number;
  logLevel: LogLevel;
  /**
   * redis:// or rediss:// url of a shared Redis: rooms and sessions live there and several processes serve
   * the same rooms (server/store/redis-store.ts, server/cluster.ts). null = one process, state in memory.
   */
  redisUrl: string | null;
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  redisPrefix: string;
  /**
   * A process that has not renewed its heartbeat for this long is dead: another process detaches its sessions
   * (their grace period starts then) so their clients can resume elsewhere or time out.
   */
  processTtlMs: number;
  /** Room notifications kept in Redis per room, so a session resumed on another process gets what it missed. */
  roomLogSize: number;
  /** The inspector's page credential (reads every session); null = a random one per start, printed. */
  inspectorKey: string | null;
  /** The inspector's SDK credential (adds sessions, reads nothing); null = a random one per start, printed. */
  inspectorPublishKey: string | null;
  /** Browser origins allowed besides the server's own (a TLS proxy's https://dev.example.com). */
  allowedOrigins: string[];
}

/** The longest delay Node's timers hold; a longer one fires after 1 ms (with a TimeoutOverflowWarning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Development defaults. They are public on purpose (anyone can mint a userSig for a dev server), so a server
 * reachable from elsewhere must be started with its own --secret and --admin-key.
 */
export const DEV_DEFAULTS = Object.freeze({
  host: '127.0.0.1',
  port: 8787,
  rtmpPort: 1935,
  sdkAppID: 1400000000,
  secret: 'wxrtc-development-secret-do-not-use-in-production',
  adminKey: 'wxrtc-dev-admin-key',
  webhookSecret: 'wxrtc-dev-webhook-secret',
  mediaSecret: 'wxrtc-dev-media-secret',
  userSigExpireSec: 7 * 24 * 3600,
});

export function defaultConfig(): ServerConfig {
  return {
    host: DEV_DEFAULTS.host,
    port: DEV_DEFAULTS.port,
    rtmpPort: DEV_DEFAULTS.rtmpPort,
    media: 'none',
    demo: false,
    demoPublic: false,
    sdkAppID: DEV_DEFAULTS.sdkAppID,
    secret: DEV_DEFAULTS.secret,
    adminKey: DEV_DEFAULTS.adminKey,
    webhookUrl: null,
    webhookSecret: DEV_DEFAULTS.webhookSecret,
    webhookAll: false,
    webhookMaxAttempts: 5,
    webhookBaseDelayMs: 500,
    webhookTimeoutMs: 5_000,
    webhookQueueLimit: 10_000,
    mediaSecret: DEV_DEFAULTS.mediaSecret,
    mediaBaseUrl: null,
    mediaPullBaseUrls: [],
    nginxControlUrl: null,
    nginxEdgeControlUrls: [],
    nginxCallbackUrl: null,
    nginxDevEdges: 0,
    nginxPath: '/usr/sbin/nginx',
    nginxModulePath: '/usr/lib/nginx/modules/ngx_rtmp_module.so',
    urlTtlSec: 24 * 3600,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    graceMs: RESUME_GRACE_MS,
    resumeBufferSize: 256,
    rateLimit: { perSecond: 50, burst: 100, abuseThreshold: 200 },
    maxBufferedBytes: 1024 * 1024,
    limits: {
      visibleUsersPerRoom: LIMITS.visibleUsersPerRoom,
      silentUsersPerRoom: LIMITS.silentUsersPerRoom,
      subscriptionsPerUser: LIMITS.subscriptionsPerUser,
      androidSubscriptionWarningAt: LIMITS.androidSubscriptionWarningAt,
      rtcUsersPerRoom: LIMITS.rtcUsersPerRoom,
      liveAnchorsPerRoom: LIMITS.liveAnchorsPerRoom,
    },
    reportsMaxBodyBytes: 64 * 1024,
    reportsMaxBatches: 500,
    userSigExpireSec: DEV_DEFAULTS.userSigExpireSec,
    logLevel: 'info',
    redisUrl: null,
    redisPrefix: 'wxrtc',
    processTtlMs: 10_000,
    roomLogSize: 1_000,
    inspectorKey: null,
    inspectorPublishKey: null,
    allowedOrigins: [],
  };
}

/** Options of startDevServer: any config field, limits and rate limit may be given in part. */
export type ServerConfigInput = Partial<Omit<ServerConfig, 'limits' | 'rateLimit'>> & {
  limits?: Partial<RoomLimits>;
  rateLimit?: Partial<RateLimitConfig>;
};

export function resolveConfig(input: ServerConfigInput = {}, base: ServerConfig = defaultConfig()): ServerConfig {
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as ServerConfigInput;
  const config: ServerConfig = {
    ...base,
    ...defined,
    limits: { ...base.limits, ...input.limits },
    rateLimit: { ...base.rateLimit, ...input.rateLimit },
  };
  validateConfig(config);
  return config;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function validateConfig(c: ServerConfig): void {
  const positiveInt = (name: string, v: number, min = 1) => {
    if (!Number.isSafeInteger(v) || v < min) throw new ConfigError(`${name} must be an integer >= ${min} (got ${String(v)})`);
  };
  if (!Number.isSafeInteger(c.port) || c.port < 0 || c.port > 65535) throw new ConfigError(`port must be 0..65535 (got ${c.port})`);
  if (!Number.isSafeInteger(c.rtmpPort) || c.rtmpPort < 0 || c.rtmpPort > 65535) throw new ConfigError(`rtmpPort must be 0..65535 (got ${c.rtmpPort})`);
  positiveInt('sdkAppID', c.sdkAppID);
  positiveInt('heartbeatIntervalMs', c.heartbeatIntervalMs);
  positiveInt('graceMs', c.graceMs, 0);
  positiveInt('urlTtlSec', c.urlTtlSec);
  positiveInt('resumeBufferSize', c.resumeBufferSize);
  positiveInt('webhookMaxAttempts', c.webhookMaxAttempts);
  positiveInt('userSigExpireSec', c.userSigExpireSec);
  if (!c.secret) throw new ConfigError('secret must not be empty');
  if (!c.adminKey) throw new ConfigError('adminKey must not be empty');
  if (!c.mediaSecret) throw new ConfigError('mediaSecret must not be empty');
  if (!MEDIA_MODES.has(c.media)) throw new ConfigError(`media must be one of ${[...MEDIA_MODES].join(', ')} (got ${String(c.media)})`);
  if (c.webhookUrl !== null && !/^https?:\/\//.test(c.webhookUrl)) throw new ConfigError(`webhookUrl must be an http(s) url (got ${c.webhookUrl})`);
  if (c.rateLimit.perSecond <= 0 || c.rateLimit.burst < 1) throw new ConfigError('rateLimit needs perSecond > 0 and burst >= 1');
  if (c.redisUrl !== null && !/^rediss?:\/\/./.test(c.redisUrl)) throw new ConfigError('redisUrl must be a redis:// or rediss:// url');
  // Braces would change which part of a key Redis Cluster hashes (a room's keys share the tag {<roomKey>}).
  if (!/^[A-Za-z0-9_.:-]{1,64}$/.test(c.redisPrefix)) throw new ConfigError(`redisPrefix must be 1..64 of A-Z a-z 0-9 _ . : - (got ${JSON.stringify(c.redisPrefix)})`);
  const httpUrl = (name: string, v: string) => {
    if (!/^https?:\/\/[^\s]+$/.test(v)) throw new ConfigError(`${name} must be an http(s) url (got ${JSON.stringify(v)})`);
  };
  if (c.nginxControlUrl !== null) httpUrl('nginxControlUrl', c.nginxControlUrl);
  if (c.nginxCallbackUrl !== null) httpUrl('nginxCallbackUrl', c.nginxCallbackUrl);
  for (const u of c.nginxEdgeControlUrls) httpUrl('nginxEdgeControlUrls', u);
  for (const u of c.mediaPullBaseUrls) if (!/^rtmps?:\/\/[^\s]+$/.test(u)) throw new ConfigError(`mediaPullBaseUrls must be rtmp:// urls (got ${JSON.stringify(u)})`);
  if (c.nginxEdgeControlUrls.length > 0 && c.nginxEdgeControlUrls.length !== c.mediaPullBaseUrls.length) {
    throw new ConfigError('give one nginx edge control url per pull base (--nginx-edge-control-urls and --media-pull-base, in the same order)');
  }
  positiveInt('nginxDevEdges', c.nginxDevEdges, 0);
  if (c.nginxDevEdges > 8) throw new ConfigError(`nginxDevEdges must be 0..8 (got ${c.nginxDevEdges})`);
  positiveInt('processTtlMs', c.processTtlMs, 300);
  positiveInt('roomLogSize', c.roomLogSize, 16);
  positiveInt('webhookBaseDelayMs', c.webhookBaseDelayMs, 0);
  positiveInt('webhookTimeoutMs', c.webhookTimeoutMs);
  // Each value as the timer that is actually armed with it: past MAX_TIMER_MS Node fires it after 1 ms.
  timerFits('heartbeatIntervalMs', c.heartbeatIntervalMs, 3, 'the server drops a socket silent for 3 intervals');
  timerFits('graceMs', c.graceMs, 1, 'a dropped session is kept this long');
  timerFits('webhookTimeoutMs', c.webhookTimeoutMs, 1, 'a webhook receiver gets this long to answer');
  timerFits('webhookBaseDelayMs', c.webhookBaseDelayMs, 2 ** Math.max(0, c.webhookMaxAttempts - 2), `the last of ${c.webhookMaxAttempts} attempts waits this times 2^${Math.max(0, c.webhookMaxAttempts - 2)}`);
  timerFits('processTtlMs', c.processTtlMs, 1, 'a silent process is declared dead after this long');
  for (const [name, key] of [['inspectorKey', c.inspectorKey], ['inspectorPublishKey', c.inspectorPublishKey]] as const) {
    if (key !== null && (typeof key !== 'string' || key.length < 16)) throw new ConfigError(`${name} must be at least 16 characters (or unset for a random one)`);
  }
  if (c.inspectorKey !== null && c.inspectorKey === c.inspectorPublishKey) throw new ConfigError('inspectorKey and inspectorPublishKey must differ: the publish key ships inside the mini-program');
  for (const origin of c.allowedOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) throw new ConfigError(`allowedOrigins must be scheme://host[:port] origins (got ${JSON.stringify(origin)})`);
  }
  if (c.demo && !c.demoPublic && !isLoopbackHost(c.host)) {
    throw new ConfigError(
      `--demo refuses to listen on ${c.host}: the demo signs its users in with public secrets, so anyone who reaches ` +
        `${c.host} could sign in as them, cut their streams and watch them. Use --host 127.0.0.1, or add --demo-public if that is what you want.`,
    );
  }
}

function timerFits(name: string, value: number, factor: number, why: string): void {
  if (value * factor <= MAX_TIMER_MS) return;
  const max = Math.floor(MAX_TIMER_MS / factor);
  throw new ConfigError(`${name} must be at most ${max} ms (got ${value}): ${why}, and Node's timers hold at most ${MAX_TIMER_MS} ms (about 24.8 days)`);
}

/** Hosts only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Flags and the environment variable behind each. */
export const CLI_OPTIONS = {
  host: { flag: 'host', env: 'WXRTC_HOST', help: 'interface to listen on' },
  port: { flag: 'port', env: 'WXRTC_PORT', help: 'signaling + HTTP port (0 = ephemeral)' },
  rtmpPort: { flag: 'rtmp-port', env: 'WXRTC_RTMP_PORT', help: 'RTMP port the media server binds and urls name (0 = any free one)' },
  media: { flag: 'media', env: 'WXRTC_MEDIA', help: 'media server: rtmp | nginx | none | auto (rtmp when node-media-server is installed; nginx with --redis-url)' },
  demo: { flag: 'demo', env: 'WXRTC_DEMO', help: 'start a demo room whose participants push and play real streams (needs ffmpeg)' },
  demoPublic: { flag: 'demo-public', env: 'WXRTC_DEMO_PUBLIC', help: 'let --demo listen on a non-loopback --host (its users sign in with public secrets)' },
  secret: { flag: 'secret', env: 'WXRTC_SECRET', help: 'userSig secret key (TLS-Sig-API v2)' },
  sdkAppID: { flag: 'sdkappid', env: 'WXRTC_SDKAPPID', help: 'sdkAppID userSigs must be issued for' },
  adminKey: { flag: 'admin-key', env: 'WXRTC_ADMIN_KEY', help: 'key for the admin API (header x-admin-key)' },
  webhookUrl: { flag: 'webhook-url', env: 'WXRTC_WEBHOOK_URL', help: 'where room/user/stream callbacks are POSTed' },
  webhookSecret: { flag: 'webhook-secret', env: 'WXRTC_WEBHOOK_SECRET', help: 'HMAC-SHA256 key of x-wxrtc-signature' },
  webhookAll: { flag: 'webhook-all', env: 'WXRTC_WEBHOOK_ALL', help: 'send callbacks for sessions without a business id too' },
  mediaSecret: { flag: 'media-secret', env: 'WXRTC_MEDIA_SECRET', help: 'key that signs RTMP urls' },
  mediaBaseUrl: { flag: 'media-base', env: 'WXRTC_MEDIA_BASE', help: 'base of RTMP urls (default rtmp://<host>:<rtmp-port>/live)' },
  mediaPullBaseUrls: { flag: 'media-pull-base', env: 'WXRTC_MEDIA_PULL_BASE', help: 'comma-separated bases of pull urls (nginx edges); empty = the media base' },
  nginxControlUrl: { flag: 'nginx-control-url', env: 'WXRTC_NGINX_CONTROL_URL', help: "http base of your nginx origin's /control and /stat (media nginx); unset = run nginx here (development)" },
  nginxEdgeControlUrls: { flag: 'nginx-edge-control-urls', env: 'WXRTC_NGINX_EDGE_CONTROL_URLS', help: 'comma-separated http bases of the edges\' /control and /stat, in --media-pull-base order' },
  nginxCallbackUrl: { flag: 'nginx-callback-url', env: 'WXRTC_NGINX_CALLBACK_URL', help: "where nginx's on_publish/on_play callbacks reach signaling (your balancer); unset = this server" },
  nginxDevEdges: { flag: 'nginx-edges', env: 'WXRTC_NGINX_EDGES', help: 'development nginx: how many edges to run besides the origin' },
  graceMs: { flag: 'grace-ms', env: 'WXRTC_GRACE_MS', help: 'how long a dropped session can be resumed' },
  heartbeatIntervalMs: { flag: 'heartbeat-ms', env: 'WXRTC_HEARTBEAT_MS', help: 'client ping interval; 3 missed = dropped' },
  logLevel: { flag: 'log-level', env: 'WXRTC_LOG_LEVEL', help: 'debug | info | warn | error | silent' },
  redisUrl: { flag: 'redis-url', env: 'WXRTC_REDIS_URL', help: 'share rooms with other processes through this Redis (REDIS_URL works too); unset = in memory' },
  redisPrefix: { flag: 'redis-prefix', env: 'WXRTC_REDIS_PREFIX', help: 'prefix of Redis keys and channels' },
  inspectorKey: { flag: 'inspector-key', env: 'WXRTC_INSPECTOR_KEY', help: 'key of the inspector page (reads every session); unset = random per start' },
  inspectorPublishKey: { flag: 'inspector-publish-key', env: 'WXRTC_INSPECTOR_PUBLISH_KEY', help: 'key SDK sessions send inspection events with; unset = random per start' },
  allowedOrigins: { flag: 'allowed-origin', env: 'WXRTC_ALLOWED_ORIGINS', help: 'comma-separated browser origins allowed besides the server\'s own (a TLS proxy)' },
} as const;

/** Conventional variable names read when the WXRTC_* one is unset (REDIS_URL is what hosting platforms set). */
const ENV_FALLBACKS: Partial<Record<CliKey, string>> = { redisUrl: 'REDIS_URL' };

type CliKey = keyof typeof CLI_OPTIONS;
const NUMERIC: ReadonlySet<CliKey> = new Set<CliKey>(['port', 'rtmpPort', 'sdkAppID', 'graceMs', 'heartbeatIntervalMs', 'nginxDevEdges']);
const LISTS: ReadonlySet<CliKey> = new Set<CliKey>(['mediaPullBaseUrls', 'nginxEdgeControlUrls']);
const BOOLEAN: ReadonlySet<CliKey> = new Set<CliKey>(['webhookAll', 'demo', 'demoPublic']);
const MEDIA_MODES: ReadonlySet<string> = new Set(['auto', 'rtmp', 'nginx', 'none']);
/** Where the command line differs from startDevServer(): it serves real media when it can. */
const CLI_DEFAULTS: Partial<ServerConfig> = { media: 'auto' };
const LOG_LEVELS: ReadonlySet<string> = new Set(['debug', 'info', 'warn', 'error', 'silent']);

function convert(key: CliKey, raw: string | boolean, source: string): unknown {
  if (BOOLEAN.has(key)) return raw === true || raw === '1' || raw === 'true' || raw === 'yes';
  const text = String(raw);
  if (LISTS.has(key)) return text.split(',').map((part) => part.trim()).filter((part) => part !== '');
  if (NUMERIC.has(key)) {
    if (!/^\d+$/.test(text)) throw new ConfigError(`${source} must be a non-negative integer (got ${JSON.stringify(text)})`);
    return Number(text);
  }
  if (key === 'logLevel' && !LOG_LEVELS.has(text)) throw new ConfigError(`${source} must be one of ${[...LOG_LEVELS].join(', ')}`);
  if (key === 'media' && !MEDIA_MODES.has(text)) throw new ConfigError(`${source} must be one of ${[...MEDIA_MODES].join(', ')}`);
  if (key === 'allowedOrigins') return text.split(',').map((o) => o.trim()).filter((o) => o !== '');
  return text;
}

/** Read WXRTC_* variables into config input (unset and empty variables are ignored). */
export function configFromEnv(env: NodeJS.ProcessEnv): ServerConfigInput {
  const input: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(CLI_OPTIONS) as Array<[CliKey, (typeof CLI_OPTIONS)[CliKey]]>) {
    const fallback = ENV_FALLBACKS[key];
    const [name, raw] = env[spec.env] !== undefined && env[spec.env] !== '' ? [spec.env, env[spec.env]] : fallback ? [fallback, env[fallback]] : [spec.env, undefined];
    if (raw !== undefined && raw !== '') input[key] = convert(key, raw, name);
  }
  return input as ServerConfigInput;
}

export interface CliResult {
  config: ServerConfig;
  help: boolean;
}

/** Parse the server's command line on top of the environment and the defaults. */
export function configFromCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliResult {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const [key, spec] of Object.entries(CLI_OPTIONS) as Array<[CliKey, (typeof CLI_OPTIONS)[CliKey]]>) {
    options[spec.flag] = { type: BOOLEAN.has(key) ? 'boolean' : 'string' };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | undefined>;
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const input: Record<string, unknown> = { ...CLI_DEFAULTS, ...configFromEnv(env) };
  for (const [key, spec] of Object.entries(CLI_OPTIONS) as Array<[CliKey, (typeof CLI_OPTIONS)[CliKey]]>) {
    const raw = values[spec.flag];
    if (raw !== undefined) input[key] = convert(key, raw, `--${spec.flag}`);
  }
  // One process's node-media-server would not know the others' streams: with Redis every process shares one
  // nginx-rtmp (the operator's, --nginx-control-url) unless told otherwise.
  if (input.redisUrl && values.media === undefined && (env[CLI_OPTIONS.media.env] ?? '') === '') input.media = 'nginx';
  return { config: resolveConfig(input as ServerConfigInput), help: values.help === true };
}

export function cliHelp(): string {
  const d = { ...defaultConfig(), ...CLI_DEFAULTS };
  const rows = (Object.entries(CLI_OPTIONS) as Array<[CliKey, (typeof CLI_OPTIONS)[CliKey]]>).map(([key, spec]) => {
    const value = d[key];
    const shown = value === null ? (key === 'inspectorKey' || key === 'inspectorPublishKey' ? '(random)' : '(none)') : typeof value === 'boolean' ? String(value) : Array.isArray(value) ? value.join(',') || '(none)' : JSON.stringify(value);
    return `  --${spec.flag.padEnd(15)} ${spec.env.padEnd(22)} ${spec.help}; default ${shown}`;
  });
  return ['Usage: npm run server -- [flags]   (flags override WXRTC_* environment variables)', '', ...rows].join('\n');
}

/** A Redis url fit to print or log: its password replaced by ***. */
export function redactedRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'redis://<unparseable url>';
  }
}
