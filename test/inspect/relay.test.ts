// The dev server's inspector relay: SDK sessions in, pages out; a bounded history per session that a page
// opened late still sees (actor registrations kept apart), reconnects that continue a session, filtering,
// junk ignored, closed sessions pruned; and the page's files served locally.

import type WebSocket from 'ws';
import { startDevServer, type DevServer } from '../../server';
import { HELLO_TYPE, INSPECT_PATH, INSPECT_VIEW_PATH } from '../../src/inspect/protocol';
import { closeSocket, open, statelyEvent, Viewer } from './helpers/sockets';

let server: DevServer;
const sockets: WebSocket[] = [];
const viewers: Viewer[] = [];

beforeAll(async () => {
  server = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', inspector: { historyLimit: 10, actorLimit: 3, closedSessionLimit: 1 } });
});

afterEach(async () => {
  await Promise.all([...sockets.splice(0).map(closeSocket), ...viewers.splice(0).map((v) => v.close())]);
});

afterAll(async () => {
  await server.close();
});

const base = () => `ws://127.0.0.1:${server.port}`;

async function source(label: string, id = `client-${label}`): Promise<WebSocket> {
  const ws = await open(server.inspector!.wsUrl);
  sockets.push(ws);
  ws.send(JSON.stringify({ type: HELLO_TYPE, id, label }));
  return ws;
}

async function viewer(query = ''): Promise<Viewer> {
  const v = await Viewer.connect(`${base()}${INSPECT_VIEW_PATH}?key=${server.inspector!.viewKey}${query.replace(/^\?/, '&')}`);
  viewers.push(v);
  return v;
}

const sessionOf = (label: string) => server.inspector!.relay.sessionList().find((s) => s.label === label && s.closedAt === null);

async function settled(label: string, received: number): Promise<void> {
  const deadline = Date.now() + 3000;
  while ((sessionOf(label)?.received ?? -1) < received) {
    if (Date.now() > deadline) throw new Error(`${label}: relay never received ${received} events`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('the dev server announces the inspector', async () => {
  // Each url carries its credential: the page's in the fragment, the SDK's in the query.
  expect(server.inspector!.url).toBe(`${server.httpUrl}/inspect#key=${server.inspector!.viewKey}`);
  expect(server.inspector!.wsUrl).toBe(`ws://127.0.0.1:${server.port}${INSPECT_PATH}?key=${server.inspector!.publishKey}`);
  expect(server.inspector!.viewKey).not.toBe(server.inspector!.publishKey);
  // The status document answers anyone: it names the page, not its key.
  const status = (await (await fetch(server.httpUrl)).json()) as { inspector: string };
  expect(status.inspector).toBe(`${server.httpUrl}/inspect`);
});

test('a live page gets each session, labelled, then its events as they come', async () => {
  const page = await viewer();
  await page.until(() => page.messages.some((m) => m.type === 'live'), 'live');
  const ws = await source('alice');
  ws.send(statelyEvent('@xstate.actor', 'x:0', { name: 'room', definition: '{"id":"room","states":{}}', snapshot: { status: 'active', value: 'idle' } }));
  ws.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'ENTER_ROOM' } }));
  const events = await page.until(() => (page.events().length === 2 ? page.events() : null), 'two events');
  expect(events.map((e) => e.event.type)).toEqual(['@xstate.actor', '@xstate.event']);
  expect(events[1]!.seq).toBeGreaterThan(events[0]!.seq);
  const session = events[0]!.session;
  expect(page.messages).toContainEqual({ type: 'session', session: expect.objectContaining({ id: session, label: 'alice', clientId: 'client-alice', closedAt: null }) });
  expect(typeof events[0]!.at).toBe('number');
});

test('a late page sees the bounded history, with registrations older than the window kept', async () => {
  const ws = await source('bob');
  // Four actors (the limit keeps the last three), then 20 events (the window keeps 10).
  for (const id of ['x:0', 'x:1', 'x:2', 'x:3']) ws.send(statelyEvent('@xstate.actor', id, { name: id, parentId: id === 'x:0' ? undefined : 'x:0' }));
  for (let i = 0; i < 20; i++) ws.send(statelyEvent('@xstate.snapshot', 'x:0', { event: { type: `E${i}` }, snapshot: { status: 'active', value: 'idle' } }));
  await settled('bob', 24);
  const page = await viewer();
  await page.until(() => page.messages.some((m) => m.type === 'live'), 'live');
  const id = sessionOf('bob')!.id;
  const replayed = page.events().filter((e) => e.session === id);
  const actors = replayed.filter((e) => e.event.type === '@xstate.actor').map((e) => e.event.sessionId);
  const snapshots = replayed.filter((e) => e.event.type === '@xstate.snapshot').map((e) => e.event.event!.type);
  expect(actors).toEqual(['x:1', 'x:2', 'x:3']);
  expect(snapshots).toEqual(['E10', 'E11', 'E12', 'E13', 'E14', 'E15', 'E16', 'E17', 'E18', 'E19']);
  // In sequence order, and the session says how much it lost.
  const seqs = replayed.map((e) => e.seq);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  expect(sessionOf('bob')!.dropped).toBe(14);
  const sessionsMessage = page.messages.find((m) => m.type === 'sessions');
  expect(sessionsMessage).toMatchObject({ sessions: expect.arrayContaining([expect.objectContaining({ label: 'bob', dropped: 14 })]) });
  // The replay ends with the live marker, after every replayed event.
  expect(page.messages[page.messages.length - 1]).toEqual({ type: 'live' });
});

test('?session= narrows a page to one session', async () => {
  const a = await source('carol');
  const b = await source('dave');
  a.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'FROM_CAROL' } }));
  b.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'FROM_DAVE' } }));
  await settled('carol', 1);
  await settled('dave', 1);
  const page = await viewer(`?session=${sessionOf('carol')!.id}`);
  await page.until(() => page.messages.some((m) => m.type === 'live'), 'live');
  b.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'FROM_DAVE_LATER' } }));
  a.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'FROM_CAROL_LATER' } }));
  await page.until(() => page.events().some((e) => e.event.event?.type === 'FROM_CAROL_LATER'), 'carol later');
  expect(page.events().map((e) => e.event.event?.type)).toEqual(['FROM_CAROL', 'FROM_CAROL_LATER']);
});

test('a reconnect with the same hello id continues its session; junk is ignored', async () => {
  const first = await source('erin', 'erin-1');
  first.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'BEFORE' } }));
  await settled('erin', 1);
  const id = sessionOf('erin')!.id;
  await closeSocket(first);
  const second = await source('erin', 'erin-1');
  second.send('not json');
  second.send(JSON.stringify({ type: 'something else', sessionId: 'x:0' }));
  second.send(JSON.stringify({ type: '@xstate.event' }));
  second.send(Buffer.from([1, 2, 3]));
  second.send(statelyEvent('@xstate.event', 'x:0', { event: { type: 'AFTER' } }));
  await settled('erin', 2);
  expect(sessionOf('erin')!.id).toBe(id);
  expect(server.inspector!.relay.history(id).map((m) => (m.type === 'event' ? m.event.event?.type : m.type))).toEqual(['BEFORE', 'AFTER']);
});

test('closed sessions beyond the limit are forgotten', async () => {
  const one = await source('frank');
  await settled('frank', 0);
  const two = await source('grace');
  await settled('grace', 0);
  const frankId = sessionOf('frank')!.id;
  await closeSocket(one);
  await closeSocket(two);
  const deadline = Date.now() + 3000;
  const relay = server.inspector!.relay;
  while (relay.sessionList().some((s) => s.id === frankId) || relay.sessionList().filter((s) => s.closedAt !== null).length > 1) {
    if (Date.now() > deadline) throw new Error(`closed sessions were not pruned: ${JSON.stringify(relay.sessionList())}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(relay.sessionList().filter((s) => s.closedAt !== null).map((s) => s.label)).toEqual(['grace']);
});

test('the page, its script, styles and the charts are served locally', async () => {
  const html = await fetch(`${server.httpUrl}/inspect`);
  expect(html.status).toBe(200);
  expect(html.headers.get('content-type')).toMatch(/text\/html/);
  const text = await html.text();
  expect(text).toContain('/inspect/inspector.js');
  expect(text).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  const charts = (await (await fetch(`${server.httpUrl}/inspect/charts`)).json()) as { charts: string[] };
  expect(charts.charts).toEqual(expect.arrayContaining(['room', 'pusher', 'player']));
  const room = (await (await fetch(`${server.httpUrl}/inspect/charts/room.json`)).json()) as { id: string };
  expect(room.id).toBe('room');
  expect((await fetch(`${server.httpUrl}/inspect/charts/..%2Fpackage.json`)).status).toBe(404);
  expect((await fetch(`${server.httpUrl}/inspect/nothing`)).status).toBe(404);
  expect((await fetch(`${server.httpUrl}/inspect`, { method: 'POST' })).status).toBe(405);
  const css = await fetch(`${server.httpUrl}/inspect/inspector.css`);
  expect(css.headers.get('content-type')).toMatch(/text\/css/);
  const script = await fetch(`${server.httpUrl}/inspect/inspector.js`);
  expect(script.status).toBe(200);
  const code = await script.text();
  // The chart renderer and ELK are inside: nothing is fetched from a CDN.
  expect(code).toContain('elk.');
  expect(code).not.toMatch(/import\s*\(|cdn\.|unpkg|jsdelivr/);
  const bridge = await (await fetch(`${server.httpUrl}/inspect/stately`)).text();
  expect(bridge).toContain('@statelyai.connected');
}, 30_000);

test('inspector: false leaves the routes out', async () => {
  const plain = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', inspector: false });
  try {
    expect(plain.inspector).toBeNull();
    expect((await fetch(`${plain.httpUrl}/inspect`)).status).toBe(404);
    await expect(open(`ws://127.0.0.1:${plain.port}${INSPECT_PATH}`)).rejects.toThrow(/404/);
  } finally {
    await plain.close();
  }
});
