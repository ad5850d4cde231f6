// The dev server's front door: a browser asking for / gets a landing page with links to the inspector, the admin
// API and the demo room; an API client still gets the JSON status document. Unknown paths answer 404 with
// ROUTE_NOT_FOUND (8042), their own code, not the admin API's "no such room" (8041). And hostile requests:
// path traversal, odd Accept headers, huge urls, markup in what the page shows.

import { request } from 'node:http';
import { ErrorCode } from '../../src/core/errors';
import { prefersHtml } from '../../server/landing';
import { startHarness, type Harness } from './helpers/server';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path goes out exactly as given (no client-side normalisation of `..` or `%2e`). */
function raw(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: h.server.port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

test('a browser gets the landing page, with links to the call page, the inspector, the admin API and the demo room', async () => {
  const answer = await raw('/', { accept: BROWSER_ACCEPT });
  expect(answer.status).toBe(200);
  expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(answer.headers.vary).toBe('Accept');
  expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
  expect(answer.body).toContain('<a href="/inspect">');
  expect(answer.body).toContain('<a href="/call">Call page: join from this browser</a>');
  expect(answer.body).toContain('<a href="#admin-api">');
  expect(answer.body).toContain('id="admin-api"');
  expect(answer.body).toContain('<a href="#demo">');
  expect(answer.body).toContain('/admin/rooms/:roomKey/users/:userID/remove');
  expect(answer.body).toContain(h.server.wsUrl);
  // The page runs nothing and loads nothing.
  expect(answer.body).not.toMatch(/<script|<iframe|src=/i);
  // No demo on this server: it says how to get one.
  expect(answer.body).toContain('No demo room on this server');
});

test('with a demo room announced, the page describes it and links its charts', async () => {
  h.server.setStatus('demo', { roomID: 1234, users: ['alice', 'bob'], media: 'simulated' });
  try {
    const answer = await raw('/', { accept: 'text/html' });
    expect(answer.body).toMatch(/Room <b>1234<\/b>: alice and bob publish and play each other on simulated media/);
    expect(answer.body).toContain('Watch their charts in the inspector');
    expect(answer.body).toContain('<a href="/call">Join it from this browser</a>');
    const json = JSON.parse((await raw('/')).body) as { demo: unknown };
    expect(json.demo).toEqual({ roomID: 1234, users: ['alice', 'bob'], media: 'simulated' });
  } finally {
    h.server.setStatus('demo', null);
  }
});

test('what the page shows is escaped', async () => {
  h.server.setStatus('demo', { roomID: 7, users: ['<img src=x onerror=alert(1)>', 'bob"&'], media: 'real' });
  try {
    const answer = await raw('/', { accept: 'text/html' });
    expect(answer.body).not.toContain('<img');
    expect(answer.body).toContain('&lt;img src=x onerror=alert(1)&gt; and bob&quot;&amp;');
  } finally {
    h.server.setStatus('demo', null);
  }
});

test('API clients keep the JSON status document', async () => {
  for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html', 'text/html;q=0.5, application/json']) {
    const answer = await raw('/', accept === undefined ? {} : { accept });
    expect([accept, answer.status, answer.headers['content-type']]).toEqual([accept, 200, 'application/json; charset=utf-8']);
    expect(JSON.parse(answer.body)).toMatchObject({ name: 'wxrtc-dev-server', signaling: h.server.wsUrl });
  }
  // And a browser can ask for JSON explicitly (the page links it).
  const forced = await raw('/?format=json', { accept: BROWSER_ACCEPT });
  expect(forced.headers['content-type']).toBe('application/json; charset=utf-8');
  const health = await raw('/healthz', { accept: BROWSER_ACCEPT });
  expect(JSON.parse(health.body)).toMatchObject({ ok: true });
});

test('odd Accept headers pick one of the two answers and never fail', async () => {
  const odd = [
    '',
    ',,,;;;',
    'text/html;q=0',
    'text/html;q=abc',
    'text/html;q=-1',
    'text/html;q=1e309',
    'TEXT/HTML',
    'text/*',
    `${'a/b;q=0.1,'.repeat(1_000)}text/html`,
    'text/html' + ';x=y'.repeat(500),
    '\u00e9t\u00e9/html',
  ];
  for (const accept of odd) {
    const answer = await raw('/', { accept: Buffer.from(accept, 'latin1').toString('latin1') });
    expect([accept.slice(0, 40), answer.status]).toEqual([accept.slice(0, 40), 200]);
    expect(['text/html; charset=utf-8', 'application/json; charset=utf-8']).toContain(answer.headers['content-type']);
  }
  expect(prefersHtml('text/html;q=0')).toBe(false);
  expect(prefersHtml('text/html;q=abc')).toBe(false);
  expect(prefersHtml('TEXT/HTML')).toBe(true);
  expect(prefersHtml('text/html;q=1e309')).toBe(false); // not a number a q can be: counted as 0
  expect(prefersHtml('*/*')).toBe(false);
  expect(prefersHtml('application/json;q=0.9, text/html')).toBe(true);
  // Only the first 64 ranges count: a header padded past that cannot buy the HTML answer or cost time.
  expect(prefersHtml(`${'a/b,'.repeat(100)}text/html`)).toBe(false);
});

test('unknown paths are 404 ROUTE_NOT_FOUND (8042), JSON, for every method', async () => {
  expect(ErrorCode.ROUTE_NOT_FOUND).toBe(8042);
  for (const [method, path] of [
    ['GET', '/nothing-here'],
    ['POST', '/v1/nothing'],
    ['DELETE', '/favicon.ico'],
    ['GET', '/inspect/nothing.js'],
    ['GET', '/admin-ish'],
  ] as const) {
    const answer = await raw(path, { accept: BROWSER_ACCEPT }, method);
    expect([method, path, answer.status, answer.headers['content-type']]).toEqual([method, path, 404, 'application/json; charset=utf-8']);
    expect((JSON.parse(answer.body) as { error: { code: number } }).error.code).toBe(ErrorCode.ROUTE_NOT_FOUND);
  }
  // A missing room stays NOT_FOUND: the two codes tell a typo from a room that is gone.
  const room = await h.admin('GET', `/admin/rooms/${encodeURIComponent('n:999')}`);
  expect(room.body.error.code).toBe(ErrorCode.NOT_FOUND);
});

test('path traversal reaches no file outside what the server serves', async () => {
  const attempts = [
    '/../../../../etc/passwd',
    '/inspect/../../package.json',
    '/inspect/%2e%2e/%2e%2e/package.json',
    '/inspect/..%2f..%2fpackage.json',
    '/inspect/charts/..%2f..%2fpackage.json',
    '/inspect/charts/../../server/config.ts',
    '/inspect/charts/%2e%2e%2fpackage.json',
    '/inspect/page/main.ts',
    '/inspect/inspector.css/../../../package.json',
    '/inspect/%00index.html',
    '/inspect\\..\\..\\package.json',
    '//etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
  ];
  for (const path of attempts) {
    const answer = await raw(path);
    expect([path, answer.status]).toEqual([path, answer.status === 400 ? 400 : 404]);
    expect(answer.body).not.toMatch(/"name": "wxrtc"|root:x:0|export function/);
    if (answer.status === 404) expect((JSON.parse(answer.body) as { error: { code: number } }).error.code).toBe(ErrorCode.ROUTE_NOT_FOUND);
  }
});

test('a huge url is refused or answered briefly, and the server keeps serving', async () => {
  const long = await raw(`/${'a'.repeat(8_000)}`);
  expect(long.status).toBe(404);
  // The message names the path, cut short: a huge url does not come back whole.
  expect(long.body.length).toBeLessThan(400);
  const tooLong = await raw(`/${'a'.repeat(70_000)}`).catch(() => ({ status: 0, headers: {}, body: '' }));
  expect([0, 400, 431]).toContain(tooLong.status);
  const query = await raw(`/?${'x=1&'.repeat(1_500)}`, { accept: 'text/html' });
  expect(query.status).toBe(200);
  expect((await raw('/', { accept: 'text/html' })).status).toBe(200);
});
