// The trtc-room driver: <live-pusher> status codes -> signaling events, the room:// url, kick reasons, and the driver actor.

import { createActor, createMachine } from 'xstate';
import { buildRoomUrl, componentOf, kickReasonOf, translatePusherStatus, trtcRoomSignaling } from '../../src/services/signaling/trtc-room';
import { checkEnterParams, type RoomParams } from '../../src/core/enter-params';
import type { SignalingEvent } from '../../src/services/signaling/types';
import { ErrorCode } from '../../src/core/errors';
import { status, validParams } from '../helpers/status';
import { logger, LogLevel } from '../../src/core/log';
import { installWx } from '../../src/testing/wx';

const logged: Array<{ level: string; text: string }> = [];
beforeAll(() => {
  logger.setLevel(LogLevel.WARN);
  logger.setSink((level, args) => void logged.push({ level, text: args.map(String).join(' ') }));
});
afterAll(() => logger.setSink(null));

const list = (...entries: unknown[]) => JSON.stringify({ userlist: entries });

function paramsOf(input: Record<string, unknown>): RoomParams {
  const check = checkEnterParams(input);
  if (!check.ok) throw new Error(check.error.message);
  return check.params;
}

describe('translatePusherStatus: room codes', () => {
  test('1018 is ENTER_SUCCEEDED', () => {
    expect(translatePusherStatus(1018, 'enter room success')).toEqual({ events: [{ type: 'ENTER_SUCCEEDED' }], dropped: [] });
  });

  test('1019 reason[0] is our own exit confirmed', () => {
    expect(translatePusherStatus(1019, 'exit room, reason[0]').events).toEqual([{ type: 'EXIT_CONFIRMED' }]);
  });

  test.each([
    ['reason[1]', 'banned'],
    ['reason[2]', 'room-disband'],
    ['reason[3]', 'kick'],
    ['exit room', 'kick'],
  ])('1019 "%s" is KICKED with reason %s', (message, reason) => {
    expect(translatePusherStatus(1019, message).events).toEqual([{ type: 'KICKED', reason }]);
  });

  test('1020 is the complete user list, in order', () => {
    expect(translatePusherStatus(1020, list({ userid: 'bob' }, { userid: 'carol' }, { userid: 'dave' })).events).toEqual([
      { type: 'REMOTE_USER_LIST', userIDs: ['bob', 'carol', 'dave'] },
    ]);
  });

  test('1020 with an empty list says the room is empty (not dropped)', () => {
    expect(translatePusherStatus(1020, list()).events).toEqual([{ type: 'REMOTE_USER_LIST', userIDs: [] }]);
  });

  test('1021 asks to enter again', () => {
    expect(translatePusherStatus(1021, 'network type changed').events).toEqual([{ type: 'REENTER_REQUIRED' }]);
  });

  test('1031 with several users is one REMOTE_USERS_JOINED with all of them', () => {
    expect(translatePusherStatus(1031, list({ userid: 'bob' }, { userid: 'carol' })).events).toEqual([
      { type: 'REMOTE_USERS_JOINED', userIDs: ['bob', 'carol'] },
    ]);
  });

  test('1032 is REMOTE_USERS_LEFT', () => {
    expect(translatePusherStatus(1032, list({ userid: 'bob' })).events).toEqual([{ type: 'REMOTE_USERS_LEFT', userIDs: ['bob'] }]);
  });

  test('1033 names the stream type (main and aux) and carries the play url', () => {
    const main = translatePusherStatus(1033, list({ userid: 'bob', streamtype: 'main', hasvideo: true, playurl: 'room://p/main' }));
    const aux = translatePusherStatus(1033, list({ userid: 'bob', streamtype: 'aux', hasvideo: false, playurl: 'room://p/aux' }));
    expect(main.events).toEqual([{ type: 'REMOTE_STREAM_UPDATED', userID: 'bob', streamType: 'main', video: true, url: 'room://p/main' }]);
    expect(aux.events).toEqual([{ type: 'REMOTE_STREAM_UPDATED', userID: 'bob', streamType: 'aux', video: false, url: 'room://p/aux' }]);
  });

  test('1033 without a stream type is about the main stream', () => {
    expect(translatePusherStatus(1033, list({ userid: 'bob', hasvideo: true })).events).toEqual([
      { type: 'REMOTE_STREAM_UPDATED', userID: 'bob', streamType: 'main', video: true },
    ]);
  });

  test('1034 is the main stream audio flag', () => {
    expect(translatePusherStatus(1034, list({ userid: 'bob', hasaudio: true, playurl: 'room://p/main' })).events).toEqual([
      { type: 'REMOTE_STREAM_UPDATED', userID: 'bob', streamType: 'main', audio: true, url: 'room://p/main' },
    ]);
    expect(translatePusherStatus(1034, list({ userid: 'bob', hasaudio: false })).events).toEqual([
      { type: 'REMOTE_STREAM_UPDATED', userID: 'bob', streamType: 'main', audio: false },
    ]);
  });

  test('the helper traces in test/helpers/status.ts translate as the SDK expects', () => {
    expect(translatePusherStatus(status.video('bob', true, 'aux').code, status.video('bob', true, 'aux').message).events[0]).toMatchObject({
      userID: 'bob',
      streamType: 'aux',
      video: true,
      url: 'room://cloud.tencent.com/rtc?userid=bob&streamtype=aux',
    });
  });

  test.each([[-100018], [-3301], [-3316]])('%p while entering is ENTER_FAILED carrying the code and message', (code) => {
    expect(translatePusherStatus(code, 'refused').events).toEqual([{ type: 'ENTER_FAILED', code, message: 'refused' }]);
  });

  test('other room errors (<= -3000) are SIGNALING_ERROR', () => {
    expect(translatePusherStatus(-3005, 'x').events).toEqual([{ type: 'SIGNALING_ERROR', code: -3005, message: 'x' }]);
  });

  test('5000 is APP_SUSPENDED and 5001 FLOAT_WINDOW_CLOSED', () => {
    expect(translatePusherStatus(5000, 'hung up').events).toEqual([{ type: 'APP_SUSPENDED' }]);
    expect(translatePusherStatus(5001, 'closed').events).toEqual([{ type: 'FLOAT_WINDOW_CLOSED' }]);
  });

  test('1002 (push begun) is CONNECTION_RESTORED: with a room:// url the push is the room connection', () => {
    expect(translatePusherStatus(1002, 'push begin').events).toEqual([{ type: 'CONNECTION_RESTORED' }]);
  });

  test.each([[1001], [1003], [1007], [-1301], [-1307], [2004], [0]])('media code %p is not room signaling', (code) => {
    expect(translatePusherStatus(code, 'x')).toEqual({ events: [], dropped: [] });
  });
});

describe('translatePusherStatus: malformed messages', () => {
  test.each([[1020], [1031], [1032], [1033], [1034]])('%p with a message that is not JSON is dropped and reported', (code) => {
    const result = translatePusherStatus(code, '{userlist: [');
    expect(result.events).toEqual([]);
    expect(result.dropped).toHaveLength(1);
    expect(result.dropped[0]).toContain(String(code));
  });

  test.each([['{}'], ['null'], ['{"userlist":"bob"}'], ['[]'], ['']])('a message without a userlist array (%p) is dropped', (message) => {
    const result = translatePusherStatus(1031, message);
    expect(result.events).toEqual([]);
    expect(result.dropped).toHaveLength(1);
  });

  test('1031 entries without a userid are dropped while their valid siblings join', () => {
    const result = translatePusherStatus(1031, list({ userid: 'bob' }, { user: 'x' }, null, { userid: '' }, { userid: 7 }, { userid: 'carol' }));
    expect(result.events).toEqual([{ type: 'REMOTE_USERS_JOINED', userIDs: ['bob', 'carol'] }]);
    expect(result.dropped).toHaveLength(4);
  });

  test('1031 with only bad entries emits nothing', () => {
    const result = translatePusherStatus(1031, list({ nobody: true }));
    expect(result.events).toEqual([]);
    expect(result.dropped).toHaveLength(1);
  });

  test('1033 entries whose hasvideo is not a boolean are dropped; valid siblings still count', () => {
    const result = translatePusherStatus(
      1033,
      list({ userid: 'bob', hasvideo: 'yes' }, { userid: 'carol', hasvideo: true }, { userid: 'dave', hasvideo: null }, { hasvideo: true }),
    );
    expect(result.events).toEqual([{ type: 'REMOTE_STREAM_UPDATED', userID: 'carol', streamType: 'main', video: true }]);
    expect(result.dropped).toHaveLength(3);
  });

  test('1033 with an unknown stream type is dropped', () => {
    const result = translatePusherStatus(1033, list({ userid: 'bob', streamtype: 'sub', hasvideo: true }));
    expect(result.events).toEqual([]);
    expect(result.dropped).toHaveLength(1);
  });

  test('1034 entries whose hasaudio is not a boolean are dropped', () => {
    const result = translatePusherStatus(1034, list({ userid: 'bob', hasaudio: 'on' }, { userid: 'carol', hasaudio: false }));
    expect(result.events).toEqual([{ type: 'REMOTE_STREAM_UPDATED', userID: 'carol', streamType: 'main', audio: false }]);
    expect(result.dropped).toHaveLength(1);
  });

  test('a non-string message never throws', () => {
    expect(() => translatePusherStatus(1031, undefined as unknown as string)).not.toThrow();
    expect(() => translatePusherStatus(1019, undefined as unknown as string)).not.toThrow();
    expect(translatePusherStatus(1031, 42 as unknown as string).events).toEqual([]);
  });
});

describe('kickReasonOf', () => {
  test.each([
    ['exit room, reason[0]', 'self'],
    ['reason[1]', 'banned'],
    ['reason[2]', 'room-disband'],
    ['reason[3]', 'kick'],
    ['', 'kick'],
    ['no reason given', 'kick'],
  ])('%p -> %p', (message, reason) => {
    expect(kickReasonOf(message)).toBe(reason);
  });
});

describe('buildRoomUrl', () => {
  test('carries every parameter with trtc-wx names, order and defaults', () => {
    expect(buildRoomUrl(paramsOf(validParams))).toBe(
      'room://cloud.tencent.com/rtc?sdkappid=1400000001&roomid=1234&userid=alice&usersig=sig-alice&appscene=videocall' +
        '&encsmall=0&cloudenv=PRO&enableBlackStream=&streamid=&userdefinerecordid=&privatemapkey=&pureaudiomode=' +
        '&recvmode=1&enableinfiniteanchor=0&component=1',
    );
  });

  test('scene rtc travels as appscene=videocall; live as live; audiocall as is', () => {
    expect(buildRoomUrl(paramsOf({ ...validParams, scene: 'rtc' }))).toContain('&appscene=videocall&');
    expect(buildRoomUrl(paramsOf({ ...validParams, scene: 'live' }))).toContain('&appscene=live&');
    expect(buildRoomUrl(paramsOf({ ...validParams, scene: 'audiocall' }))).toContain('&appscene=audiocall&');
  });

  test('a string room is strroomid and there is no roomid', () => {
    const url = buildRoomUrl(paramsOf({ ...validParams, strRoomID: 'class-7A' }));
    expect(url).toContain('&strroomid=class-7A&');
    expect(url).not.toContain('roomid=1234');
  });

  test('the optional values are carried', () => {
    const url = buildRoomUrl(
      paramsOf({
        ...validParams,
        privateMapKey: 'pmk',
        userDefineRecordID: 'rec_1',
        streamID: 's1',
        recvMode: 2,
        enableinfiniteanchor: 1,
        encsmall: 1,
        cloudenv: 'TEST',
        enableBlackStream: 1,
        pureAudioMode: 1,
      }),
      14,
    );
    const query = new URLSearchParams(url.slice(url.indexOf('?') + 1));
    expect(Object.fromEntries(query)).toEqual({
      sdkappid: '1400000001',
      roomid: '1234',
      userid: 'alice',
      usersig: 'sig-alice',
      appscene: 'videocall',
      encsmall: '1',
      cloudenv: 'TEST',
      enableBlackStream: '1',
      streamid: 's1',
      userdefinerecordid: 'rec_1',
      privatemapkey: 'pmk',
      pureaudiomode: '1',
      recvmode: '2',
      enableinfiniteanchor: '1',
      component: '14',
    });
  });

  test('componentOf maps TUIScene names and numbers, anything else is 1', () => {
    expect(componentOf('TUICallKit')).toBe(14);
    expect(componentOf(5)).toBe(5);
    expect(componentOf('7')).toBe(7);
    expect(componentOf(undefined)).toBe(1);
    expect(componentOf('whatever')).toBe(1);
    expect(componentOf(99)).toBe(1);
    // trtc-wx takes any number in 1..19 as it is.
    expect(componentOf('5.5')).toBe(5.5);
  });
});

describe('the trtcRoomSignaling actor', () => {
  function startDriver() {
    const received: SignalingEvent[] = [];
    const parent = createMachine({
      types: {} as { events: SignalingEvent | { type: 'COMMAND'; command: unknown } },
      invoke: {
        id: 'driver',
        src: trtcRoomSignaling,
        input: { params: paramsOf(validParams), visible: true, businessId: null, localMute: { audio: true, video: true }, component: 3 },
      },
      on: {
        '*': {
          actions: ({ event, self }) => {
            if (event.type === 'COMMAND') {
              (self.getSnapshot().children as Record<string, { send(e: unknown): void }>).driver!.send(event.command);
            } else received.push(event as SignalingEvent);
          },
        },
      },
    });
    const actor = createActor(parent).start();
    return { received, command: (command: unknown) => actor.send({ type: 'COMMAND', command }), stop: () => actor.stop() };
  }

  test('announces the room url (with the component) as soon as it starts', () => {
    const driver = startDriver();
    expect(driver.received[0]).toEqual({ type: 'LOCAL_URL_READY', url: buildRoomUrl(paramsOf(validParams), 3) });
    driver.stop();
  });

  // trtc-cloud-wx's callExperimentalAPI('setFramework', { component: 14 }) writes wx.TUIScene and the storage key.
  const appWith = (globalData: object) => () => ({ globalData });
  const declarations: Array<[string, (wx: Record<string, unknown>) => void, number]> = [
    ['wx.TUIScene', (wx) => void (wx.TUIScene = 14), 14],
    ["storage 'TUIScene'", (wx) => (wx.setStorageSync as (k: string, v: string) => void)('TUIScene', 'TUIRoomKit'), 18],
    ['getApp().globalData.TUIScene', () => void ((globalThis as Record<string, unknown>).getApp = appWith({ TUIScene: 'TUICallKit' })), 14],
    ['nothing', () => undefined, 1],
  ];
  test.each(declarations)("without a forced component, the url's component comes from %s, read when the url is built", (_, declare, component) => {
    const { wx, uninstall } = installWx();
    try {
      declare(wx as unknown as Record<string, unknown>);
      const received: SignalingEvent[] = [];
      const parent = createMachine({
        types: {} as { events: SignalingEvent },
        invoke: { src: trtcRoomSignaling, input: { params: paramsOf(validParams), visible: true, businessId: null, localMute: { audio: true, video: true } } },
        on: { '*': { actions: ({ event }) => void received.push(event) } },
      });
      const actor = createActor(parent).start();
      expect(received[0]).toEqual({ type: 'LOCAL_URL_READY', url: buildRoomUrl(paramsOf(validParams), component) });
      actor.stop();
    } finally {
      uninstall();
    }
  });

  test('translates PUSHER_STATUS (reporting dropped entries), confirms LEAVE and PUBLISH at once, refuses visibility', () => {
    logged.length = 0;
    const driver = startDriver();
    driver.received.length = 0;
    driver.command({ type: 'PUSHER_STATUS', code: 1031, message: list({ userid: 'bob' }, { bad: 1 }) });
    driver.command({ type: 'PUBLISH' });
    driver.command({ type: 'SET_VISIBILITY', visible: false });
    driver.command({ type: 'LEAVE' });
    // The bad entry was dropped and reported with MALFORMED_NOTIFICATION's code.
    expect(logged.filter((l) => l.level === 'warn' && l.text.includes(String(ErrorCode.MALFORMED_NOTIFICATION)))).toHaveLength(1);
    expect(driver.received).toEqual([
      { type: 'REMOTE_USERS_JOINED', userIDs: ['bob'] },
      { type: 'LOCAL_STREAM_PUBLISHED' },
      { type: 'SIGNALING_ERROR', code: ErrorCode.NOT_SUPPORTED_BY_DRIVER, message: expect.any(String) },
      { type: 'EXIT_CONFIRMED' },
    ]);
    driver.stop();
  });
});
