// Test rig for the TRTC facade on the headless runtime: a page, a `wx`, every public event recorded in order,
// and shortcuts that drive <live-pusher>/<live-player> events the way WXML delivers them.

import { installWx, type HeadlessWx, type HeadlessWxOptions } from '../../src/testing/wx';
import { createPage, type PageInstance } from '../../src/testing/page';
import { TRTC, type TRTCOptions } from '../../src/trtc';
import { EVENT, type TRTCEvent } from '../../src/view/events';
import { playerEvent, pusherEvent, validParams, type PusherStatus } from './status';

export interface Rig {
  wx: HeadlessWx;
  page: PageInstance;
  trtc: TRTC;
  /** Every public event, in the order the page received it. */
  events: TRTCEvent<any>[];
  /** The eventCodes received so far. */
  codes(): string[];
  /** Events of one code. */
  of(code: string): TRTCEvent<any>[];
  /** Forget what was recorded (events and wx calls) so a test asserts only on what follows. */
  clear(): void;
  /** Deliver a <live-pusher> status (bindstatechange). */
  status(...statuses: PusherStatus[]): void;
  /** Deliver a <live-player> status for one player. */
  playerStatus(id: string, code: number, message?: string): void;
  /** createPusher + enterRoom + start() + 1018: the page is in the room and pushing. */
  join(params?: Record<string, unknown>, pusherConfig?: Record<string, unknown>): void;
  dispose(): void;
}

export function createRig(options: TRTCOptions = {}, wxOptions: HeadlessWxOptions = {}): Rig {
  const { wx, uninstall } = installWx(wxOptions);
  const page = createPage({});
  const trtc = new TRTC(page, { env: 'test', ...options });
  const events: TRTCEvent<any>[] = [];
  for (const code of Object.values(EVENT)) trtc.on(code, (event) => events.push(event));
  const rig: Rig = {
    wx,
    page,
    trtc,
    events,
    codes: () => events.map((e) => e.eventCode),
    of: (code) => events.filter((e) => e.eventCode === code),
    clear: () => {
      events.length = 0;
      wx.calls.length = 0;
    },
    status: (...statuses) => {
      for (const s of statuses) trtc.pusherEventHandler(pusherEvent(s));
    },
    playerStatus: (id, code, message = '') => trtc.playerEventHandler(playerEvent(id, { code, message })),
    join: (params = {}, pusherConfig = {}) => {
      trtc.createPusher(pusherConfig);
      trtc.enterRoom({ ...validParams, ...params });
      trtc.getPusherInstance()!.start();
      rig.status({ code: 1018, message: 'enter room success' });
    },
    dispose: () => {
      trtc.destroy();
      uninstall();
    },
  };
  return rig;
}

/** Let queued microtasks and zero-delay timers run (headless wx answers context calls in a microtask). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Real-time wait, for the few tests that run real short timers (never more than a few tens of ms). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Poll until `condition` holds, failing after `timeoutMs` (bounded: tests never hang). */
export async function waitFor(condition: () => boolean, timeoutMs = 500): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(2);
  }
}
