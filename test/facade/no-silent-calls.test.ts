// Issue 15, item 6: a public call that cannot act is answered, never dropped. With a `fail` callback the page
// hears `{ errMsg, errCode }` there (WeChat's shape plus our code); without one an ERROR event carries the code.
// trtc-wx's return values stay as they were (playerList, pusherAttributes). Run through both drivers.

import { ErrorCode } from '../../src/core/errors';
import { TRTC } from '../../src/trtc';
import { EVENT, type TRTCEvent } from '../../src/view/events';
import { createPage } from '../../src/testing/page';
import { installWx, type HeadlessWx } from '../../src/testing/wx';
import { scriptedSignaling } from '../helpers/scripted-socket';
import { pusherEvent, status, validParams } from '../helpers/status';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

interface Driven {
  wx: HeadlessWx;
  trtc: TRTC;
  errors: Array<{ code: number; message: string; data?: Record<string, unknown> }>;
  events: TRTCEvent<any>[];
  /** createPusher + enterRoom + whatever the driver needs until the page is in the room with a push url. */
  join(): Promise<void>;
  /** The <live-pusher> says the push has begun (1002). */
  pushBegin(): void;
  /** A remote user 'bob' with a camera. */
  addBob(): Promise<void>;
  dispose(): void;
}

function trtcRoomDriven(): Driven {
  const { wx, uninstall } = installWx();
  const trtc = new TRTC(createPage({}), { env: 'test' });
  const events: TRTCEvent<any>[] = [];
  for (const code of Object.values(EVENT)) trtc.on(code, (e) => events.push(e));
  const status1 = (s: { code: number; message: string }) => trtc.pusherEventHandler(pusherEvent(s));
  return {
    wx,
    trtc,
    events,
    get errors() {
      return events.filter((e) => e.eventCode === 'ERROR').map((e) => e.data);
    },
    join: async () => {
      trtc.createPusher({});
      trtc.enterRoom({ ...validParams });
      trtc.getPusherInstance()!.start();
      status1(status.entered());
    },
    pushBegin: () => status1(status.pushBegin()),
    addBob: async () => {
      status1(status.joined('bob'));
      status1(status.video('bob', true));
    },
    dispose: () => {
      trtc.destroy();
      uninstall();
    },
  };
}

function websocketDriven(): Driven {
  const { wx, uninstall } = installWx();
  const { signaling, sockets } = scriptedSignaling();
  const trtc = new TRTC(createPage({}), { env: 'test', signaling });
  const events: TRTCEvent<any>[] = [];
  for (const code of Object.values(EVENT)) trtc.on(code, (e) => events.push(e));
  return {
    wx,
    trtc,
    events,
    get errors() {
      return events.filter((e) => e.eventCode === 'ERROR').map((e) => e.data);
    },
    join: async () => {
      trtc.createPusher({});
      trtc.enterRoom({ ...validParams });
      const socket = sockets[0]!;
      socket.open();
      socket.reply(socket.lastOf('join')!, { sessionId: 's1', resumeToken: 't1', heartbeatIntervalMs: 60_000, graceMs: 30_000, users: [], streams: [] });
      await tick();
      socket.reply(socket.lastOf('publish')!, { url: 'rtmp://media/live/alice?sign=1', expiresAt: 0 });
      await tick();
      trtc.getPusherInstance()!.start();
    },
    pushBegin: () => trtc.pusherEventHandler(pusherEvent(status.pushBegin())),
    addBob: async () => {
      const socket = sockets[0]!;
      socket.notify(1, { type: 'user-joined', userID: 'bob' });
      socket.notify(2, { type: 'stream-added', userID: 'bob', streamType: 'main', audio: true, video: true });
      await tick();
    },
    dispose: () => {
      trtc.destroy();
      uninstall();
    },
  };
}

const drivers: Array<[string, () => Driven]> = [
  ['trtc-room', trtcRoomDriven],
  ['websocket', websocketDriven],
];

let d: Driven | null = null;
afterEach(() => {
  d?.dispose();
  d = null;
});

const warnings = (driven: Driven) => driven.events.filter((e) => e.eventCode === 'PLAYER_WARNING').map((e) => e.data as { code: number; message: string; id: string });
const contextCalls = (driven: Driven, method: string) => driven.wx.callsOf('pusher', method);

describe('websocket driver: a start() that waits for its url is answered', () => {
  function enteredNoUrl() {
    const { uninstall } = installWx();
    const { signaling, sockets } = scriptedSignaling();
    const trtc = new TRTC(createPage({}), { env: 'test', signaling });
    trtc.createPusher({});
    trtc.enterRoom({ ...validParams });
    const socket = sockets[0]!;
    socket.open();
    socket.reply(socket.lastOf('join')!, { sessionId: 's1', resumeToken: 't1', heartbeatIntervalMs: 60_000, graceMs: 30_000, users: [], streams: [] });
    return { trtc, socket, dispose: () => (trtc.destroy(), uninstall()) };
  }

  test('success once the url arrives (the pusher starts by itself)', async () => {
    const { trtc, socket, dispose } = enteredNoUrl();
    try {
      await tick();
      const success = jest.fn();
      trtc.getPusherInstance()!.start({ success });
      expect(success).not.toHaveBeenCalled();
      socket.reply(socket.lastOf('publish')!, { url: 'rtmp://media/live/alice?sign=1', expiresAt: 0 });
      await tick();
      expect(success).toHaveBeenCalledWith({ errMsg: 'start:ok' });
      expect(trtc.getPusherAttributes().autopush).toBe(true);
    } finally {
      dispose();
    }
  });

  test('fail when exitRoom comes before the url', async () => {
    const { trtc, dispose } = enteredNoUrl();
    try {
      await tick();
      const fail = jest.fn();
      trtc.getPusherInstance()!.start({ fail });
      trtc.exitRoom();
      await tick();
      expect(fail).toHaveBeenCalledWith({ errMsg: expect.stringMatching(/^start:fail /), errCode: ErrorCode.WRONG_STATE });
    } finally {
      dispose();
    }
  });
});

describe.each(drivers)('no silent calls (%s driver)', (_name, make) => {
  test('pause() before 1002 calls the fail callback with { errMsg, errCode: WRONG_STATE } and pauses nothing', async () => {
    d = make();
    await d.join();
    const fail = jest.fn();
    const complete = jest.fn();
    d.trtc.getPusherInstance()!.pause({ fail, complete });
    expect(fail).toHaveBeenCalledTimes(1);
    expect(fail.mock.calls[0][0]).toEqual({ errMsg: expect.stringMatching(/^pause:fail /), errCode: ErrorCode.WRONG_STATE });
    expect(complete).toHaveBeenCalledTimes(1);
    expect(contextCalls(d, 'pause')).toEqual([]);
    // The page heard it where it asked; no ERROR on top.
    expect(d.errors).toEqual([]);
  });

  test('pause() before 1002 without a fail callback is an ERROR WRONG_STATE; after 1002 it pauses', async () => {
    d = make();
    await d.join();
    const pusher = d.trtc.getPusherInstance()!;
    pusher.pause();
    expect(d.errors).toEqual([{ code: ErrorCode.WRONG_STATE, message: expect.stringMatching(/^pause:fail /) }]);
    d.pushBegin();
    pusher.pause();
    expect(contextCalls(d, 'pause')).toHaveLength(1);
    expect(d.errors).toHaveLength(1);
  });

  test('resume() of a push that is not paused is answered too', async () => {
    d = make();
    await d.join();
    d.pushBegin();
    const fail = jest.fn();
    d.trtc.getPusherInstance()!.resume({ fail });
    expect(fail).toHaveBeenCalledWith({ errMsg: expect.stringMatching(/^resume:fail /), errCode: ErrorCode.WRONG_STATE });
    expect(contextCalls(d, 'resume')).toEqual([]);
  });

  test('pauseBGM() / resumeBGM() with no background music: fail callback, or ERROR WRONG_STATE', async () => {
    d = make();
    await d.join();
    d.pushBegin();
    const pusher = d.trtc.getPusherInstance()!;
    const fail = jest.fn();
    pusher.pauseBGM({ fail });
    expect(fail).toHaveBeenCalledWith({ errMsg: expect.stringMatching(/^pauseBGM:fail /), errCode: ErrorCode.WRONG_STATE });
    pusher.resumeBGM();
    expect(d.errors).toEqual([{ code: ErrorCode.WRONG_STATE, message: expect.stringMatching(/^resumeBGM:fail /) }]);
    expect(contextCalls(d, 'pauseBGM')).toEqual([]);
    expect(contextCalls(d, 'resumeBGM')).toEqual([]);
    // With music playing the same calls act and answer nothing extra.
    pusher.playBGM({ url: 'https://example.com/a.mp3' });
    pusher.pauseBGM();
    pusher.resumeBGM();
    expect(contextCalls(d, 'pauseBGM')).toHaveLength(1);
    expect(contextCalls(d, 'resumeBGM')).toHaveLength(1);
    expect(d.errors).toHaveLength(1);
  });

  test('start() before enterRoom: fail callback with WRONG_STATE, and nothing starts by itself in the next room', async () => {
    d = make();
    const pusher = d.trtc.createPusher({});
    const fail = jest.fn();
    pusher.start({ fail });
    expect(fail).toHaveBeenCalledWith({ errMsg: expect.stringMatching(/^start:fail /), errCode: ErrorCode.WRONG_STATE });
    pusher.start();
    expect(d.errors).toEqual([{ code: ErrorCode.WRONG_STATE, message: expect.stringMatching(/^start:fail /) }]);
    expect(contextCalls(d, 'start')).toEqual([]);
    expect(d.trtc.getPusherAttributes().autopush).toBe(false);
  });

  test('calls whose goal is already met answer success without asking WeChat: stop, stopBGM, stopPreview, a second start', async () => {
    d = make();
    const pusher = d.trtc.createPusher({});
    const answers: string[] = [];
    const cb = (name: string) => ({
      success: (r: unknown) => void answers.push(`${name} ${(r as { errMsg: string }).errMsg}`),
      fail: () => void answers.push(`${name} fail`),
    });
    pusher.stop(cb('stop'));
    pusher.stopBGM(cb('stopBGM'));
    pusher.stopPreview(cb('stopPreview'));
    pusher.startPreview();
    pusher.startPreview(cb('startPreview'));
    await d.join();
    d.pushBegin();
    pusher.start(cb('start'));
    expect(answers).toEqual(['stop stop:ok', 'stopBGM stopBGM:ok', 'stopPreview stopPreview:ok', 'startPreview startPreview:ok', 'start start:ok']);
    expect(contextCalls(d, 'stopBGM')).toEqual([]);
    expect(contextCalls(d, 'startPreview')).toHaveLength(1);
    expect(d.errors).toEqual([]);
  });

  test('start() while the push has failed asks for stop() first: fail with WRONG_STATE', async () => {
    d = make();
    await d.join();
    d.pushBegin();
    d.trtc.pusherEventHandler(pusherEvent(status.disconnected()));
    const fail = jest.fn();
    d.trtc.getPusherInstance()!.start({ fail });
    expect(fail).toHaveBeenCalledWith({ errMsg: expect.stringMatching(/^start:fail /), errCode: ErrorCode.WRONG_STATE });
  });

  test.each([
    ['muteRemote', (t: TRTC) => t.muteRemote('ghost', { audio: true })],
    ['subscribe', (t: TRTC) => t.subscribe('ghost')],
    ['unsubscribe', (t: TRTC) => t.unsubscribe('ghost')],
  ])('%s of a user who is not in the room: ERROR UNKNOWN_PLAYER naming the id; the playerList comes back unchanged', async (method, call) => {
    d = make();
    await d.join();
    await d.addBob();
    const before = d.trtc.getPlayerList();
    expect(before.map((p) => p.id)).toEqual(['bob_main']);
    expect(call(d.trtc)).toEqual(before);
    expect(d.errors).toEqual([{ code: ErrorCode.UNKNOWN_PLAYER, message: expect.stringMatching(new RegExp(`^${method}: .*ghost_main`)), data: { id: 'ghost_main' } }]);
  });

  test.each([
    ['setPlayerAttributes', (t: TRTC) => t.setPlayerAttributes('ghost_main', { muteVideo: true })],
    ['switchStreamType', (t: TRTC) => t.switchStreamType('ghost_main')],
  ])("trtc-wx's %s of an unknown id: trtc-wx's playerList comes back, plus PLAYER_WARNING UNKNOWN_PLAYER (no ERROR)", async (_m, call) => {
    d = make();
    await d.join();
    await d.addBob();
    const before = d.trtc.getPlayerList();
    expect(call(d.trtc)).toEqual(before);
    expect(d.errors).toEqual([]);
    expect(warnings(d)).toEqual([{ code: ErrorCode.UNKNOWN_PLAYER, message: expect.stringContaining('ghost_main'), id: 'ghost_main' }]);
  });

  test('the same calls outside a room are answered with UNKNOWN_PLAYER too', () => {
    d = make();
    d.trtc.muteRemote('bob', { video: true });
    d.trtc.subscribe('bob');
    d.trtc.unsubscribe('bob');
    d.trtc.setPlayerAttributes('bob_main', {});
    d.trtc.switchStreamType('bob_main');
    expect(d.errors.map((e) => [e.code, e.data?.id])).toEqual(Array(3).fill([ErrorCode.UNKNOWN_PLAYER, 'bob_main']));
    expect(warnings(d).map((w) => [w.code, w.id])).toEqual(Array(2).fill([ErrorCode.UNKNOWN_PLAYER, 'bob_main']));
  });

  test('a known user is not refused', async () => {
    d = make();
    await d.join();
    await d.addBob();
    d.trtc.muteRemote('bob', { audio: true });
    d.trtc.setPlayerAttributes('bob_main', { muteVideo: true });
    expect(d.errors).toEqual([]);
    expect(warnings(d)).toEqual([]);
    expect(d.trtc.getPlayerList()[0]).toMatchObject({ muteAudio: true, muteVideo: true });
  });

  test("a held player instance whose stream went away: play({ fail }) hears UNKNOWN_PLAYER; play() is an ERROR", async () => {
    d = make();
    await d.join();
    await d.addBob();
    const player = d.trtc.getPlayerInstance('bob_main')!;
    d.trtc.exitRoom();
    await tick();
    const fail = jest.fn();
    player.play({ fail });
    expect(fail).toHaveBeenCalledWith({ errMsg: expect.stringMatching(/^play:fail /), errCode: ErrorCode.UNKNOWN_PLAYER });
    player.play();
    expect(d.errors).toEqual([{ code: ErrorCode.UNKNOWN_PLAYER, message: expect.stringMatching(/^play:fail /), data: { id: 'bob_main' } }]);
  });
});
