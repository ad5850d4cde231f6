// The nginx-rtmp configuration the nginx media plane needs: an origin (pushes, plays, relays to edges) and
// edges (plays, pulled from the origin), each calling signaling back on every publish and play and serving
// its control (/control: drop a client) and stat (/stat: who is there, which process) pages. Development
// writes whole files (non-root paths in a temp dir); production prints the rtmp block for the operator.

import { createHmac } from 'node:crypto';

export type NginxRole = 'origin' | 'edge';

export interface NginxNodeConfig {
  role: NginxRole;
  /** 'origin', 'edge1', 'edge2', ...: named in its callbacks so signaling knows whose control to call. */
  name: string;
  /** host:port the RTMP server listens on. */
  rtmpListen: string;
  /** The RTMP app, without slash ('live'). */
  app: string;
  /** Where callbacks go: <signaling http base>/v1/media/nginx. */
  callbackBase: string;
  /** Shared secret in every callback url: anyone can POST to signaling, only nginx knows this. */
  callbackKey: string;
  /** Edges: rtmp://origin-host:port/<app> to pull from, and the token that origin lets relays play with. */
  pullFrom?: string;
  relayToken?: string;
  /** How often nginx asks again for every publish and play (a session that ended elsewhere is dropped then). */
  updateSec?: number;
}

export interface NginxFileConfig {
  /** Directory for the pid file, logs and temp files (must be writable; no root needed). */
  dir: string;
  modulePath: string;
  /** host:port for /control and /stat. */
  httpListen: string;
  node: NginxNodeConfig;
}

/** The secrets nginx and signaling share, both derived from the media secret every process already has. */
export function nginxSecrets(mediaSecret: string): { callbackKey: string; relayToken: string } {
  const derive = (label: string) => createHmac('sha256', mediaSecret).update(`wxrtc nginx ${label}`).digest('hex');
  return { callbackKey: derive('callback key'), relayToken: derive('edge relay token') };
}

/** The `application` block of one node. */
export function nginxApplication(node: NginxNodeConfig): string {
  const cb = (event: string) => `${node.callbackBase}/${event}?node=${node.name}&key=${node.callbackKey}`;
  const lines = [
    `application ${node.app} {`,
    '    live on;',
    // A publisher that stops sending is not a stream any more.
    '    drop_idle_publisher 15s;',
    // New players start on a key frame, video first: a player that probes a moment sees both tracks.
    '    wait_key on;',
    '    wait_video on;',
  ];
  if (node.role === 'edge') {
    if (!node.pullFrom || !node.relayToken) throw new Error('an edge needs pullFrom and relayToken');
    // pageUrl carries the token the origin's on_play answer lets relays through with.
    lines.push(`    pull ${node.pullFrom} pageUrl=${node.relayToken} live=1;`);
  }
  lines.push(
    `    on_publish ${cb('publish')};`,
    `    on_publish_done ${cb('publish_done')};`,
    `    on_play ${cb('play')};`,
    `    on_play_done ${cb('play_done')};`,
    `    on_update ${cb('update')};`,
    `    notify_update_timeout ${node.updateSec ?? 2}s;`,
    '}',
  );
  return lines.join('\n');
}

/** The rtmp block of one node (what an operator adds to nginx.conf). */
export function nginxRtmpBlock(node: NginxNodeConfig): string {
  return [
    'rtmp {',
    '  server {',
    `    listen ${node.rtmpListen};`,
    '    chunk_size 4096;',
    '    notify_method post;',
    // Connections that never get to publish or play, and idle ones, go (the rtmp module's own timeouts).
    '    timeout 15s;',
    '    ping 10s;',
    '    ping_timeout 5s;',
    indent(nginxApplication(node), 4),
    '  }',
    '}',
  ].join('\n');
}

/** The http server block with /control and /stat (keep it reachable only by signaling). */
export function nginxControlServer(httpListen: string, allow: string[] = []): string {
  const acl = allow.length > 0 ? [...allow.map((a) => `      allow ${a};`), '      deny all;'] : [];
  return [
    '  server {',
    `    listen ${httpListen};`,
    '    location /control {',
    '      rtmp_control all;',
    ...acl,
    '    }',
    '    location /stat {',
    '      rtmp_stat all;',
    ...acl,
    '    }',
    '  }',
  ].join('\n');
}

/** A whole nginx.conf for development: runs in the foreground, one worker, everything under `dir`. */
export function nginxConfFile(c: NginxFileConfig): string {
  const d = c.dir;
  return [
    `# wxrtc development nginx (${c.node.name}); written by the dev server, removed when it stops`,
    `load_module ${c.modulePath};`,
    'daemon off;',
    'master_process on;',
    // nginx-rtmp keeps streams per worker: one worker is one place where a stream is.
    'worker_processes 1;',
    `pid ${d}/nginx.pid;`,
    `error_log ${d}/error.log warn;`,
    'events { worker_connections 1024; }',
    nginxRtmpBlock(c.node),
    'http {',
    '  access_log off;',
    `  client_body_temp_path ${d}/tmp-body;`,
    `  proxy_temp_path ${d}/tmp-proxy;`,
    `  fastcgi_temp_path ${d}/tmp-fastcgi;`,
    `  uwsgi_temp_path ${d}/tmp-uwsgi;`,
    `  scgi_temp_path ${d}/tmp-scgi;`,
    nginxControlServer(c.httpListen, ['127.0.0.1', '::1']),
    '}',
    '',
  ].join('\n');
}

function indent(text: string, by: number): string {
  const pad = ' '.repeat(by);
  return text
    .split('\n')
    .map((line) => pad + line)
    .join('\n');
}
