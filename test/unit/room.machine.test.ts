// The room statechart used directly (the statechart API): states, emitted events, a swapped-in signaling driver, simulated time.

import { createActor, fromCallback, SimulatedClock } from 'xstate';
import { roomMachine, type RoomEvent, type RoomInput } from '../../src/machines/room.machine';
import type { RoomEmitted } from '../../src/machines/room-events';
import type { SignalingCommand, SignalingEvent, SignalingInput } from '../../src/services/signaling/types';
import { ErrorCode } from '../../src/core/errors';
import { installWx } from '../../src/testing/wx';
import { createPage } from '../../src/testing/page';
import { status, validParams, type PusherStatus } from '../helpers/status';

const pusherStatus = (s: PusherStatus): RoomEvent => ({ type: 'LIVE_PUSHER_STATUS', code: s.code, message: s.message });
const REMOTE = /^(REMOTE_|STREAM_|MUTE_|UNMUTE_|UPDATE_URL)/;

function startRoom(options: { input?: RoomInput; clock?: SimulatedClock; machine?: typeof roomMachine } = {}) {
  const emitted: RoomEmitted[] = [];
  const actor = createActor(options.machine ?? roomMachine, { input: options.input ?? {}, ...(options.clock ? { clock: options.clock } : {}) });
  actor.on('*', (event) => void emitted.push(event));
  actor.start();
  return {
    actor,
    emitted,
    types: () => emitted.map((e) => e.type),
    remote: () => emitted.map((e) => e.type).filter((t) => REMOTE.test(t)),
    send: (...events: RoomEvent[]) => events.forEach((e) => actor.send(e)),
    status: (...statuses: PusherStatus[]) => statuses.forEach((s) => actor.send(pusherStatus(s))),
    value: () => actor.getSnapshot().value,
    context: () => actor.getSnapshot().context,
  };
}

describe('createActor(roomMachine, { input: {} }) without any wx', () => {
  test('ENTER_ROOM -> active.entering with the room url on the pusher; 1018 -> inRoom and LOCAL_JOIN', () => {
    const room = startRoom();
    expect(room.value()).toBe('idle');
    room.send({ type: 'ENTER_ROOM', params: validParams });
    expect(room.value()).toEqual({ active: 'entering' });
    expect(room.context().pusher?.getSnapshot().context.attributes.url).toContain('room://cloud.tencent.com/rtc?sdkappid=1400000001&roomid=1234');
    expect(room.types()).toEqual(['CONNECTION_STATE_CHANGED']);
    room.status(status.entered());
    expect(room.value()).toMatchObject({ active: { inRoom: { connection: 'connected', players: 'tracking' } } });
    expect(room.types()).toEqual(['CONNECTION_STATE_CHANGED', 'LOCAL_JOIN', 'CONNECTION_STATE_CHANGED']);
    room.actor.stop();
  });

  test('remote notifications while entering are dropped', () => {
    const room = startRoom();
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.status(status.joined('bob'), status.video('bob', true), status.audio('bob', true), status.userList('bob'));
    expect(room.remote()).toEqual([]);
    expect(room.context().users).toEqual([]);
    expect(room.context().streams).toEqual([]);
    room.actor.stop();
  });

  test('in the room remote users and streams are tracked with their emitted events', () => {
    const room = startRoom();
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.status(status.entered(), status.joined('bob'), status.video('bob', true));
    expect(room.remote()).toEqual(['REMOTE_USER_JOIN', 'STREAM_ADDED', 'REMOTE_VIDEO_ADD']);
    expect(room.context().users).toEqual(['bob']);
    expect(room.context().streams.map((s) => s.id)).toEqual(['bob_main']);
    const add = room.emitted.find((e) => e.type === 'REMOTE_VIDEO_ADD') as Extract<RoomEmitted, { player: unknown }>;
    expect(add.player.getSnapshot().context.attributes.id).toBe('bob_main');
    expect(add.view.users).toEqual(['bob']);
    room.actor.stop();
  });

  test('EXIT_ROOM -> exiting -> idle with one LOCAL_LEAVE; players stopped; later notifications dropped', () => {
    const room = startRoom();
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.status(status.entered(), status.joined('bob'), status.video('bob', true));
    const player = room.context().streams[0]!.ref;
    room.send({ type: 'EXIT_ROOM' });
    expect(room.value()).toBe('idle');
    expect(room.types().filter((t) => t === 'LOCAL_LEAVE')).toHaveLength(1);
    expect(player.getSnapshot().status).toBe('stopped');
    expect(room.context().streams).toEqual([]);
    expect(room.context().pusher?.getSnapshot().context.attributes.url).toBe('');
    room.emitted.length = 0;
    room.status(status.joined('carol'), status.video('carol', true), status.entered());
    // Out of the room nothing remote is heard; a second EXIT_ROOM is still answered, as trtc-wx answers it.
    expect(room.emitted).toEqual([]);
    room.send({ type: 'EXIT_ROOM' });
    expect(room.emitted).toEqual([{ type: 'LOCAL_LEAVE' }]);
    room.actor.stop();
  });

  test.each([
    [1, 'banned'],
    [2, 'room-disband'],
    [3, 'kick'],
  ] as const)('1019 reason[%i] -> kicked, KICKED_OUT %s, players stopped, nothing remote afterwards', (reason, name) => {
    const room = startRoom();
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.status(status.entered(), status.joined('bob'), status.video('bob', true));
    const player = room.context().streams[0]!.ref;
    room.emitted.length = 0;
    room.status(status.exited(reason));
    expect(room.value()).toBe('kicked');
    expect(room.emitted.filter((e) => e.type === 'KICKED_OUT')).toEqual([{ type: 'KICKED_OUT', reason: name }]);
    expect(room.types()).not.toContain('LOCAL_LEAVE');
    expect(player.getSnapshot().status).toBe('stopped');
    room.status(status.joined('carol'), status.video('carol', true), status.left('bob'), status.entered());
    expect(room.remote()).toEqual([]);
    expect(room.context().users).toEqual([]);
    expect(room.context().connection).toBe('DISCONNECTED');
    room.actor.stop();
  });

  test('invalid ENTER_ROOM: ERROR with the code, still idle, no pusher url', () => {
    const room = startRoom();
    room.send({ type: 'CREATE_PUSHER', attributes: {} });
    room.send({ type: 'ENTER_ROOM', params: { ...validParams, roomID: 4294967295 } });
    expect(room.value()).toBe('idle');
    expect(room.emitted).toEqual([{ type: 'ERROR', code: ErrorCode.INVALID_ROOM_ID, message: expect.any(String) }]);
    expect(room.context().pusher?.getSnapshot().context.attributes.url).toBe('');
    expect(room.context().params).toBeNull();
    room.actor.stop();
  });

  test('-100018 while entering: ERROR -100018 and back to idle', () => {
    const room = startRoom();
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.status(status.userSigInvalid());
    expect(room.value()).toBe('idle');
    expect(room.emitted.filter((e) => e.type === 'ERROR').map((e) => (e as { code: number }).code)).toEqual([-100018]);
    room.actor.stop();
  });
});

describe('with a page and the headless wx', () => {
  let env: ReturnType<typeof installWx>;
  beforeEach(() => {
    env = installWx();
  });
  afterEach(() => env.uninstall());

  test('a page driving the actor: START on the pusher, then EXIT_ROOM stops it', () => {
    const page = createPage({});
    const room = startRoom({ input: { page } });
    room.send({ type: 'CREATE_PUSHER', attributes: { enableCamera: true } });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.send({ type: 'PUSHER', command: { type: 'START' } });
    room.status(status.entered());
    expect(env.wx.callsOf('pusher').map((c) => c.method)).toEqual(['start']);
    room.send({ type: 'EXIT_ROOM' });
    expect(env.wx.callsOf('pusher').map((c) => c.method)).toEqual(['start', 'stop']);
    room.actor.stop();
  });

  test('stopping the room actor while in a room stops the pusher and players that pulled media', () => {
    const room = startRoom({ input: { page: createPage({}) } });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.send({ type: 'PUSHER', command: { type: 'START' } });
    room.status(status.entered(), status.joined('bob'), status.video('bob', true));
    room.send({ type: 'SET_PLAYER_ATTRIBUTES', id: 'bob_main', attributes: { muteVideo: false } });
    room.actor.stop();
    expect(env.wx.callsOf('pusher', 'stop')).toHaveLength(1);
    expect(env.wx.callsOf('bob_main', 'stop')).toHaveLength(1);
  });
});

describe('simulated time', () => {
  test('reconnect deadline: 1021 and no 1018 within reconnectTimeoutMs -> ERROR RECONNECT_TIMEOUT, LOCAL_LEAVE, idle', () => {
    const clock = new SimulatedClock();
    const room = startRoom({ input: { reconnectTimeoutMs: 1000 }, clock });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.status(status.entered(), status.joined('bob'));
    room.emitted.length = 0;
    room.status(status.networkChanged());
    expect(room.emitted).toEqual([{ type: 'CONNECTION_STATE_CHANGED', state: 'RECONNECTING', prevState: 'CONNECTED' }]);
    clock.increment(999);
    expect(room.types()).not.toContain('LOCAL_LEAVE');
    clock.increment(1);
    expect(room.emitted.filter((e) => e.type === 'ERROR')).toEqual([{ type: 'ERROR', code: ErrorCode.RECONNECT_TIMEOUT, message: expect.any(String) }]);
    expect(room.types().filter((t) => t === 'LOCAL_LEAVE')).toHaveLength(1);
    expect(room.value()).toBe('idle');
    expect(room.context().users).toEqual([]);
    room.actor.stop();
  });

  test('the deadline counts from the loss: 1018 at 999 ms keeps the room, and a later loss gets a fresh deadline', () => {
    const clock = new SimulatedClock();
    const room = startRoom({ input: { reconnectTimeoutMs: 1000 }, clock });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.status(status.entered(), status.networkChanged());
    clock.increment(999);
    room.status(status.entered());
    clock.increment(5000);
    expect(room.types()).not.toContain('LOCAL_LEAVE');
    room.status(status.networkChanged());
    clock.increment(999);
    expect(room.types()).not.toContain('LOCAL_LEAVE');
    clock.increment(1);
    expect(room.types()).toContain('LOCAL_LEAVE');
    room.actor.stop();
  });

  test('suspended (5000) has no deadline', () => {
    const clock = new SimulatedClock();
    const room = startRoom({ input: { reconnectTimeoutMs: 1000 }, clock });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.status(status.entered(), status.hungUp());
    clock.increment(60_000);
    expect(room.types()).not.toContain('LOCAL_LEAVE');
    expect(room.context().connection).toBe('RECONNECTING');
    room.actor.stop();
  });
});

describe('a swapped-in signaling driver (roomMachine.provide)', () => {
  interface FakeDriver {
    commands: SignalingCommand[];
    inputs: SignalingInput[];
    sendBack(event: SignalingEvent): void;
    /** Whether LEAVE is confirmed at once. */
    confirmLeave: boolean;
  }

  function fakeDriver(): { driver: FakeDriver; machine: typeof roomMachine } {
    const driver: FakeDriver = { commands: [], inputs: [], sendBack: () => undefined, confirmLeave: true };
    const logic = fromCallback<SignalingCommand, SignalingInput & { component?: number }, SignalingEvent>(({ input, sendBack, receive }) => {
      driver.inputs.push(input);
      driver.sendBack = sendBack;
      sendBack({ type: 'LOCAL_URL_READY', url: 'rtmp://fake.example/push/alice' });
      receive((command) => {
        driver.commands.push(command);
        if (command.type === 'LEAVE' && driver.confirmLeave) sendBack({ type: 'EXIT_CONFIRMED' });
      });
    });
    return { driver, machine: roomMachine.provide({ actors: { signaling: logic } }) };
  }

  test('the fake gets the params, the url it gives is the pusher url, PUBLISH once in the room, LEAVE on exit', () => {
    const { driver, machine } = fakeDriver();
    const room = startRoom({ machine });
    room.send({ type: 'SET_BUSINESS_ID', businessId: 'biz-1' });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    expect(driver.inputs).toEqual([
      expect.objectContaining({ params: expect.objectContaining({ userID: 'alice', roomID: 1234 }), visible: true, businessId: 'biz-1', localMute: { audio: true, video: true } }),
    ]);
    expect(room.context().pusher?.getSnapshot().context.attributes.url).toBe('rtmp://fake.example/push/alice');
    expect(driver.commands).toEqual([]);
    driver.sendBack({ type: 'ENTER_SUCCEEDED' });
    expect(room.types()).toContain('LOCAL_JOIN');
    expect(driver.commands).toEqual([{ type: 'PUBLISH' }]);
    room.send({ type: 'EXIT_ROOM' });
    expect(driver.commands).toEqual([{ type: 'PUBLISH' }, { type: 'LEAVE' }]);
    expect(room.types().filter((t) => t === 'LOCAL_LEAVE')).toHaveLength(1);
    expect(room.value()).toBe('idle');
    room.actor.stop();
  });

  test('an audience member does not publish until PUBLISH', () => {
    const { driver, machine } = fakeDriver();
    const room = startRoom({ machine });
    room.send({ type: 'ENTER_ROOM', params: { ...validParams, role: 'audience' } });
    driver.sendBack({ type: 'ENTER_SUCCEEDED' });
    expect(driver.commands).toEqual([]);
    room.send({ type: 'PUBLISH' });
    expect(driver.commands).toEqual([{ type: 'PUBLISH' }]);
    room.actor.stop();
  });

  test('unmuting a remote player asks the driver to SUBSCRIBE; muting both UNSUBSCRIBEs', () => {
    const { driver, machine } = fakeDriver();
    const room = startRoom({ machine });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    driver.sendBack({ type: 'ENTER_SUCCEEDED' });
    driver.sendBack({ type: 'REMOTE_USERS_JOINED', userIDs: ['bob'] });
    driver.sendBack({ type: 'REMOTE_STREAM_UPDATED', userID: 'bob', streamType: 'main', published: true, audio: true, video: true });
    driver.commands.length = 0;
    room.send({ type: 'SET_PLAYER_ATTRIBUTES', id: 'bob_main', attributes: { muteVideo: false } });
    expect(driver.commands).toEqual([{ type: 'SUBSCRIBE', userID: 'bob', streamType: 'main', audio: false, video: true }]);
    driver.sendBack({ type: 'REMOTE_URL_CHANGED', userID: 'bob', streamType: 'main', url: 'rtmp://fake.example/pull/bob' });
    expect(room.context().streams[0]!.ref.getSnapshot().context.attributes.src).toBe('rtmp://fake.example/pull/bob');
    expect(room.emitted.filter((e) => e.type === 'UPDATE_URL')).toEqual([
      { type: 'UPDATE_URL', userID: 'bob', streamType: 'main', url: 'rtmp://fake.example/pull/bob', local: false },
    ]);
    room.send({ type: 'SET_PLAYER_ATTRIBUTES', id: 'bob_main', attributes: { muteVideo: true } });
    expect(driver.commands).toEqual([
      { type: 'SUBSCRIBE', userID: 'bob', streamType: 'main', audio: false, video: true },
      { type: 'UNSUBSCRIBE', userID: 'bob', streamType: 'main' },
    ]);
    room.actor.stop();
  });

  test('CONNECTION_LOST -> RECONNECTING, CONNECTION_RESTORED -> CONNECTED, without LOCAL_JOIN again', () => {
    const { driver, machine } = fakeDriver();
    const room = startRoom({ machine });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    driver.sendBack({ type: 'ENTER_SUCCEEDED' });
    room.emitted.length = 0;
    driver.sendBack({ type: 'CONNECTION_LOST', reason: 'socket closed' });
    driver.sendBack({ type: 'CONNECTION_RESTORED' });
    expect(room.emitted).toEqual([
      { type: 'CONNECTION_STATE_CHANGED', state: 'RECONNECTING', prevState: 'CONNECTED' },
      { type: 'CONNECTION_STATE_CHANGED', state: 'CONNECTED', prevState: 'RECONNECTING' },
    ]);
    room.actor.stop();
  });

  test('a driver that never confirms LEAVE: the room leaves anyway after exitTimeoutMs, with one LOCAL_LEAVE', () => {
    const { driver, machine } = fakeDriver();
    driver.confirmLeave = false;
    const clock = new SimulatedClock();
    const room = startRoom({ machine, clock, input: { exitTimeoutMs: 500 } });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    driver.sendBack({ type: 'ENTER_SUCCEEDED' });
    room.send({ type: 'EXIT_ROOM' });
    expect(room.value()).toEqual({ active: 'exiting' });
    expect(room.types()).not.toContain('LOCAL_LEAVE');
    clock.increment(500);
    expect(room.value()).toBe('idle');
    expect(room.types().filter((t) => t === 'LOCAL_LEAVE')).toHaveLength(1);
    room.actor.stop();
  });

  test('ENTER_ROOM while still exiting is entered once the leave completes', () => {
    const { driver, machine } = fakeDriver();
    driver.confirmLeave = false;
    const clock = new SimulatedClock();
    const room = startRoom({ machine, clock, input: { exitTimeoutMs: 500 } });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    driver.sendBack({ type: 'ENTER_SUCCEEDED' });
    room.send({ type: 'EXIT_ROOM' });
    room.send({ type: 'ENTER_ROOM', params: { ...validParams, roomID: 777 } });
    expect(room.types()).not.toContain('ERROR');
    driver.sendBack({ type: 'EXIT_CONFIRMED' });
    expect(room.value()).toEqual({ active: 'entering' });
    expect(room.context().params?.roomID).toBe(777);
    expect(driver.inputs).toHaveLength(2);
    room.actor.stop();
  });
});

describe('EXIT_ROOM with many players', () => {
  let env: ReturnType<typeof installWx>;
  beforeEach(() => {
    env = installWx();
  });
  afterEach(() => env.uninstall());

  /** A room with `n` remote users publishing video, each player pulling (unmuted), the pusher pushing. */
  function crowdedRoom(n: number) {
    const room = startRoom({ input: { page: createPage({}) } });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.send({ type: 'PUSHER', command: { type: 'START' } });
    room.status(status.entered());
    for (let i = 0; i < n; i++) {
      const user = `user${i}`;
      room.status(status.joined(user), status.video(user, true));
      room.send({ type: 'SET_PLAYER_ATTRIBUTES', id: `${user}_main`, attributes: { muteVideo: false } });
    }
    return room;
  }

  test('every player is stopped and released in stream order, once; the page hears one LOCAL_LEAVE', () => {
    const n = 60;
    const room = crowdedRoom(n);
    const players = room.context().streams.map((s) => s.ref);
    expect(players).toHaveLength(n);
    room.emitted.length = 0;
    env.wx.calls.length = 0;
    room.send({ type: 'EXIT_ROOM' });
    expect(room.value()).toBe('idle');
    expect(players.every((p) => p.getSnapshot().status === 'stopped')).toBe(true);
    // Each playing <live-player> is stopped once, in the order the streams were announced, and the pusher after them.
    const ids = Array.from({ length: n }, (_, i) => `user${i}_main`);
    expect(env.wx.calls.map((c) => `${c.target}.${c.method}`)).toEqual([...ids.map((id) => `${id}.stop`), 'pusher.stop']);
    expect(room.emitted).toEqual([{ type: 'LOCAL_LEAVE' }, { type: 'CONNECTION_STATE_CHANGED', state: 'DISCONNECTED', prevState: 'CONNECTED' }]);
    // The room keeps no child for a player; what remains is the pusher and the contexts keeper.
    expect(Object.keys(room.actor.getSnapshot().children).sort()).toEqual(['playerContexts', 'pusher']);
    expect(room.context().streams).toEqual([]);
    room.actor.stop();
  });

  test('the same users in the next room get new players under the same ids', () => {
    const room = crowdedRoom(20);
    const before = room.context().streams.map((s) => s.ref);
    room.send({ type: 'EXIT_ROOM' });
    room.send({ type: 'ENTER_ROOM', params: validParams });
    room.status(status.entered());
    for (let i = 0; i < 20; i++) room.status(status.joined(`user${i}`), status.video(`user${i}`, true));
    const after = room.context().streams.map((s) => s.ref);
    expect(after.map((p) => p.id)).toEqual(before.map((p) => p.id));
    expect(after.every((p, i) => p !== before[i] && p.getSnapshot().status === 'active')).toBe(true);
    expect(Object.keys(room.actor.getSnapshot().children).filter((id) => id.endsWith('_main'))).toHaveLength(20);
    room.actor.stop();
  });

  test('kicked with many players: all stopped, KICKED_OUT once', () => {
    const room = crowdedRoom(30);
    const players = room.context().streams.map((s) => s.ref);
    room.emitted.length = 0;
    room.status(status.exited(3));
    expect(players.every((p) => p.getSnapshot().status === 'stopped')).toBe(true);
    expect(room.types().filter((t) => t === 'KICKED_OUT')).toHaveLength(1);
    expect(Object.keys(room.actor.getSnapshot().children).some((id) => id.endsWith('_main'))).toBe(false);
    room.actor.stop();
  });
});
