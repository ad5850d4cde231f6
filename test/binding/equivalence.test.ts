// The page binding against the whole-list pattern: long random runs of status codes, attribute calls,
// notifications, exits and re-entries drive one TRTC; page A is kept by bindPage, page B by setData of whole
// values on every call and event. After every settled tick both pages hold the same pusher and playerList.

import fc from 'fast-check';
import { installWx, type HeadlessWx } from '../../src/testing/wx';
import { createPage, type PageInstance } from '../../src/testing/page';
import { TRTC } from '../../src/trtc';
import { EVENT } from '../../src/view/events';
import { playerEvent, pusherEvent, status, validParams, type PusherStatus } from '../helpers/status';

const USERS = ['bob', 'carol', 'dave', 'erin', 'frank'];
/** Never announced: ids the page may still name. */
const STRANGER = 'mallory';

type Step =
  | { kind: 'status'; status: PusherStatus }
  | { kind: 'setPlayer'; id: string; config: Record<string, unknown> }
  | { kind: 'setPusher'; config: Record<string, unknown> }
  | { kind: 'muteRemote'; userID: string; options: { audio?: boolean; video?: boolean } }
  | { kind: 'muteLocal'; options: { audio?: boolean; video?: boolean } }
  | { kind: 'switchStreamType'; id: string }
  | { kind: 'playerVolume'; id: string; volume: number }
  | { kind: 'playerNet'; id: string; info: Record<string, unknown> }
  | { kind: 'playerStatus'; id: string; code: number }
  | { kind: 'pusherVolume'; volume: number }
  | { kind: 'pusherNet'; info: Record<string, unknown> }
  | { kind: 'createPusher'; config: Record<string, unknown> }
  | { kind: 'enterRoom'; params: Record<string, unknown> }
  | { kind: 'exitRoom' }
  | { kind: 'appShow' }
  | { kind: 'time'; ms: number };

const user = fc.constantFrom(...USERS, STRANGER);
const someUsers = fc.uniqueArray(user, { minLength: 1, maxLength: 3 });
const playerId = fc.tuple(user, fc.constantFrom('main', 'aux', 'main', 'main')).map(([u, t]) => `${u}_${t}`);
const flag = fc.boolean();
const playerConfig = fc.oneof(
  fc.record({ muteVideo: flag, muteAudio: flag }, { requiredKeys: [] }),
  fc.record({ objectFit: fc.constantFrom('contain', 'fillCrop'), soundMode: fc.constantFrom('speaker', 'ear') }, { requiredKeys: [] }),
  fc.record({ isVisible: flag, volume: fc.integer({ min: 0, max: 100 }) }, { requiredKeys: [] }),
  // Wrong types are refused with an ERROR and change nothing.
  fc.constant({ muteVideo: 'yes' }),
  // Keys newer than the SDK pass through, undefined values included (setData drops them).
  fc.constant({ customTag: 'teacher', dropped: undefined }),
);
const pusherConfig = fc.oneof(
  fc.record({ enableMic: flag, enableCamera: flag }, { requiredKeys: [] }),
  fc.record({ beautyLevel: fc.integer({ min: 0, max: 9 }), frontCamera: fc.constantFrom('front', 'back') }, { requiredKeys: [] }),
  fc.constant({ minBitrate: -1 }),
);
const netInfo = fc.record({ videoBitrate: fc.integer({ min: 0, max: 2000 }), videoFPS: fc.integer({ min: 0, max: 30 }), netSpeed: fc.integer({ min: 0, max: 5000 }) }, { requiredKeys: ['videoBitrate'] });

const pusherStatus: fc.Arbitrary<PusherStatus> = fc.oneof(
  { arbitrary: fc.constant(status.entered()), weight: 12 },
  { arbitrary: someUsers.map((u) => status.joined(...u)), weight: 16 },
  { arbitrary: someUsers.map((u) => status.left(...u)), weight: 4 },
  { arbitrary: fc.tuple(user, flag, fc.constantFrom<'main' | 'aux'>('main', 'main', 'aux')).map(([u, on, t]) => status.video(u, on, t)), weight: 16 },
  { arbitrary: fc.tuple(user, flag).map(([u, on]) => status.audio(u, on)), weight: 16 },
  { arbitrary: someUsers.map((u) => status.userList(...u)), weight: 2 },
  { arbitrary: fc.constantFrom(0, 1, 2, 3).map((reason) => status.exited(reason)), weight: 1 },
  { arbitrary: fc.constantFrom(status.pushBegin(), status.disconnected(), status.networkChanged(), status.hungUp()), weight: 4 },
  // These end the room: rare, or few runs would get far with players in it.
  { arbitrary: fc.constantFrom(status.enterFailed(), status.userSigInvalid(), status.floatWindowClosed()), weight: 1 },
  // Malformed: a 1031 whose message is not JSON.
  { arbitrary: fc.constant({ code: 1031, message: 'not json' }), weight: 2 },
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: pusherStatus.map((s) => ({ kind: 'status' as const, status: s })), weight: 30 },
  { arbitrary: fc.record({ kind: fc.constant('setPlayer' as const), id: playerId, config: playerConfig }), weight: 6 },
  { arbitrary: fc.record({ kind: fc.constant('setPusher' as const), config: pusherConfig }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('muteRemote' as const), userID: user, options: fc.record({ audio: flag, video: flag }, { requiredKeys: [] }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('muteLocal' as const), options: fc.record({ audio: flag, video: flag }, { requiredKeys: [] }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('switchStreamType' as const), id: playerId }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('playerVolume' as const), id: playerId, volume: fc.integer({ min: 0, max: 100 }) }), weight: 10 },
  { arbitrary: fc.record({ kind: fc.constant('playerNet' as const), id: playerId, info: netInfo }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('playerStatus' as const), id: playerId, code: fc.constantFrom(2004, 2007, 2006, -2301, 2026, 6002) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('pusherVolume' as const), volume: fc.integer({ min: 0, max: 100 }) }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('pusherNet' as const), info: netInfo }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('createPusher' as const), config: pusherConfig }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('enterRoom' as const),
      params: fc.oneof(
        fc.constant({ ...validParams, enableMic: true, enableCamera: true }),
        fc.constant({ ...validParams, roomID: 99, autoSubscribe: false }),
        fc.constant({ ...validParams, roomID: 0 }),
      ),
    }),
    // Often: a run that left the room should get back in and meet players again.
    weight: 8,
  },
  { arbitrary: fc.constant({ kind: 'exitRoom' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'appShow' as const }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('time' as const), ms: fc.constantFrom(10, 500, 2_000, 5_000, 40_000) }), weight: 2 },
);

/** A run starts in a room more often than not, so most steps meet players. */
const run = fc.tuple(fc.constantFrom(true, true, true, false), fc.array(step, { minLength: 1, maxLength: 80, size: 'max' }));

interface Pages {
  bound: PageInstance;
  whole: PageInstance;
}

/** Page B's side: trtc-wx's documented pattern, setData of whole values from what each call returns. */
function wholeListPage(trtc: TRTC): PageInstance {
  const page = createPage({ data: { pusher: {}, playerList: [] } });
  for (const code of Object.values(EVENT)) {
    trtc.on(code, (event: { data?: unknown }) => {
      const data = (typeof event.data === 'object' && event.data !== null ? event.data : {}) as { playerList?: unknown; pusher?: unknown };
      // Event data where it carries the lists; the getters for events that carry neither.
      page.setData({
        playerList: 'playerList' in data ? data.playerList : trtc.getPlayerList(),
        pusher: 'pusher' in data ? data.pusher : trtc.getPusherAttributes(),
      });
    });
  }
  return page;
}

function perform(trtc: TRTC, wx: HeadlessWx, whole: PageInstance, s: Step): void {
  switch (s.kind) {
    case 'status':
      return trtc.pusherEventHandler(pusherEvent(s.status));
    case 'setPlayer':
      return whole.setData({ playerList: trtc.setPlayerAttributes(s.id, s.config) });
    case 'setPusher':
      return whole.setData({ pusher: trtc.setPusherAttributes(s.config) });
    case 'muteRemote':
      return whole.setData({ playerList: trtc.muteRemote(s.userID, s.options) });
    case 'muteLocal':
      return whole.setData({ pusher: trtc.muteLocal(s.options) });
    case 'switchStreamType':
      return whole.setData({ playerList: trtc.switchStreamType(s.id) });
    case 'playerVolume':
      return trtc.playerAudioVolumeNotify(playerEvent(s.id, { volume: s.volume }));
    case 'playerNet':
      return trtc.playerNetStatus(playerEvent(s.id, { info: s.info }));
    case 'playerStatus':
      return trtc.playerEventHandler(playerEvent(s.id, { code: s.code, message: `status ${s.code}` }));
    case 'pusherVolume':
      return trtc.pusherAudioVolumeNotify({ detail: { volume: s.volume } });
    case 'pusherNet':
      return trtc.pusherNetStatusHandler({ detail: { info: s.info } });
    case 'createPusher':
      return whole.setData({ pusher: trtc.createPusher(s.config).pusherAttributes });
    case 'enterRoom':
      return whole.setData({ pusher: trtc.enterRoom(s.params as never) });
    case 'exitRoom': {
      const result = trtc.exitRoom();
      return whole.setData({ pusher: result.pusher, playerList: result.playerList });
    }
    case 'appShow':
      return wx.showApp();
    case 'time':
      jest.advanceTimersByTime(s.ms);
      return;
  }
}

/** Let the tick end: every microtask (the binding's flush, wx answers) and nothing timed. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const view = (page: PageInstance) => ({ pusher: page.data.pusher, playerList: page.data.playerList });

function dataAt(data: unknown, path: string): unknown {
  let node = data;
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[match[1] ?? match[2]!];
  }
  return node;
}

describe('bindPage keeps the page exactly where the whole-list pattern would', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'], now: 0 }));
  afterEach(() => jest.useRealTimers());

  const totals = { steps: 0, stepsWithPlayers: 0, boundBytes: 0, wholeBytes: 0 };

  test('200 random runs of up to 80 steps', async () => {
    await fc.assert(
      fc.asyncProperty(run, async ([startInRoom, steps]) => {
        const { wx, uninstall } = installWx();
        const bound = createPage({ data: { pusher: {}, playerList: [] } });
        const trtc = new TRTC(bound, { env: 'test', retry: { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 400 } });
        const pages: Pages = { bound, whole: wholeListPage(trtc) };
        try {
          trtc.bindPage();
          if (startInRoom) {
            pages.whole.setData({ pusher: trtc.createPusher({}).pusherAttributes });
            pages.whole.setData({ pusher: trtc.enterRoom({ ...validParams, enableMic: true, enableCamera: true }) });
            trtc.pusherEventHandler(pusherEvent(status.entered()));
          }
          await settle();
          expect(view(pages.bound)).toEqual(view(pages.whole));
          for (const s of steps) {
            const before = JSON.parse(JSON.stringify(pages.bound.data)) as Record<string, unknown>;
            const callsBefore = pages.bound.setDataCalls.length;
            perform(trtc, wx, pages.whole, s);
            await settle();
            expect(view(pages.bound)).toEqual(view(pages.whole));
            if ((pages.bound.data.playerList as unknown[]).length > 0) totals.stepsWithPlayers++;
            const made = pages.bound.setDataCalls.slice(callsBefore);
            // One setData per tick, and no entry in it the page already had.
            expect(made.length).toBeLessThanOrEqual(1);
            for (const { patch } of made) {
              for (const [path, value] of Object.entries(patch)) expect(dataAt(before, path)).not.toEqual(value);
            }
          }
          totals.steps += steps.length;
          totals.boundBytes += pages.bound.setDataCalls.reduce((n, c) => n + c.bytes, 0);
          totals.wholeBytes += pages.whole.setDataCalls.reduce((n, c) => n + c.bytes, 0);
        } finally {
          trtc.destroy();
          uninstall();
          jest.clearAllTimers();
        }
      }),
      { seed: 0x5e7da7a, numRuns: 200, endOnFailure: true },
    );
    // Not vacuous: the runs did real work, and the binding sent far less than the whole-list pattern.
    expect(totals.steps).toBeGreaterThan(200 * 20);
    expect(totals.stepsWithPlayers).toBeGreaterThan(totals.steps / 4);
    expect(totals.boundBytes * 5).toBeLessThan(totals.wholeBytes);
  });
});
