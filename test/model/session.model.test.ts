// Model-based coverage of the signaling session (the websocket driver inside the room): a reference statechart of what the session does for each server move (open, answer, refuse, notify, kick, cut) is walked with @xstate/graph, and the real driver and room, against a scripted server socket, must end every step where the reference says; every state and transition of the reference is taken.

import { assign, createActor, setup, SimulatedClock, type AnyEventObject, type SnapshotFrom } from 'xstate';
import { roomMachine } from '../../src/machines/room.machine';
import type { RoomEmitted } from '../../src/machines/room-events';
import { ErrorCode } from '../../src/core/errors';
import { installWx } from '../../src/testing/wx';
import { logger } from '../../src/core/log';
import { scriptedSignaling, type SentRequest } from '../helpers/scripted-socket';
import { CoverageRecorder, formatFigures, planPaths, type PlannedPath } from '../helpers/model-coverage';
import { printFigures } from '../helpers/figures';

const CONNECT_ATTEMPTS = 3;
const RECONNECT_TIMEOUT_MS = 5_000;
const EXIT_TIMEOUT_MS = 1_000;

type ModelEvent =
  | { type: 'ENTER' }
  | { type: 'OPEN' }
  | { type: 'JOIN_OK' }
  | { type: 'JOIN_REFUSED' }
  | { type: 'DROP' }
  | { type: 'RESUME_OK' }
  | { type: 'RESUME_REFUSED' }
  | { type: 'NOTIFY' }
  | { type: 'KICK' }
  | { type: 'EXIT' }
  | { type: 'LEAVE_OK' }
  | { type: 'RECONNECT_TIMEOUT' }
  | { type: 'EXIT_TIMEOUT' };

/**
 * The reference: what one session goes through, from the room's side. `attempts` counts failed first connections
 * (the driver gives up entering after CONNECT_ATTEMPTS). After a refused re-join the driver is closed and the room
 * waits in `exiting` for its exit timeout (no driver is left to confirm the leave).
 */
const sessionModel = setup({
  types: {} as { context: { attempts: number }; events: ModelEvent },
  guards: { lastAttempt: ({ context }) => context.attempts + 1 >= CONNECT_ATTEMPTS },
  actions: { countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }), resetAttempts: assign({ attempts: 0 }) },
}).createMachine({
  id: 'session',
  context: { attempts: 0 },
  initial: 'idle',
  states: {
    idle: { on: { ENTER: { target: 'connecting', actions: 'resetAttempts' } } },
    connecting: {
      on: {
        OPEN: { target: 'joining', actions: 'resetAttempts' },
        DROP: [{ guard: 'lastAttempt', target: 'idle' }, { actions: 'countAttempt' }],
        EXIT: 'idle',
      },
    },
    joining: {
      on: {
        JOIN_OK: 'joined',
        JOIN_REFUSED: 'idle',
        // The socket had opened, which reset the count: a cut here is never the last attempt.
        DROP: { target: 'connecting', actions: 'countAttempt' },
        EXIT: 'idle',
      },
    },
    joined: { on: { NOTIFY: {}, DROP: 'reconnecting', KICK: 'kicked', EXIT: 'leaving' } },
    reconnecting: {
      on: { OPEN: 'resuming', DROP: {}, RECONNECT_TIMEOUT: 'idle', EXIT: 'idle' },
    },
    resuming: {
      on: { RESUME_OK: 'joined', RESUME_REFUSED: 'rejoining', DROP: 'reconnecting', RECONNECT_TIMEOUT: 'idle', EXIT: 'idle' },
    },
    rejoining: {
      // A refused re-join leaves the room at once: the driver confirms the leave itself, no exit timeout.
      on: { JOIN_OK: 'joined', JOIN_REFUSED: 'idle', DROP: 'reconnecting', RECONNECT_TIMEOUT: 'idle', EXIT: 'idle' },
    },
    leaving: { on: { LEAVE_OK: 'idle', DROP: 'idle', EXIT_TIMEOUT: 'idle' } },
    kicked: { on: { ENTER: { target: 'connecting', actions: 'resetAttempts' } } },
  },
});

type ModelSnapshot = SnapshotFrom<typeof sessionModel>;

const ALL_EVENTS: ModelEvent[] = [
  'ENTER', 'OPEN', 'JOIN_OK', 'JOIN_REFUSED', 'DROP', 'RESUME_OK', 'RESUME_REFUSED', 'NOTIFY', 'KICK', 'EXIT', 'LEAVE_OK', 'RECONNECT_TIMEOUT', 'EXIT_TIMEOUT',
].map((type) => ({ type }) as ModelEvent);

/** What the room must show in each reference state, and the request the server must be holding. */
const EXPECTED: Record<string, { room: unknown; pending: string | null }> = {
  idle: { room: 'idle', pending: null },
  kicked: { room: 'kicked', pending: null },
  connecting: { room: { active: 'entering' }, pending: null },
  joining: { room: { active: 'entering' }, pending: 'join' },
  joined: { room: { active: { inRoom: { connection: 'connected' } } }, pending: null },
  reconnecting: { room: { active: { inRoom: { connection: 'reconnecting' } } }, pending: null },
  resuming: { room: { active: { inRoom: { connection: 'reconnecting' } } }, pending: 'resume' },
  rejoining: { room: { active: { inRoom: { connection: 'reconnecting' } } }, pending: 'join' },
  leaving: { room: { active: 'exiting' }, pending: 'leave' },
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs = 1_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(1);
  }
  return true;
}

async function drive(path: PlannedPath<ModelSnapshot>, recorder: CoverageRecorder): Promise<number> {
  const { signaling, sockets } = scriptedSignaling({ requestTimeoutMs: 60_000, reconnectBaseDelayMs: 1, reconnectMaxDelayMs: 2, connectAttempts: CONNECT_ATTEMPTS });
  const clock = new SimulatedClock();
  const room = createActor(roomMachine.provide({ actors: { signaling } }), { input: { reconnectTimeoutMs: RECONNECT_TIMEOUT_MS, exitTimeoutMs: EXIT_TIMEOUT_MS }, clock });
  const emitted: RoomEmitted[] = [];
  room.on('*', (e) => void emitted.push(e));
  room.start();
  // The reference runs alongside, inspected: its coverage is what the drive took.
  const reference = createActor(sessionModel, { inspect: recorder.inspect });
  reference.start();
  let seq = 0;
  const current = () => sockets[sockets.length - 1];
  const pendingOf = (type: string): SentRequest => {
    const request = current()?.unanswered(type).at(-1);
    if (!request) throw new Error(`no unanswered ${type} on socket ${current()?.index}; sent: ${current()?.sent.map((r) => r.type).join(',')}`);
    return request;
  };
  const snapshotResult = () => ({ users: ['bob'], streams: [{ userID: 'bob', streamType: 'main', audio: true, video: false }] });
  let steps = 0;
  try {
    for (const [i, event] of (path.events as ModelEvent[]).entries()) {
      const where = `${path.purpose} | step ${i + 1} ${event.type}`;
      const socketsBefore = sockets.length;
      switch (event.type) {
        case 'ENTER':
          room.send({ type: 'ENTER_ROOM', params: { sdkAppID: 1400000001, userID: 'alice', userSig: 'sig', roomID: 7 } });
          break;
        case 'OPEN':
          current()!.open();
          break;
        case 'JOIN_OK':
          seq = 0;
          current()!.reply(pendingOf('join'), { sessionId: 's', resumeToken: `token-${sockets.length}`, heartbeatIntervalMs: 600_000, graceMs: 30_000, ...snapshotResult() });
          break;
        case 'JOIN_REFUSED':
          current()!.refuse(pendingOf('join'), ErrorCode.USER_SIG_INVALID, 'bad sig');
          break;
        case 'DROP':
          current()!.drop();
          break;
        case 'RESUME_OK':
          current()!.reply(pendingOf('resume'), { sessionId: 's', resumeToken: `token-r${sockets.length}`, publishUrl: null, subscriptions: [], missed: [], ...snapshotResult() });
          break;
        case 'RESUME_REFUSED':
          current()!.refuse(pendingOf('resume'), ErrorCode.RESUME_REJECTED, 'unknown token');
          break;
        case 'NOTIFY':
          seq += 1;
          current()!.notify(seq, { type: 'user-joined', userID: `carol${seq}` });
          break;
        case 'KICK':
          seq += 1;
          current()!.notify(seq, { type: 'kicked', reason: 'banned' });
          break;
        case 'EXIT':
          room.send({ type: 'EXIT_ROOM' });
          break;
        case 'LEAVE_OK':
          current()!.reply(pendingOf('leave'), {});
          break;
        case 'RECONNECT_TIMEOUT':
          clock.increment(RECONNECT_TIMEOUT_MS);
          break;
        case 'EXIT_TIMEOUT':
          clock.increment(EXIT_TIMEOUT_MS);
          break;
      }
      reference.send(event);
      steps += 1;
      const model = reference.getSnapshot();
      expect([where, model.value]).toEqual([where, path.predicted[i]!.value]);
      const expected = EXPECTED[model.value as string]!;
      // A new socket is expected whenever the reference is (again) waiting for a connection to open.
      const wantsSocket = model.matches('connecting') || model.matches('reconnecting');
      await until(() => room.getSnapshot().matches(expected.room as never) && (!wantsSocket || (current()?.live === true && !current()!.opened)));
      await sleep(0);
      const now = room.getSnapshot();
      expect([where, now.matches(expected.room as never)]).toEqual([where, true]);
      if (wantsSocket) expect([where, 'a fresh socket', current()?.live, current()?.opened]).toEqual([where, 'a fresh socket', true, false]);
      if (expected.pending) expect([where, current()!.unanswered(expected.pending).length]).toEqual([where, 1]);
      if (model.matches('idle') || model.matches('kicked')) {
        // No session is left: every socket is closed or cut, nothing is waiting to reconnect.
        await sleep(5);
        expect([where, sockets.filter((s) => s.live).length]).toEqual([where, 0]);
      }
      if (model.matches('joined')) expect([where, now.context.users.includes('bob')]).toEqual([where, true]);
      if (event.type === 'DROP' && model.matches('reconnecting')) expect(sockets.length).toBeGreaterThan(socketsBefore);
    }
    // The page hears about each room once: every LOCAL_JOIN is closed by one LOCAL_LEAVE or KICKED_OUT, never two.
    let open = 0;
    for (const e of emitted) {
      if (e.type === 'LOCAL_JOIN') open += 1;
      if (e.type === 'LOCAL_LEAVE' || e.type === 'KICKED_OUT') open = Math.max(0, open - 1);
      expect([path.purpose, open <= 1]).toEqual([path.purpose, true]);
    }
  } finally {
    room.stop();
    reference.stop();
  }
  return steps;
}

describe('signaling session (websocket driver)', () => {
  let uninstall: () => void;
  beforeAll(() => {
    logger.setLevel(4);
    uninstall = installWx().uninstall;
  });
  afterAll(() => uninstall());

  test('every state and transition of the session reference is taken, and the real driver follows it step by step', async () => {
    const recorder = new CoverageRecorder([sessionModel]);
    const plan = planPaths(sessionModel, undefined, {
      events: () => ALL_EVENTS as AnyEventObject[],
      abstractKey: (s) => JSON.stringify([s.value, s.context]),
    });
    let steps = 0;
    for (const path of plan.paths) steps += await drive(path, recorder);
    const figures = recorder.figures('session');
    printFigures('model: signaling session (websocket driver)', [
      formatFigures(figures, 'session (ws driver)'),
      `[model] session: ${plan.paths.length} planned paths, ${steps} steps driven against a scripted server, ${plan.explored.states} abstract states explored by @xstate/graph`,
    ]);
    expect(figures.states.missing).toEqual([]);
    expect(figures.transitions.missing).toEqual([]);
  }, 60_000);
});
