// Model-based coverage of the player machine: @xstate/graph plans paths to every state and through every transition, the real machine is driven along them on a simulated clock, and every state and transition must be taken.

import { createActor, SimulatedClock, type AnyEventObject, type SnapshotFrom } from 'xstate';
import { playerMachine, type PlayerInput } from '../../src/machines/player.machine';
import { PlayerStatus } from '../../src/core/status-codes';
import { checkPlayerAttributes } from '../../src/core/attributes';
import type { RetryPolicy } from '../../src/core/retry';
import { CoverageRecorder, coverFromInputs, formatFigures, inventoryOf, type PlannedPath } from '../helpers/model-coverage';
import { printFigures } from '../helpers/figures';

type Snapshot = SnapshotFrom<typeof playerMachine>;

const RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 400 };
const ROOM_SRC = 'room://cloud.tencent.com/rtc?userid=bob&streamtype=main';
const IDENTITY_KEYS = ['id', 'userID', 'streamType', 'streamID', 'hasVideo', 'hasAudio', '_definitionType'];
const AFTER_RETRY = 'xstate.after.retryDelay.player.failed.waitingToRetry';

/** The inputs the room spawns players with: an announced stream (tracks muted) and an auto-subscribed screen share. */
const INPUTS: Array<{ name: string; input: PlayerInput }> = [
  { name: 'announced main', input: { userID: 'bob', streamType: 'main', src: ROOM_SRC, hasVideo: true, hasAudio: true, retry: RETRY } },
  { name: 'auto-subscribed aux', input: { userID: 'bob', streamType: 'aux', src: '', hasVideo: true, hasAudio: false, retry: RETRY, unmuted: true } },
];

const status = (code: number): AnyEventObject => ({ type: 'LIVE_PLAYER_STATUS', code, message: `status ${code}` });

/** The event alphabet: every event type the player handles, with the parameter values its guards tell apart. */
function alphabet(snapshot: Snapshot): AnyEventObject[] {
  const events: AnyEventObject[] = [
    { type: 'SET_ATTRIBUTES', attributes: { muteAudio: false } },
    { type: 'SET_ATTRIBUTES', attributes: { muteAudio: true } },
    { type: 'SET_ATTRIBUTES', attributes: { muteVideo: false } },
    { type: 'SET_ATTRIBUTES', attributes: { muteVideo: true } },
    { type: 'PUBLISH_STATE', audio: true, video: true },
    { type: 'PUBLISH_STATE', audio: false, video: true },
    { type: 'PUBLISH_STATE', audio: true, video: false },
    { type: 'PUBLISH_STATE', audio: false, video: false },
    { type: 'SET_SRC', url: 'rtmp://media/live/bob?gen=1' },
    { type: 'SET_SRC', url: 'rtmp://media/live/bob?gen=2' },
    status(PlayerStatus.CONNECTED),
    status(PlayerStatus.PLAYING),
    status(PlayerStatus.FIRST_VIDEO_FRAME),
    status(PlayerStatus.FIRST_AUDIO_FRAME),
    status(PlayerStatus.LOADING),
    status(PlayerStatus.ENDED),
    status(PlayerStatus.DISCONNECTED),
    status(PlayerStatus.UNRECOVERABLE),
    { type: 'SUBSCRIBE_FAILED', code: 8024, reason: 'no such stream' },
    { type: 'NET_STATUS', info: { videoBitrate: 500 } },
    { type: 'AUDIO_VOLUME', volume: 30 },
    { type: 'SWITCH_STREAM_TYPE' },
    { type: 'CONTEXT_CALL', method: 'snapshot' },
    { type: 'RELEASE' },
  ];
  if (snapshot.matches({ failed: 'waitingToRetry' })) events.push({ type: AFTER_RETRY });
  return events;
}

/**
 * What the player's guards read: the track flags and whether retries remain (src and the rest never decide a
 * transition). `failures` counts consecutive failures and is only reset by media flowing or a new url, so a page
 * that mutes a given-up player and unmutes it again adds one more: past the budget all counts act alike.
 */
function abstractKey(snapshot: Snapshot): string {
  const a = snapshot.context.attributes;
  return JSON.stringify([snapshot.value, a.muteAudio, a.muteVideo, a.hasAudio, a.hasVideo, Math.min(snapshot.context.failures, RETRY.maxAttempts + 1)]);
}

function wantsMedia(s: Snapshot): boolean {
  const a = s.context.attributes;
  return (a.hasVideo && !a.muteVideo) || (a.hasAudio && !a.muteAudio);
}

/** What must hold in every state the player reaches. */
function checkInvariants(s: Snapshot, where: string): void {
  const a = s.context.attributes;
  const settable = Object.fromEntries(Object.entries(a).filter(([k]) => !IDENTITY_KEYS.includes(k)));
  expect([where, checkPlayerAttributes(settable)?.message ?? null]).toEqual([where, null]);
  expect(s.context.failures).toBeGreaterThanOrEqual(0);
  if (s.matches('idle')) expect([where, wantsMedia(s)]).toEqual([where, false]);
  if (s.matches('playing')) {
    expect([where, wantsMedia(s)]).toEqual([where, true]);
    expect(s.context.failures).toBe(0);
    const audible = a.hasAudio && !a.muteAudio;
    const visible = a.hasVideo && !a.muteVideo;
    expect([where, s.matches({ playing: { audio: audible ? 'audible' : 'silent' } })]).toEqual([where, true]);
    expect([where, s.matches({ playing: { video: visible ? 'shown' : 'hidden' } })]).toEqual([where, true]);
  }
  if (s.matches({ failed: 'gaveUp' })) expect(s.context.failures).toBeGreaterThan(RETRY.maxAttempts);
  if (s.matches({ failed: 'waitingToRetry' })) expect(s.context.failures).toBeLessThanOrEqual(RETRY.maxAttempts);
}

/** Transitions (as recorded: machine:key) that enter player.failed, so a step can count its failure reports. */
const ENTERS_FAILED = new Set(inventoryOf(playerMachine).transitions.filter((t) => t.targets.includes('player.failed')).map((t) => `player:${t.key}`));

interface Drive {
  steps: number;
}

/** Drive a real player actor along one planned path; the actor must end each step where the model predicted. */
function drive(input: PlayerInput, path: PlannedPath<Snapshot>, recorder: CoverageRecorder, totals: Drive): void {
  const effects: string[] = [];
  const reports: Array<{ type: string; willRetry?: boolean }> = [];
  const machine = playerMachine.provide({
    actions: {
      callContext: (_, params) => void effects.push(params.method),
      markContextActive: () => void effects.push('markActive'),
      releaseContext: () => void effects.push('release'),
      restartContext: () => void effects.push('restart'),
      reportToRoom: (_, report) => void reports.push({ ...report }),
    },
  });
  const clock = new SimulatedClock();
  const actor = createActor(machine, { input, clock, inspect: recorder.inspect });
  actor.start();
  try {
    checkInvariants(actor.getSnapshot(), `${path.purpose} @start`);
    // Retries since media last flowed or a new url reset the budget: never more than the policy allows.
    let retriesSinceReset = 0;
    path.events.forEach((event, i) => {
      const where = `${path.purpose} step ${i + 1} ${JSON.stringify(event)}`;
      const reportsBefore = reports.length;
      const taken = recorder.take(() => {
        if (event.type === AFTER_RETRY) clock.increment(RETRY.maxDelayMs);
        else actor.send(event as never);
      });
      totals.steps += 1;
      const now = actor.getSnapshot();
      const predicted = path.predicted[i]!;
      expect([where, now.value]).toEqual([where, predicted.value]);
      expect([where, now.context]).toEqual([where, predicted.context]);
      checkInvariants(now, where);
      // Every entry into `failed` reports once, every retry reports once, nothing else reports.
      const failedEntries = taken.filter((k) => ENTERS_FAILED.has(k)).length;
      const retries = taken.filter((k) => k.includes(AFTER_RETRY)).length;
      const added = reports.slice(reportsBefore);
      expect([where, added.filter((r) => r.type === 'PLAYER_FAILED').length]).toEqual([where, failedEntries]);
      expect([where, added.filter((r) => r.type === 'PLAYER_RETRY').length]).toEqual([where, retries]);
      for (const r of added.filter((x) => x.type === 'PLAYER_FAILED')) expect(r.willRetry).toBe(now.context.failures <= RETRY.maxAttempts);
      retriesSinceReset = now.context.failures === 0 ? 0 : retriesSinceReset + retries;
      expect([where, retriesSinceReset <= RETRY.maxAttempts]).toEqual([where, true]);
      if (event.type === 'RELEASE') expect(effects.at(-1)).toBe('release');
    });
  } finally {
    actor.stop();
  }
}

test('every state and every transition of the player machine is taken by planned paths on the real machine', () => {
  const { figures, paths, steps, explored } = coverFromInputs(playerMachine, INPUTS.map(({ input }) => input), { events: alphabet, abstractKey }, drive);
  printFigures('model: player machine', [
    formatFigures(figures),
    `[model] player: ${paths} planned paths, ${steps} steps driven, ${explored} abstract states explored by @xstate/graph`,
  ]);
  expect(figures.states.missing).toEqual([]);
  expect(figures.transitions.missing).toEqual([]);
});
