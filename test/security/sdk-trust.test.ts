// Attacks on the SDK itself, all in process: a page (or whatever fills its enterRoom params) injecting
// parameters into the room:// url, and a hostile signaling server (a scripted socket) sending urls, timers,
// sequence numbers, identities, crowds and answers the SDK must not take at face value. Every attack is
// bounded in count and time and needs no network.

import fc from 'fast-check';
import { createActor } from 'xstate';
import { ErrorCode } from '../../src/core/errors';
import { logger } from '../../src/core/log';
import { buildRoomUrl } from '../../src/services/signaling/trtc-room';
import { type WebSocketSignalingOptions } from '../../src/services/signaling/websocket';
import { checkEnterParams } from '../../src/core/enter-params';
import { roomMachine } from '../../src/machines/room.machine';
import type { RoomEmitted } from '../../src/machines/room-events';
import { installWx } from '../../src/testing/wx';
import { createRig, type Rig } from '../helpers/facade';
import { scriptedSignaling } from '../helpers/scripted-socket';
import { status, validParams } from '../helpers/status';

/** The parameters of a room url, split by hand (URLSearchParams would hide a raw '+' or a stray '%'). */
function queryOf(url: string): Array<[string, string]> {
  return url
    .slice(url.indexOf('?') + 1)
    .split('&')
    .map((pair) => {
      const cut = pair.indexOf('=');
      return [pair.slice(0, cut), decodeURIComponent(pair.slice(cut + 1))] as [string, string];
    });
}

const ROOM_URL_KEYS = [
  'sdkappid', 'roomid', 'userid', 'usersig', 'appscene', 'encsmall', 'cloudenv', 'enableBlackStream', 'streamid',
  'userdefinerecordid', 'privatemapkey', 'pureaudiomode', 'recvmode', 'enableinfiniteanchor', 'component',
];

const INJECTIONS = [
  'x&usersig=EVIL&roomid=9',
  'x#fragment',
  'x=y',
  'a b',
  'a%26b',
  '?roomid=9',
  'r'.repeat(65),
  'rec.1',
  'записъ',
  'x\u0000y',
  'x\r\nHost: evil',
];

describe('item 4: injected room url parameters', () => {
  let rig: Rig;
  afterEach(() => rig?.dispose());

  test.each(['userDefineRecordId', 'userDefineRecordID', 'streamID', 'privateMapKey'])(
    '%s carrying url syntax is refused with INVALID_URL_PARAM: no url, no room',
    (field) => {
      const payloads = field === 'privateMapKey' ? INJECTIONS.filter((p) => p !== 'r'.repeat(65) && p !== 'x=y') : INJECTIONS;
      for (const payload of payloads) {
        rig = createRig();
        rig.trtc.createPusher({});
        const attributes = rig.trtc.enterRoom({ ...validParams, [field]: payload } as never);
        expect(rig.of('ERROR').map((e) => [e.data.code, e.data.data?.key])).toEqual([
          [ErrorCode.INVALID_URL_PARAM, field === 'userDefineRecordID' ? 'userDefineRecordId' : field],
        ]);
        expect(attributes.url).toBe('');
        expect(rig.trtc.actor.getSnapshot().value).toBe('idle');
        rig.dispose();
      }
    },
  );

  test('the documented alphabets are accepted: 64 bytes of a-zA-Z0-9_- and a TLS-signed privateMapKey', () => {
    const record = `Rec_${'a'.repeat(56)}-Z09`;
    expect(record).toHaveLength(64);
    const check = checkEnterParams({ ...validParams, userDefineRecordId: record, streamID: 'sdk_1234_alice_main', privateMapKey: 'eJw1jcEKgjAQRP9l*-_Tg==' });
    expect(check.ok).toBe(true);
  });

  test('values without a documented alphabet are encoded: no parameter can be added or replaced (500 random values)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.oneof(fc.constantFrom('&', '=', '#', '%', '?', ' ', '+', '/', "'", 'a', '1'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 40 }), fc.constantFrom('cloudenv', 'enableBlackStream', 'pureAudioMode', 'userSig'), (value, field) => {
        fc.pre(value.trim().length > 0);
        const check = checkEnterParams({ ...validParams, [field]: value });
        if (!check.ok) throw new Error(check.error.message);
        const query = queryOf(buildRoomUrl(check.params));
        expect(query.map(([key]) => key)).toEqual(ROOM_URL_KEYS);
        const wireKey = field === 'userSig' ? 'usersig' : field === 'cloudenv' ? 'cloudenv' : field === 'pureAudioMode' ? 'pureaudiomode' : 'enableBlackStream';
        // A lone surrogate has no UTF-8 form and goes as U+FFFD; everything else round-trips exactly.
        expect(new Map(query).get(wireKey)).toBe(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
        expect(new Map(query).get('roomid')).toBe('1234');
      }),
      { numRuns: 500, seed: 4 },
    );
  });

  test('the attack from the report: userDefineRecordId "x&usersig=EVIL&roomid=9" never reaches a url, and free fields cannot carry it either', () => {
    expect(checkEnterParams({ ...validParams, userDefineRecordId: 'x&usersig=EVIL&roomid=9' }).ok).toBe(false);
    const check = checkEnterParams({ ...validParams, cloudenv: 'PRO&usersig=EVIL&roomid=9' });
    if (!check.ok) throw new Error(check.error.message);
    const url = buildRoomUrl(check.params);
    const query = new Map(queryOf(url));
    expect(query.get('usersig')).toBe('sig-alice');
    expect(query.get('roomid')).toBe('1234');
    expect(query.get('cloudenv')).toBe('PRO&usersig=EVIL&roomid=9');
    expect(url.match(/&usersig=/g)).toHaveLength(1);
  });
});

// --- a hostile signaling server ------------------------------------------------------------------------------

/** Let request answers (promise continuations) run; timers are not involved. */
const flush = async () => {
  for (let i = 0; i < 12; i++) await Promise.resolve();
};

const ALICE = { sdkAppID: 1400000001, userID: 'alice', userSig: 'sig', roomID: 7 };

/** A room on the websocket driver whose every socket the test scripts: the test is the server. */
function hostileServer(options: Partial<WebSocketSignalingOptions> = {}) {
  const installed = installWx();
  const { signaling, sockets } = scriptedSignaling({ url: 'ws://hostile.test', reconnectBaseDelayMs: 1, reconnectMaxDelayMs: 2, ...options });
  const room = createActor(roomMachine.provide({ actors: { signaling } }), { input: {} });
  const events: RoomEmitted[] = [];
  room.on('*', (e) => events.push(e));
  room.start();
  const of = <T extends RoomEmitted['type']>(type: T) => events.filter((e): e is Extract<RoomEmitted, { type: T }> => e.type === type);
  const pusherUrl = () => room.getSnapshot().context.pusher?.getSnapshot().context.attributes.url;
  const srcOf = (id: string) => room.getSnapshot().context.streams.find((s) => s.id === id)?.ref.getSnapshot().context.attributes.src;
  const teardown = () => {
    room.stop();
    installed.uninstall();
  };
  /** Enter and get in: the join answered with `snapshot`, the auto-publish left unanswered. */
  const enter = async (snapshot: Record<string, unknown> = {}) => {
    room.send({ type: 'CREATE_PUSHER', attributes: { enableMic: true, enableCamera: true } });
    room.send({ type: 'ENTER_ROOM', params: ALICE });
    const socket = sockets.at(-1)!;
    socket.open();
    socket.reply(socket.lastOf('join')!, { sessionId: 's1', resumeToken: 'token-1', heartbeatIntervalMs: 600_000, graceMs: 30_000, users: [], streams: [], ...snapshot });
    await flush();
    return socket;
  };
  return { room, sockets, events, of, pusherUrl, srcOf, enter, teardown };
}

type Hostile = ReturnType<typeof hostileServer>;
let server: Hostile | null = null;
beforeAll(() => logger.setLevel(4));
afterEach(() => {
  server?.teardown();
  server = null;
  jest.useRealTimers();
});

/** [how the test names it, the url]: foreign schemes, schemes in disguise, control characters, non-strings. */
const EVIL_URLS: Array<[string, unknown]> = [
  'http://evil.example/live/alice',
  'https://evil.example/live/alice.flv',
  'javascript:alert(1)',
  'JAVASCRIPT://%0aalert(1)',
  'data:text/html,<script>1</script>',
  'file:///etc/passwd',
  ' rtmp://media/live/alice',
  'rtmp://media/live/alice\nx',
  '//evil.example/live',
  `rtmp://${'a'.repeat(5000)}`,
  42,
  null,
].map((url): [string, unknown] => [typeof url === 'string' && url.length > 80 ? 'a 5,000-byte rtmp url' : JSON.stringify(url), url]);

describe('item 9: urls from the server', () => {
  test.each(EVIL_URLS)('a push url %s is never given to the pusher: STREAM_FAILED with URL_REFUSED', async (_label, url) => {
    server = hostileServer();
    const socket = await server.enter();
    socket.reply(socket.lastOf('publish')!, { url, expiresAt: 0 });
    await flush();
    expect(server.pusherUrl()).toBe('');
    expect(server.of('UPDATE_URL')).toEqual([]);
    expect(server.of('STREAM_FAILED').map((e) => [e.code, e.local])).toEqual([[ErrorCode.URL_REFUSED, true]]);
    expect(server.room.getSnapshot().matches({ active: { inRoom: { publication: 'unpublished' } } })).toBe(true);
  });

  test.each(EVIL_URLS)('a play url %s is never a player src: STREAM_FAILED with URL_REFUSED', async (_label, url) => {
    server = hostileServer();
    const socket = await server.enter({ users: ['bob'], streams: [{ userID: 'bob', streamType: 'main', audio: true, video: true }] });
    server.room.send({ type: 'SUBSCRIBE', userID: 'bob' });
    socket.reply(socket.lastOf('subscribe')!, { url, expiresAt: 0 });
    await flush();
    expect(server.srcOf('bob_main')).toBe('');
    expect(server.of('UPDATE_URL')).toEqual([]);
    expect(server.of('STREAM_FAILED').map((e) => [e.userID, e.code, e.local])).toEqual([['bob', ErrorCode.URL_REFUSED, false]]);
  });

  test('url-updated notifications and a resume answer with foreign schemes change nothing', async () => {
    server = hostileServer();
    const socket = await server.enter({ users: ['bob'], streams: [{ userID: 'bob', streamType: 'main', audio: true, video: true }] });
    socket.reply(socket.lastOf('publish')!, { url: 'rtmp://media/live/alice?sign=1', expiresAt: 0 });
    server.room.send({ type: 'SUBSCRIBE', userID: 'bob' });
    socket.reply(socket.lastOf('subscribe')!, { url: 'rtmp://media/live/bob?sign=1', expiresAt: 0 });
    await flush();
    socket.notify(1, { type: 'url-updated', kind: 'subscribe', userID: 'bob', streamType: 'main', url: 'javascript:alert(1)' });
    socket.notify(2, { type: 'url-updated', kind: 'publish', userID: 'alice', streamType: 'main', url: 'http://evil.example/push' });
    await flush();
    expect(server.srcOf('bob_main')).toBe('rtmp://media/live/bob?sign=1');
    expect(server.pusherUrl()).toBe('rtmp://media/live/alice?sign=1');
    expect(server.of('STREAM_FAILED').map((e) => [e.local, e.code])).toEqual([[false, ErrorCode.URL_REFUSED], [true, ErrorCode.URL_REFUSED]]);
    // And through a resume: the new push url is refused as well.
    server.room.send({ type: 'PUBLISH' });
    socket.reply(socket.lastOf('publish')!, { url: 'rtmp://media/live/alice?sign=2', expiresAt: 0 });
    await flush();
    socket.drop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = server.sockets[1]!;
    second.open();
    second.reply(second.lastOf('resume')!, {
      sessionId: 's1', resumeToken: 'token-2', users: ['bob'], streams: [{ userID: 'bob', streamType: 'main', audio: true, video: true }],
      publishUrl: 'http://evil.example/push2', subscriptions: [], missed: [],
    });
    await flush();
    expect(server.pusherUrl()).toBe('rtmp://media/live/alice?sign=2');
    expect(server.of('UPDATE_URL').map((e) => e.url).filter((u) => u.includes('evil'))).toEqual([]);
  });

  test('another scheme is accepted only when the page names it (urlSchemes)', async () => {
    server = hostileServer({ urlSchemes: ['rtmp', 'room', 'https'] });
    const socket = await server.enter();
    socket.reply(socket.lastOf('publish')!, { url: 'https://cdn.example/live/alice.flv', expiresAt: 0 });
    await flush();
    expect(server.pusherUrl()).toBe('https://cdn.example/live/alice.flv');
    expect(server.of('STREAM_FAILED')).toEqual([]);
  });
});

describe('item 9: timers from the server', () => {
  const pingsIn = async (heartbeatIntervalMs: unknown, windowMs: number) => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
    server = hostileServer();
    const socket = await server.enter({ heartbeatIntervalMs });
    await jest.advanceTimersByTimeAsync(windowMs);
    return socket.sent.filter((r) => r.type === 'ping').length;
  };

  test('a heartbeat of 3e9 ms (past what setInterval holds) is clamped to 10 minutes, not overflowed to 1 ms', async () => {
    expect(await pingsIn(3e9, 5_000)).toBe(0);
  });

  test('a heartbeat of 1 ms is clamped to 1 s: at most one ping a second', async () => {
    expect(await pingsIn(1, 2_500)).toBe(2);
  });

  test.each([[-5], [Number.NaN], ['10'], [null]])('a heartbeat of %p falls back to the protocol default (10 s)', async (value) => {
    expect(await pingsIn(value, 25_000)).toBe(2);
  });
});

describe('item 9: sequence numbers from the server', () => {
  test('a malformed notification with seq 2^53-1 does not silence the session: a later kick is obeyed', async () => {
    server = hostileServer();
    const socket = await server.enter();
    socket.raw(JSON.stringify({ v: 1, seq: Number.MAX_SAFE_INTEGER, type: 'user-joined' }));
    socket.notify(1, { type: 'user-joined', userID: 'carol' });
    socket.notify(2, { type: 'kicked', reason: 'banned' });
    await flush();
    expect(server.of('REMOTE_USER_JOIN').map((e) => e.userID)).toEqual(['carol']);
    expect(server.of('KICKED_OUT').map((e) => e.reason)).toEqual(['banned']);
    expect(server.room.getSnapshot().value).toBe('kicked');
  });

  test('a well-formed notification with an implausible seq is dropped and does not move the count', async () => {
    server = hostileServer();
    const socket = await server.enter();
    socket.notify(Number.MAX_SAFE_INTEGER, { type: 'user-joined', userID: 'mallory' });
    socket.notify(2 ** 40, { type: 'user-joined', userID: 'mallory' });
    socket.notify(1, { type: 'user-joined', userID: 'carol' });
    await flush();
    expect(server.room.getSnapshot().context.users).toEqual(['carol']);
    // The resume after a drop asks from the real position, not from 2^53-1 (which the server would refuse).
    socket.drop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    server.sockets[1]!.open();
    expect(server.sockets[1]!.lastOf('resume')).toMatchObject({ lastSeq: 1 });
  });

  test('a kick is obeyed even with an implausible seq; nothing after it is processed', async () => {
    server = hostileServer();
    const socket = await server.enter();
    socket.notify(Number.MAX_SAFE_INTEGER, { type: 'kicked', reason: 'room-disband' });
    socket.notify(1, { type: 'user-joined', userID: 'late' });
    await flush();
    expect(server.of('KICKED_OUT').map((e) => e.reason)).toEqual(['room-disband']);
    expect(server.of('REMOTE_USER_JOIN')).toEqual([]);
  });
});

describe('item 9: the local user is never a remote one', () => {
  test('notifications and snapshots naming the local user create no remote user or player', async () => {
    server = hostileServer();
    const socket = await server.enter({ users: ['alice', 'bob'], streams: [{ userID: 'alice', streamType: 'main', audio: true, video: true }] });
    socket.notify(1, { type: 'user-joined', userID: 'alice' });
    socket.notify(2, { type: 'stream-added', userID: 'alice', streamType: 'aux', audio: false, video: true });
    socket.notify(3, { type: 'url-updated', kind: 'subscribe', userID: 'alice', streamType: 'main', url: 'rtmp://media/live/alice' });
    await flush();
    const context = server.room.getSnapshot().context;
    expect(context.users).toEqual(['bob']);
    expect(context.streams.map((s) => s.id)).toEqual([]);
    expect(server.events.some((e) => 'userID' in e && e.userID === 'alice' && e.type !== 'STREAM_FAILED')).toBe(false);
  });

  test('trtc-room: a 1031 or 1033 naming the local user creates no remote user either', () => {
    const rig = createRig();
    try {
      rig.join();
      rig.status(status.joined('alice', 'bob'), status.video('alice', true));
      expect(rig.trtc.actor.getSnapshot().context.users).toEqual(['bob']);
      expect(rig.trtc.getPlayerList()).toEqual([]);
    } finally {
      rig.dispose();
    }
  });
});

describe('item 9: the number of remote users is capped', () => {
  const CAP = 299;

  test(`600 joins and 600 streams of unknown users leave at most ${CAP} users, and one warning`, async () => {
    server = hostileServer();
    const socket = await server.enter();
    for (let i = 1; i <= 600; i++) socket.notify(i, { type: 'user-joined', userID: `u${i}` });
    for (let i = 1; i <= 600; i++) socket.notify(600 + i, { type: 'stream-added', userID: `s${i}`, streamType: 'main', audio: true, video: true });
    await flush();
    let context = server.room.getSnapshot().context;
    expect(context.users).toHaveLength(CAP);
    expect(context.streams).toHaveLength(0);
    // A user who leaves makes room for one more.
    socket.notify(1201, { type: 'user-left', userID: 'u1', reason: 'leave' });
    socket.notify(1202, { type: 'stream-added', userID: 's1', streamType: 'main', audio: true, video: true });
    await flush();
    context = server.room.getSnapshot().context;
    expect(context.users).toHaveLength(CAP);
    expect(context.streams.map((s) => s.id)).toEqual(['s1_main']);
    const warnings = server.of('PLAYER_WARNING').filter((e) => (e.detail as { code: number }).code === ErrorCode.REMOTE_USER_LIMIT);
    expect(warnings).toHaveLength(1);
  });

  test(`a join snapshot of 5,000 users is cut to ${CAP}`, async () => {
    server = hostileServer();
    const users = Array.from({ length: 5_000 }, (_, i) => `u${i}`);
    await server.enter({ users, streams: users.map((userID) => ({ userID, streamType: 'main', audio: true, video: false })) });
    const context = server.room.getSnapshot().context;
    expect(context.users).toHaveLength(CAP);
    expect(context.streams).toHaveLength(CAP);
  });

  test(`trtc-room: a 1031 of 400 users is cut to ${CAP} too`, () => {
    const rig = createRig();
    try {
      rig.join();
      rig.status(status.joined(...Array.from({ length: 400 }, (_, i) => `u${i}`)));
      expect(rig.trtc.actor.getSnapshot().context.users).toHaveLength(CAP);
      // A full list (1020) that replaces everyone at the limit admits the new users, up to the limit again.
      rig.status(status.userList(...Array.from({ length: 400 }, (_, i) => `v${i}`)));
      const users = rig.trtc.actor.getSnapshot().context.users;
      expect(users).toHaveLength(CAP);
      expect(users.every((u) => u.startsWith('v'))).toBe(true);
    } finally {
      rig.dispose();
    }
  });
});

describe('item 9: memory a server can make the SDK hold', () => {
  test('a 2 MiB frame is dropped unread; the session goes on', async () => {
    server = hostileServer();
    const socket = await server.enter();
    socket.raw(JSON.stringify({ v: 1, seq: 1, type: 'user-joined', userID: 'bloat', padding: 'x'.repeat(2 * 1024 * 1024) }));
    socket.notify(1, { type: 'user-joined', userID: 'carol' });
    await flush();
    expect(server.room.getSnapshot().context.users).toEqual(['carol']);
  });

  test('notifications flooding in before the join answer are held up to a bound, the snapshot still applies', async () => {
    server = hostileServer();
    server.room.send({ type: 'ENTER_ROOM', params: ALICE });
    const socket = server.sockets[0]!;
    socket.open();
    for (let seq = 1; seq <= 5_000; seq++) socket.notify(seq, { type: 'warning', code: ErrorCode.SUBSCRIPTION_WARNING, message: 'early' });
    socket.reply(socket.lastOf('join')!, { sessionId: 's1', resumeToken: 't', heartbeatIntervalMs: 600_000, graceMs: 30_000, users: ['bob'], streams: [] });
    await flush();
    expect(server.of('LOCAL_JOIN')).toHaveLength(1);
    expect(server.room.getSnapshot().context.users).toEqual(['bob']);
    expect(server.of('PLAYER_WARNING')).toHaveLength(1024);
  });
});

describe('item 9: a server that accepts the socket and closes it again', () => {
  test('entering fails with SIGNALING_UNAVAILABLE after connectAttempts opens, and no socket follows', async () => {
    server = hostileServer({ connectAttempts: 3 });
    server.room.send({ type: 'ENTER_ROOM', params: ALICE });
    for (let n = 0; n < 20 && server.of('ERROR').length === 0; n++) {
      const socket = server.sockets.at(-1)!;
      socket.open();
      socket.drop();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(server.of('ERROR').map((e) => e.code)).toEqual([ErrorCode.SIGNALING_UNAVAILABLE]);
    expect(server.sockets).toHaveLength(3);
    expect(server.room.getSnapshot().value).toBe('idle');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.sockets).toHaveLength(3);
    expect(server.of('LOCAL_JOIN')).toEqual([]);
  });
});

describe('item 9: malformed join answers', () => {
  const connectionStates = (h: Hostile) => h.of('CONNECTION_STATE_CHANGED').map((e) => e.state);
  const valid = { sessionId: 's1', resumeToken: 'token-1', heartbeatIntervalMs: 60_000, graceMs: 30_000, users: [], streams: [] };

  test.each([
    ['users: "abc"', { ...valid, users: 'abc' }],
    ['result: null', null],
    ['streams missing', { ...valid, streams: undefined }],
    ['a stream without flags', { ...valid, users: ['bob'], streams: [{ userID: 'bob', streamType: 'main' }] }],
    ['users of numbers', { ...valid, users: [1, 2] }],
    ['no resume token', { ...valid, resumeToken: '' }],
  ])('%s: a failed join with MALFORMED_ANSWER; the room never shows CONNECTED', async (_name, result) => {
    server = hostileServer();
    server.room.send({ type: 'ENTER_ROOM', params: ALICE });
    const socket = server.sockets[0]!;
    socket.open();
    socket.reply(socket.lastOf('join')!, result);
    await flush();
    expect(server.of('ERROR').map((e) => e.code)).toEqual([ErrorCode.MALFORMED_ANSWER]);
    expect(ErrorCode.MALFORMED_ANSWER).toBe(7031);
    expect(server.of('LOCAL_JOIN')).toEqual([]);
    expect(connectionStates(server)).not.toContain('CONNECTED');
    expect(server.room.getSnapshot().value).toBe('idle');
    expect(socket.closed).toBe(true);
  });

  test('a refusal with error: {} is a failed join with MALFORMED_ANSWER, not an undefined code', async () => {
    server = hostileServer();
    server.room.send({ type: 'ENTER_ROOM', params: ALICE });
    const socket = server.sockets[0]!;
    socket.open();
    socket.raw(JSON.stringify({ v: 1, id: socket.lastOf('join')!.id, type: 'response', ok: false, error: {} }));
    await flush();
    expect(server.of('ERROR').map((e) => e.code)).toEqual([7031]);
    expect(server.room.getSnapshot().value).toBe('idle');
  });

  test('a malformed answer to the join after a lost session leaves the room with MALFORMED_ANSWER', async () => {
    server = hostileServer();
    const socket = await server.enter();
    socket.drop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    const second = server.sockets[1]!;
    second.open();
    second.reply(second.lastOf('resume')!, { sessionId: 's1', users: 'abc' });
    await flush();
    second.reply(second.lastOf('join')!, { ...valid, users: 'abc' });
    await flush();
    expect(server.of('ERROR').map((e) => e.code)).toEqual([ErrorCode.MALFORMED_ANSWER]);
    expect(server.room.getSnapshot().matches({ active: { inRoom: { connection: 'connected' } } })).toBe(false);
  });
});
