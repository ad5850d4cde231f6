// Model-based coverage of the pusher machine: @xstate/graph plans paths through every state and transition of its three regions, the real machine (with a recording <live-pusher> context) is driven along them on a simulated clock, and every state and transition must be taken.

import { createActor, fromCallback, SimulatedClock, type AnyEventObject, type InputFrom, type SnapshotFrom } from 'xstate';
import { pusherMachine, type PusherInput } from '../../src/machines/pusher.machine';
import { PusherStatus } from '../../src/core/status-codes';
import { checkPusherAttributes } from '../../src/core/attributes';
import type { RetryPolicy } from '../../src/core/retry';
import type { livePusherContext, PusherContextCommand, PusherContextEvent } from '../../src/wx/live-pusher';
import { CoverageRecorder, coverFromInputs, formatFigures, inventoryOf, type PlannedPath } from '../helpers/model-coverage';
import { printFigures } from '../helpers/figures';

type Snapshot = SnapshotFrom<typeof pusherMachine>;

const RETRY: RetryPolicy = { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 400 };
const AFTER_RETRY = 'xstate.after.retryDelay.pusher.stream.failed.waitingToRetry';
const URL_1 = 'room://cloud.tencent.com/rtc?sdkappid=1400000001&roomid=1&userid=alice';
const URL_2 = 'rtmp://media/live/alice?gen=2';

/** createPusher with and without autopush: the two ways a pusher starts. */
const INPUTS: PusherInput[] = [
  { retry: RETRY, attributes: { enableMic: true, enableCamera: true } },
  { retry: RETRY, attributes: { autopush: true } },
];

const status = (code: number): AnyEventObject => ({ type: 'LIVE_PUSHER_STATUS', code, message: `status ${code}` });

function alphabet(snapshot: Snapshot): AnyEventObject[] {
  const events: AnyEventObject[] = [
    { type: 'SET_ATTRIBUTES', attributes: { autopush: true } },
    { type: 'SET_ATTRIBUTES', attributes: { autopush: false } },
    { type: 'SET_ATTRIBUTES', attributes: { enableMic: false, enableCamera: true } },
    { type: 'SET_URL', url: URL_1 },
    { type: 'SET_URL', url: URL_2 },
    { type: 'SET_URL', url: '' },
    { type: 'START' },
    { type: 'STOP' },
    { type: 'PAUSE' },
    { type: 'RESUME' },
    { type: 'START_PREVIEW' },
    { type: 'STOP_PREVIEW' },
    { type: 'SWITCH_CAMERA' },
    { type: 'PLAY_BGM' },
    { type: 'PAUSE_BGM' },
    { type: 'RESUME_BGM' },
    { type: 'STOP_BGM' },
    { type: 'CONTEXT_CALL', method: 'snapshot' },
    { type: 'RESTART' },
    { type: 'APP_SHOWN' },
    { type: 'RESET' },
    status(PusherStatus.CONNECTED),
    status(PusherStatus.PUSH_BEGIN),
    status(PusherStatus.DISCONNECTED),
    status(PusherStatus.APP_HUNG_UP),
    { type: 'NET_STATUS', info: { videoBitrate: 800 } },
    { type: 'AUDIO_VOLUME', volume: 40 },
    { type: 'BGM_STARTED' },
    { type: 'BGM_COMPLETED' },
    { type: 'BGM_FAILED', errMsg: 'bgm file missing' },
    // Reported by the <live-pusher> context actor when WeChat fails a call.
    { type: 'CONTEXT_CALL_FAILED', method: 'playBGM', errMsg: 'playBGM:fail' },
    { type: 'CONTEXT_CALL_FAILED', method: 'snapshot', errMsg: 'snapshot:fail' },
  ];
  if (snapshot.matches({ stream: { failed: 'waitingToRetry' } })) events.push({ type: AFTER_RETRY });
  return events;
}

/** What the pusher's guards read: the url (set, cleared, changed), autopush, and whether retries remain. */
function abstractKey(snapshot: Snapshot): string {
  const c = snapshot.context;
  return JSON.stringify([snapshot.value, c.attributes.url, c.attributes.autopush, Math.min(c.failures, RETRY.maxAttempts + 1)]);
}

const inPublishing = (s: Snapshot): boolean => s.matches({ stream: 'publishing' });

function checkInvariants(s: Snapshot, where: string): void {
  const a = s.context.attributes;
  const known = Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'netStatus'));
  expect([where, checkPusherAttributes(known)?.message ?? null]).toEqual([where, null]);
  const needsUrl = ['ready', 'publishing', 'suspended', 'failed', 'stopped'].some((state) => s.matches({ stream: state } as never));
  expect([where, 'url', a.url !== '']).toEqual([where, 'url', needsUrl]);
  if (s.matches({ stream: { failed: 'waitingToRetry' } })) expect(s.context.failures).toBeLessThanOrEqual(RETRY.maxAttempts);
  if (s.matches({ stream: { failed: 'gaveUp' } })) expect(s.context.failures).toBeGreaterThan(RETRY.maxAttempts);
  if (s.matches({ stream: { publishing: 'pushing' } })) expect(s.context.failures).toBe(0);
}

function drive(input: PusherInput, path: PlannedPath<Snapshot>, recorder: CoverageRecorder, totals: { steps: number }): void {
  const commands: string[] = [];
  const reports: Array<{ type: string; willRetry?: boolean }> = [];
  let contextSendBack: ((event: PusherContextEvent) => void) | null = null;
  const recordingContext = fromCallback<PusherContextCommand, InputFrom<typeof livePusherContext>, PusherContextEvent>(({ receive, sendBack }) => {
    contextSendBack = sendBack;
    receive((command) => void commands.push(command.type === 'CALL' ? command.method : command.type));
  });
  const machine = pusherMachine.provide({
    actors: { livePusherContext: recordingContext },
    actions: { reportToRoom: (_, report) => void reports.push({ ...report }) },
  });
  const clock = new SimulatedClock();
  const actor = createActor(machine, { input, clock, inspect: recorder.inspect });
  actor.start();
  try {
    checkInvariants(actor.getSnapshot(), `${path.purpose} @start`);
    let retriesSinceReset = 0;
    path.events.forEach((event, i) => {
      const where = `${path.purpose} step ${i + 1} ${JSON.stringify(event)}`;
      const before = actor.getSnapshot();
      const commandsBefore = commands.length;
      const reportsBefore = reports.length;
      const taken = recorder.take(() => {
        if (event.type === AFTER_RETRY) clock.increment(RETRY.maxDelayMs);
        else if (event.type === 'CONTEXT_CALL_FAILED') contextSendBack!(event as PusherContextEvent);
        else actor.send(event as never);
      });
      totals.steps += 1;
      const now = actor.getSnapshot();
      const predicted = path.predicted[i]!;
      expect([where, now.value]).toEqual([where, predicted.value]);
      expect([where, now.context.attributes, now.context.failures]).toEqual([where, predicted.context.attributes, predicted.context.failures]);
      checkInvariants(now, where);
      const sent = commands.slice(commandsBefore);
      const added = reports.slice(reportsBefore);
      // A (re)entered publishing state tells the context it may be pushing (autopush pushes without start()).
      if (taken.some((k) => ENTERS_PUBLISHING.has(k))) expect([where, sent]).toEqual([where, expect.arrayContaining(['MARK_ACTIVE'])]);
      // Leaving the room releases the context; nothing else does.
      expect([where, sent.includes('RELEASE')]).toEqual([where, event.type === 'RESET']);
      if (event.type === 'RESET') {
        expect([where, now.context.attributes, now.context.failures]).toEqual([where, now.context.initialAttributes, 0]);
        expect(now.matches({ stream: 'idle', bgm: 'off', preview: 'off' })).toBe(true);
      }
      // Every entry into failed reports once (willRetry true while the budget lasts), every retry once.
      const failedEntries = taken.filter((k) => ENTERS_FAILED.has(k)).length;
      const retries = taken.filter((k) => k.includes(AFTER_RETRY)).length;
      expect([where, added.filter((r) => r.type === 'PUSHER_FAILED').length]).toEqual([where, failedEntries]);
      expect([where, added.filter((r) => r.type === 'PUSHER_RETRY').length]).toEqual([where, retries]);
      for (const r of added.filter((x) => x.type === 'PUSHER_FAILED')) expect(r.willRetry).toBe(now.context.failures <= RETRY.maxAttempts);
      if (retries > 0) expect([where, sent.join(',')]).toEqual([where, expect.stringContaining('stop,start')]);
      retriesSinceReset = now.context.failures === 0 ? 0 : retriesSinceReset + retries;
      expect([where, retriesSinceReset <= RETRY.maxAttempts]).toEqual([where, true]);
      // Stopping a pushing stream stops the <live-pusher>.
      if (inPublishing(before) && now.matches({ stream: 'stopped' })) expect(sent).toContain('stop');
    });
  } finally {
    actor.stop();
  }
}

const INVENTORY = inventoryOf(pusherMachine);
const ENTERS_FAILED = new Set(INVENTORY.transitions.filter((t) => t.targets.includes('pusher.stream.failed')).map((t) => `pusher:${t.key}`));
const ENTERS_PUBLISHING = new Set(
  INVENTORY.transitions
    .filter((t) => t.targets.includes('pusher.stream.publishing') || (t.targets.some((x) => x.startsWith('pusher.stream.publishing.')) && !t.source.startsWith('pusher.stream.publishing')))
    .map((t) => `pusher:${t.key}`),
);

test('every state and every transition of the pusher machine is taken by planned paths on the real machine', () => {
  const { figures, paths, steps, explored } = coverFromInputs(pusherMachine, INPUTS, { events: alphabet, abstractKey }, drive);
  printFigures('model: pusher machine', [
    formatFigures(figures),
    `[model] pusher: ${paths} planned paths, ${steps} steps driven, ${explored} abstract states explored by @xstate/graph`,
  ]);
  expect(figures.states.missing).toEqual([]);
  expect(figures.transitions.missing).toEqual([]);
});
