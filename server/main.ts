// `npm run server`: start the dev server from flags and WXRTC_* variables, print what a mini-program must be
// configured with, and stop cleanly on SIGINT/SIGTERM.

import { ConfigError, DEV_DEFAULTS, cliHelp, configFromCli, redactedRedisUrl, type ServerConfig } from './config';
import { startDevServer, type DevServer } from './index';
import { startDemoRoom, type DemoRoom } from './media/demo-room';
import { ffmpegAvailable } from '../src/testing/rtmp-media';
import type { NginxMediaPlane } from './media/nginx-plane';

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = configFromCli(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n\n${cliHelp()}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(`${cliHelp()}\n`);
    return;
  }
  const { config } = parsed;
  const server = await startWithMedia(config);
  const loopback = config.host === '127.0.0.1' || config.host === '::1' || config.host === 'localhost';
  const defaults: string[] = [];
  if (config.secret === DEV_DEFAULTS.secret) defaults.push('--secret');
  if (config.adminKey === DEV_DEFAULTS.adminKey) defaults.push('--admin-key');
  if (config.mediaSecret === DEV_DEFAULTS.mediaSecret) defaults.push('--media-secret');

  const lines = [
    'wxrtc dev server',
    '',
    `  signaling (socket domain)   ${server.wsUrl}`,
    `  HTTP (request domain)       ${server.httpUrl}`,
    `  client reports              POST ${server.httpUrl}/v1/reports`,
    `  admin API                   ${server.httpUrl}/admin/rooms   (header x-admin-key: ${config.adminKey === DEV_DEFAULTS.adminKey ? config.adminKey : '<your --admin-key>'})`,
    `  RTMP urls                   ${server.rtmpBaseUrl}/...   (${mediaSummary(server)})`,
    `  rooms                       ${roomsSummary(server)}`,
    `  sdkAppID                    ${server.sdkAppID}`,
    `  userSig                     npm run usersig -- --user <userID>${config.secret === DEV_DEFAULTS.secret ? '' : '   (with the same --secret / WXRTC_SECRET)'}`,
    `  webhooks                    ${config.webhookUrl ?? '(off: --webhook-url)'}`,
    `  inspector                   ${server.inspector ? `${server.inspector.url}   (SDK: createInspector({ url: '${server.inspector.wsUrl}' }) from 'wxrtc/inspect')` : '(off)'}`,
    '',
    'In the mini-program:',
    `  new TRTC(page, { signaling: createWebSocketSignaling({ url: '${server.wsUrl}' }) })`,
    `  enterRoom({ sdkAppID: ${server.sdkAppID}, userID, userSig, roomID })`,
    '  A real mini-program only opens wss:// and https:// urls on domains listed in its console (socket and request',
    '  domains); put this server behind a TLS proxy on such a domain. In WeChat DevTools, "Does not verify valid',
    '  domain names" lets it use the ws:// and http:// urls above directly.',
  ];
  if (!loopback && defaults.length > 0) {
    lines.push('', `WARNING: listening on ${config.host} with the public development ${defaults.join(', ')}: anyone who can reach it can sign in.`);
  }
  if (config.host === '0.0.0.0' || config.host === '::') {
    lines.push('', `Note: ${config.host} listens on every interface; give devices this machine's address, not ${config.host}.`);
  }
  if (server.media.name === 'nginx' && config.nginxControlUrl !== null) {
    // The operator's nginx must call back here with this deployment's key: print what it needs.
    const snippet = (server.media as NginxMediaPlane).configSnippet(config.nginxCallbackUrl ?? server.httpUrl);
    lines.push('', 'nginx-rtmp config this deployment needs (the keys derive from --media-secret; keep them private):', '', snippet);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  const demo = config.demo ? await startDemo(server) : null;

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${signal}: closing...\n`);
    (demo ? demo.close() : Promise.resolve()).then(() => server.close()).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`close failed: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** --media auto: a taken RTMP port (another dev server?) is no reason not to start; say so and run without. */
async function startWithMedia(config: ServerConfig): Promise<DevServer> {
  try {
    return await startDevServer(config);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { port?: number };
    if (config.media !== 'auto' || e.code !== 'EADDRINUSE' || e.port !== config.rtmpPort) throw error;
    process.stderr.write(`RTMP port ${config.rtmpPort} is in use: running without a media server (--rtmp-port 0 picks a free port)\n`);
    return startDevServer({ ...config, media: 'none', demo: false });
  }
}

function mediaSummary(server: DevServer): string {
  if (server.media.name === 'nginx') {
    const nodes = (server.media as NginxMediaPlane).nodeList;
    const where = server.config.nginxControlUrl === null ? 'run here' : 'yours';
    return `media server: nginx-rtmp (${where}: ${nodes.map((n) => `${n.name} ${n.rtmp}`).join(', ')}); urls signed and checked by its callbacks`;
  }
  if (server.media.name !== 'rtmp') return `media plane: ${server.media.name}, a publish counts as started at once`;
  return `media server: RTMP (node-media-server) here; urls signed, valid ${Math.round(server.config.urlTtlSec / 3600)} h, a stream is announced once media flows`;
}

/**
 * `npm start`: a room of headless participants, so something happens at once. With the RTMP server and ffmpeg
 * they push and play real streams a person can watch; without, the same pages run on simulated media.
 */
async function startDemo(server: DevServer): Promise<DemoRoom> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const realMedia = (server.media.name === 'rtmp' || server.media.name === 'nginx') && ffmpegAvailable();
  const demo = await startDemoRoom(server, { realMedia, churnEveryMs: 15_000, log: (line) => out(`  [demo] ${line}`) });
  try {
    await demo.ready();
  } catch (error) {
    out(`  [demo] ${(error as Error).message}`);
  }
  out('');
  if (realMedia) {
    out(`Demo room ${demo.roomID}: ${demo.users.join(' and ')} push a test pattern with a 440 Hz tone (ffmpeg) and play each other.`);
    for (const userID of demo.users) out(`  watch ${userID.padEnd(21)} ffplay -fflags nobuffer '${await demo.pullUrl(userID).catch((error: Error) => `(${error.message})`)}'`);
    out('  (or paste a url into VLC: Media > Open Network Stream; a media restart makes these urls stale)');
  } else {
    const why = server.media.name !== 'rtmp' && server.media.name !== 'nginx' ? 'no RTMP media server (--media rtmp)' : 'no ffmpeg on the PATH (apt-get install ffmpeg, or set FFMPEG_PATH)';
    out(`Demo room ${demo.roomID}: ${demo.users.join(' and ')} publish and play each other on simulated media (${why}).`);
  }
  out(`  a visitor joins and leaves every 15 s${server.inspector ? `; watch their charts at ${server.inspector.url}` : ''}`);
  out(`  join it                     enterRoom({ sdkAppID: ${server.sdkAppID}, roomID: ${demo.roomID}, userID, userSig })`);
  return demo;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

/** Where rooms live: this process alone, or Redis shared with other processes (its password not printed). */
function roomsSummary(server: DevServer): string {
  const { redisUrl, redisPrefix } = server.config;
  if (!redisUrl || !server.cluster) return "in this process's memory (--redis-url shares them with other processes)";
  return `shared through ${redactedRedisUrl(redisUrl)} (prefix ${redisPrefix}) as process ${server.cluster.processId}`;
}
