// `npm run server`: start the dev server from flags and WXRTC_* variables, print what a mini-program must be
// configured with, and stop cleanly on SIGINT/SIGTERM.

import { ConfigError, DEV_DEFAULTS, cliHelp, configFromCli, isLoopbackHost, redactedRedisUrl, type ServerConfig } from './config';
import { startDevServer, type DevServer } from './index';
import { startDemoRoom, type DemoRoom } from './media/demo-room';
import { ffmpegAvailable } from '../src/testing/rtmp-media';
import type { NginxMediaPlane } from './media/nginx-plane';
import { callScript, webScript } from './call';

/** What `--demo` runs: real streams (ffmpeg), simulated media (no ffmpeg), nothing (no ffmpeg but --media rtmp), or off. */
type DemoMedia = 'real' | 'simulated' | 'none' | 'off';

const FFMPEG_HINT = 'apt-get install ffmpeg, or set FFMPEG_PATH, for real streams';

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
  // The demo's real streams need ffmpeg. Known before anything starts, so the reader hears it now, not after
  // a 20 s wait: with --media auto the demo then runs on simulated media with no RTMP server, where a publish
  // counts as started at once (the RTMP server would wait for frames that never come).
  const demoMedia: DemoMedia = !parsed.config.demo ? 'off' : ffmpegAvailable() ? 'real' : parsed.config.media === 'rtmp' || parsed.config.media === 'nginx' ? 'none' : 'simulated';
  const config: ServerConfig = demoMedia === 'simulated' ? { ...parsed.config, media: 'none' } : parsed.config;
  if (demoMedia === 'simulated') {
    process.stdout.write(`No ffmpeg on the PATH: the demo room runs on simulated media, without the RTMP server; signaling, the charts and the inspector are real, there are no streams to watch (${FFMPEG_HINT}).\n\n`);
  } else if (demoMedia === 'none') {
    process.stdout.write(`No ffmpeg on the PATH: --media rtmp runs the RTMP server, but the demo room is off (its participants push with ffmpeg: ${FFMPEG_HINT}).\n\n`);
  }
  let server: DevServer;
  try {
    server = await startWithMedia(config);
  } catch (error) {
    const line = startFailure(error, config);
    if (line === null) throw error;
    // What stops a start is the reader's to fix (a port, Redis): one line that says how, not a stack.
    process.stderr.write(`${line}\n`);
    process.exit(1);
  }
  const loopback = isLoopbackHost(config.host);
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
    ...(server.inspector
      ? ['                              the page\'s #key reads every session: share it like a password; the SDK\'s ?key only sends (--inspector-key, --inspector-publish-key)']
      : []),
    `  call page (a browser)       ${callLine(server, loopback)}`,
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
  if (config.demo && !loopback) {
    lines.push(
      '',
      `WARNING: --demo-public: the demo room listens on ${config.host}. Its users sign in with public secrets, so anyone who can reach it can sign in as them, cut their streams and watch them. Keep it to a network you trust.`,
    );
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
  // The call page's two scripts are bundled on first request; start now, so the first visitor does not wait.
  if (server.callUrl) {
    Promise.all([webScript(), callScript()]).catch((error: unknown) => process.stderr.write(`call page: its scripts did not build: ${String(error)}\n`));
  }
  // The handlers go in before the demo starts: its banner tells the reader they may stop it (a test that sees
  // the banner does), and a SIGTERM that arrived before them would kill the process without closing anything.
  let demo: DemoRoom | null = null;

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
  if (demoMedia === 'real' || demoMedia === 'simulated') {
    const started = await startDemo(server, demoMedia === 'real');
    // Stopped while it was starting: close it now rather than leave it running into exit.
    if (stopping) await started.close();
    else demo = started;
  }
  if (demoMedia === 'none') process.stdout.write('\nDemo room: off (no ffmpeg)\n');
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

/**
 * The one line for a start that failed on something outside the code (a taken port, Redis not answering), or
 * null for a failure that is a bug and keeps its stack.
 */
function startFailure(error: unknown, config: ServerConfig): string | null {
  const e = error as NodeJS.ErrnoException & { port?: number };
  if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
    const rtmp = e.port !== undefined && e.port === config.rtmpPort && e.port !== config.port;
    const [flag, env] = rtmp ? ['--rtmp-port', 'WXRTC_RTMP_PORT'] : ['--port', 'WXRTC_PORT'];
    const port = e.port ?? (rtmp ? config.rtmpPort : config.port);
    const what = rtmp ? 'RTMP port' : 'port';
    if (e.code === 'EADDRNOTAVAIL') return `wxrtc: cannot listen on ${config.host}: no such address on this machine; choose another with --host or WXRTC_HOST`;
    const why = e.code === 'EADDRINUSE' ? 'is in use (another dev server?)' : 'needs privileges this process has not';
    return `wxrtc: ${what} ${port} ${why}; choose another with ${flag} <n> or ${env}=<n> (0 picks a free one)`;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/^cannot reach Redis at /.test(message)) return `wxrtc: ${message.replace(/\.$/, '')}; start redis-server, or fix --redis-url / WXRTC_REDIS_URL`;
  return null;
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
async function startDemo(server: DevServer, ffmpeg: boolean): Promise<DemoRoom> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const realMedia = (server.media.name === 'rtmp' || server.media.name === 'nginx') && ffmpeg;
  const demo = await startDemoRoom(server, { realMedia, churnEveryMs: 15_000, log: (line) => out(`  [demo] ${line}`) });
  try {
    await demo.ready();
  } catch (error) {
    out(`  [demo] ${(error as Error).message}`);
  }
  server.setStatus('demo', { roomID: demo.roomID, users: [...demo.users], media: realMedia ? 'real' : 'simulated' });
  out('');
  if (realMedia) {
    out(`Demo room ${demo.roomID}: ${demo.users.join(' and ')} push a test pattern with a 440 Hz tone (ffmpeg) and play each other.`);
    for (const userID of demo.users) out(`  watch ${userID.padEnd(21)} ffplay -fflags nobuffer '${await demo.pullUrl(userID).catch((error: Error) => `(${error.message})`)}'`);
    out('  (or paste a url into VLC: Media > Open Network Stream; a media restart makes these urls stale)');
  } else {
    const why = !ffmpeg ? `no ffmpeg on the PATH: ${FFMPEG_HINT}` : 'no RTMP media server (--media rtmp or nginx)';
    out(`Demo room ${demo.roomID}: ${demo.users.join(' and ')} publish and play each other on simulated media (${why}).`);
  }
  out(`  a visitor joins and leaves every 15 s${server.inspector ? `; watch their charts at ${server.inspector.url}` : ''}`);
  out(`  join it                     enterRoom({ sdkAppID: ${server.sdkAppID}, roomID: ${demo.roomID}, userID, userSig })`);
  if (server.callUrl) out(`  or from a browser           ${server.callUrl}   (room ${demo.roomID} is its default)`);
  return demo;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});

/**
 * The call page's url: with the inspector's view key in its fragment (it never leaves the browser), so the
 * page's inspector link opens the charts; /call alone works too. The page gets its userSig from this machine.
 */
function callLine(server: DevServer, loopback: boolean): string {
  if (!server.callUrl) return '(off)';
  const url = server.inspector ? `${server.callUrl}#key=${encodeURIComponent(server.inspector.viewKey)}` : server.callUrl;
  // Only a loopback name counts as this machine: on another address the page needs the admin key, even here.
  if (!loopback) {
    const everywhere = server.config.host === '0.0.0.0' || server.config.host === '::';
    return `${url}   (camera and microphone in a room; the page needs the admin key${everywhere ? `, except at http://127.0.0.1:${server.port}/call` : ''})`;
  }
  return `${url}   (camera and microphone in a room, from Chrome on this machine)`;
}

/** Where rooms live: this process alone, or Redis shared with other processes (its password not printed). */
function roomsSummary(server: DevServer): string {
  const { redisUrl, redisPrefix } = server.config;
  if (!redisUrl || !server.cluster) return "in this process's memory (--redis-url shares them with other processes)";
  return `shared through ${redactedRedisUrl(redisUrl)} (prefix ${redisPrefix}) as process ${server.cluster.processId}`;
}
