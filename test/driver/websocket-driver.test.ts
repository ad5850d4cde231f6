// The websocket driver inside the real room machine, against a scripted server socket: what the room
// hears for each server answer and notification, and how the session comes back after a drop.

import { createActor } from 'xstate';
import { roomMachine } from '../../src/machines/room.machine';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import type { SocketLike } from '../../src/wx/socket';
import type { RoomEmitted } from '../../src/machines/room-events';
import { installWx } from '../../src/testing/wx';
import { ErrorCode } from '../../src/core/errors';

interface SentRequest {
  id: number;
  type: string;
  [field: string]: unknown;
}

/** One scripted socket: the test plays the server. */
class ScriptedSocket implements SocketLike {
  readonly sent: SentRequest[] = [];
  closed = false;
  private listeners: { open: Array<() => void>; message: Array<(t: string) => void>; close: Array<(i: { code: number; reason: string }) => void> } = {
    open: [],
    message: [],
    close: [],
  };
  send(text: string): void {
    this.sent.push(JSON.parse(text) as SentRequest);
  }
  close(): void {
    this.closed = true;
  }
  onOpen(l: () => void): void {
    this.listeners.open.push(l);
  }
  onMessage(l: (t: string) => void): void {
    this.listeners.message.push(l);
  }
  onClose(l: (i: { code: number; reason: string }) => void): void {
    this.listeners.close.push(l);
  }
  onError(): void {}
  // --- the server side ---
  open(): void {
    for (const l of this.listeners.open) l();
  }
  drop(): void {
    for (const l of this.listeners.close) l({ code: 1006, reason: 'gone' });
  }
  lastOf(type: string): SentRequest {
    const found = [...this.sent].reverse().find((r) => r.type === type);
    if (!found) throw new Error(`no ${type} request was sent; sent: ${this.sent.map((r) => r.type).join(',')}`);
    return found;
  }
  reply(type: string, result: unknown): void {
    const id = this.lastOf(type).id;
    this.push({ v: 1, id, type: 'response', ok: true, result });
  }
  refuse(type: string, code: number, message = 'refused'): void {
    const id = this.lastOf(type).id;
    this.push({ v: 1, id, type: 'response', ok: false, error: { code, message } });
  }
  notify(seq: number, body: Record<string, unknown>): void {
    this.push({ v: 1, seq, ...body });
  }
  private push(frame: unknown): void {
    for (const l of this.listeners.message) l(JSON.stringify(frame));
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

function setup() {
  const installed = installWx();
  const sockets: ScriptedSocket[] = [];
  const signaling = createWebSocketSignaling({
    url: 'ws://signaling.test',
    connect: () => {
      const s = new ScriptedSocket();
      sockets.push(s);
      return s;
    },
    platform: 'ios',
    reconnectBaseDelayMs: 1,
    reconnectMaxDelayMs: 2,
  });
  const room = createActor(roomMachine.provide({ actors: { signaling } }), { input: {} });
  const events: RoomEmitted[] = [];
  room.on('*', (e) => events.push(e));
  room.start();
  const types = () => events.map((e) => e.type);
  const teardown = () => {
    room.stop();
    installed.uninstall();
  };
  return { room, sockets, events, types, teardown, wx: installed.wx };
}

const joinResult = (extra: Record<string, unknown> = {}) => ({
  sessionId: 's1',
  resumeToken: 'token-1',
  heartbeatIntervalMs: 60_000,
  graceMs: 30_000,
  users: ['bob'],
  streams: [{ userID: 'bob', streamType: 'main', audio: true, video: true }],
  ...extra,
});

async function enterAndPublish(ctx: ReturnType<typeof setup>) {
  ctx.room.send({ type: 'CREATE_PUSHER', attributes: { enableMic: true, enableCamera: true } });
  ctx.room.send({ type: 'ENTER_ROOM', params: { sdkAppID: 1400000001, userID: 'alice', userSig: 'sig', roomID: 7 } });
  const socket = ctx.sockets[0]!;
  socket.open();
  const join = socket.lastOf('join');
  expect(join).toMatchObject({ v: 1, sdkAppID: 1400000001, userID: 'alice', roomID: 7, scene: 'rtc', role: 'anchor', visible: true, platform: 'ios', mute: { audio: false, video: false } });
  socket.reply('join', joinResult());
  await tick();
  socket.reply('publish', { url: 'rtmp://media/live/alice?sign=1', expiresAt: 0 });
  await tick();
  return socket;
}

describe('websocket driver in the room machine', () => {
  test('join announces the room, auto-publish gives the pusher its url as UPDATE_URL', async () => {
    const ctx = setup();
    try {
      await enterAndPublish(ctx);
      expect(ctx.types()).toEqual(expect.arrayContaining(['LOCAL_JOIN', 'REMOTE_USER_JOIN', 'STREAM_ADDED', 'REMOTE_VIDEO_ADD', 'REMOTE_AUDIO_ADD', 'UPDATE_URL']));
      expect(ctx.types().indexOf('LOCAL_JOIN')).toBeLessThan(ctx.types().indexOf('REMOTE_USER_JOIN'));
      const update = ctx.events.find((e) => e.type === 'UPDATE_URL');
      expect(update).toMatchObject({ userID: 'alice', streamType: 'main', url: 'rtmp://media/live/alice?sign=1', local: true });
      expect(ctx.room.getSnapshot().context.pusher!.getSnapshot().context.attributes.url).toBe('rtmp://media/live/alice?sign=1');
      expect(ctx.room.getSnapshot().matches({ active: { inRoom: { publication: 'published' } } })).toBe(true);
    } finally {
      ctx.teardown();
    }
  });

  test('unmuting a player subscribes; the pull url arrives as UPDATE_URL and becomes the player src', async () => {
    const ctx = setup();
    try {
      const socket = await enterAndPublish(ctx);
      ctx.room.send({ type: 'SET_PLAYER_ATTRIBUTES', id: 'bob_main', attributes: { muteVideo: false } });
      expect(socket.lastOf('subscribe')).toMatchObject({ userID: 'bob', streamType: 'main', audio: false, video: true });
      socket.reply('subscribe', { url: 'rtmp://media/live/bob?sign=2', expiresAt: 0 });
      await tick();
      expect(ctx.events.filter((e) => e.type === 'UPDATE_URL').at(-1)).toMatchObject({ userID: 'bob', url: 'rtmp://media/live/bob?sign=2', local: false });
      const bob = ctx.room.getSnapshot().context.streams.find((s) => s.id === 'bob_main')!;
      expect(bob.ref.getSnapshot().context.attributes.src).toBe('rtmp://media/live/bob?sign=2');
      // Muting both tracks gives the slot back.
      ctx.room.send({ type: 'UNSUBSCRIBE', userID: 'bob' });
      await tick();
      expect(socket.lastOf('unsubscribe')).toMatchObject({ userID: 'bob', streamType: 'main' });
    } finally {
      ctx.teardown();
    }
  });

  test('a refused subscribe is STREAM_FAILED for that stream', async () => {
    const ctx = setup();
    try {
      const socket = await enterAndPublish(ctx);
      ctx.room.send({ type: 'SUBSCRIBE', userID: 'bob' });
      socket.refuse('subscribe', ErrorCode.SUBSCRIPTION_LIMIT, 'too many');
      await tick();
      expect(ctx.events.find((e) => e.type === 'STREAM_FAILED')).toMatchObject({ userID: 'bob', streamType: 'main', code: ErrorCode.SUBSCRIPTION_LIMIT, local: false });
    } finally {
      ctx.teardown();
    }
  });

  test('notifications become room events', async () => {
    const ctx = setup();
    try {
      const socket = await enterAndPublish(ctx);
      socket.notify(1, { type: 'user-joined', userID: 'carol' });
      socket.notify(2, { type: 'stream-added', userID: 'carol', streamType: 'main', audio: true, video: false });
      socket.notify(3, { type: 'stream-updated', userID: 'carol', streamType: 'main', audio: false, video: false });
      socket.notify(4, { type: 'stream-removed', userID: 'carol', streamType: 'main' });
      socket.notify(5, { type: 'user-left', userID: 'carol', reason: 'leave' });
      await tick();
      const carol = ctx.events.filter((e) => 'userID' in e && e.userID === 'carol').map((e) => e.type);
      expect(carol).toEqual(['REMOTE_USER_JOIN', 'STREAM_ADDED', 'REMOTE_AUDIO_ADD', 'REMOTE_AUDIO_REMOVE', 'MUTE_AUDIO', 'STREAM_REMOVED', 'REMOTE_USER_LEAVE']);
    } finally {
      ctx.teardown();
    }
  });

  test('a repeated seq is processed once, for news the room itself would repeat (a url change, a warning)', async () => {
    const ctx = setup();
    try {
      const socket = await enterAndPublish(ctx);
      ctx.room.send({ type: 'SUBSCRIBE', userID: 'bob' });
      socket.reply('subscribe', { url: 'rtmp://media/live/bob?sign=1', expiresAt: 0 });
      await tick();
      const before = ctx.events.length;
      // The room applies every url change and passes on every warning: only the seq can tell these are repeats.
      const urlChange = { type: 'url-updated', kind: 'subscribe', userID: 'bob', streamType: 'main', url: 'rtmp://media/live/bob?sign=2' };
      const warning = { type: 'warning', code: ErrorCode.SUBSCRIPTION_WARNING, message: 'sixth subscription' };
      socket.notify(1, urlChange);
      socket.notify(1, urlChange);
      socket.notify(2, warning);
      socket.notify(2, warning);
      socket.notify(1, warning);
      await tick();
      const after = ctx.events.slice(before).map((e) => e.type);
      expect(after).toEqual(['UPDATE_URL', 'PLAYER_WARNING']);
      // The same frames with fresh seqs are news each time: the room does not dedupe them itself.
      socket.notify(3, urlChange);
      socket.notify(4, warning);
      await tick();
      expect(ctx.events.slice(before).map((e) => e.type)).toEqual(['UPDATE_URL', 'PLAYER_WARNING', 'UPDATE_URL', 'PLAYER_WARNING']);
    } finally {
      ctx.teardown();
    }
  });

  test('a dropped socket resumes: RECONNECTING, resume with lastSeq, missed notifications, CONNECTED, changed urls as UPDATE_URL', async () => {
    const ctx = setup();
    try {
      const socket = await enterAndPublish(ctx);
      socket.notify(1, { type: 'user-joined', userID: 'carol' });
      await tick();
      socket.drop();
      await tick();
      expect(ctx.events.filter((e) => e.type === 'CONNECTION_STATE_CHANGED').at(-1)).toMatchObject({ state: 'RECONNECTING' });
      const second = ctx.sockets[1]!;
      second.open();
      expect(second.lastOf('resume')).toMatchObject({ resumeToken: 'token-1', lastSeq: 1 });
      second.reply('resume', {
        sessionId: 's1',
        resumeToken: 'token-2',
        users: ['bob', 'dave'],
        streams: [{ userID: 'bob', streamType: 'main', audio: true, video: true }],
        publishUrl: 'rtmp://media/live/alice?sign=gen2',
        subscriptions: [],
        missed: [{ v: 1, seq: 2, type: 'user-left', userID: 'carol', reason: 'leave' }, { v: 1, seq: 3, type: 'user-joined', userID: 'dave' }],
      });
      await tick();
      expect(ctx.events.filter((e) => e.type === 'CONNECTION_STATE_CHANGED').at(-1)).toMatchObject({ state: 'CONNECTED', prevState: 'RECONNECTING' });
      expect(ctx.room.getSnapshot().context.users).toEqual(['bob', 'dave']);
      expect(ctx.events.filter((e) => e.type === 'UPDATE_URL').at(-1)).toMatchObject({ local: true, url: 'rtmp://media/live/alice?sign=gen2' });
      expect(ctx.types().filter((t) => t === 'LOCAL_JOIN')).toHaveLength(1);
    } finally {
      ctx.teardown();
    }
  });

  test('a server that forgot the session (restart): join again, re-publish and re-subscribe, fresh urls', async () => {
    const ctx = setup();
    try {
      const socket = await enterAndPublish(ctx);
      ctx.room.send({ type: 'SUBSCRIBE', userID: 'bob' });
      socket.reply('subscribe', { url: 'rtmp://media/live/bob?gen=1', expiresAt: 0 });
      await tick();
      socket.drop();
      await tick();
      const second = ctx.sockets[1]!;
      second.open();
      second.refuse('resume', ErrorCode.RESUME_REJECTED, 'unknown token');
      await tick();
      expect(second.lastOf('join')).toMatchObject({ userID: 'alice' });
      second.reply('join', joinResult({ resumeToken: 'token-3' }));
      await tick();
      expect(second.lastOf('publish')).toBeDefined();
      expect(second.lastOf('subscribe')).toMatchObject({ userID: 'bob', audio: true, video: true });
      second.reply('publish', { url: 'rtmp://media/live/alice?gen=2', expiresAt: 0 });
      second.reply('subscribe', { url: 'rtmp://media/live/bob?gen=2', expiresAt: 0 });
      await tick();
      const urls = ctx.events.filter((e): e is Extract<RoomEmitted, { type: 'UPDATE_URL' }> => e.type === 'UPDATE_URL').map((e) => e.url);
      expect(urls).toEqual(expect.arrayContaining(['rtmp://media/live/alice?gen=2', 'rtmp://media/live/bob?gen=2']));
      expect(ctx.room.getSnapshot().matches({ active: { inRoom: { connection: 'connected' } } })).toBe(true);
    } finally {
      ctx.teardown();
    }
  });

  test('kicked by the server: KICKED_OUT with the reason, nothing processed after', async () => {
    const ctx = setup();
    try {
      const socket = await enterAndPublish(ctx);
      socket.notify(1, { type: 'kicked', reason: 'banned' });
      socket.notify(2, { type: 'user-joined', userID: 'late' });
      await tick();
      expect(ctx.events.find((e) => e.type === 'KICKED_OUT')).toMatchObject({ reason: 'banned' });
      expect(ctx.types()).not.toContain('LOCAL_LEAVE');
      expect(ctx.events.some((e) => 'userID' in e && e.userID === 'late')).toBe(false);
      expect(ctx.room.getSnapshot().value).toBe('kicked');
      expect(socket.closed).toBe(true);
    } finally {
      ctx.teardown();
    }
  });

  test('exit sends leave and LOCAL_LEAVE follows the answer', async () => {
    const ctx = setup();
    try {
      const socket = await enterAndPublish(ctx);
      ctx.room.send({ type: 'EXIT_ROOM' });
      expect(ctx.room.getSnapshot().matches({ active: 'exiting' })).toBe(true);
      expect(ctx.types()).not.toContain('LOCAL_LEAVE');
      socket.reply('leave', {});
      await tick();
      expect(ctx.types().at(-1)).toBe('CONNECTION_STATE_CHANGED');
      expect(ctx.types()).toContain('LOCAL_LEAVE');
      expect(ctx.room.getSnapshot().value).toBe('idle');
      expect(socket.closed).toBe(true);
    } finally {
      ctx.teardown();
    }
  });

  test('a refused join is ERROR with the server code and the room goes back to idle', async () => {
    const ctx = setup();
    try {
      ctx.room.send({ type: 'ENTER_ROOM', params: { sdkAppID: 1400000001, userID: 'alice', userSig: 'forged', roomID: 7 } });
      ctx.sockets[0]!.open();
      ctx.sockets[0]!.refuse('join', ErrorCode.USER_SIG_INVALID, 'bad sig');
      await tick();
      expect(ctx.events.find((e) => e.type === 'ERROR')).toMatchObject({ code: ErrorCode.USER_SIG_INVALID });
      expect(ctx.room.getSnapshot().value).toBe('idle');
      expect(ctx.types()).not.toContain('LOCAL_JOIN');
    } finally {
      ctx.teardown();
    }
  });
});
