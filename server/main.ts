// `npm run server`: start the dev server from flags and WXRTC_* variables, print what a mini-program must be
// configured with, and stop cleanly on SIGINT/SIGTERM.

import { ConfigError, DEV_DEFAULTS, cliHelp, configFromCli } from './config';
import { startDevServer } from './index';

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
  const server = await startDevServer(config);
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
    `  RTMP urls                   ${server.rtmpBaseUrl}/...   (media plane: ${server.media.name}${server.media.confirmsStreams ? '' : ', a publish counts as started at once'})`,
    `  sdkAppID                    ${server.sdkAppID}`,
    `  userSig                     npm run usersig -- --user <userID>${config.secret === DEV_DEFAULTS.secret ? '' : '   (with the same --secret / WXRTC_SECRET)'}`,
    `  webhooks                    ${config.webhookUrl ?? '(off: --webhook-url)'}`,
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
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`${signal} again: exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`${signal}: closing...\n`);
    server.close().then(
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

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
