// Attacks on the inspector relay, on loopback: a page on another origin, a raw client without (or with the
// wrong) credential trying to read or to inject a forged session, a viewer trying to write, and a source
// trying to grow the relay's memory with big events, many events or many sessions. Each is bounded in count
// and time; every refusal is checked, and so is what the honest viewer saw.

import WebSocket from 'ws';
import { startDevServer, type DevServer } from '../../server';
import { HELLO_TYPE, INSPECT_PATH, INSPECT_VIEW_PATH } from '../../src/inspect/protocol';
import { closeSocket, open, statelyEvent, Viewer } from '../inspect/helpers/sockets';

let server: DevServer;
const sockets: WebSocket[] = [];
const viewers: Viewer[] = [];

const SESSION_BYTES = 64 * 1024;
const TOTAL_BYTES = 256 * 1024;
const MAX_SESSIONS = 4;

beforeAll(async () => {
  server = await startDevServer({
    host: '127.0.0.1',
    port: 0,
    logLevel: 'silent',
    inspector: { maxMessageBytes: 16 * 1024, maxSessionBytes: SESSION_BYTES, maxTotalBytes: TOTAL_BYTES, maxSessions: MAX_SESSIONS, closedSessionLimit: 2, maxViewers: 3 },
  });
});

afterEach(async () => {
  await Promise.all([...sockets.splice(0).map(closeSocket), ...viewers.splice(0).map((v) => v.close())]);
  await until(() => server.inspector!.relay.sessionList().every((s) => s.closedAt !== null), 'every source closed');
});

afterAll(async () => {
  await server.close();
});

const base = () => `ws://127.0.0.1:${server.port}`;
const viewUrl = (key = server.inspector!.viewKey) => `${base()}${INSPECT_VIEW_PATH}?key=${encodeURIComponent(key)}`;
const sourceUrl = (key = server.inspector!.publishKey) => `${base()}${INSPECT_PATH}?key=${encodeURIComponent(key)}`;

async function until(probe: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The HTTP status an upgrade was refused with, or 101 when it opened (the socket is closed again). */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    const timer = setTimeout(() => reject(new Error(`${url}: no answer in 3 s`)), 3000);
    ws.once('unexpected-response', (_req, res) => {
      clearTimeout(timer);
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.once('open', () => {
      clearTimeout(timer);
      resolve(101);
      ws.close();
    });
    ws.once('error', () => undefined);
  });
}

async function source(label: string): Promise<WebSocket> {
  const ws = await open(sourceUrl());
  sockets.push(ws);
  ws.send(JSON.stringify({ type: HELLO_TYPE, id: `client-${label}`, label }));
  return ws;
}

async function viewer(url = viewUrl(), headers?: Record<string, string>): Promise<Viewer> {
  const v = headers ? await connectViewerWith(url, headers) : await Viewer.connect(url);
  viewers.push(v);
  await v.until(() => v.messages.some((m) => m.type === 'live'), 'live');
  return v;
}

/** A viewer whose upgrade carries extra headers (an Origin). */
async function connectViewerWith(url: string, headers: Record<string, string>): Promise<Viewer> {
  const v = new Viewer();
  const ws = new WebSocket(url, { headers });
  ws.on('message', (data) => v.messages.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  (v as unknown as { ws: WebSocket }).ws = ws;
  return v;
}

const sessionOf = (label: string) => server.inspector!.relay.sessionList().find((s) => s.label === label && s.closedAt === null);

test('reading needs the view key: none, a wrong one, the publish key, or a foreign origin are refused', async () => {
  const secret = await source('secret-holder');
  secret.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'SECRET_EVENT', userSig: 'not-really' } }));
  await until(() => (sessionOf('secret-holder')?.received ?? 0) >= 1, 'the event stored');
  const { viewKey, publishKey } = server.inspector!;
  const attempts: Array<[string, string, Record<string, string>]> = [
    ['no key', `${base()}${INSPECT_VIEW_PATH}`, {}],
    ['an empty key', viewUrl(''), {}],
    ['a wrong key', viewUrl(`${viewKey}x`), {}],
    ['a key one character short', viewUrl(viewKey.slice(0, -1)), {}],
    ['the publish key', viewUrl(publishKey), {}],
    ['the view key from another origin', viewUrl(), { origin: 'http://evil.example' }],
    ['the view key from a look-alike origin', viewUrl(), { origin: `http://127.0.0.1:${server.port}.evil.example` }],
    ['the view key from a null origin', viewUrl(), { origin: 'null' }],
  ];
  const opened: string[] = [];
  for (const [what, url, headers] of attempts) {
    const status = await upgradeStatus(url, headers);
    if (status === 101 || status < 400) opened.push(`${what}: ${status}`);
  }
  expect(opened).toEqual([]);
  // The page's own origin with its key reads, as the /inspect page does.
  const page = await viewer(viewUrl(), { origin: `http://127.0.0.1:${server.port}` });
  expect(page.events().some((e) => e.event.event?.type === 'SECRET_EVENT')).toBe(true);
});

test('writing needs the publish key: a raw client cannot inject a forged session, and a viewer writes nothing', async () => {
  const page = await viewer();
  const before = server.inspector!.relay.sessionList().length;
  const { viewKey } = server.inspector!;
  const refused: number[] = [];
  for (const url of [`${base()}${INSPECT_PATH}`, sourceUrl(''), sourceUrl('guess'), sourceUrl(viewKey)]) refused.push(await upgradeStatus(url));
  expect(refused.every((status) => status === 401)).toBe(true);
  // A foreign web page holding the publish key (it ships in the mini-program) still cannot write from its origin.
  expect(await upgradeStatus(sourceUrl(), { origin: 'http://evil.example' })).toBe(403);
  // The viewer socket itself: whatever it sends is ignored.
  const raw = (page as unknown as { ws: WebSocket }).ws;
  raw.send(JSON.stringify({ type: HELLO_TYPE, id: 'forged', label: 'FORGED' }));
  raw.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'FORGED_EVENT' } }));
  // A legitimate source's event, sent after: once the page has it, the forged frames had their chance.
  const honest = await source('honest');
  honest.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'HONEST_EVENT' } }));
  await page.until(() => page.events().some((e) => e.event.event?.type === 'HONEST_EVENT'), 'the honest event');
  expect(page.events().filter((e) => e.event.event?.type === 'FORGED_EVENT')).toEqual([]);
  expect(server.inspector!.relay.sessionList().filter((s) => s.label === 'FORGED')).toEqual([]);
  expect(server.inspector!.relay.sessionList().length).toBe(before + 1);
});

test('one event larger than the limit closes its socket and is not kept', async () => {
  const ws = await source('big');
  await until(() => sessionOf('big') !== undefined, 'the session');
  const id = sessionOf('big')!.id;
  const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
  ws.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'HUGE', pad: 'x'.repeat(64 * 1024) } }));
  expect(await closed).toBe(1009);
  expect(server.inspector!.relay.history(id)).toEqual([]);
  expect(server.inspector!.relay.sessionBytes(id)).toBe(0);
});

test('a session cannot hold more than its byte bound, nor all sessions more than the total', async () => {
  const relay = server.inspector!.relay;
  // 100 events of ~10 KB each from one session: ten times its bound.
  const ws = await source('flood');
  const pad = 'p'.repeat(10 * 1024);
  for (let i = 0; i < 100; i++) ws.send(statelyEvent('@xstate.event', 'x:0', { event: { type: `E${i}`, pad } }));
  await until(() => (sessionOf('flood')?.received ?? 0) >= 100, 'all 100 received', 5000);
  const id = sessionOf('flood')!.id;
  expect(relay.sessionBytes(id)).toBeLessThanOrEqual(SESSION_BYTES);
  // It kept the newest, said how many it dropped, and its replay still works.
  const kept = relay.history(id);
  expect(kept.length).toBeGreaterThan(0);
  expect(kept[kept.length - 1]).toMatchObject({ type: 'event', event: { event: { type: 'E99' } } });
  expect(sessionOf('flood')!.dropped).toBe(100 - kept.length);
  // Sessions one after the other, each filling its bound and closing: the total stays bounded.
  for (let round = 0; round < 8; round++) {
    const next = await source(`round-${round}`);
    for (let i = 0; i < 10; i++) next.send(statelyEvent('@xstate.event', 'x:0', { event: { type: `R${round}-${i}`, pad } }));
    await until(() => (sessionOf(`round-${round}`)?.received ?? 0) >= 10, `round ${round} received`);
    expect(relay.storedBytes).toBeLessThanOrEqual(TOTAL_BYTES);
    await closeSocket(next);
  }
  // Closed sessions beyond the limit are forgotten, and so is their memory.
  await closeSocket(ws);
  await until(() => relay.sessionList().filter((s) => s.closedAt !== null).length <= 2, 'closed sessions pruned');
  const held = relay.sessionList().reduce((sum, s) => sum + relay.sessionBytes(s.id), 0);
  expect(relay.storedBytes).toBe(held);
  expect(relay.storedBytes).toBeLessThanOrEqual(2 * SESSION_BYTES);
}, 20_000);

test('the number of connected sessions and pages is bounded', async () => {
  for (let i = 0; i < MAX_SESSIONS; i++) await source(`many-${i}`);
  const statuses: number[] = [];
  for (let i = 0; i < 5; i++) statuses.push(await upgradeStatus(sourceUrl()));
  expect(statuses).toEqual([503, 503, 503, 503, 503]);
  // Once one goes, a new one is accepted again.
  await closeSocket(sockets.pop()!);
  await until(() => relay().sessionList().filter((s) => s.closedAt === null).length < MAX_SESSIONS, 'one closed');
  expect(await upgradeStatus(sourceUrl())).toBe(101);
  for (let i = 0; i < 3; i++) await viewer();
  expect(await upgradeStatus(viewUrl())).toBe(503);
});

const relay = () => server.inspector!.relay;
