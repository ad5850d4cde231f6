// The SDK side of the inspector: a Node (ws) inspector on a room actor — through the actor API and through
// the TRTC facade — delivers actor, snapshot and event messages to the dev server's relay, safely
// serialized; and whatever the socket does, the room never sees an error.

import { createActor } from 'xstate';
import { startDevServer, type DevServer } from '../../server';
import { createInspector, type InspectorState, type WxrtcInspector } from '../../src/inspect';
import { createNodeInspector, wsTransport } from '../../src/inspect/node';
import type { StatelyMessage, ViewerMessage } from '../../src/inspect/protocol';
import { roomMachine } from '../../src/machines/room.machine';
import { createPage } from '../../src/testing/page';
import { installWx } from '../../src/testing/wx';
import { TRTC } from '../../src/trtc';
import { pusherEvent, status, validParams } from '../helpers/status';

const SIG = 'userSig-that-must-never-leave';

let server: DevServer;
let uninstall: () => void = () => undefined;
const inspectors: WxrtcInspector[] = [];

beforeAll(async () => {
  server = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent' });
});

beforeEach(() => {
  uninstall = installWx().uninstall;
});

afterEach(() => {
  for (const inspector of inspectors.splice(0)) inspector.stop();
  uninstall();
});

afterAll(async () => {
  await server.close();
});

function inspector(label: string): WxrtcInspector {
  const created = createNodeInspector({ url: server.inspector!.wsUrl, label });
  inspectors.push(created);
  return created;
}

const session = (label: string) => server.inspector!.relay.sessionList().find((s) => s.label === label);

function messages(label: string): StatelyMessage[] {
  const id = session(label)?.id;
  if (!id) return [];
  return server.inspector!.relay
    .history(id)
    .filter((m): m is Extract<ViewerMessage, { type: 'event' }> => m.type === 'event')
    .map((m) => m.event);
}

async function until<T>(probe: () => T | undefined | null | false, what: string, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const nameOf = (all: StatelyMessage[], id: string | undefined) => all.find((m) => m.type === '@xstate.actor' && m.sessionId === id)?.name;
const roomValues = (all: StatelyMessage[]) =>
  all.filter((m) => m.type === '@xstate.snapshot' && nameOf(all, m.sessionId) === 'room').map((m) => JSON.stringify(m.snapshot!.value));

test('the actor API: actors, snapshots and events of a room entering, meeting bob, and leaving', async () => {
  const watched = inspector('alice');
  const page = createPage({ data: {} });
  const room = createActor(roomMachine, { input: { page }, inspect: watched.inspect }).start();
  const pusherStatus = (s: { code: number; message: string }) => room.send({ type: 'LIVE_PUSHER_STATUS', code: s.code, message: s.message });
  // Sent before the socket is open: buffered, then delivered in order.
  room.send({ type: 'CREATE_PUSHER', attributes: {} });
  room.send({ type: 'ENTER_ROOM', params: { ...validParams, userID: 'alice', userSig: SIG } });
  room.send({ type: 'PUSHER', command: { type: 'START' } });
  pusherStatus(status.entered());
  pusherStatus(status.joined('bob'));
  pusherStatus(status.video('bob', true));
  await until(() => messages('alice').some((m) => m.type === '@xstate.actor' && m.name === 'bob_main'), 'the player actor');
  pusherStatus(status.left('bob'));
  room.send({ type: 'EXIT_ROOM' });
  pusherStatus(status.exited());
  await until(() => roomValues(messages('alice')).at(-1) === '"idle"' && roomValues(messages('alice')).length > 3, 'the room back in idle');

  const all = messages('alice');
  const actors = all.filter((m) => m.type === '@xstate.actor');
  const roomActor = actors.find((m) => m.name === 'room')!;
  expect(JSON.parse(roomActor.definition!).id).toBe('room');
  expect(roomActor.parentId).toBeUndefined();
  const pusher = actors.find((m) => m.name === 'pusher')!;
  expect(JSON.parse(pusher.definition!).id).toBe('pusher');
  expect(pusher.parentId).toBe(roomActor.sessionId);
  const player = actors.find((m) => m.name === 'bob_main')!;
  expect(JSON.parse(player.definition!).id).toBe('player');
  expect(player.rootId).toBe(roomActor.sessionId);

  // The room's path: idle -> active.entering -> active.inRoom{...} -> exiting -> idle.
  const path = roomValues(all).filter((v, i, list) => v !== list[i - 1]);
  expect(path[0]).toBe('"idle"');
  expect(path).toContain('{"active":"entering"}');
  expect(path.find((v) => v.includes('inRoom'))).toMatch(/"connection":"connected".*"players":"tracking"/);
  expect(path).toContain('{"active":"exiting"}');
  expect(path.at(-1)).toBe('"idle"');

  const events = all.filter((m) => m.type === '@xstate.event' && m.sessionId === roomActor.sessionId).map((m) => m.event!.type);
  expect(events).toEqual(expect.arrayContaining(['CREATE_PUSHER', 'ENTER_ROOM', 'ENTER_SUCCEEDED', 'REMOTE_USERS_JOINED', 'REMOTE_STREAM_UPDATED', 'REMOTE_USERS_LEFT', 'EXIT_ROOM']));
  expect(events.indexOf('ENTER_ROOM')).toBeLessThan(events.indexOf('ENTER_SUCCEEDED'));
  // Events from the signaling actor name it as their source.
  const joined = all.find((m) => m.type === '@xstate.event' && m.event!.type === 'REMOTE_USERS_JOINED')!;
  expect(nameOf(all, joined.sourceId)).toBe('signaling');
  // The player stopped when bob left: its last snapshot says so.
  expect(all.filter((m) => m.type === '@xstate.snapshot' && m.sessionId === player.sessionId).at(-1)!.snapshot!.status).toBe('stopped');

  // Contexts: refs as ids, the page as a label, no credentials anywhere.
  const inRoom = all.find((m) => m.type === '@xstate.snapshot' && m.sessionId === roomActor.sessionId && JSON.stringify(m.snapshot!.value).includes('inRoom'))!;
  const context = inRoom.snapshot!.context as Record<string, any>;
  expect(context.page).toBe('[page]');
  expect(context.pusher).toEqual({ xstate$$type: 1, id: 'pusher' });
  expect(context.params.userSig).toBe('[redacted]');
  expect(JSON.stringify(all)).not.toContain(SIG);
  room.stop();
});

test('the facade takes the inspector itself, its observer, or a plain callback', async () => {
  const watched = inspector('facade');
  const seen: string[] = [];
  const a = new TRTC(createPage({}), { env: 'test', inspect: watched });
  const b = new TRTC(createPage({}), { env: 'test', inspect: (event) => seen.push(event.type) });
  const c = new TRTC(createPage({}), { env: 'test', inspect: { inspect: { next: (event) => seen.push(`observer ${event.type}`) } } });
  a.createPusher({});
  a.enterRoom({ ...validParams, userSig: SIG });
  a.pusherEventHandler(pusherEvent(status.entered()));
  await until(() => messages('facade').some((m) => m.type === '@xstate.event' && m.event!.type === 'ENTER_SUCCEEDED'), 'ENTER_SUCCEEDED from the facade');
  expect(seen).toContain('@xstate.actor');
  expect(seen).toContain('observer @xstate.snapshot');
  expect(JSON.stringify(messages('facade'))).not.toContain(SIG);
  for (const trtc of [a, b, c]) trtc.destroy();
});

test('setLabel renames the session on the relay', async () => {
  const watched = inspector('before');
  await until(() => session('before'), 'the session');
  watched.setLabel('after');
  await until(() => session('after'), 'the new label');
});

test('unreachable server: a bounded buffer, counted drops, no error reaches the room', async () => {
  // A port nothing listens on: connecting fails, the inspector waits to retry.
  const watched = createInspector({ url: 'ws://127.0.0.1:1/v1/inspect', transport: wsTransport, maxBuffered: 5, reconnectDelayMs: 50 });
  inspectors.push(watched);
  const room = createActor(roomMachine, { input: { page: createPage({}) }, inspect: watched.inspect }).start();
  for (let i = 0; i < 10; i++) room.send({ type: 'SET_BUSINESS_ID', businessId: `b${i}` });
  await until(() => watched.stats.dropped > 0, 'drops');
  expect(watched.stats.buffered).toBeLessThanOrEqual(5);
  expect(['waiting', 'connecting']).toContain(watched.state);
  expect(room.getSnapshot().context.businessId).toBe('b9');
  watched.stop();
  expect(watched.state).toBe<InspectorState>('stopped');
  expect(watched.stats.buffered).toBe(0);
  room.send({ type: 'SET_BUSINESS_ID', businessId: 'after-stop' });
  room.stop();
});

test('a transport that throws, or a socket whose send throws, costs messages, never an exception', async () => {
  const throwing = createInspector({ url: 'ws://x', transport: () => { throw new Error('no sockets here'); }, reconnectDelayMs: 0 });
  inspectors.push(throwing);
  let opened: (() => void) | null = null;
  const failing = createInspector({
    url: 'ws://y',
    reconnectDelayMs: 0,
    transport: () => ({
      send: () => {
        throw new Error('send failed');
      },
      close: () => undefined,
      onOpen: (listener) => {
        opened = listener;
      },
      onMessage: () => undefined,
      onClose: () => undefined,
      onError: () => undefined,
    }),
  });
  inspectors.push(failing);
  const observers = {
    next: (event: Parameters<WxrtcInspector['inspect']['next']>[0]) => {
      throwing.inspect.next(event);
      failing.inspect.next(event);
    },
  };
  const room = createActor(roomMachine, { input: { page: createPage({}) }, inspect: observers }).start();
  room.send({ type: 'SET_BUSINESS_ID', businessId: 'x' });
  await new Promise((resolve) => setTimeout(resolve, 20));
  opened!();
  room.send({ type: 'SET_BUSINESS_ID', businessId: 'y' });
  await until(() => failing.stats.dropped > 2, 'failed sends counted');
  expect(failing.stats.sent).toBe(0);
  expect(throwing.state).toBe('waiting');
  expect(room.getSnapshot().context.businessId).toBe('y');
  room.stop();
});
