// Attacks on the call page's userSig endpoint (POST /call/session), on loopback: bad user ids and bodies, huge
// and endless bodies, wrong methods and content types, another site's page (Origin), a DNS-rebinding page (a
// Host that is not a loopback name), a request a proxy forwarded, a missing or wrong admin key. A userSig is
// the user's credential: every refusal is checked to carry none. Bounded in count and time.

import { request as httpRequest, type IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import { ErrorCode } from '../../src/core/errors';
import { startDevServer, type DevServer } from '../../server';
import { CALL_SESSION_MAX_BYTES, CALL_USERSIG_MAX_SEC, isLocalRequest, isLoopbackAddress, hostName } from '../../server/call/session';
import { verifyUserSig } from '../../server/usersig';

let server: DevServer;
const ADMIN_KEY = 'call-page-test-admin-key';
const PROXY_ORIGIN = 'https://dev.example.com';

beforeAll(async () => {
  server = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', media: 'none', adminKey: ADMIN_KEY, allowedOrigins: [PROXY_ORIGIN] });
});

afterAll(async () => {
  await server.close();
});

interface Answer {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
  json: any;
}

/** A request as written: any Host, Origin or method, a body in one piece or several. */
function send(options: { method?: string; path?: string; headers?: Record<string, string | number>; body?: string | Buffer | Array<string | Buffer> }): Promise<Answer> {
  const { method = 'POST', path = '/call/session', headers = {}, body } = options;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: server.port, method, path, headers: { host: `127.0.0.1:${server.port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json: any = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    // A server that stops reading a huge body may reset the socket once it has answered: not an error here.
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    req.setTimeout(5000, () => req.destroy(new Error('no answer in 5 s')));
    for (const part of Array.isArray(body) ? body : body === undefined ? [] : [body]) req.write(part);
    req.end();
  });
}

const json = { 'content-type': 'application/json' };
const ask = (userID: unknown, headers: Record<string, string> = {}) => send({ headers: { ...json, ...headers }, body: JSON.stringify({ userID }) });

/** Text shaped like a userSig: 'eJ' (zlib's 0x78 in base64) and at least 40 more of TLS-Sig's base64 alphabet. */
const USER_SIG_LIKE = /eJ[\w*-]{40,}/;

/** No userSig anywhere in a refusal, and the documented error shape. */
function refused(answer: Answer, status: number, code: number): void {
  expect(answer.status).toBe(status);
  expect(answer.json?.error?.code).toBe(code);
  expect(answer.text).not.toMatch(/userSig"\s*:/);
  // Every TLS-Sig-API v2 userSig is base64 of zlib data, so it starts 'eJ' (0x78); the third character depends on
  // the compressed bytes, so only 'eJ' plus a sig's length of base64 is looked for.
  expect(answer.text).not.toMatch(USER_SIG_LIKE);
  expect(answer.headers['access-control-allow-origin']).toBeUndefined();
}

test('from this machine, with a valid userID: a userSig the server accepts for that user only, valid a day at most', async () => {
  const before = Math.floor(Date.now() / 1000);
  const answer = await ask('web-tester');
  expect(answer.status).toBe(200);
  expect(answer.headers['cache-control']).toBe('no-store');
  const body = answer.json as { sdkAppID: number; userID: string; userSig: string; expiresAt: number; inspectorKey: string | null };
  expect(body.sdkAppID).toBe(server.sdkAppID);
  expect(body.userID).toBe('web-tester');
  expect(verifyUserSig(body.userSig, { sdkAppID: server.sdkAppID, secret: server.config.secret, userID: 'web-tester' }).ok).toBe(true);
  expect(verifyUserSig(body.userSig, { sdkAppID: server.sdkAppID, secret: server.config.secret, userID: 'someone-else' }).ok).toBe(false);
  expect(body.expiresAt).toBeGreaterThanOrEqual(before + CALL_USERSIG_MAX_SEC);
  expect(body.expiresAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000) + CALL_USERSIG_MAX_SEC);
  // The inspector's publish key (adds sessions, reads nothing), never its view key nor the admin key.
  expect(body.inspectorKey).toBe(server.inspector!.publishKey);
  expect(answer.text).not.toContain(server.inspector!.viewKey);
  expect(answer.text).not.toContain(ADMIN_KEY);
  expect(answer.text).not.toContain(server.config.secret);
  // The page's own origin is its Host: allowed. So is localhost, and the proxy origin --allowed-origin names.
  expect((await ask('a', { origin: `http://127.0.0.1:${server.port}` })).status).toBe(200);
  expect((await ask('b', { host: `localhost:${server.port}`, origin: `http://localhost:${server.port}` })).status).toBe(200);
  expect((await ask('c', { host: `[::1]:${server.port}` })).status).toBe(200);
  expect((await ask('d', { origin: PROXY_ORIGIN })).status).toBe(200);
});

test('user ids the server would refuse at enterRoom are refused here, with no userSig', async () => {
  const bad: unknown[] = ['', 'x'.repeat(33), 'a b', 'ü', 'a\u0000b', '\ud800', 'a/b', '<script>', 7, null, true, ['a'], { id: 'a' }, undefined];
  for (const userID of bad) refused(await ask(userID), 400, ErrorCode.BAD_REQUEST);
  // 32 ASCII bytes is the limit, and is accepted.
  expect((await ask('y'.repeat(32))).status).toBe(200);
});

test('bodies that are not exactly { userID }: not JSON, not an object, unknown fields, duplicated keys of another type', async () => {
  const bodies = ['', 'userID=a', '{', '"a"', '[]', '[{"userID":"a"}]', 'null', '{"userID":"a","admin":true}', '{"userID":"a","__proto__":{"x":1}}', '{"userID":"a","userID":1}'];
  for (const body of bodies) refused(await send({ headers: json, body }), 400, ErrorCode.BAD_REQUEST);
});

test('huge bodies: a declared length over the bound, a chunked body that keeps coming, a body one byte over', async () => {
  // Declared: refused on the headers; the 10 MB are never sent.
  refused(await send({ headers: { ...json, 'content-length': 10 * 1024 * 1024 }, body: '{"userID":"a"' }), 413, ErrorCode.FRAME_TOO_LARGE);
  // Chunked (no length): refused once the bound is passed.
  const chunk = Buffer.alloc(512, 0x20);
  refused(await send({ headers: json, body: ['{"userID":"a"', ...Array.from({ length: 8 }, () => chunk), '}'] }), 413, ErrorCode.FRAME_TOO_LARGE);
  const padded = JSON.stringify({ userID: 'a' }).replace('{', `{${' '.repeat(CALL_SESSION_MAX_BYTES)}`);
  refused(await send({ headers: json, body: padded }), 413, ErrorCode.FRAME_TOO_LARGE);
  // The server is still there.
  expect((await ask('after-huge')).status).toBe(200);
});

test('wrong methods and content types: only a JSON POST mints, and a preflight is never granted', async () => {
  for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH']) {
    const answer = await send({ method, headers: json });
    expect(answer.status).toBe(405);
    if (method !== 'HEAD') refused(answer, 405, ErrorCode.BAD_REQUEST);
  }
  const preflight = await send({ method: 'OPTIONS', headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
  expect(preflight.status).toBe(405);
  expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  expect(preflight.headers['access-control-allow-headers']).toBeUndefined();
  // What a page on any site may POST without a preflight: form, multipart, text/plain, no type at all.
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain', 'application/jsonx']) {
    refused(await send({ headers: { 'content-type': type }, body: '{"userID":"a"}' }), 415, ErrorCode.BAD_REQUEST);
  }
  refused(await send({ body: '{"userID":"a"}' }), 415, ErrorCode.BAD_REQUEST);
});

test("another site's page (Origin), a DNS-rebinding page (its own name as Host) and a forwarded request get no userSig", async () => {
  const origins = ['http://evil.example', 'null', `http://127.0.0.1:${server.port + 1}`, `https://127.0.0.1:${server.port}.evil.example`, 'file://', `ws://127.0.0.1:${server.port}`, 'not a url'];
  for (const origin of origins) refused(await ask('victim', { origin }), 403, ErrorCode.ADMIN_UNAUTHORIZED);
  // A rebinding page is same-origin to the browser, so its Origin matches its Host: the Host is what gives it away.
  const hosts = ['evil.example', `evil.example:${server.port}`, `127.0.0.1.evil.example:${server.port}`, `localhost.evil.example`, '192.168.1.20:8787', '0.0.0.0', `[::ffff:7f00:1]x`];
  for (const host of hosts) {
    refused(await ask('victim', { host, ...(host ? { origin: `http://${host}` } : {}) }), 403, ErrorCode.ADMIN_UNAUTHORIZED);
    refused(await ask('victim', { host }), 403, ErrorCode.ADMIN_UNAUTHORIZED);
  }
  // A proxy on this machine connects from loopback; what it adds says the request came from elsewhere.
  for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip', 'x-forwarded-host']) {
    refused(await ask('victim', { [header]: header === 'forwarded' ? 'for=203.0.113.7' : '203.0.113.7' }), 403, ErrorCode.ADMIN_UNAUTHORIZED);
  }
});

/** A request written byte for byte (node's client would fill in a Host). */
function rawAnswer(head: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => {
      const body = '{"userID":"a"}';
      socket.write(`${head}content-type: application/json\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`);
    });
    let text = '';
    socket.on('data', (c: Buffer) => (text += c.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer in 5 s')));
  });
}

test('no Host at all (HTTP/1.0), or an empty one: refused', async () => {
  for (const head of ['POST /call/session HTTP/1.0\r\n', 'POST /call/session HTTP/1.1\r\nhost:\r\n']) {
    const answer = await rawAnswer(head);
    expect(answer).toMatch(/^HTTP\/1\.[01] (403|400)/);
    expect(answer).not.toMatch(USER_SIG_LIKE);
  }
  // The same bytes with a loopback Host do mint: the refusals above are the Host's doing.
  expect(await rawAnswer(`POST /call/session HTTP/1.1\r\nhost: 127.0.0.1:${server.port}\r\n`)).toMatch(/^HTTP\/1\.1 200[\s\S]*"userSig":"eJ[\w*-]{40,}/);
});

test('the admin key: a wrong or empty one is refused even from this machine; the right one mints for any Host', async () => {
  for (const key of ['', 'wrong', `${ADMIN_KEY}x`, ADMIN_KEY.slice(0, -1), 'wxrtc-dev-admin-key']) {
    refused(await ask('op', { 'x-admin-key': key }), 401, ErrorCode.ADMIN_UNAUTHORIZED);
  }
  const remote = await ask('op', { 'x-admin-key': ADMIN_KEY, host: 'dev.example.com', 'x-forwarded-for': '203.0.113.7' });
  expect(remote.status).toBe(200);
  expect(verifyUserSig(remote.json.userSig, { sdkAppID: server.sdkAppID, secret: server.config.secret, userID: 'op' }).ok).toBe(true);
  // Through the proxy, from its page (an allowed origin): with the key only.
  refused(await ask('op', { host: 'dev.example.com', origin: PROXY_ORIGIN }), 403, ErrorCode.ADMIN_UNAUTHORIZED);
  expect((await ask('op', { host: 'dev.example.com', origin: PROXY_ORIGIN, 'x-admin-key': ADMIN_KEY })).status).toBe(200);
  // The key does not let another site's page in.
  refused(await ask('op', { origin: 'http://evil.example', 'x-admin-key': ADMIN_KEY }), 403, ErrorCode.ADMIN_UNAUTHORIZED);
});

test('who counts as this machine: loopback peers only, loopback names only', () => {
  for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(address)).toBe(true);
  for (const address of ['10.0.0.5', '192.168.1.2', '::ffff:10.0.0.5', '::', '0.0.0.0', '128.0.0.1', '1127.0.0.1', 'fe80::1', '', undefined]) expect(isLoopbackAddress(address)).toBe(false);
  expect(hostName('127.0.0.1:8787')).toBe('127.0.0.1');
  expect(hostName('[::1]:8787')).toBe('::1');
  expect(hostName('localhost')).toBe('localhost');
  for (const host of ['', '[::1', 'a:b:c', '127.0.0.1:80:80', undefined]) expect(hostName(host)).toBeNull();
  const req = (remoteAddress: string, host: string, headers: Record<string, string> = {}) => ({ socket: { remoteAddress }, headers: { host, ...headers } }) as unknown as IncomingMessage;
  expect(isLocalRequest(req('127.0.0.1', '127.0.0.1:8787'))).toBe(true);
  // A peer on the LAN that names the server by a loopback name is still not on this machine.
  expect(isLocalRequest(req('192.168.1.9', '127.0.0.1:8787'))).toBe(false);
  expect(isLocalRequest(req('::ffff:10.1.2.3', 'localhost:8787'))).toBe(false);
  expect(isLocalRequest(req('127.0.0.1', '127.0.0.1:8787', { 'x-forwarded-for': '10.0.0.1' }))).toBe(false);
});

test('a bounded flood of refused requests leaves the server answering', async () => {
  const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => ask(`flood-${i}`, { host: 'evil.example' })));
  expect(answers.every((a) => a.status === 403)).toBe(true);
  expect((await ask('after-flood')).status).toBe(200);
});

test('GET /call/config tells what anyone reaching the server may know, and no credential', async () => {
  const answer = await send({ method: 'GET', path: '/call/config', headers: { host: 'evil.example' } });
  expect(answer.status).toBe(200);
  expect(answer.json).toEqual({ sdkAppID: server.sdkAppID, demo: null, inspector: true });
  for (const secret of [server.inspector!.viewKey, server.inspector!.publishKey, ADMIN_KEY, server.config.secret]) expect(answer.text).not.toContain(secret);
  expect((await send({ method: 'POST', path: '/call/config', headers: json, body: '{}' })).status).toBe(405);
});

test('the page is served with a policy that loads nothing from elsewhere, and unknown files are 404', async () => {
  const page = await send({ method: 'GET', path: '/call' });
  expect(page.status).toBe(200);
  const policy = String(page.headers['content-security-policy']);
  expect(policy).toContain("default-src 'none'");
  expect(policy).toContain("script-src 'self'");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  for (const path of ['/call/../../etc/passwd', '/call/%2e%2e/server/usersig.ts', '/call/page/main.ts', '/call/session/', '/call/call.js.map']) {
    const answer = await send({ method: 'GET', path });
    expect(answer.status).toBe(404);
    expect(answer.text).not.toContain('genUserSig');
  }
});
