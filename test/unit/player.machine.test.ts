// The player machine alone: idle/loading/playing/ended/failed paths, audio/video sub-states, retry on a simulated clock.

import { createActor, SimulatedClock } from 'xstate';
import { playerMachine, type PlayerEvent, type PlayerInput } from '../../src/machines/player.machine';
import type { RetryPolicy } from '../../src/core/retry';
import { installWx } from '../../src/testing/wx';

interface Harness {
  actor: ReturnType<typeof createActor<typeof playerMachine>>;
  clock: SimulatedClock;
  /** Context calls, released contexts and restarts, in order: 'play', 'release', 'restart' ... */
  effects: string[];
  /** Whether the player marked its context as asked for media. */
  markedActive(): boolean;
  reports: Array<Record<string, unknown>>;
  /** Every distinct state value. */
  states: string[];
  send(...events: PlayerEvent[]): void;
  state(): string;
  attributes(): ReturnType<ReturnType<typeof createActor<typeof playerMachine>>['getSnapshot']>['context']['attributes'];
}

const SRC = 'room://cloud.tencent.com/rtc?userid=bob&streamtype=main';

function start(input: Partial<PlayerInput> = {}): Harness {
  const effects: string[] = [];
  const reports: Array<Record<string, unknown>> = [];
  // Whether the machine told the context registry that media was asked for (leaving must then stop it).
  const marked = { active: false };
  const machine = playerMachine.provide({
    actions: {
      callContext: (_, params) => void effects.push(params.method),
      markContextActive: () => void (marked.active = true),
      releaseContext: () => void effects.push('release'),
      restartContext: () => void effects.push('restart'),
      // The machine decides what it reports; the harness only records it.
      reportToRoom: (_, report) => void reports.push({ ...report }),
    },
  });
  const clock = new SimulatedClock();
  const actor = createActor(machine, {
    clock,
    input: { userID: 'bob', streamType: 'main', src: SRC, hasVideo: true, hasAudio: true, ...input },
  });
  const states: string[] = [];
  const valueOf = () => JSON.stringify(actor.getSnapshot().value).replace(/"/g, '');
  actor.subscribe(() => {
    const now = valueOf();
    if (states[states.length - 1] !== now) states.push(now);
  });
  actor.start();
  if (states.length === 0) states.push(valueOf());
  return {
    actor,
    clock,
    effects,
    reports,
    states,
    send: (...events) => events.forEach((e) => actor.send(e)),
    state: valueOf,
    attributes: () => actor.getSnapshot().context.attributes,
    markedActive: () => marked.active,
  };
}

const status = (code: number, message = ''): PlayerEvent => ({ type: 'LIVE_PLAYER_STATUS', code, message });
const unmuteVideo: PlayerEvent = { type: 'SET_ATTRIBUTES', attributes: { muteVideo: false } };

describe('idle and loading', () => {
  test('a new player is idle: both tracks muted by default, nothing pulled', () => {
    const h = start();
    expect(h.state()).toBe('idle');
    expect(h.attributes()).toMatchObject({ id: 'bob_main', muteAudio: true, muteVideo: true, src: SRC });
    expect(h.markedActive()).toBe(false);
  });

  test('unmuting a published track starts loading and marks media as requested', () => {
    const h = start();
    h.send(unmuteVideo);
    expect(h.state()).toBe('loading');
    expect(h.markedActive()).toBe(true);
  });

  test('unmuting a track the remote does not publish pulls nothing', () => {
    const h = start({ hasVideo: false, hasAudio: true });
    h.send(unmuteVideo);
    expect(h.state()).toBe('idle');
  });

  test('wanting media before the url arrives is already loading (the subscription is under way); the url is then kept', () => {
    const h = start({ src: '' });
    h.send(unmuteVideo);
    expect(h.state()).toBe('loading');
    h.send({ type: 'SET_SRC', url: SRC });
    expect(h.state()).toBe('loading');
    expect(h.attributes().src).toBe(SRC);
  });

  test('an unmuted player (autoSubscribe) loads at once', () => {
    const h = start({ unmuted: true });
    expect(h.state()).toBe('loading');
    expect(h.attributes()).toMatchObject({ muteAudio: false, muteVideo: false });
  });

  test('the remote publishing its track while unmuted starts loading (PUBLISH_STATE)', () => {
    const h = start({ hasVideo: false, hasAudio: false });
    h.send(unmuteVideo);
    expect(h.state()).toBe('idle');
    h.send({ type: 'PUBLISH_STATE', audio: false, video: true });
    expect(h.state()).toBe('loading');
    expect(h.attributes()).toMatchObject({ hasVideo: true, hasAudio: false });
  });
});

describe('playing', () => {
  test('idle -> loading -> playing on 2004, with audio/video sub-states from hasAudio/muteAudio, hasVideo/muteVideo', () => {
    const h = start();
    h.send(unmuteVideo, status(2004));
    expect(h.states).toEqual(['idle', 'loading', '{playing:{audio:silent,video:shown}}']);
  });

  test.each([[2003], [2026]])('first frame %p also counts as playing', (code) => {
    const h = start();
    h.send(unmuteVideo, status(code));
    expect(h.state()).toMatch(/^\{playing/);
  });

  test('audio and video sub-states follow mute flags and publish state while playing', () => {
    const h = start();
    h.send(unmuteVideo, status(2004));
    h.send({ type: 'SET_ATTRIBUTES', attributes: { muteAudio: false } });
    expect(h.state()).toBe('{playing:{audio:audible,video:shown}}');
    h.send({ type: 'SET_ATTRIBUTES', attributes: { muteVideo: true } });
    expect(h.state()).toBe('{playing:{audio:audible,video:hidden}}');
    h.send({ type: 'PUBLISH_STATE', audio: false, video: true });
    // audio unpublished, video muted: nothing wanted any more.
    expect(h.state()).toBe('idle');
  });

  test('the remote stopping its audio makes audio silent while video keeps playing', () => {
    const h = start();
    h.send({ type: 'SET_ATTRIBUTES', attributes: { muteAudio: false, muteVideo: false } }, status(2004));
    expect(h.state()).toBe('{playing:{audio:audible,video:shown}}');
    h.send({ type: 'PUBLISH_STATE', audio: false, video: true });
    expect(h.state()).toBe('{playing:{audio:silent,video:shown}}');
  });

  test('muting both tracks goes back to idle', () => {
    const h = start();
    h.send({ type: 'SET_ATTRIBUTES', attributes: { muteAudio: false, muteVideo: false } }, status(2004));
    h.send({ type: 'SET_ATTRIBUTES', attributes: { muteAudio: true, muteVideo: true } });
    expect(h.state()).toBe('idle');
  });

  test('buffering (2007) goes back to loading; playing resumes on the next frame', () => {
    const h = start();
    h.send(unmuteVideo, status(2004), status(2007));
    expect(h.state()).toBe('loading');
    h.send(status(2004));
    expect(h.state()).toMatch(/^\{playing/);
  });

  test('2006 ends the play; media flowing again plays', () => {
    const h = start();
    h.send(unmuteVideo, status(2004), status(2006));
    expect(h.state()).toBe('ended');
    h.send(status(2004));
    expect(h.state()).toMatch(/^\{playing/);
  });

  test('a new url while playing reloads with it', () => {
    const h = start();
    h.send(unmuteVideo, status(2004), { type: 'SET_SRC', url: `${SRC}&x=1` });
    expect(h.state()).toBe('loading');
    expect(h.attributes().src).toBe(`${SRC}&x=1`);
  });
});

describe('failure and retry', () => {
  const policy: RetryPolicy = { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 15 };

  test('-2301 fails; after the base delay the context restarts (stop+play) and loading resumes', () => {
    const h = start({ retry: policy });
    h.send(unmuteVideo, status(2004), status(-2301, 'disconnected'));
    expect(h.state()).toBe('{failed:waitingToRetry}');
    expect(h.reports).toEqual([{ type: 'PLAYER_FAILED', id: 'bob_main', code: -2301, reason: expect.any(String), willRetry: true }]);
    h.clock.increment(9);
    expect(h.effects).toEqual([]);
    h.clock.increment(1);
    expect(h.state()).toBe('loading');
    expect(h.effects).toEqual(['restart']);
    expect(h.reports[1]).toEqual({ type: 'PLAYER_RETRY', id: 'bob_main' });
  });

  test('idle -> loading -> playing -> failed -> retry -> ... -> gaveUp after exactly maxAttempts retries', () => {
    const h = start({ retry: policy });
    h.send(unmuteVideo, status(2004));
    for (let n = 0; n < 5; n++) {
      h.send(status(-2301));
      h.clock.increment(1000);
    }
    expect(h.state()).toBe('{failed:gaveUp}');
    expect(h.effects.filter((e) => e === 'restart')).toHaveLength(policy.maxAttempts);
    expect(h.reports.filter((r) => r.type === 'PLAYER_FAILED').map((r) => r.willRetry)).toEqual([...Array(policy.maxAttempts).fill(true), false]);
    expect(h.states.slice(0, 5)).toEqual(['idle', 'loading', '{playing:{audio:silent,video:shown}}', '{failed:waitingToRetry}', 'loading']);
  });

  test('-2302 (unrecoverable) and a failed subscribe also fail the player', () => {
    const a = start({ retry: policy });
    a.send(unmuteVideo, status(-2302));
    expect(a.state()).toBe('{failed:waitingToRetry}');
    const b = start({ retry: policy });
    b.send(unmuteVideo, { type: 'SUBSCRIBE_FAILED', code: 8024, reason: 'stream not found' });
    expect(b.state()).toBe('{failed:waitingToRetry}');
    expect(b.reports[0]).toMatchObject({ code: 8024 });
  });

  test('SET_SRC from failed (UPDATE_URL) loads the new url at once, on the same budget', () => {
    const h = start({ retry: { maxAttempts: 0, baseDelayMs: 10, maxDelayMs: 10 } });
    h.send(unmuteVideo, status(-2301));
    expect(h.state()).toBe('{failed:gaveUp}');
    h.send({ type: 'SET_SRC', url: `${SRC}&new=1` });
    expect(h.state()).toBe('loading');
    // Each retry re-subscribes and gets a new url: resetting here would let a refused pull retry forever.
    expect(h.actor.getSnapshot().context.failures).toBe(1);
    expect(h.attributes().src).toBe(`${SRC}&new=1`);
  });

  test('muting everything while failed goes idle and cancels the pending retry', () => {
    const h = start({ retry: policy });
    h.send(unmuteVideo, status(-2301), { type: 'SET_ATTRIBUTES', attributes: { muteVideo: true } });
    expect(h.state()).toBe('idle');
    h.clock.increment(1000);
    expect(h.effects).toEqual([]);
    expect(h.state()).toBe('idle');
  });

  test('media flowing while waiting to retry plays without a restart', () => {
    const h = start({ retry: policy });
    h.send(unmuteVideo, status(-2301), status(2004));
    expect(h.state()).toMatch(/^\{playing/);
    h.clock.increment(1000);
    expect(h.effects).toEqual([]);
  });

  test('playing again resets the failure count', () => {
    const h = start({ retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 100 } });
    h.send(unmuteVideo, status(-2301));
    h.clock.increment(10);
    h.send(status(-2301));
    expect(h.actor.getSnapshot().context.failures).toBe(2);
    h.clock.increment(20);
    h.send(status(2004));
    expect(h.actor.getSnapshot().context.failures).toBe(0);
  });
});

describe('commands', () => {
  test('SWITCH_STREAM_TYPE toggles src main <-> small and _definitionType', () => {
    const h = start();
    h.send({ type: 'SWITCH_STREAM_TYPE' });
    expect(h.attributes()).toMatchObject({ src: 'room://cloud.tencent.com/rtc?userid=bob&streamtype=small', _definitionType: 'small' });
    h.send({ type: 'SWITCH_STREAM_TYPE' });
    expect(h.attributes()).toMatchObject({ src: SRC, _definitionType: 'main' });
  });

  test('SWITCH_STREAM_TYPE changes the stream type only, even when the userID contains "main" or "small"', () => {
    const h = start({ userID: 'germaine', src: 'room://cloud.tencent.com/rtc?userid=germaine&streamtype=main' });
    h.send({ type: 'SWITCH_STREAM_TYPE' });
    expect(h.attributes().src).toBe('room://cloud.tencent.com/rtc?userid=germaine&streamtype=small');
    const k = start({ userID: 'smallville', src: 'room://cloud.tencent.com/rtc?userid=smallville&streamtype=main' });
    k.send({ type: 'SWITCH_STREAM_TYPE' }, { type: 'SWITCH_STREAM_TYPE' });
    expect(k.attributes().src).toBe('room://cloud.tencent.com/rtc?userid=smallville&streamtype=main');
  });

  test('CONTEXT_CALL and RELEASE reach the player context', () => {
    const h = start();
    h.send({ type: 'CONTEXT_CALL', method: 'play' }, { type: 'CONTEXT_CALL', method: 'snapshot' }, { type: 'RELEASE' });
    expect(h.effects).toEqual(['play', 'snapshot', 'release']);
  });

  test('NET_STATUS and AUDIO_VOLUME update netStatus and volume', () => {
    const h = start();
    h.send({ type: 'NET_STATUS', info: { videoBitrate: 500 } }, { type: 'AUDIO_VOLUME', volume: 12 });
    expect(h.attributes()).toMatchObject({ netStatus: { videoBitrate: 500 }, volume: 12 });
  });
});

describe('with the real <live-player> context on the headless wx', () => {
  let env: ReturnType<typeof installWx>;
  beforeEach(() => {
    env = installWx();
  });
  afterEach(() => env.uninstall());

  const input: PlayerInput = { page: {}, userID: 'bob', streamType: 'main', src: SRC, hasVideo: true, hasAudio: true };

  test('RELEASE after media was requested stops the <live-player> of that id', () => {
    const actor = createActor(playerMachine, { input }).start();
    actor.send({ type: 'SET_ATTRIBUTES', attributes: { muteVideo: false } });
    actor.send({ type: 'RELEASE' });
    expect(env.wx.calls.map((c) => `${c.target}.${c.method}`)).toEqual(['bob_main.stop']);
    actor.stop();
  });

  test('RELEASE of a player that never pulled anything does not touch WeChat', () => {
    const actor = createActor(playerMachine, { input }).start();
    actor.send({ type: 'RELEASE' });
    expect(env.wx.calls).toEqual([]);
    actor.stop();
  });

  test('CONTEXT_CALL play reaches the <live-player> with the page callbacks', async () => {
    const actor = createActor(playerMachine, { input }).start();
    const success = jest.fn();
    actor.send({ type: 'CONTEXT_CALL', method: 'play', options: { success } });
    expect(env.wx.callsOf('bob_main', 'play')).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(success).toHaveBeenCalledWith({ errMsg: 'play:ok' });
    actor.stop();
  });
});

describe('final refusals (issue 15, item 5): announced once, never retried', () => {
  const retry = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 40 };
  test.each([
    ['VISIBLE_USER_LIMIT', 8020],
    ['SILENT_USER_LIMIT', 8021],
    ['ROOM_FULL', 8022],
    ['SUBSCRIPTION_LIMIT', 8023],
    ['PUBLISH_NOT_ALLOWED', 8025],
    ['USER_SIG_EXPIRED', 8011],
  ])('a subscribe refused with %s (%p): one PLAYER_FAILED with willRetry false, no restart, gaveUp', (_name, code) => {
    const h = start({ retry });
    h.send(unmuteVideo, { type: 'SUBSCRIBE_FAILED', code, reason: 'refused' });
    h.clock.increment(10_000);
    expect(h.state()).toBe('{failed:gaveUp}');
    expect(h.reports).toEqual([{ type: 'PLAYER_FAILED', id: 'bob_main', code, reason: 'refused', willRetry: false }]);
    expect(h.effects.filter((e) => e === 'restart')).toEqual([]);
  });

  test.each([[8004], [8024], [8099]])('a transient refusal (%p) keeps the backoff', (code) => {
    const h = start({ retry });
    h.send(unmuteVideo, { type: 'SUBSCRIBE_FAILED', code, reason: 'try again' });
    expect(h.reports).toEqual([{ type: 'PLAYER_FAILED', id: 'bob_main', code, reason: 'try again', willRetry: true }]);
    h.clock.increment(10);
    expect(h.effects.filter((e) => e === 'restart')).toHaveLength(1);
    expect(h.reports.filter((r) => r.type === 'PLAYER_RETRY')).toHaveLength(1);
  });
});
