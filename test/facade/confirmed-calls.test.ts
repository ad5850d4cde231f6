// Issue 15, item 1: every call that changes what the server tells the others (muteLocal, muteRemote, subscribe,
// unsubscribe, publish, unpublish, setUserVisibility, setBusinessId) says whether it took effect, through WeChat's
// success / fail / complete; the return value stays trtc-wx's. A refusal, a timeout or a lost answer puts the
// state back — the room context, getPusherAttributes / getPlayerList, a bound page and the inspector — and a failure
// no `fail` hears is an ERROR. Through both drivers, with a scripted server that refuses, stays silent, or answers
// requests it was never asked.

import type { InspectionEvent } from 'xstate';
import { ErrorCode } from '../../src/core/errors';
import { logger } from '../../src/core/log';
import { TRTC, type CallFailure, type CallResult } from '../../src/trtc';
import { EVENT, type TRTCEvent } from '../../src/view/events';
import { createPage } from '../../src/testing/page';
import { installWx } from '../../src/testing/wx';
import { scriptedSignaling, type ScriptedSocket } from '../helpers/scripted-socket';
import { pusherEvent, status, validParams } from '../helpers/status';

const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));

/** The page's callbacks for one call, recording what each heard. */
function callbacks() {
  const heard = { success: [] as CallResult[], fail: [] as CallFailure[], complete: [] as Array<CallResult | CallFailure> };
  return {
    heard,
    success: (r: CallResult) => void heard.success.push(r),
    fail: (r: CallFailure) => void heard.fail.push(r),
    complete: (r: CallResult | CallFailure) => void heard.complete.push(r),
  };
}

interface Ws {
  trtc: TRTC;
  page: ReturnType<typeof createPage>;
  socket: ScriptedSocket;
  sockets: ScriptedSocket[];
  events: TRTCEvent<any>[];
  errors: Array<{ code: number; message: string; data?: Record<string, unknown> }>;
  inspected: InspectionEvent[];
  dispose(): void;
}

const JOINED = { sessionId: 's1', resumeToken: 't1', heartbeatIntervalMs: 60_000, graceMs: 30_000, users: ['bob'], streams: [{ userID: 'bob', streamType: 'main', audio: true, video: true }] };

/** alice in the room through the websocket driver, publishing, with bob (camera and mic) subscribed unless `manual`. */
async function websocketRoom(options: { manual?: boolean; requestTimeoutMs?: number } = {}): Promise<Ws> {
  const { uninstall } = installWx();
  const { signaling, sockets } = scriptedSignaling({ requestTimeoutMs: options.requestTimeoutMs ?? 5_000, reconnectBaseDelayMs: 1, reconnectMaxDelayMs: 1 });
  const page = createPage({});
  const inspected: InspectionEvent[] = [];
  const trtc = new TRTC(page, { env: 'test', signaling, pull: options.manual ? 'manual' : 'auto', inspect: (e) => void inspected.push(e) });
  const events: TRTCEvent<any>[] = [];
  for (const code of Object.values(EVENT)) trtc.on(code, (e) => events.push(e));
  trtc.createPusher({ enableMic: true, enableCamera: true });
  trtc.enterRoom({ ...validParams });
  const socket = sockets[0]!;
  socket.open();
  socket.reply(socket.lastOf('join')!, JOINED);
  await tick();
  socket.reply(socket.lastOf('publish')!, { url: 'rtmp://media/live/alice?sign=1', expiresAt: 0 });
  if (!options.manual) socket.reply(socket.lastOf('subscribe')!, { url: 'rtmp://media/live/bob?sign=1', expiresAt: 0 });
  await tick();
  return {
    trtc,
    page,
    socket,
    sockets,
    events,
    inspected,
    get errors() {
      return events.filter((e) => e.eventCode === 'ERROR').map((e) => e.data);
    },
    dispose: () => {
      trtc.destroy();
      uninstall();
    },
  } as Ws;
}

let open: Ws | null = null;
afterEach(() => {
  open?.dispose();
  open = null;
});
async function ws(options?: Parameters<typeof websocketRoom>[0]): Promise<Ws> {
  open = await websocketRoom(options);
  return open;
}

const bob = (d: Ws) => d.trtc.getPlayerList().find((p) => p.id === 'bob_main')!;
const room = (d: Ws) => d.trtc.actor.getSnapshot();

describe('websocket driver: the server confirms', () => {
  test('muteLocal returns the change at once and succeeds with the confirmed pusher once the server answers', async () => {
    const d = await ws();
    const cb = callbacks();
    const returned = d.trtc.muteLocal({ audio: true, ...cb });
    expect(returned.enableMic).toBe(false);
    const mute = d.socket.lastOf('mute')!;
    expect(mute).toMatchObject({ audio: true, video: false });
    await tick();
    // Nothing is said before the server answers.
    expect(cb.heard.complete).toEqual([]);
    d.socket.reply(mute, { audio: false, video: true });
    await tick();
    expect(cb.heard.success).toEqual([{ errMsg: 'muteLocal:ok', pusher: expect.objectContaining({ enableMic: false }) }]);
    expect(cb.heard.fail).toEqual([]);
    expect(cb.heard.complete).toHaveLength(1);
    expect(room(d).context.calls).toEqual([]);
  });

  test('subscribe, unsubscribe and muteRemote succeed with the playerList when the server answers', async () => {
    const d = await ws({ manual: true });
    const sub = callbacks();
    expect(d.trtc.subscribe('bob', { ...sub }).find((p) => p.id === 'bob_main')).toMatchObject({ muteAudio: false, muteVideo: false });
    d.socket.reply(d.socket.lastOf('subscribe')!, { url: 'rtmp://media/live/bob?sign=2', expiresAt: 0 });
    await tick();
    expect(sub.heard.success).toEqual([{ errMsg: 'subscribe:ok', playerList: [expect.objectContaining({ id: 'bob_main', src: 'rtmp://media/live/bob?sign=2', muteVideo: false })] }]);

    const mute = callbacks();
    d.trtc.muteRemote('bob', { video: true, ...mute });
    expect(d.socket.lastOf('subscribe')).toMatchObject({ audio: true, video: false });
    d.socket.reply(d.socket.lastOf('subscribe')!, { url: 'rtmp://media/live/bob?sign=2', expiresAt: 0 });
    await tick();
    expect(mute.heard.success).toHaveLength(1);

    const unsub = callbacks();
    d.trtc.unsubscribe('bob', { ...unsub });
    d.socket.reply(d.socket.lastOf('unsubscribe')!, {});
    await tick();
    expect(unsub.heard.success).toEqual([{ errMsg: 'unsubscribe:ok', playerList: [expect.objectContaining({ muteAudio: true, muteVideo: true })] }]);
    expect(room(d).context.calls).toEqual([]);
  });

  test('unpublish and publish succeed when the server answers; what is already so succeeds at once', async () => {
    const d = await ws();
    const again = callbacks();
    d.trtc.publish({ ...again });
    await tick();
    expect(again.heard.success).toEqual([{ errMsg: 'publish:ok' }]);

    const unpub = callbacks();
    d.trtc.unpublish({ ...unpub });
    d.socket.reply(d.socket.lastOf('unpublish')!, {});
    await tick();
    expect(unpub.heard.success).toEqual([{ errMsg: 'unpublish:ok' }]);

    const pub = callbacks();
    d.trtc.publish({ ...pub });
    await tick();
    expect(pub.heard.complete).toEqual([]);
    d.socket.reply(d.socket.lastOf('publish')!, { url: 'rtmp://media/live/alice?sign=2', expiresAt: 0 });
    await tick();
    expect(pub.heard.success).toEqual([{ errMsg: 'publish:ok' }]);
  });

  test('setUserVisibility succeeds when the server agrees', async () => {
    const d = await ws();
    const cb = callbacks();
    d.trtc.setUserVisibility(false, { ...cb });
    expect(room(d).context.visible).toBe(false);
    d.socket.reply(d.socket.lastOf('set-visibility')!, { visible: false });
    await tick();
    expect(cb.heard.success).toEqual([{ errMsg: 'setUserVisibility:ok' }]);
    expect(room(d).matches({ active: { inRoom: { visibility: 'invisible' } } })).toBe(true);
  });
});

describe('websocket driver: a refusal puts the state back', () => {
  test('muteLocal refused: fail with the code and the pusher as it was; the page, its binding and the inspector show it', async () => {
    const d = await ws();
    d.trtc.bindPage();
    const cb = callbacks();
    d.trtc.muteLocal({ audio: true, ...cb });
    await tick();
    expect((d.page.data as any).pusher.enableMic).toBe(false);
    d.socket.refuse(d.socket.lastOf('mute')!, ErrorCode.REQUEST_OUT_OF_STATE, 'not a member');
    await tick();
    expect(cb.heard.fail).toEqual([{ errMsg: 'muteLocal:fail not a member', errCode: ErrorCode.REQUEST_OUT_OF_STATE, pusher: expect.objectContaining({ enableMic: true }) }]);
    expect(cb.heard.success).toEqual([]);
    expect(d.trtc.getPusherAttributes().enableMic).toBe(true);
    expect((d.page.data as any).pusher.enableMic).toBe(true);
    // The inspector's last view of the pusher has the microphone on again.
    const pusherSnapshots = d.inspected.filter((e) => e.type === '@xstate.snapshot' && (e.actorRef as { id?: string }).id === 'pusher');
    expect((pusherSnapshots.at(-1) as any).snapshot.context.attributes.enableMic).toBe(true);
    // The page's fail heard it: no ERROR as well.
    expect(d.errors).toEqual([]);
  });

  test('a refusal nobody listens for is an ERROR with the code and the call; a page without an ERROR listener sees a warning', async () => {
    const d = await ws();
    d.trtc.muteLocal({ video: true });
    d.socket.refuse(d.socket.lastOf('mute')!, ErrorCode.RATE_LIMITED, 'slow down');
    await tick();
    expect(d.errors).toEqual([{ code: ErrorCode.RATE_LIMITED, message: 'slow down', data: { call: 'muteLocal' } }]);
    expect(d.trtc.getPusherAttributes().enableCamera).toBe(true);

    const lines: string[] = [];
    logger.setSink((level, args) => void (level === 'warn' && lines.push(args.map(String).join(' '))));
    try {
      d.trtc.off(EVENT.ERROR);
      logger.setLevel(2);
      d.trtc.muteLocal({ video: true });
      d.socket.refuse(d.socket.lastOf('mute')!, ErrorCode.RATE_LIMITED, 'slow down');
      await tick();
      expect(lines.some((line) => line.includes(String(ErrorCode.RATE_LIMITED)) && line.includes('no ERROR listener'))).toBe(true);
    } finally {
      logger.setSink(null);
      logger.setLevel(4);
    }
  });

  test("setPusherAttributes' enableMic is the same local publish state: refused, it is put back and said as an ERROR", async () => {
    const d = await ws();
    expect(d.trtc.setPusherAttributes({ enableMic: false, beautyLevel: 5 }).enableMic).toBe(false);
    d.socket.refuse(d.socket.lastOf('mute')!, ErrorCode.REQUEST_OUT_OF_STATE, 'no');
    await tick();
    expect(d.trtc.getPusherAttributes()).toMatchObject({ enableMic: true, beautyLevel: 5 });
    expect(d.errors).toEqual([{ code: ErrorCode.REQUEST_OUT_OF_STATE, message: 'no', data: { call: 'setPusherAttributes' } }]);
  });

  test('subscribe refused (8023): fail, the player is muted again, STREAM_FAILED says it is not retried', async () => {
    const d = await ws({ manual: true });
    const cb = callbacks();
    d.trtc.subscribe('bob', { ...cb });
    d.socket.refuse(d.socket.lastOf('subscribe')!, ErrorCode.SUBSCRIPTION_LIMIT, 'eight already');
    await tick();
    expect(cb.heard.fail).toEqual([{ errMsg: 'subscribe:fail eight already', errCode: ErrorCode.SUBSCRIPTION_LIMIT, playerList: [expect.objectContaining({ id: 'bob_main', muteAudio: true, muteVideo: true })] }]);
    expect(bob(d)).toMatchObject({ muteAudio: true, muteVideo: true });
    expect(room(d).context.streams[0]!.subscribed).toBeNull();
    expect(d.events.filter((e) => e.eventCode === 'STREAM_FAILED').map((e) => e.data)).toEqual([
      expect.objectContaining({ userID: 'bob', code: ErrorCode.SUBSCRIPTION_LIMIT, willRetry: false, local: false }),
    ]);
    // Nothing asks again by itself.
    const asked = d.socket.sent.filter((r) => r.type === 'subscribe').length;
    await tick(30);
    expect(d.socket.sent.filter((r) => r.type === 'subscribe').length).toBe(asked);
  });

  test('muteRemote refused: the player and its subscription are as before', async () => {
    const d = await ws();
    const cb = callbacks();
    expect(d.trtc.muteRemote('bob', { video: true, ...cb }).find((p) => p.id === 'bob_main')!.muteVideo).toBe(true);
    d.socket.refuse(d.socket.lastOf('subscribe')!, ErrorCode.INTERNAL, 'boom');
    await tick();
    expect(cb.heard.fail[0]).toMatchObject({ errCode: ErrorCode.INTERNAL });
    expect(bob(d)).toMatchObject({ muteAudio: false, muteVideo: false, src: 'rtmp://media/live/bob?sign=1' });
    expect(room(d).context.streams[0]!.subscribed).toEqual({ audio: true, video: true });
  });

  test('unsubscribe refused: still subscribed, with the same url, and nothing is asked again', async () => {
    const d = await ws();
    const cb = callbacks();
    d.trtc.unsubscribe('bob', { ...cb });
    const subscribes = d.socket.sent.filter((r) => r.type === 'subscribe').length;
    d.socket.refuse(d.socket.lastOf('unsubscribe')!, ErrorCode.INTERNAL, 'boom');
    await tick();
    expect(cb.heard.fail[0]).toMatchObject({ errCode: ErrorCode.INTERNAL, playerList: [expect.objectContaining({ muteAudio: false, muteVideo: false })] });
    expect(room(d).context.streams[0]!.subscribed).toEqual({ audio: true, video: true });
    expect(d.socket.sent.filter((r) => r.type === 'subscribe').length).toBe(subscribes);
  });

  test('unpublish refused: the stream is published again', async () => {
    const d = await ws();
    const cb = callbacks();
    d.trtc.unpublish({ ...cb });
    expect(room(d).matches({ active: { inRoom: { publication: 'unpublished' } } })).toBe(true);
    d.socket.refuse(d.socket.lastOf('unpublish')!, ErrorCode.INTERNAL, 'boom');
    await tick();
    expect(cb.heard.fail[0]).toMatchObject({ errCode: ErrorCode.INTERNAL });
    expect(room(d).matches({ active: { inRoom: { publication: 'published' } } })).toBe(true);
  });

  test('publish refused: fail with the server code (and STREAM_FAILED as before)', async () => {
    const d = await ws();
    d.trtc.unpublish();
    d.socket.reply(d.socket.lastOf('unpublish')!, {});
    await tick();
    const cb = callbacks();
    d.trtc.publish({ ...cb });
    d.socket.refuse(d.socket.lastOf('publish')!, ErrorCode.PUBLISH_NOT_ALLOWED, 'audience');
    await tick();
    expect(cb.heard.fail).toEqual([{ errMsg: 'publish:fail audience', errCode: ErrorCode.PUBLISH_NOT_ALLOWED }]);
    expect(room(d).matches({ active: { inRoom: { publication: 'unpublished' } } })).toBe(true);
  });

  test('setUserVisibility refused (8021): fail, visible again', async () => {
    const d = await ws();
    const cb = callbacks();
    d.trtc.setUserVisibility(false, { ...cb });
    d.socket.refuse(d.socket.lastOf('set-visibility')!, ErrorCode.SILENT_USER_LIMIT, 'full');
    await tick();
    expect(cb.heard.fail).toEqual([{ errMsg: 'setUserVisibility:fail full', errCode: ErrorCode.SILENT_USER_LIMIT }]);
    expect(room(d).context.visible).toBe(true);
    expect(room(d).matches({ active: { inRoom: { visibility: 'visible' } } })).toBe(true);
    expect(d.errors).toEqual([]);
  });

  test('calls in flight on one field: a refused one hands back what it replaced, only the last one shows', async () => {
    const d = await ws();
    d.trtc.muteLocal({ audio: true });
    const first = d.socket.lastOf('mute')!;
    d.trtc.muteLocal({ audio: true, video: true });
    const second = d.socket.lastOf('mute')!;
    // The first is refused while the second (which also disabled the mic) waits: the mic stays off for now.
    d.socket.refuse(first, ErrorCode.RATE_LIMITED, 'slow');
    await tick();
    expect(d.trtc.getPusherAttributes()).toMatchObject({ enableMic: false, enableCamera: false });
    // The second is refused too: back to where both started.
    d.socket.refuse(second, ErrorCode.RATE_LIMITED, 'slow');
    await tick();
    expect(d.trtc.getPusherAttributes()).toMatchObject({ enableMic: true, enableCamera: true });
    expect(d.errors.map((e) => e.code)).toEqual([ErrorCode.RATE_LIMITED, ErrorCode.RATE_LIMITED]);
  });

  test('a confirmed later call is not undone by an earlier refusal', async () => {
    const d = await ws();
    d.trtc.muteLocal({ audio: true });
    const first = d.socket.lastOf('mute')!;
    d.trtc.muteLocal({ audio: false, video: true });
    const second = d.socket.lastOf('mute')!;
    d.socket.reply(second, { audio: true, video: false });
    d.socket.refuse(first, ErrorCode.RATE_LIMITED, 'slow');
    await tick();
    expect(d.trtc.getPusherAttributes()).toMatchObject({ enableMic: true, enableCamera: false });
  });
});

describe('websocket driver: a server that does not answer, or answers what it was not asked', () => {
  test('no answer: fail with SIGNALING_TIMEOUT, rolled back, and the state shown is said to the server again', async () => {
    const d = await ws({ requestTimeoutMs: 40 });
    const cb = callbacks();
    d.trtc.muteLocal({ audio: true, ...cb });
    await tick(120);
    expect(cb.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.SIGNALING_TIMEOUT, pusher: expect.objectContaining({ enableMic: true }) })]);
    expect(d.trtc.getPusherAttributes().enableMic).toBe(true);
    expect(d.socket.lastOf('mute')).toMatchObject({ audio: false, video: false });
  });

  test('an answer for a request id never sent settles nothing; the call still times out', async () => {
    const d = await ws({ requestTimeoutMs: 60 });
    const cb = callbacks();
    d.trtc.muteLocal({ audio: true, ...cb });
    const mute = d.socket.lastOf('mute')!;
    d.socket.reply({ ...mute, id: mute.id + 1000 }, { audio: false, video: true });
    d.socket.refuse({ ...mute, id: mute.id + 1001 }, ErrorCode.INTERNAL, 'stray');
    await tick();
    expect(cb.heard.complete).toEqual([]);
    expect(d.trtc.getPusherAttributes().enableMic).toBe(false);
    await tick(150);
    expect(cb.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.SIGNALING_TIMEOUT })]);
  });

  test('an answer after the timeout changes nothing', async () => {
    const d = await ws({ requestTimeoutMs: 40 });
    const cb = callbacks();
    d.trtc.setUserVisibility(false, { ...cb });
    const request = d.socket.lastOf('set-visibility')!;
    await tick(120);
    expect(cb.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.SIGNALING_TIMEOUT })]);
    d.socket.reply(request, { visible: false });
    await tick();
    expect(cb.heard.complete).toHaveLength(1);
    expect(room(d).context.visible).toBe(true);
  });

  test('a call whose answer went with the socket is sent again once the session resumes, and answered then', async () => {
    const d = await ws();
    const cb = callbacks();
    d.trtc.muteLocal({ audio: true, ...cb });
    d.socket.drop();
    await tick(20);
    expect(cb.heard.complete).toEqual([]);
    const back = d.sockets[1]!;
    back.open();
    back.reply(back.lastOf('resume')!, {
      sessionId: 's1',
      resumeToken: 't2',
      publishUrl: 'rtmp://media/live/alice?sign=1',
      subscriptions: [{ userID: 'bob', streamType: 'main', url: 'rtmp://media/live/bob?sign=1' }],
      missed: [],
      users: ['bob'],
      streams: JOINED.streams,
    });
    await tick();
    const again = back.lastOf('mute')!;
    expect(again).toMatchObject({ audio: true, video: false });
    back.reply(again, { audio: false, video: true });
    await tick();
    expect(cb.heard.success).toEqual([expect.objectContaining({ errMsg: 'muteLocal:ok' })]);
    expect(d.trtc.getPusherAttributes().enableMic).toBe(false);
  });

  test('a call made while the session is down waits for it and is answered once it is back', async () => {
    const d = await ws();
    d.socket.drop();
    const cb = callbacks();
    d.trtc.unsubscribe('bob', { ...cb });
    await tick(20);
    const back = d.sockets[1]!;
    back.open();
    expect(back.lastOf('unsubscribe')).toBeUndefined();
    back.refuse(back.lastOf('resume')!, ErrorCode.RESUME_REJECTED, 'gone');
    await tick();
    // Joined again as a new session: the call goes out after it, and is answered.
    back.reply(back.lastOf('join')!, JOINED);
    await tick();
    back.refuse(back.lastOf('unsubscribe')!, ErrorCode.STREAM_NOT_FOUND, 'no such stream');
    await tick();
    expect(cb.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.STREAM_NOT_FOUND })]);
    expect(bob(d)).toMatchObject({ muteAudio: false, muteVideo: false });
  });

  test('the room left before the answer: fail, and no ERROR', async () => {
    const d = await ws();
    const cb = callbacks();
    d.trtc.muteLocal({ audio: true, ...cb });
    d.trtc.exitRoom();
    d.socket.reply(d.socket.lastOf('leave')!, {});
    await tick();
    expect(cb.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.WRONG_STATE })]);
    expect(d.errors).toEqual([]);
  });
});

describe('trtc-room driver: what the tags carry is confirmed at once; visibility is refused', () => {
  interface Tr {
    trtc: TRTC;
    events: TRTCEvent<any>[];
    errors: Array<{ code: number; message: string; data?: Record<string, unknown> }>;
  }
  let uninstall: (() => void) | null = null;
  let current: TRTC | null = null;
  afterEach(() => {
    current?.destroy();
    uninstall?.();
    current = null;
    uninstall = null;
  });

  /** alice in a Tencent room (1018), pushing (1002), with bob's camera announced (1031, 1033). */
  function trtcRoom(): Tr {
    uninstall = installWx().uninstall;
    const trtc = new TRTC(createPage({}), { env: 'test' });
    current = trtc;
    const events: TRTCEvent<any>[] = [];
    for (const code of Object.values(EVENT)) trtc.on(code, (e) => events.push(e));
    trtc.createPusher({ enableMic: true, enableCamera: true });
    trtc.enterRoom({ ...validParams });
    trtc.getPusherInstance()!.start();
    for (const s of [status.entered(), status.pushBegin(), status.joined('bob'), status.video('bob', true)]) trtc.pusherEventHandler(pusherEvent(s));
    return {
      trtc,
      events,
      get errors() {
        return events.filter((e) => e.eventCode === 'ERROR').map((e) => e.data);
      },
    } as Tr;
  }

  test('muteLocal, muteRemote, subscribe and unsubscribe succeed once the attributes are set, never inside the call', async () => {
    const d = trtcRoom();
    const heard: string[] = [];
    const cb = (name: string) => ({ success: (r: CallResult) => void heard.push(`${name} ${r.errMsg}`), fail: (r: CallFailure) => void heard.push(`${name} fail ${r.errCode}`) });
    expect(d.trtc.muteLocal({ audio: true, ...cb('a') }).enableMic).toBe(false);
    d.trtc.muteRemote('bob', { video: true, ...cb('b') });
    d.trtc.unsubscribe('bob', { ...cb('c') });
    d.trtc.subscribe('bob', { video: true, audio: false, ...cb('d') });
    expect(heard).toEqual([]);
    await tick();
    expect(heard).toEqual(['a muteLocal:ok', 'b muteRemote:ok', 'c unsubscribe:ok', 'd subscribe:ok']);
    expect(d.trtc.getPlayerList()[0]).toMatchObject({ muteAudio: true, muteVideo: false });
    expect(d.trtc.actor.getSnapshot().context.calls).toEqual([]);
  });

  test('publish succeeds (the room url publishes); unpublish fails with 7013 and the stream stays published', async () => {
    const d = trtcRoom();
    const heard: string[] = [];
    d.trtc.publish({ success: (r) => void heard.push(r.errMsg) });
    d.trtc.unpublish({ fail: (r) => void heard.push(`${r.errCode}`) });
    await tick();
    expect(heard).toEqual(['publish:ok', `${ErrorCode.NOT_SUPPORTED_BY_DRIVER}`]);
    expect(d.trtc.actor.getSnapshot().matches({ active: { inRoom: { publication: 'published' } } })).toBe(true);
    expect(d.errors).toEqual([]);
  });

  test('setUserVisibility in a room: fail with 7013 and still visible; without a fail callback an ERROR 7013 as before', async () => {
    const d = trtcRoom();
    const cb = callbacks();
    d.trtc.setUserVisibility(false, { ...cb });
    await tick();
    expect(cb.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.NOT_SUPPORTED_BY_DRIVER })]);
    expect(d.trtc.actor.getSnapshot().context.visible).toBe(true);
    expect(d.errors).toEqual([]);
    d.trtc.setUserVisibility(false);
    await tick();
    expect(d.errors).toEqual([expect.objectContaining({ code: ErrorCode.NOT_SUPPORTED_BY_DRIVER, data: { call: 'setUserVisibility' } })]);
    expect(d.trtc.actor.getSnapshot().context.visible).toBe(true);
  });

  test('an unknown user: fail with 7011 when the page gave one, ERROR 7011 otherwise', async () => {
    const d = trtcRoom();
    const cb = callbacks();
    d.trtc.muteRemote('ghost', { audio: true, ...cb });
    await tick();
    expect(cb.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.UNKNOWN_PLAYER })]);
    expect(d.errors).toEqual([]);
    d.trtc.subscribe('ghost');
    await tick();
    expect(d.errors.map((e) => e.code)).toEqual([ErrorCode.UNKNOWN_PLAYER]);
  });
});

describe('before and outside a room (either driver)', () => {
  let uninstall: (() => void) | null = null;
  let current: TRTC | null = null;
  afterEach(() => {
    current?.destroy();
    uninstall?.();
  });
  function fresh(): TRTC {
    uninstall = installWx().uninstall;
    current = new TRTC(createPage({}), { env: 'test' });
    return current;
  }

  test('setBusinessId: success when kept, fail 7012 for a malformed id, fail 7020 once in a room', async () => {
    const trtc = fresh();
    const ok = callbacks();
    const bad = callbacks();
    trtc.setBusinessId('biz-1', { ...ok });
    trtc.setBusinessId('not valid!', { ...bad });
    await tick();
    expect(ok.heard.success).toEqual([{ errMsg: 'setBusinessId:ok' }]);
    expect(bad.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.INVALID_ARGUMENT })]);
    trtc.createPusher({});
    trtc.enterRoom({ ...validParams });
    const late = callbacks();
    trtc.setBusinessId('biz-2', { ...late });
    await tick();
    expect(late.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.WRONG_STATE })]);
    expect(trtc.actor.getSnapshot().context.businessId).toBe('biz-1');
  });

  test('muteLocal and setUserVisibility before enterRoom are kept for it: success', async () => {
    const trtc = fresh();
    const heard: string[] = [];
    trtc.createPusher({ enableMic: true });
    trtc.muteLocal({ audio: true, success: (r) => void heard.push(r.errMsg) });
    trtc.setUserVisibility(false, { success: (r) => void heard.push(r.errMsg) });
    await tick();
    expect(heard).toEqual(['muteLocal:ok', 'setUserVisibility:ok']);
    expect(trtc.getPusherAttributes().enableMic).toBe(false);
  });

  test('publish and unpublish outside a room: fail 7020, or ERROR 7020 without a fail', async () => {
    const trtc = fresh();
    const errors: number[] = [];
    trtc.on(EVENT.ERROR, (e) => void errors.push((e.data as { code: number }).code));
    const cb = callbacks();
    trtc.publish({ ...cb });
    trtc.unpublish();
    await tick();
    expect(cb.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.WRONG_STATE })]);
    expect(errors).toEqual([ErrorCode.WRONG_STATE]);
  });

  test('a throwing callback is logged, never thrown into the room', async () => {
    const trtc = fresh();
    const lines: string[] = [];
    logger.setSink((level, args) => void (level === 'error' && lines.push(args.map(String).join(' '))));
    try {
      logger.setLevel(3);
      trtc.setBusinessId('biz-1', {
        success: () => {
          throw new Error('page bug');
        },
      });
      await tick();
      expect(lines.some((l) => l.includes('setBusinessId callback failed'))).toBe(true);
    } finally {
      logger.setSink(null);
      logger.setLevel(4);
    }
  });

  test('destroy answers the calls still waiting', async () => {
    uninstall = installWx().uninstall;
    const { signaling, sockets } = scriptedSignaling();
    const trtc = new TRTC(createPage({}), { env: 'test', signaling });
    trtc.createPusher({});
    trtc.enterRoom({ ...validParams });
    sockets[0]!.open();
    sockets[0]!.reply(sockets[0]!.lastOf('join')!, { ...JOINED, users: [], streams: [] });
    await tick();
    const cb = callbacks();
    trtc.muteLocal({ audio: true, ...cb });
    trtc.destroy();
    current = null;
    await tick();
    expect(cb.heard.fail).toEqual([expect.objectContaining({ errCode: ErrorCode.WRONG_STATE })]);
  });
});

describe('websocket driver: a flood of calls while the session is down stays bounded', () => {
  test('beyond 64 held calls each is refused at once with SIGNALING_UNAVAILABLE; the held ones go out once back', async () => {
    const d = await ws();
    d.socket.drop();
    const failed: number[] = [];
    for (let i = 0; i < 70; i++) d.trtc.muteLocal({ audio: i % 2 === 0, fail: (r) => void failed.push(r.errCode) });
    await tick(20);
    expect(failed).toEqual(Array.from({ length: 6 }, () => ErrorCode.SIGNALING_UNAVAILABLE));
    const back = d.sockets[1]!;
    back.open();
    back.reply(back.lastOf('resume')!, { sessionId: 's1', resumeToken: 't2', publishUrl: 'rtmp://media/live/alice?sign=1', subscriptions: [{ userID: 'bob', streamType: 'main', url: 'rtmp://media/live/bob?sign=1' }], missed: [], users: ['bob'], streams: JOINED.streams });
    await tick();
    expect(back.sent.filter((r) => r.type === 'mute')).toHaveLength(64);
  });
});

describe('websocket driver: a publish whose answer went with the socket', () => {
  test('is asked again after the resume, and publish() is answered then', async () => {
    const d = await ws();
    d.trtc.unpublish();
    d.socket.reply(d.socket.lastOf('unpublish')!, {});
    await tick();
    const cb = callbacks();
    d.trtc.publish({ ...cb });
    expect(d.socket.lastOf('publish')).toBeDefined();
    d.socket.drop();
    await tick(20);
    const back = d.sockets[1]!;
    back.open();
    back.reply(back.lastOf('resume')!, { sessionId: 's1', resumeToken: 't2', publishUrl: null, subscriptions: [{ userID: 'bob', streamType: 'main', url: 'rtmp://media/live/bob?sign=1' }], missed: [], users: ['bob'], streams: JOINED.streams });
    await tick();
    back.reply(back.lastOf('publish')!, { url: 'rtmp://media/live/alice?sign=3', expiresAt: 0 });
    await tick();
    expect(cb.heard.success).toEqual([{ errMsg: 'publish:ok' }]);
    expect(d.trtc.getPusherAttributes().url).toBe('rtmp://media/live/alice?sign=3');
  });
});
