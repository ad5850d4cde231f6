// Benchmark 1, join storm: N remote users each publish audio and video, fed as <live-pusher> status codes
// (1031, 1033, 1034 per user, each its own logic-layer turn); CPU time until the page's data holds all N
// players with hasVideo and hasAudio.

import { installWx } from '../src/testing/wx';
import { pusherEvent, status } from '../test/helpers/status';
import { leanPage } from './lib/pages';
import { enter, loadSdk, ROOM_PARAMS, settle, tick, wirePage, type FacadeClass, type SdkName, type Sync } from './lib/sdk';

export interface StormResult {
  cpuMs: number;
  setDataCalls: number;
  setDataBytes: number;
}

export async function joinStorm(Sdk: FacadeClass, sync: Sync, n: number): Promise<StormResult> {
  const { uninstall } = installWx();
  try {
    const page = leanPage();
    const sdk = new Sdk(page, { env: 'test' });
    wirePage(sdk, page, sync);
    enter(sdk, page, sync, ROOM_PARAMS);
    sdk.pusherEventHandler(pusherEvent(status.entered()));
    await settle();
    // The messages exist before the clock starts: WeChat hands them over already built.
    const events = [];
    for (let i = 0; i < n; i++) {
      const user = `user${i}`;
      events.push(pusherEvent(status.joined(user)), pusherEvent(status.video(user, true)), pusherEvent(status.audio(user, true)));
    }
    const calls = page.calls;
    const bytes = page.bytes;
    // No forced GC here: a collection just before the clock starts leaves code and caches cold and made small
    // rooms look twice as slow; collecting is part of what an allocation-heavy SDK costs, so it stays in.
    const start = process.cpuUsage();
    for (const event of events) {
      sdk.pusherEventHandler(event);
      await tick();
    }
    await settle();
    const used = process.cpuUsage(start);
    const list = page.data.playerList as Array<{ hasVideo?: boolean; hasAudio?: boolean }>;
    const complete = list.length === n && list.every((p) => p.hasVideo === true && p.hasAudio === true);
    if (!complete) throw new Error(`join storm: page data incomplete (${list.length}/${n} players)`);
    sdk.destroy?.();
    return { cpuMs: (used.user + used.system) / 1000, setDataCalls: page.calls - calls, setDataBytes: page.bytes - bytes };
  } finally {
    uninstall();
  }
}

/** Small rooms finish in well under a millisecond: repeat them so one sample is long enough to measure. */
export function repetitionsFor(n: number): number {
  return Math.max(1, Math.round(300 / n));
}

export async function joinStormSample(name: SdkName, sync: Sync, n: number): Promise<StormResult> {
  const Sdk = loadSdk(name);
  const reps = repetitionsFor(n);
  let total: StormResult = { cpuMs: 0, setDataCalls: 0, setDataBytes: 0 };
  for (let i = 0; i < reps; i++) {
    const r = await joinStorm(Sdk, sync, n);
    total = { cpuMs: total.cpuMs + r.cpuMs, setDataCalls: r.setDataCalls, setDataBytes: r.setDataBytes };
  }
  return { ...total, cpuMs: total.cpuMs / reps };
}
