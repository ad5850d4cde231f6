// Model-based coverage of the room machine: @xstate/graph plans paths through every state and transition (all four parallel regions, kicks, exits, re-entry while leaving, timeouts), the real room with its real pusher and player children and a fake signaling driver is driven along them on a simulated clock, and after every step the context is checked; every state and transition must be taken.

import { createActor, fromCallback, SimulatedClock, type AnyEventObject, type EventObject, type SnapshotFrom } from 'xstate';
import { roomMachine, type RoomInput } from '../../src/machines/room.machine';
import type { RoomEmitted } from '../../src/machines/room-events';
import { checkPlayerAttributes, checkPusherAttributes } from '../../src/core/attributes';
import type { RetryPolicy } from '../../src/core/retry';
import type { SignalingCommand, SignalingEvent } from '../../src/services/signaling/types';
import type { TrtcRoomInput } from '../../src/services/signaling/trtc-room';
import type { AppLifecycleEvent } from '../../src/wx/app-lifecycle';
import { installWx } from '../../src/testing/wx';
import { createPage } from '../../src/testing/page';
import { logger } from '../../src/core/log';
import { CoverageRecorder, formatFigures, planPaths, type PlannedPath } from '../helpers/model-coverage';
import { printFigures } from '../helpers/figures';

type Snapshot = SnapshotFrom<typeof roomMachine>;
type PlayerRef = Snapshot['context']['streams'][number]['ref'];

const RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 400 };
const RECONNECT_TIMEOUT_MS = 2_000;
const EXIT_TIMEOUT_MS = 700;
const AFTER_RECONNECT = 'xstate.after.reconnectTimeout.room.active.inRoom.connection.reconnecting.network';
const AFTER_EXIT = 'xstate.after.exitTimeout.room.active.exiting';
const IDENTITY_KEYS = ['id', 'userID', 'streamType', 'streamID', 'hasVideo', 'hasAudio', '_definitionType'];
const REMOTE_EMITS = new Set(['REMOTE_USER_JOIN', 'REMOTE_USER_LEAVE', 'REMOTE_VIDEO_ADD', 'REMOTE_VIDEO_REMOVE', 'REMOTE_AUDIO_ADD', 'REMOTE_AUDIO_REMOVE', 'STREAM_ADDED', 'STREAM_REMOVED']);

const PARAMS = { sdkAppID: 1400000001, userID: 'alice', userSig: 'sig-alice', roomID: 1 };

/** Events a signaling driver sends the room (delivered through the fake driver while it runs). */
const SIGNALING_EVENTS = new Set<string>([
  'LOCAL_URL_READY', 'LOCAL_URL_CHANGED', 'ENTER_SUCCEEDED', 'ENTER_FAILED', 'EXIT_CONFIRMED', 'KICKED', 'REMOTE_USERS_JOINED',
  'REMOTE_USERS_LEFT', 'REMOTE_USER_LIST', 'REMOTE_STREAM_UPDATED', 'REMOTE_URL_CHANGED', 'REMOTE_STREAM_FAILED', 'LOCAL_STREAM_PUBLISHED',
  'LOCAL_STREAM_UNPUBLISHED', 'LOCAL_STREAM_FAILED', 'VISIBILITY_CHANGED', 'CONNECTION_LOST', 'CONNECTION_RESTORED', 'CONNECTION_FAILED',
  'REENTER_REQUIRED', 'APP_SUSPENDED', 'FLOAT_WINDOW_CLOSED', 'SIGNALING_ERROR', 'SIGNALING_WARNING',
]);
const APP_EVENTS = new Set<string>(['APP_SHOWN']);

/**
 * The alphabet: every event type the room handles, with the parameter values its guards tell apart (valid and
 * invalid input, known and unknown player ids). Child reports (PUSHER_*, PLAYER_*) are sent as the children
 * would send them; the delays are offered only where a timer runs.
 */
function alphabet(snapshot: Snapshot): AnyEventObject[] {
  const events: AnyEventObject[] = [
    // --- page commands
    { type: 'CREATE_PUSHER', attributes: { enableMic: true, enableCamera: true } },
    { type: 'CREATE_PUSHER', attributes: { enableMic: 'yes' } },
    { type: 'ENTER_ROOM', params: PARAMS },
    { type: 'ENTER_ROOM', params: { ...PARAMS, autoPublish: false, autoSubscribe: true } },
    { type: 'ENTER_ROOM', params: { ...PARAMS, roomID: 0 } },
    { type: 'EXIT_ROOM' },
    { type: 'SET_PUSHER_ATTRIBUTES', attributes: { enableMic: false } },
    { type: 'SET_PUSHER_ATTRIBUTES', attributes: { beautyLevel: 42 } },
    { type: 'PUSHER', command: { type: 'START' } },
    { type: 'PUSHER', command: { type: 'PAUSE' } },
    { type: 'SET_PLAYER_ATTRIBUTES', id: 'bob_main', attributes: { muteVideo: false } },
    { type: 'SET_PLAYER_ATTRIBUTES', id: 'bob_main', attributes: { muteVideo: 'no' } },
    { type: 'SET_PLAYER_ATTRIBUTES', id: 'ghost_main', attributes: { muteAudio: false } },
    { type: 'PLAYER', id: 'bob_main', method: 'snapshot' },
    { type: 'PLAYER', id: 'ghost_main', method: 'snapshot' },
    { type: 'SWITCH_STREAM_TYPE', id: 'bob_main' },
    { type: 'SET_BUSINESS_ID', businessId: 'biz-1' },
    { type: 'SET_BUSINESS_ID', businessId: 'not a valid id!' },
    { type: 'SET_VISIBILITY', visible: false },
    { type: 'SET_VISIBILITY', visible: true },
    { type: 'MUTE_LOCAL', audio: true },
    { type: 'MUTE_REMOTE', userID: 'bob', video: true },
    { type: 'PUBLISH' },
    { type: 'UNPUBLISH' },
    { type: 'SUBSCRIBE', userID: 'bob' },
    { type: 'UNSUBSCRIBE', userID: 'bob' },
    // --- <live-pusher> / <live-player> events forwarded by the facade
    { type: 'LIVE_PUSHER_STATUS', code: 1002, message: 'push begin' },
    { type: 'LIVE_PUSHER_STATUS', code: -1307, message: 'push disconnected' },
    { type: 'LIVE_PUSHER_NET_STATUS', info: { videoBitrate: 700 } },
    { type: 'LIVE_PUSHER_ERROR', code: 10003, message: 'bgm load failed' },
    { type: 'LIVE_PUSHER_ERROR', code: -1301, message: 'camera failed' },
    { type: 'LIVE_PUSHER_BGM_START' },
    { type: 'LIVE_PUSHER_BGM_PROGRESS', progress: 1, duration: 10 },
    { type: 'LIVE_PUSHER_BGM_COMPLETE' },
    { type: 'LIVE_PUSHER_AUDIO_VOLUME', volume: 20 },
    { type: 'LIVE_PLAYER_STATUS', id: 'bob_main', code: 2004, message: 'playing', detail: {} },
    { type: 'LIVE_PLAYER_STATUS', id: 'bob_main', code: 6002, message: 'warning', detail: {} },
    { type: 'LIVE_PLAYER_STATUS', id: 'ghost_main', code: 2004, message: 'playing', detail: {} },
    { type: 'LIVE_PLAYER_NET_STATUS', id: 'bob_main', info: { videoBitrate: 300 } },
    { type: 'LIVE_PLAYER_AUDIO_VOLUME', id: 'bob_main', volume: 10 },
    { type: 'LIVE_PLAYER_FULLSCREEN_CHANGE', id: 'bob_main', detail: { fullScreen: true } },
    // --- the signaling driver
    { type: 'LOCAL_URL_READY', url: 'room://cloud.tencent.com/rtc?roomid=1' },
    { type: 'LOCAL_URL_CHANGED', url: 'rtmp://media/live/alice?gen=2' },
    { type: 'ENTER_SUCCEEDED' },
    { type: 'ENTER_FAILED', code: -100018, message: 'userSig invalid' },
    { type: 'EXIT_CONFIRMED' },
    { type: 'KICKED', reason: 'banned' },
    { type: 'REMOTE_USERS_JOINED', userIDs: ['bob'] },
    { type: 'REMOTE_USERS_LEFT', userIDs: ['bob'] },
    { type: 'REMOTE_USER_LIST', userIDs: [] },
    { type: 'REMOTE_STREAM_UPDATED', userID: 'bob', streamType: 'main', audio: true, video: true },
    { type: 'REMOTE_STREAM_UPDATED', userID: 'bob', streamType: 'main', published: false },
    { type: 'REMOTE_URL_CHANGED', userID: 'bob', streamType: 'main', url: 'rtmp://media/live/bob?gen=2' },
    { type: 'REMOTE_STREAM_FAILED', userID: 'bob', streamType: 'main', code: 8024, reason: 'gone' },
    { type: 'LOCAL_STREAM_PUBLISHED' },
    { type: 'LOCAL_STREAM_UNPUBLISHED' },
    { type: 'LOCAL_STREAM_FAILED', code: 8025, reason: 'not allowed' },
    { type: 'VISIBILITY_CHANGED', visible: true },
    { type: 'VISIBILITY_CHANGED', visible: false },
    { type: 'CONNECTION_LOST', reason: 'socket closed' },
    { type: 'CONNECTION_RESTORED' },
    { type: 'CONNECTION_FAILED', code: 8020, message: 'room full' },
    { type: 'REENTER_REQUIRED' },
    { type: 'APP_SUSPENDED' },
    { type: 'FLOAT_WINDOW_CLOSED' },
    { type: 'SIGNALING_ERROR', code: -3302, message: 'server error' },
    { type: 'SIGNALING_WARNING', code: 8026, message: 'android' },
    // --- reports of the children (as the pusher / a player sends them)
    { type: 'PUSHER_FAILED', code: -1307, reason: 'push failed', willRetry: true },
    { type: 'PUSHER_RETRY' },
    { type: 'PUSHER_BGM_FAILED', errMsg: 'bgm' },
    { type: 'PUSHER_CALL_REFUSED', method: 'pause', code: 7020, message: 'pause:fail nothing is being pushed yet', answered: false },
    { type: 'PUSHER_CALL_REFUSED', method: 'pause', code: 7020, message: 'pause:fail nothing is being pushed yet', answered: true },
    { type: 'PLAYER_FAILED', id: 'bob_main', code: -2301, reason: 'pull failed', willRetry: true },
    { type: 'PLAYER_RETRY', id: 'bob_main' },
    // --- the app
    { type: 'APP_SHOWN' },
  ];
  if (snapshot.matches({ active: { inRoom: { connection: { reconnecting: 'network' } } } })) events.push({ type: AFTER_RECONNECT });
  if (snapshot.matches({ active: 'exiting' })) events.push({ type: AFTER_EXIT });
  return events;
}

/** What the room's guards read: its state, whether a pusher exists or an enter waits, visibility, autoPublish, who is here. */
function abstractKey(s: Snapshot): string {
  const c = s.context;
  return JSON.stringify([
    s.value,
    c.pusher !== null,
    c.pendingEnter !== null,
    c.visible,
    c.params?.autoPublish ?? null,
    c.users,
    c.streams.map((x) => [x.id, x.audio, x.video]),
  ]);
}

/** The parts of the room's context that do not depend on its children (the pure model never runs them). */
function ownContext(s: Snapshot) {
  const c = s.context;
  return {
    users: c.users,
    streams: c.streams.map((x) => ({ id: x.id, userID: x.userID, streamType: x.streamType, audio: x.audio, video: x.video })),
    visible: c.visible,
    connection: c.connection,
    params: c.params,
    pendingEnter: c.pendingEnter,
    businessId: c.businessId,
    hasPusher: c.pusher !== null,
  };
}

const inRoom = (s: Snapshot): boolean => s.matches({ active: 'inRoom' });
const inSession = (s: Snapshot): boolean => s.matches({ active: 'inRoom' }) || s.matches({ active: 'entering' });

function checkInvariants(s: Snapshot, where: string, everSeen: ReadonlySet<PlayerRef>): void {
  const c = s.context;
  const tag = (what: string) => `${where}: ${what}`;
  expect([tag('users unique'), new Set(c.users).size]).toEqual([tag('users unique'), c.users.length]);
  expect([tag('stream ids unique'), new Set(c.streams.map((x) => x.id)).size]).toEqual([tag('stream ids unique'), c.streams.length]);
  for (const stream of c.streams) {
    expect([tag(`${stream.id} belongs to a present user`), c.users.includes(stream.userID)]).toEqual([tag(`${stream.id} belongs to a present user`), true]);
    expect([tag(`${stream.id} id`), stream.id]).toEqual([tag(`${stream.id} id`), `${stream.userID}_${stream.streamType}`]);
    expect([tag(`${stream.id} player runs`), stream.ref.getSnapshot().status]).toEqual([tag(`${stream.id} player runs`), 'active']);
    expect([tag(`${stream.id} is the room's child`), s.children[stream.id] === stream.ref]).toEqual([tag(`${stream.id} is the room's child`), true]);
    const player = stream.ref.getSnapshot().context;
    const settable = Object.fromEntries(Object.entries(player.attributes).filter(([k]) => !IDENTITY_KEYS.includes(k)));
    expect([tag(`${stream.id} attributes`), checkPlayerAttributes(settable)?.message ?? null]).toEqual([tag(`${stream.id} attributes`), null]);
    expect([tag(`${stream.id} publish flags`), player.attributes.hasAudio, player.attributes.hasVideo]).toEqual([tag(`${stream.id} publish flags`), stream.audio, stream.video]);
    // What was last asked of the server is what the player wants (a failed subscribe clears it until the retry).
    if (stream.subscribed !== null) {
      expect([tag(`${stream.id} subscription`), stream.subscribed]).toEqual([tag(`${stream.id} subscription`), { audio: !player.attributes.muteAudio, video: !player.attributes.muteVideo }]);
    }
  }
  for (const ref of everSeen) {
    if (!c.streams.some((x) => x.ref === ref)) expect([tag(`released player ${ref.id} stopped`), ref.getSnapshot().status]).toEqual([tag(`released player ${ref.id} stopped`), 'stopped']);
  }
  if (!inRoom(s)) {
    expect([tag('no users outside a room'), c.users, c.streams.length]).toEqual([tag('no users outside a room'), [], 0]);
  }
  if (c.pusher) {
    const attributes = c.pusher.getSnapshot().context.attributes;
    expect([tag('pusher attributes'), checkPusherAttributes(attributes)?.message ?? null]).toEqual([tag('pusher attributes'), null]);
  }
  const expectedConnection = s.matches('idle') || s.matches('kicked') ? 'DISCONNECTED' : s.matches({ active: 'entering' }) ? 'CONNECTING' : null;
  if (expectedConnection) expect([tag('connection'), c.connection]).toEqual([tag('connection'), expectedConnection]);
  if (s.matches({ active: { inRoom: { connection: 'connected' } } })) expect([tag('connection'), c.connection]).toEqual([tag('connection'), 'CONNECTED']);
  if (s.matches({ active: { inRoom: { connection: 'reconnecting' } } })) expect([tag('connection'), c.connection]).toEqual([tag('connection'), 'RECONNECTING']);
}

interface Totals {
  steps: number;
  emitted: number;
}

function drive(path: PlannedPath<Snapshot>, input: RoomInput, recorder: CoverageRecorder, totals: Totals): void {
  const signaling = { sendBack: null as ((event: SignalingEvent) => void) | null, commands: [] as SignalingCommand[] };
  const app = { sendBack: null as ((event: AppLifecycleEvent) => void) | null };
  const fakeSignaling = fromCallback<SignalingCommand, TrtcRoomInput, SignalingEvent>(({ sendBack, receive }) => {
    signaling.sendBack = sendBack;
    receive((command) => void signaling.commands.push(command));
    return () => {
      signaling.sendBack = null;
    };
  });
  const fakeApp = fromCallback<EventObject, undefined, AppLifecycleEvent>(({ sendBack }) => {
    app.sendBack = sendBack;
    return () => {
      app.sendBack = null;
    };
  });
  const machine = roomMachine.provide({ actors: { signaling: fakeSignaling, appLifecycle: fakeApp } });
  const clock = new SimulatedClock();
  const actor = createActor(machine, { input, clock, inspect: recorder.inspect });
  const emitted: RoomEmitted[] = [];
  actor.on('*', (e) => void emitted.push(e));
  actor.start();
  const everSeen = new Set<PlayerRef>();
  try {
    checkInvariants(actor.getSnapshot(), `${path.purpose} @start`, everSeen);
    path.events.forEach((event, i) => {
      const where = `${path.purpose} | step ${i + 1} ${JSON.stringify(event)}`;
      const before = actor.getSnapshot();
      const emittedBefore = emitted.length;
      const commandsBefore = signaling.commands.length;
      const pusherBefore = before.context.pusher;
      recorder.take(() => {
        if (event.type === AFTER_RECONNECT) clock.increment(RECONNECT_TIMEOUT_MS);
        else if (event.type === AFTER_EXIT) clock.increment(EXIT_TIMEOUT_MS);
        else if (SIGNALING_EVENTS.has(event.type) && signaling.sendBack) signaling.sendBack(event as SignalingEvent);
        else if (APP_EVENTS.has(event.type) && app.sendBack) app.sendBack(event as AppLifecycleEvent);
        else actor.send(event as never);
      });
      totals.steps += 1;
      const now = actor.getSnapshot();
      for (const stream of before.context.streams) everSeen.add(stream.ref);
      for (const stream of now.context.streams) everSeen.add(stream.ref);
      const predicted = path.predicted[i]!;
      expect([where, now.value]).toEqual([where, predicted.value]);
      expect([where, ownContext(now)]).toEqual([where, ownContext(predicted)]);
      checkInvariants(now, where, everSeen);

      const added = emitted.slice(emittedBefore);
      totals.emitted += added.length;
      const sent = signaling.commands.slice(commandsBefore);
      // Remote news reaches the page only from inside the room.
      const remote = added.filter((e) => REMOTE_EMITS.has(e.type));
      if (remote.length > 0) expect([where, 'remote events only in a room', inRoom(before)]).toEqual([where, 'remote events only in a room', true]);
      // Leaving (exit, kick, failure, timeout) stops the pusher and every player at once.
      if (inSession(before) && !inSession(now)) {
        const pusher = now.context.pusher ?? pusherBefore;
        if (pusher) expect([where, pusher.getSnapshot().value]).toEqual([where, { stream: 'idle', bgm: 'off', preview: 'off' }]);
        for (const stream of before.context.streams) expect([where, stream.id, stream.ref.getSnapshot().status]).toEqual([where, stream.id, 'stopped']);
      }
      // Entering `exiting` asks the driver to leave, once.
      if (!before.matches({ active: 'exiting' }) && now.matches({ active: 'exiting' })) {
        expect([where, sent.filter((c) => c.type === 'LEAVE').length]).toEqual([where, 1]);
      }
      // LOCAL_LEAVE and KICKED_OUT end the room for the page: nothing follows them in the same step.
      const last = added.findIndex((e) => e.type === 'LOCAL_LEAVE' || e.type === 'KICKED_OUT');
      if (last >= 0) {
        const after = added.slice(last + 1).filter((e) => e.type !== 'CONNECTION_STATE_CHANGED');
        expect([where, after.map((e) => e.type)]).toEqual([where, []]);
      }
    });
  } finally {
    actor.stop();
  }
}

describe('room machine', () => {
  let uninstall: () => void;
  beforeAll(() => {
    logger.setLevel(4);
    uninstall = installWx().uninstall;
  });
  afterAll(() => uninstall());

  test('every state and every transition of the room machine is taken by planned paths on the real machine', () => {
    const page = createPage({});
    const input: RoomInput = { page, retry: RETRY, reconnectTimeoutMs: RECONNECT_TIMEOUT_MS, exitTimeoutMs: EXIT_TIMEOUT_MS };
    const recorder = new CoverageRecorder([roomMachine]);
    const plan = planPaths(roomMachine, input, { events: alphabet, abstractKey });
    const totals: Totals = { steps: 0, emitted: 0 };
    for (const path of plan.paths) drive(path, input, recorder, totals);
    const figures = recorder.figures('room');
    printFigures('model: room machine', [
      formatFigures(figures),
      `[model] room: ${plan.paths.length} planned paths, ${totals.steps} steps driven, ${totals.emitted} events emitted, ${plan.explored.states} abstract states / ${plan.explored.edges} edges explored by @xstate/graph`,
    ]);
    expect(figures.states.missing).toEqual([]);
    expect(figures.transitions.missing).toEqual([]);
  });
});
