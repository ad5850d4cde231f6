// The pusher machine alone: stream, BGM and preview regions, retry with backoff on a simulated clock, RESET.

import { createActor, fromCallback, SimulatedClock, type InputFrom } from 'xstate';
import { pusherMachine, type PusherEvent } from '../../src/machines/pusher.machine';
import type { livePusherContext, PusherContextCommand, PusherContextEvent } from '../../src/wx/live-pusher';
import { DEFAULT_RETRY_POLICY, retryDelayMs, type RetryPolicy } from '../../src/core/retry';
import { installWx } from '../../src/testing/wx';

interface Harness {
  actor: ReturnType<typeof createActor<typeof pusherMachine>>;
  clock: SimulatedClock;
  /** What reached the <live-pusher> context: 'start', 'stop' ... for CALL, 'RELEASE' / 'MARK_ACTIVE' otherwise. */
  calls: string[];
  /** Options of each CALL, in order. */
  options: Array<Record<string, unknown> | undefined>;
  reports: Array<Record<string, unknown>>;
  /** Every distinct stream state the pusher went through. */
  streamStates: string[];
  send(...events: PusherEvent[]): void;
  stream(): string;
}

function start(
  input: { attributes?: Record<string, unknown>; retry?: RetryPolicy } = {},
  behaviour: { failMethods?: string[] } = {},
): Harness {
  const calls: string[] = [];
  const options: Array<Record<string, unknown> | undefined> = [];
  const reports: Array<Record<string, unknown>> = [];
  const recordingContext = fromCallback<PusherContextCommand, InputFrom<typeof livePusherContext>, PusherContextEvent>(({ receive, sendBack }) => {
    receive((command) => {
      if (command.type !== 'CALL') {
        calls.push(command.type);
        return;
      }
      calls.push(command.method);
      options.push(command.options as Record<string, unknown> | undefined);
      if (behaviour.failMethods?.includes(command.method)) sendBack({ type: 'CONTEXT_CALL_FAILED', method: command.method, errMsg: `${command.method}:fail` });
    });
  });
  const machine = pusherMachine.provide({
    actors: { livePusherContext: recordingContext },
    actions: {
      // The machine decides what it reports; the harness only records it (and how many failures it has seen).
      reportToRoom: ({ context }, report) => void reports.push(report.type === 'PUSHER_FAILED' ? { ...report, failures: context.failures } : { ...report }),
    },
  });
  const clock = new SimulatedClock();
  const actor = createActor(machine, { input, clock });
  const streamStates: string[] = [];
  const streamOf = (): string => JSON.stringify((actor.getSnapshot().value as { stream: unknown }).stream).replace(/"/g, '');
  actor.subscribe(() => {
    const now = streamOf();
    if (streamStates[streamStates.length - 1] !== now) streamStates.push(now);
  });
  actor.start();
  if (streamStates.length === 0) streamStates.push(streamOf());
  return {
    actor,
    clock,
    calls,
    options,
    reports,
    streamStates,
    send: (...events) => events.forEach((e) => actor.send(e)),
    stream: streamOf,
  };
}

const status = (code: number, message = ''): PusherEvent => ({ type: 'LIVE_PUSHER_STATUS', code, message });
const URL = 'room://cloud.tencent.com/rtc?sdkappid=1';

describe('initial state', () => {
  test('idle with BGM and preview off; attributes are the defaults plus createPusher config, url empty', () => {
    const h = start({ attributes: { enableCamera: true, frontCamera: 'back', url: 'ignored' } });
    expect(h.actor.getSnapshot().value).toEqual({ stream: 'idle', bgm: 'off', preview: 'off' });
    expect(h.actor.getSnapshot().context.attributes).toMatchObject({ enableCamera: true, frontCamera: 'back', url: '', mode: 'RTC', minBitrate: 600 });
    expect(h.calls).toEqual([]);
  });
});

describe('stream region', () => {
  test('idle -> ready -> publishing.connecting -> pushing -> paused -> pushing -> stopped, each step calling the context', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL });
    expect(h.actor.getSnapshot().context.attributes.url).toBe(URL);
    expect(h.calls).toEqual([]);
    h.send({ type: 'START' }, status(1002), { type: 'PAUSE' }, { type: 'RESUME' }, { type: 'STOP' });
    expect(h.streamStates).toEqual(['idle', 'ready', '{publishing:connecting}', '{publishing:pushing}', '{publishing:paused}', '{publishing:pushing}', 'stopped']);
    expect(h.calls.filter((c) => c !== 'MARK_ACTIVE')).toEqual(['start', 'pause', 'resume', 'stop']);
  });

  test("start()'s own callbacks reach the context", () => {
    const h = start();
    const success = jest.fn();
    h.send({ type: 'SET_URL', url: URL }, { type: 'START', options: { success } });
    expect(h.options[0]?.success).toBe(success);
  });

  test('pause is ignored until media is pushing; resume only from paused', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, { type: 'PAUSE' }, { type: 'RESUME' });
    expect(h.stream()).toBe('{publishing:connecting}');
    expect(h.calls.filter((c) => c === 'pause' || c === 'resume')).toEqual([]);
  });

  test('stopped can start again; a cleared url sends it back to idle', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, { type: 'STOP' }, { type: 'START' });
    expect(h.stream()).toBe('{publishing:connecting}');
    h.send({ type: 'STOP' }, { type: 'SET_URL', url: '' });
    expect(h.stream()).toBe('idle');
    expect(h.calls.filter((c) => c !== 'MARK_ACTIVE')).toEqual(['start', 'stop', 'start', 'stop']);
  });

  test('start() before the url: waitingForUrl, then publishing with autopush once the url arrives (no racing start call)', () => {
    const h = start();
    h.send({ type: 'START' });
    expect(h.stream()).toBe('waitingForUrl');
    expect(h.calls).toEqual([]);
    h.send({ type: 'SET_URL', url: '' });
    expect(h.stream()).toBe('waitingForUrl');
    h.send({ type: 'SET_URL', url: URL });
    expect(h.stream()).toBe('{publishing:connecting}');
    // The page has not rendered the url yet: <live-pusher> must start itself when it does.
    expect(h.calls).not.toContain('start');
    expect(h.actor.getSnapshot().context.attributes).toMatchObject({ url: URL, autopush: true });
  });

  test('stop() while waiting for the url goes back to idle without touching the context', () => {
    const h = start();
    h.send({ type: 'START' }, { type: 'STOP' });
    expect(h.stream()).toBe('idle');
    expect(h.calls).toEqual([]);
  });

  test('autopush: the url alone starts publishing, and the context is marked active so a release stops it', () => {
    const h = start({ attributes: { autopush: true } });
    h.send({ type: 'SET_URL', url: URL });
    expect(h.stream()).toBe('{publishing:connecting}');
    expect(h.calls).toEqual(['MARK_ACTIVE']);
    h.send({ type: 'RESET' });
    expect(h.calls).toEqual(['MARK_ACTIVE', 'RELEASE']);
  });

  test('a changed url while publishing reconnects; a cleared url stops and goes idle', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, status(1002));
    h.send({ type: 'SET_URL', url: `${URL}&x=2` });
    expect(h.stream()).toBe('{publishing:connecting}');
    expect(h.actor.getSnapshot().context.attributes.url).toBe(`${URL}&x=2`);
    h.send({ type: 'SET_URL', url: '' });
    expect(h.stream()).toBe('idle');
    expect(h.calls[h.calls.length - 1]).toBe('stop');
  });

  test('5000 (app hung up) suspends; RESTART stops and starts the context and publishes again', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, status(1002), status(5000));
    expect(h.stream()).toBe('suspended');
    h.calls.length = 0;
    h.send({ type: 'RESTART' });
    expect(h.stream()).toBe('{publishing:connecting}');
    expect(h.calls.filter((c) => c !== 'MARK_ACTIVE')).toEqual(['stop', 'start']);
    h.send(status(1002));
    expect(h.stream()).toBe('{publishing:pushing}');
  });

  test('suspended goes straight to pushing when the push begins again by itself, and stop() works there', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, status(5000), status(1002));
    expect(h.stream()).toBe('{publishing:pushing}');
    h.send(status(5000), { type: 'STOP' });
    expect(h.stream()).toBe('stopped');
  });

  test('RESTART while pushing (1021 re-enter) restarts the context and reconnects', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, status(1002));
    h.calls.length = 0;
    h.send({ type: 'RESTART' });
    expect(h.stream()).toBe('{publishing:connecting}');
    expect(h.calls).toEqual(['stop', 'start']);
  });

  test('RESTART before anything was started does nothing', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL }, { type: 'RESTART' });
    expect(h.stream()).toBe('ready');
    expect(h.calls).toEqual([]);
  });
});

describe('failure and retry', () => {
  const policy: RetryPolicy = { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 15 };

  test('-1307 fails, retries after the base delay with stop+start, and reports both', () => {
    const h = start({ retry: policy });
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, status(1002));
    h.calls.length = 0;
    h.send(status(-1307, 'push disconnected'));
    expect(h.stream()).toBe('{failed:waitingToRetry}');
    expect(h.reports).toEqual([{ type: 'PUSHER_FAILED', code: -1307, reason: expect.any(String), willRetry: true, failures: 1 }]);
    h.clock.increment(9);
    expect(h.stream()).toBe('{failed:waitingToRetry}');
    expect(h.calls).toEqual([]);
    h.clock.increment(1);
    expect(h.stream()).toBe('{publishing:connecting}');
    expect(h.calls.filter((c) => c !== 'MARK_ACTIVE')).toEqual(['stop', 'start']);
    expect(h.reports[1]).toEqual({ type: 'PUSHER_RETRY' });
  });

  test('retries exactly maxAttempts times after the first failure, then gives up', () => {
    const h = start({ retry: policy });
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' });
    h.calls.length = 0;
    for (let attempt = 0; attempt < 5; attempt++) {
      h.send(status(-1307));
      h.clock.increment(1000);
    }
    expect(h.stream()).toBe('{failed:gaveUp}');
    const retries = h.reports.filter((r) => r.type === 'PUSHER_RETRY').length;
    expect(retries).toBe(policy.maxAttempts);
    expect(h.calls.filter((c) => c === 'start')).toHaveLength(policy.maxAttempts);
    // Every failure says whether a retry follows; only the last one says no.
    const failures = h.reports.filter((r) => r.type === 'PUSHER_FAILED').map((r) => r.willRetry);
    expect(failures).toEqual([...Array(policy.maxAttempts).fill(true), false]);
  });

  test('backoff doubles from the base delay and is capped at maxDelayMs', () => {
    const h = start({ retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 25 } });
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' });
    const waits: number[] = [];
    for (let n = 0; n < 3; n++) {
      h.send(status(-1307));
      let waited = 0;
      while (h.stream() === '{failed:waitingToRetry}' && waited < 1000) {
        h.clock.increment(1);
        waited++;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([10, 20, 25]);
  });

  test('media flowing again (1002) resets the retry budget', () => {
    const h = start({ retry: { maxAttempts: 5, baseDelayMs: 10, maxDelayMs: 1000 } });
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, status(-1307));
    h.clock.increment(10);
    h.send(status(-1307));
    expect(h.actor.getSnapshot().context.failures).toBe(2);
    h.clock.increment(20);
    h.send(status(1002));
    expect(h.actor.getSnapshot().context.failures).toBe(0);
    h.send(status(-1307));
    h.clock.increment(9);
    expect(h.stream()).toBe('{failed:waitingToRetry}');
    h.clock.increment(1);
    expect(h.stream()).toBe('{publishing:connecting}');
  });

  test('push begin while waiting to retry goes straight to pushing and cancels the retry', () => {
    const h = start({ retry: policy });
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, status(-1307), status(1002));
    expect(h.stream()).toBe('{publishing:pushing}');
    h.calls.length = 0;
    h.clock.increment(1000);
    expect(h.calls).toEqual([]);
  });

  test('stop() while failed stops the context and goes to stopped, without a later retry', () => {
    const h = start({ retry: policy });
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, status(-1307), { type: 'STOP' });
    expect(h.stream()).toBe('stopped');
    h.clock.increment(1000);
    expect(h.stream()).toBe('stopped');
    expect(h.reports.filter((r) => r.type === 'PUSHER_RETRY')).toEqual([]);
  });

  test('a new url after giving up is tried at once, on the same budget (a refused push cannot retry forever)', () => {
    const h = start({ retry: { maxAttempts: 0, baseDelayMs: 10, maxDelayMs: 10 } });
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, status(-1307));
    expect(h.stream()).toBe('{failed:gaveUp}');
    h.send({ type: 'SET_URL', url: `${URL}&new=1` });
    expect(h.stream()).toBe('{publishing:connecting}');
    expect(h.actor.getSnapshot().context.failures).toBe(1);
    h.send(status(-1307));
    expect(h.stream()).toBe('{failed:gaveUp}');
    // Media flowing is what earns a fresh budget.
    h.send({ type: 'SET_URL', url: `${URL}&new=2` }, status(1002));
    expect(h.actor.getSnapshot().context.failures).toBe(0);
  });

  test('retryDelayMs: base, 2x, 4x ... capped; the default policy is 3 attempts from 1 s up to 8 s', () => {
    const p = { maxAttempts: 9, baseDelayMs: 100, maxDelayMs: 500 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(p, n))).toEqual([100, 200, 400, 500, 500]);
    expect(retryDelayMs(p, 0)).toBe(100);
    expect(DEFAULT_RETRY_POLICY).toEqual({ maxAttempts: 3, baseDelayMs: 1000, maxDelayMs: 8000 });
  });
});

describe('RESET', () => {
  test('returns to the createPusher attributes with url empty, every region to its start, and releases the context', () => {
    const h = start({ attributes: { enableMic: true, beautyLevel: 4 } });
    h.send(
      { type: 'SET_URL', url: URL },
      { type: 'SET_ATTRIBUTES', attributes: { enableMic: false, enableCamera: true, userID: 'alice' } },
      { type: 'NET_STATUS', info: { netQualityLevel: 2 } },
      { type: 'AUDIO_VOLUME', volume: 40 },
      { type: 'START' },
      status(1002),
      { type: 'PLAY_BGM', options: { url: 'https://x/bgm.mp3' } },
      { type: 'START_PREVIEW' },
    );
    h.calls.length = 0;
    h.send({ type: 'RESET' });
    const snapshot = h.actor.getSnapshot();
    expect(snapshot.value).toEqual({ stream: 'idle', bgm: 'off', preview: 'off' });
    expect(snapshot.context.attributes).toEqual(snapshot.context.initialAttributes);
    expect(snapshot.context.attributes).toMatchObject({ url: '', enableMic: true, enableCamera: false, beautyLevel: 4, netStatus: {}, volume: 0 });
    expect(snapshot.context.attributes.userID).toBeUndefined();
    expect(h.calls).toEqual(['RELEASE']);
  });

  test('after RESET a new url makes it ready again', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, { type: 'RESET' }, { type: 'SET_URL', url: URL });
    expect(h.stream()).toBe('ready');
  });
});

describe('attributes kept by the machine', () => {
  test('SET_ATTRIBUTES merges; NET_STATUS and AUDIO_VOLUME set netStatus and volume', () => {
    const h = start();
    h.send({ type: 'SET_ATTRIBUTES', attributes: { enableMic: true } }, { type: 'NET_STATUS', info: { videoBitrate: 800 } }, { type: 'AUDIO_VOLUME', volume: 33 });
    expect(h.actor.getSnapshot().context.attributes).toMatchObject({ enableMic: true, netStatus: { videoBitrate: 800 }, volume: 33, enableCamera: false });
  });

  test('SWITCH_CAMERA toggles frontCamera front <-> back and calls switchCamera each time', () => {
    const h = start();
    h.send({ type: 'SWITCH_CAMERA' });
    expect(h.actor.getSnapshot().context.attributes.frontCamera).toBe('back');
    h.send({ type: 'SWITCH_CAMERA' });
    expect(h.actor.getSnapshot().context.attributes.frontCamera).toBe('front');
    expect(h.calls).toEqual(['switchCamera', 'switchCamera']);
  });

  test('CONTEXT_CALL passes any other method and its options through', () => {
    const h = start();
    h.send({ type: 'CONTEXT_CALL', method: 'setMICVolume', options: { volume: 0.3 } }, { type: 'CONTEXT_CALL', method: 'toggleTorch' });
    expect(h.calls).toEqual(['setMICVolume', 'toggleTorch']);
    expect(h.options[0]).toEqual({ volume: 0.3 });
  });
});

describe('BGM region', () => {
  const bgm = (h: Harness) => (h.actor.getSnapshot().value as { bgm: string }).bgm;

  test('off -> playing -> paused -> playing -> off, calling playBGM, pauseBGM, resumeBGM, stopBGM', () => {
    const h = start();
    h.send({ type: 'PLAY_BGM', options: { url: 'https://x/a.mp3' } });
    expect(bgm(h)).toBe('playing');
    h.send({ type: 'PAUSE_BGM' });
    expect(bgm(h)).toBe('paused');
    h.send({ type: 'RESUME_BGM' });
    expect(bgm(h)).toBe('playing');
    h.send({ type: 'STOP_BGM' });
    expect(bgm(h)).toBe('off');
    expect(h.calls).toEqual(['playBGM', 'pauseBGM', 'resumeBGM', 'stopBGM']);
    expect(h.options[0]).toEqual({ url: 'https://x/a.mp3' });
  });

  test('pause, resume and stop are ignored while nothing plays', () => {
    const h = start();
    h.send({ type: 'PAUSE_BGM' }, { type: 'RESUME_BGM' }, { type: 'STOP_BGM' });
    expect(bgm(h)).toBe('off');
    expect(h.calls).toEqual([]);
  });

  test('stop from paused, and play from paused starts the new music', () => {
    const h = start();
    h.send({ type: 'PLAY_BGM' }, { type: 'PAUSE_BGM' }, { type: 'STOP_BGM' });
    expect(bgm(h)).toBe('off');
    h.send({ type: 'PLAY_BGM' }, { type: 'PAUSE_BGM' }, { type: 'PLAY_BGM' });
    expect(bgm(h)).toBe('playing');
    expect(h.calls).toEqual(['playBGM', 'pauseBGM', 'stopBGM', 'playBGM', 'pauseBGM', 'playBGM']);
  });

  test('completion turns it off; a start reported by <live-pusher> turns it on', () => {
    const h = start();
    h.send({ type: 'PLAY_BGM' }, { type: 'BGM_COMPLETED' });
    expect(bgm(h)).toBe('off');
    h.send({ type: 'BGM_STARTED' });
    expect(bgm(h)).toBe('playing');
  });

  test('a load failure (binderror 10003) turns it off and is reported', () => {
    const h = start();
    h.send({ type: 'PLAY_BGM' }, { type: 'BGM_FAILED', errMsg: 'load failed' });
    expect(bgm(h)).toBe('off');
    expect(h.reports).toEqual([{ type: 'PUSHER_BGM_FAILED', errMsg: expect.any(String) }]);
  });

  test('a failed playBGM call turns it off and is reported', () => {
    const h = start({}, { failMethods: ['playBGM'] });
    h.send({ type: 'PLAY_BGM', options: { url: 'bad' } });
    expect(bgm(h)).toBe('off');
    expect(h.reports).toEqual([{ type: 'PUSHER_BGM_FAILED', errMsg: 'playBGM:fail' }]);
  });

  test('BGM runs independently of the stream', () => {
    const h = start();
    h.send({ type: 'SET_URL', url: URL }, { type: 'START' }, { type: 'PLAY_BGM' }, { type: 'STOP' });
    expect(h.actor.getSnapshot().value).toEqual({ stream: 'stopped', bgm: 'playing', preview: 'off' });
  });
});

describe('preview region', () => {
  test('off -> on -> off with startPreview / stopPreview, and no duplicate calls', () => {
    const h = start();
    h.send({ type: 'STOP_PREVIEW' }, { type: 'START_PREVIEW' }, { type: 'START_PREVIEW' });
    expect((h.actor.getSnapshot().value as { preview: string }).preview).toBe('on');
    h.send({ type: 'STOP_PREVIEW' });
    expect((h.actor.getSnapshot().value as { preview: string }).preview).toBe('off');
    expect(h.calls).toEqual(['startPreview', 'stopPreview']);
  });
});

describe('with the real <live-pusher> context on the headless wx', () => {
  let env: ReturnType<typeof installWx>;
  beforeEach(() => {
    env = installWx();
  });
  afterEach(() => env.uninstall());

  const realPusher = () => {
    const actor = createActor(pusherMachine.provide({ actions: { reportToRoom: () => {} } }), { input: {} });
    return actor.start();
  };

  test('RESET after start() stops the <live-pusher>', () => {
    const actor = realPusher();
    actor.send({ type: 'SET_URL', url: URL });
    actor.send({ type: 'START' });
    actor.send({ type: 'RESET' });
    expect(env.wx.calls.filter((c) => c.target === 'pusher').map((c) => c.method)).toEqual(['start', 'stop']);
    actor.stop();
  });

  test('RESET of a pusher that never started does not touch the <live-pusher>', () => {
    const actor = realPusher();
    actor.send({ type: 'SET_URL', url: URL });
    actor.send({ type: 'RESET' });
    expect(env.wx.calls).toEqual([]);
    actor.stop();
  });

  test('stopping the actor while pushing stops the <live-pusher> (nothing is left pushing)', () => {
    const actor = realPusher();
    actor.send({ type: 'SET_URL', url: URL });
    actor.send({ type: 'START' });
    actor.stop();
    expect(env.wx.callsOf('pusher', 'stop')).toHaveLength(1);
  });

  test('an autopush pusher is stopped on RESET although start() was never called', () => {
    const actor = createActor(pusherMachine, { input: { attributes: { autopush: true } } }).start();
    actor.send({ type: 'SET_URL', url: URL });
    actor.send({ type: 'RESET' });
    expect(env.wx.callsOf('pusher').map((c) => c.method)).toEqual(['stop']);
    actor.stop();
  });
});
