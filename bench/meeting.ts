// Benchmark 2, a scripted 10-minute 8-person meeting in simulated time: the local user and 7 others join,
// mute and unmute, share a screen, leave and come back; every live-player reports its volume every 300 ms
// and every component its net status every 2 s. The event list is generated up front (deterministic) and
// fed as fast as possible, one event per logic-layer turn, as WeChat delivers component events.

import { installWx } from '../src/testing/wx';
import { createPage } from '../src/testing/page';
import { mulberry32 } from '../test/helpers/prng';
import { playerEvent, pusherEvent, status, type PusherStatus } from '../test/helpers/status';
import { leanPage } from './lib/pages';
import { enter, loadSdk, ROOM_PARAMS, settle, tick, wirePage, type FacadeLike, type PageLike, type SdkName, type Sync } from './lib/sdk';

export type MeetingEvent =
  | { at: number; kind: 'status'; status: PusherStatus }
  | { at: number; kind: 'playerVolume'; id: string; volume: number }
  | { at: number; kind: 'playerNet'; id: string; info: Record<string, number> }
  | { at: number; kind: 'pusherNet'; info: Record<string, number> }
  | { at: number; kind: 'localMic'; enabled: boolean };

const MINUTES = 10;
const END = MINUTES * 60_000;
const VOLUME_EVERY = 300;
const NET_EVERY = 2_000;

interface Presence {
  main: { audio: boolean; video: boolean } | null;
  aux: boolean;
}

/** The meeting's script, sorted by time. Presence is tracked so notifications come only from rendered players. */
export function meetingScript(seed = 8): MeetingEvent[] {
  const random = mulberry32(seed);
  const events: MeetingEvent[] = [{ at: 1_000, kind: 'status', status: status.entered() }];
  const others = ['amy', 'ben', 'cat', 'dan', 'eve', 'fay', 'gus'];
  // [at, user, action]: the people-level plot of the meeting.
  const plot: Array<[number, string, 'join' | 'leave' | 'audioOff' | 'audioOn' | 'videoOff' | 'videoOn' | 'shareOn' | 'shareOff']> = [];
  others.forEach((user, i) => plot.push([2_000 + i * 3_000, user, 'join']));
  for (let t = 45_000; t < END - 30_000; t += 45_000) {
    const user = others[Math.floor(random() * others.length)]!;
    plot.push([t, user, 'audioOff'], [t + 20_000, user, 'audioOn']);
  }
  for (let t = 90_000; t < END - 40_000; t += 90_000) {
    const user = others[Math.floor(random() * others.length)]!;
    plot.push([t + 5_000, user, 'videoOff'], [t + 35_000, user, 'videoOn']);
  }
  plot.push([200_000, 'ben', 'shareOn'], [260_000, 'ben', 'shareOff']);
  plot.push([300_000, 'cat', 'leave'], [360_000, 'cat', 'join']);
  plot.push([480_000, 'eve', 'leave'], [490_000, 'hal', 'join']);
  plot.sort((a, b) => a[0] - b[0]);

  const present = new Map<string, Presence>();
  const push = (at: number, s: PusherStatus) => events.push({ at, kind: 'status', status: s });
  for (const [at, user, action] of plot) {
    const p = present.get(user);
    switch (action) {
      case 'join':
        if (p) break;
        push(at, status.joined(user));
        push(at + 200, status.video(user, true));
        push(at + 250, status.audio(user, true));
        break;
      case 'leave':
        if (p) push(at, status.left(user));
        break;
      case 'audioOff':
      case 'audioOn':
        if (p) push(at, status.audio(user, action === 'audioOn'));
        break;
      case 'videoOff':
      case 'videoOn':
        if (p) push(at, status.video(user, action === 'videoOn'));
        break;
      case 'shareOn':
      case 'shareOff':
        if (p) push(at, status.video(user, action === 'shareOn', 'aux'));
        break;
    }
    if (action === 'join') present.set(user, { main: null, aux: false });
    if (action === 'leave') present.delete(user);
  }
  events.push({ at: 150_000, kind: 'localMic', enabled: false }, { at: 170_000, kind: 'localMic', enabled: true });

  // Replay the status plot to know, at each moment, which players exist and who can be heard.
  const statuses = events.filter((e): e is Extract<MeetingEvent, { kind: 'status' }> => e.kind === 'status').sort((a, b) => a.at - b.at);
  const players = new Map<string, { audio: boolean; video: boolean }>();
  let next = 0;
  const applyUntil = (t: number) => {
    while (next < statuses.length && statuses[next]!.at <= t) {
      const { code, message } = statuses[next++]!.status;
      if (code === 1018) continue;
      const list = (JSON.parse(message) as { userlist: Array<{ userid: string; streamtype?: string; hasvideo?: boolean; hasaudio?: boolean }> }).userlist;
      for (const u of list) {
        if (code === 1032) {
          players.delete(`${u.userid}_main`);
          players.delete(`${u.userid}_aux`);
          continue;
        }
        if (code === 1031) continue;
        const id = `${u.userid}_${u.streamtype ?? 'main'}`;
        const s = players.get(id) ?? { audio: false, video: false };
        if (code === 1033) s.video = u.hasvideo === true;
        if (code === 1034) s.audio = u.hasaudio === true;
        if (s.audio || s.video) players.set(id, s);
        else players.delete(id);
      }
    }
  };
  const netInfo = (base: number): Record<string, number> => ({
    videoBitrate: Math.round(base + random() * 200),
    audioBitrate: Math.round(40 + random() * 16),
    videoFPS: 12 + Math.floor(random() * 4),
    videoGOP: 3,
    netSpeed: Math.round(base + 60 + random() * 300),
    netJitter: Math.floor(random() * 20),
    videoWidth: 640,
    videoHeight: 360,
    videoCache: Math.floor(random() * 300),
    audioCache: Math.floor(random() * 300),
  });
  for (let t = 0; t <= END; t += VOLUME_EVERY) {
    applyUntil(t);
    // One or two people talk at a time; the speaker changes every 15 s. Silence reports 0.
    const ids = [...players.keys()].filter((id) => id.endsWith('_main'));
    const speaker = ids[Math.floor(t / 15_000) % Math.max(1, ids.length)];
    const second = ids[Math.floor(t / 6_000) % Math.max(1, ids.length)];
    for (const id of [...players.keys()]) {
      const talking = players.get(id)!.audio && (id === speaker || (id === second && random() < 0.3));
      events.push({ at: t, kind: 'playerVolume', id, volume: talking ? 20 + Math.floor(random() * 70) : 0 });
    }
    if (t % NET_EVERY === 0 && t > 1_000) {
      events.push({ at: t, kind: 'pusherNet', info: netInfo(700) });
      for (const id of players.keys()) events.push({ at: t, kind: 'playerNet', id, info: netInfo(600) });
    }
  }
  // Stable: statuses before notifications at the same instant (a player exists before it reports).
  const rank = (e: MeetingEvent) => (e.kind === 'status' || e.kind === 'localMic' ? 0 : 1);
  return events.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at || rank(a.e) - rank(b.e) || a.i - b.i).map(({ e }) => e);
}

function deliver(sdk: FacadeLike, page: PageLike, sync: Sync, event: MeetingEvent): void {
  switch (event.kind) {
    case 'status':
      return sdk.pusherEventHandler(pusherEvent(event.status));
    case 'playerVolume':
      return sdk.playerAudioVolumeNotify(playerEvent(event.id, { volume: event.volume }));
    case 'playerNet':
      return sdk.playerNetStatus(playerEvent(event.id, { info: event.info }));
    case 'pusherNet':
      return sdk.pusherNetStatusHandler({ type: 'netstatus', detail: { info: event.info }, currentTarget: { id: 'pusher', dataset: {} } });
    case 'localMic': {
      const pusher = sdk.setPusherAttributes({ enableMic: event.enabled });
      if (sync === 'documented') page.setData({ pusher });
      return;
    }
  }
}

export interface MeetingResult {
  cpuMs: number;
  calls: number;
  bytes: number;
  events: number;
  /** The page's pusher and playerList at the end, for the equivalence check between the two ways. */
  final: unknown;
}

/**
 * Run the whole meeting on one page. `recorded`: the project's Page host (exact setData records, slower);
 * otherwise the lean page (what the logic layer pays) for CPU time.
 */
export async function runMeeting(name: SdkName, sync: Sync, script: readonly MeetingEvent[], recorded: boolean): Promise<MeetingResult> {
  const Sdk = loadSdk(name);
  const { uninstall } = installWx();
  try {
    const host = recorded ? createPage({ data: { pusher: {}, playerList: [] } }) : leanPage();
    const sdk = new Sdk(host, { env: 'test' });
    const start = process.cpuUsage();
    wirePage(sdk, host, sync);
    enter(sdk, host, sync, ROOM_PARAMS);
    for (const event of script) {
      deliver(sdk, host, sync, event);
      await tick();
    }
    await settle();
    const used = process.cpuUsage(start);
    const final = JSON.parse(JSON.stringify({ pusher: host.data.pusher, playerList: host.data.playerList })) as unknown;
    const calls = 'setDataCalls' in host ? host.setDataCalls.length : host.calls;
    const bytes = 'setDataCalls' in host ? host.setDataCalls.reduce((n, c) => n + c.bytes, 0) : host.bytes;
    sdk.destroy?.();
    return { cpuMs: (used.user + used.system) / 1000, calls, bytes, events: script.length, final };
  } finally {
    uninstall();
  }
}
