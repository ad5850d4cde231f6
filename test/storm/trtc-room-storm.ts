// The trtc-room storm's parts: generated <live-pusher> statuses (well-formed and not), an independent reference of
// what they announce, and a runner that applies one generated sequence to a fresh page and returns the violations.

import fc from 'fast-check';
import { TRTC } from '../../src/trtc';
import type { HeadlessWx } from '../../src/testing/wx';
import { createPage } from '../../src/testing/page';
import { StormObserver, type AnnouncedStream } from '../helpers/storm-observer';
import { ENTER_VARIANTS, REMOTE_USERS, facadeStep, runFacadeStep, type FacadeStep } from '../helpers/storm-steps';

// --- <live-pusher> statuses, well-formed and not ------------------------------------------------------------

type StatusStep = { kind: 'status'; code: number; message: unknown } | { kind: 'rawPusherEvent'; event: unknown };
export type TrtcRoomStep = FacadeStep | StatusStep;

const userid = fc.oneof({ weight: 12, arbitrary: fc.constantFrom<unknown>(...REMOTE_USERS) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('', 42, null, undefined) });
const flag = fc.oneof({ weight: 8, arbitrary: fc.boolean() }, { weight: 3, arbitrary: fc.constantFrom<unknown>(0, 1) }, { weight: 1, arbitrary: fc.constantFrom<unknown>('yes', 2, null) });
const streamtype = fc.oneof({ weight: 6, arbitrary: fc.constant<unknown>('main') }, { weight: 3, arbitrary: fc.constant<unknown>('aux') }, { weight: 2, arbitrary: fc.constantFrom<unknown>(undefined, '', null) }, { weight: 1, arbitrary: fc.constant<unknown>('sub') });
const junkEntry = fc.constantFrom<unknown>(null, 'bob', 7, [], {});

const userEntry = fc.oneof({ weight: 10, arbitrary: userid.map((u) => ({ userid: u })) }, { weight: 1, arbitrary: junkEntry });
const videoEntry = fc.oneof(
  { weight: 10, arbitrary: fc.record({ userid, streamtype, hasvideo: flag, playurl: fc.constantFrom<unknown>(undefined, 'room://cloud.tencent.com/rtc?userid=x&streamtype=main', '') }) },
  { weight: 1, arbitrary: junkEntry },
);
const audioEntry = fc.oneof({ weight: 10, arbitrary: fc.record({ userid, hasaudio: flag, streamtype: fc.constantFrom<unknown>(undefined, 'main', 'aux') }) }, { weight: 1, arbitrary: junkEntry });

/** The message of a list status: a userlist, or something that is not one. */
function listMessage(entry: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 14, arbitrary: fc.array(entry, { minLength: 1, maxLength: 3 }).map((userlist) => JSON.stringify({ userlist })) },
    { weight: 1, arbitrary: fc.constant(JSON.stringify({ userlist: [] })) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>('not json', '', '{"userlist":5}', '{"users":[]}', 'null', 42, undefined) },
  );
}

const statusStep: fc.Arbitrary<StatusStep> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({ kind: 'status' as const, code: 1018, message: 'enter room success' }) },
  { weight: 1, arbitrary: fc.constantFrom('exit room, reason[0]', 'exit room, reason[1]', 'exit room, reason[2]', 'exit room, reason[3]', 'exit room').map((message) => ({ kind: 'status' as const, code: 1019, message })) },
  { weight: 2, arbitrary: listMessage(userEntry).map((message) => ({ kind: 'status' as const, code: 1020, message })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'status' as const, code: 1021, message: 'network type changed' }) },
  { weight: 6, arbitrary: listMessage(userEntry).map((message) => ({ kind: 'status' as const, code: 1031, message })) },
  { weight: 4, arbitrary: listMessage(userEntry).map((message) => ({ kind: 'status' as const, code: 1032, message })) },
  { weight: 9, arbitrary: listMessage(videoEntry).map((message) => ({ kind: 'status' as const, code: 1033, message })) },
  { weight: 7, arbitrary: listMessage(audioEntry).map((message) => ({ kind: 'status' as const, code: 1034, message })) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(-100018, -3301, -3320, -3001, -3399, -3400, 5000, 5001, 1002, 1003, -1307, -1301, 9999).map((code) => ({ kind: 'status' as const, code, message: `status ${code}` })),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom<unknown>(undefined, null, {}, { detail: {} }, { detail: { code: 'abc' } }, { detail: { code: null } }, { detail: { code: '1031', message: JSON.stringify({ userlist: [{ userid: 'bob' }] }) } }).map((event) => ({ kind: 'rawPusherEvent' as const, event })),
  },
);

export const trtcRoomStep: fc.Arbitrary<TrtcRoomStep> = fc.oneof({ weight: 45, arbitrary: facadeStep }, { weight: 55, arbitrary: statusStep });

// --- the reference ------------------------------------------------------------------------------------------

/**
 * What trtc-wx's protocol says about the room, written from the status code formats, independently of the SDK's
 * translation: who is in the room, which streams are announced (a stream exists while audio or video is on, its
 * user comes with it, it goes with its user, with both flags off, with a kick or an exit).
 */
export class TrtcRoomReference {
  phase: 'idle' | 'entering' | 'inRoom' | 'kicked' = 'idle';
  users: string[] = [];
  readonly streams = new Map<string, AnnouncedStream>();

  private clear(): void {
    this.users = [];
    this.streams.clear();
  }

  get active(): boolean {
    return this.phase === 'entering' || this.phase === 'inRoom';
  }

  apply(step: TrtcRoomStep): void {
    if (step.kind === 'enterRoom') {
      if ((this.phase === 'idle' || this.phase === 'kicked') && ENTER_VARIANTS[step.variant]!.valid) {
        this.phase = 'entering';
        this.clear();
      }
      return;
    }
    if (step.kind === 'exitRoom' && this.active) {
      // trtc-room confirms the leave at once.
      this.phase = 'idle';
      this.clear();
      return;
    }
    if (step.kind === 'rawPusherEvent') {
      const detail = (step.event as { detail?: { code?: unknown; message?: unknown } } | null)?.detail;
      const code = Number(detail?.code);
      if (detail && detail.code !== null && Number.isFinite(code)) this.status(code, String(detail.message ?? ''));
      return;
    }
    if (step.kind === 'status') this.status(step.code, String(step.message ?? ''));
  }

  private status(code: number, message: string): void {
    if (!this.active) return;
    if (code === 1018 && this.phase === 'entering') this.phase = 'inRoom';
    if (code === 1019) {
      const reason = /reason\[(\d+)\]/.exec(message);
      if (!reason || reason[1] !== '0') {
        this.phase = 'kicked';
        this.clear();
      }
      return;
    }
    if ((code === -100018 || (code <= -3300 && code > -3400)) && this.phase === 'entering') {
      this.phase = 'idle';
      this.clear();
      return;
    }
    if (code === 5001 && this.phase === 'inRoom') {
      this.phase = 'idle';
      this.clear();
      return;
    }
    if (this.phase !== 'inRoom' || ![1020, 1031, 1032, 1033, 1034].includes(code)) return;
    let list: unknown;
    try {
      list = (JSON.parse(message) as { userlist?: unknown } | null)?.userlist;
    } catch {
      return;
    }
    if (!Array.isArray(list)) return;
    const valid = (u: unknown): u is string => typeof u === 'string' && u.length > 0;
    if (code === 1020 || code === 1031 || code === 1032) {
      const ids = list.map((e) => (e as { userid?: unknown } | null)?.userid).filter(valid);
      if (code === 1031) ids.forEach((u) => this.join(u));
      if (code === 1032) ids.forEach((u) => this.leave(u));
      if (code === 1020) {
        for (const u of this.users.filter((x) => !ids.includes(x))) this.leave(u);
        ids.forEach((u) => this.join(u));
      }
      return;
    }
    for (const raw of list) {
      const e = (raw ?? {}) as Record<string, unknown>;
      if (!valid(e.userid)) continue;
      const type = code === 1034 ? 'main' : e.streamtype === undefined || e.streamtype === null || e.streamtype === '' ? 'main' : e.streamtype;
      if (type !== 'main' && type !== 'aux') continue;
      const value = code === 1033 ? e.hasvideo : e.hasaudio;
      const on = typeof value === 'boolean' ? value : value === 1 ? true : value === 0 ? false : null;
      if (on === null) continue;
      this.update(e.userid, type, code === 1033 ? { video: on } : { audio: on });
    }
  }

  private join(userID: string): void {
    if (!this.users.includes(userID)) this.users.push(userID);
  }

  private leave(userID: string): void {
    if (!this.users.includes(userID)) return;
    this.users = this.users.filter((u) => u !== userID);
    for (const [id, s] of this.streams) if (s.userID === userID) this.streams.delete(id);
  }

  private update(userID: string, streamType: 'main' | 'aux', change: { audio?: boolean; video?: boolean }): void {
    const id = `${userID}_${streamType}`;
    const existing = this.streams.get(id);
    const audio = change.audio ?? existing?.audio ?? false;
    const video = change.video ?? existing?.video ?? false;
    if (!audio && !video) {
      // Turning off what was never announced tells nothing, not even that the user is here.
      this.streams.delete(id);
      return;
    }
    // A published stream proves its user is in the room.
    this.join(userID);
    this.streams.set(id, { userID, streamType, audio, video });
  }
}

// --- the storm ----------------------------------------------------------------------------------------------

export interface StormTotals {
  runs: number;
  steps: number;
  events: number;
  /** Steps that ended with the page in a room, and the most streams announced at once. */
  inRoomSteps: number;
  maxStreams: number;
}

/** Run one generated sequence on a fresh page; returns the violations (empty when every invariant held). */
export function runTrtcRoomStorm(wx: HeadlessWx, steps: readonly TrtcRoomStep[], totals?: StormTotals): string[] {
  wx.calls.length = 0;
  const page = createPage({ data: { pusher: {}, playerList: [] } });
  // Manual pull: the storm's steps unmute players themselves and its oracle follows what they asked for.
  const trtc = new TRTC(page, { env: 'test', pull: 'manual', retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const observer = new StormObserver(trtc, wx);
  const reference = new TrtcRoomReference();
  let events = 0;
  trtc.on('*', () => undefined);
  try {
    steps.forEach((step, i) => {
      if (observer.violations.length > 0) return;
      const label = `step ${i + 1}/${steps.length} ${JSON.stringify(step)}`;
      observer.beforeStep(label, step.kind === 'enterRoom' ? 'enter' : step.kind === 'exitRoom' ? 'exit' : 'other');
      let threw: unknown;
      try {
        if (step.kind === 'status') trtc.pusherEventHandler({ type: 'statechange', detail: { code: step.code, message: step.message as string }, currentTarget: { id: 'pusher', dataset: {} } });
        else if (step.kind === 'rawPusherEvent') trtc.pusherEventHandler(step.event as never);
        else runFacadeStep(trtc, wx, step);
      } catch (error) {
        threw = error;
      }
      reference.apply(step);
      observer.afterStep({ inRoom: reference.phase === 'inRoom', users: reference.users, streams: reference.streams }, threw);
      events += observer.eventsSeen;
      if (totals) {
        totals.steps += 1;
        if (reference.phase === 'inRoom') totals.inRoomSteps += 1;
        totals.maxStreams = Math.max(totals.maxStreams, reference.streams.size);
      }
    });
  } finally {
    trtc.destroy();
  }
  if (totals) {
    totals.runs += 1;
    totals.events += events;
  }
  return observer.violations;
}
