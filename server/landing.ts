// The dev server's front door at /: a browser (Accept: text/html) gets a page with links to the call page, the
// inspector, the admin API's routes and the demo room; an API client (curl, fetch, anything preferring JSON) gets the status
// document as before. Everything shown is escaped, and the page loads nothing: no script, no remote file.

/** Whether `accept` prefers HTML to JSON: text/html (or text/*) ranks strictly above application/json. */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  // Headers are bounded by node (16 kB); the split is bounded again so an odd header costs nothing.
  for (const range of accept.split(',').slice(0, 64)) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const qParam = params.find((p) => p.startsWith('q='));
    const qValue = qParam === undefined ? 1 : Number(qParam.slice(2));
    const q = Number.isFinite(qValue) ? Math.min(1, Math.max(0, qValue)) : 0;
    if (type === 'text/html' || type === 'text/*' || type === 'application/xhtml+xml') html = Math.max(html, q);
    if (type === 'application/json' || type === 'application/*' || type === '*/*') json = Math.max(json, q);
  }
  return html > 0 && html > json;
}

/** The demo room `npm start` runs, as main.ts announces it. */
export interface DemoFacts {
  roomID: number;
  users: string[];
  media: 'real' | 'simulated';
}

const ADMIN_ROUTES: ReadonlyArray<[string, string, string]> = [
  ['GET', '/admin/rooms', 'every room: key, users, streams'],
  ['GET', '/admin/rooms/:roomKey', 'one room: users, visibility, streams, subscriptions'],
  ['POST', '/admin/rooms/:roomKey/users/:userID/remove', 'kick a user (reason banned)'],
  ['POST', '/admin/rooms/:roomKey/dismiss', 'end the room (reason room-disband)'],
  ['POST', '/admin/media/restart', 'restart the media plane (every url changes: UPDATE_URL)'],
  ['GET', '/admin/webhooks', 'the webhook queue'],
  ['GET', '/admin/stats', 'who has call quality series: counts, totals, limits'],
  ['GET', '/admin/rooms/:roomKey/stats', 'one room\'s call quality: per participant and stream, bitrate, fps, resolution, jitter, loss over time'],
];

function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** The landing page for the status document `facts` (describe() in index.ts). */
export function landingPage(facts: Record<string, unknown>): string {
  const text = (key: string) => (typeof facts[key] === 'string' || typeof facts[key] === 'number' ? escapeHtml(facts[key]) : '');
  const inspector = typeof facts.inspector === 'string' ? facts.inspector : null;
  const demo = isDemo(facts.demo) ? facts.demo : null;
  const demoSection = demo
    ? `<p>Room <b>${escapeHtml(demo.roomID)}</b>: ${demo.users.map(escapeHtml).join(' and ')} publish and play each other on ${demo.media === 'real' ? 'real RTMP streams (ffmpeg)' : 'simulated media (no ffmpeg on the server&rsquo;s PATH)'}; a visitor keeps joining and leaving.</p>
      ${inspector ? `<p><a href="/inspect">Watch their charts in the inspector</a> (labelled ${demo.users.map((u) => `&ldquo;demo ${escapeHtml(u)}&rdquo;`).join(', ')}).</p>` : ''}
      ${typeof facts.call === 'string' ? `<p><a href="/call">Join it from this browser</a> with camera and microphone (the call page; on this machine it needs no userSig).</p>` : ''}
      <p>Join it from a page: <code>enterRoom({ sdkAppID: ${text('sdkAppID')}, roomID: ${escapeHtml(demo.roomID)}, userID, userSig })</code>, a userSig from <code>npm run usersig -- --user &lt;userID&gt;</code>.</p>`
    : '<p>No demo room on this server: <code>npm start</code> runs one (this is <code>npm run server</code>).</p>';
  const rows = ADMIN_ROUTES.map(([method, path, what]) => `<tr><td>${method}</td><td><code>${escapeHtml(path)}</code></td><td>${escapeHtml(what)}</td></tr>`).join('\n        ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>wxrtc dev server</title>
  <style>
    body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 860px; padding: 24px; color: #1d2330; }
    h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
    nav { display: flex; gap: 12px; flex-wrap: wrap; margin: 16px 0; }
    nav a { display: block; padding: 10px 16px; border: 1px solid #c9d3e3; border-radius: 8px; text-decoration: none; color: #1647a8; background: #f4f7fc; }
    nav a:hover { background: #e4ecfa; }
    table { border-collapse: collapse; width: 100%; font-size: 14px; }
    td, th { text-align: left; padding: 4px 8px; border-bottom: 1px solid #e3e7ee; vertical-align: top; }
    code { font: 13px ui-monospace, monospace; background: #f1f3f7; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
    .muted { color: #5c6577; }
  </style>
</head>
<body>
  <h1>wxrtc dev server</h1>
  <p class="muted">Signaling, userSig checks, media urls, the admin API and the inspector for wxrtc mini-program pages.</p>
  <nav>
    ${typeof facts.call === 'string' ? '<a href="/call">Call page: join from this browser</a>' : ''}
    ${inspector ? '<a href="/inspect">Inspector: live charts</a>' : '<span class="muted">Inspector: off</span>'}
    <a href="#admin-api">Admin API</a>
    <a href="#demo">Demo room</a>
    <a href="/?format=json">Status as JSON</a>
  </nav>
  ${inspector ? '<p class="muted">The inspector needs its view key: open it with the url the server printed at start-up (<code>…/inspect#key=…</code>).</p>' : ''}

  <h2>For the mini-program</h2>
  <table>
    <tr><th>signaling (socket domain)</th><td><code>${text('signaling')}</code></td></tr>
    <tr><th>client reports (request domain)</th><td><code>POST ${text('reports')}</code></td></tr>
    <tr><th>RTMP urls</th><td><code>${text('rtmp')}/...</code> (media plane: ${text('media')})</td></tr>
    <tr><th>sdkAppID</th><td><code>${text('sdkAppID')}</code></td></tr>
    <tr><th>inspector socket</th><td>${inspector ? `<code>createInspector({ url })</code> from <code>wxrtc/inspect</code>, url <code>${text('signaling').replace('/v1/signaling', '/v1/inspect')}?key=&lt;publish key&gt;</code>; both inspector keys are printed at start-up, never shown here (anyone who reaches this page would read them)` : 'off'}</td></tr>
    <tr><th>connections now</th><td>${text('connections')}</td></tr>
  </table>

  <h2 id="demo">Demo room</h2>
  ${demoSection}

  <h2 id="admin-api">Admin API</h2>
  <p>Every call needs the header <code>x-admin-key</code> (the development key is <code>wxrtc-dev-admin-key</code>, <code>--admin-key</code> / <code>WXRTC_ADMIN_KEY</code> sets another). A room key is <code>n:&lt;roomID&gt;</code> or <code>s:&lt;strRoomID&gt;</code>, percent-encoded. Answers are JSON; errors are <code>{ "error": { "code", "message" } }</code> with codes 8040 (key missing or wrong), 8041 (no such room or user), 8042 (no such route).</p>
  <table>
    <tr><th>method</th><th>path</th><th>does</th></tr>
        ${rows}
  </table>
  <p class="muted">For example: <code>curl -H 'x-admin-key: wxrtc-dev-admin-key' ${text('admin')}</code></p>

  <h2>API clients</h2>
  <p class="muted">This address answers JSON (the status document) to anything that does not prefer HTML: <code>curl ${escapeHtml(String(facts.signaling ?? '').replace(/^ws/, 'http').replace('/v1/signaling', '/'))}</code>.</p>
</body>
</html>
`;
}

function isDemo(value: unknown): value is DemoFacts {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.roomID === 'number' && Array.isArray(v.users) && v.users.every((u) => typeof u === 'string') && (v.media === 'real' || v.media === 'simulated');
}
