// The component reports of a small call, generated up front (deterministic) for benchmark 7's call probes.

import { status, type PusherStatus } from '../test/helpers/status';

/** What a component reports during a call, in the order WeChat delivers it. */
export type CallEvent = (
  | { kind: 'status'; status: PusherStatus }
  | { kind: 'playerVolume'; id: string; volume: number }
  | { kind: 'playerNet'; id: string; info: Record<string, number> }
  | { kind: 'pusherVolume'; volume: number }
  | { kind: 'pusherNet'; info: Record<string, number> }
) & {
  /** When in the call it is reported, in ms after enterRoom: the steady-state probe measures a window of it. */
  at: number;
};

const VOLUME_EVERY = 300;
const NET_EVERY = 2_000;

function netInfo(t: number, base: number): Record<string, number> {
  // Deterministic, varied figures: each report differs from the last, as a real one does.
  const wobble = (t / NET_EVERY) % 7;
  return {
    videoBitrate: base + wobble * 20,
    audioBitrate: 48,
    videoFPS: 15,
    videoGOP: 3,
    netSpeed: base + 80 + wobble * 30,
    netJitter: wobble,
    videoWidth: 640,
    videoHeight: 360,
    videoCache: 100 + wobble,
    audioCache: 100 + wobble,
  };
}

/**
 * A call of `people` (the local user and people - 1 others, all with camera and mic on) lasting `seconds`:
 * enter, everyone arrives in the first seconds, then what the components report while people talk: every
 * <live-player> and the <live-pusher> report their volume every 300 ms and their net status every 2 s.
 */
export function callScript(people: number, seconds: number): CallEvent[] {
  const others = Array.from({ length: people - 1 }, (_, i) => `peer${i}`);
  const events: CallEvent[] = [{ kind: 'status', status: status.entered(), at: 0 }];
  for (const user of others) {
    events.push({ kind: 'status', status: status.joined(user), at: 0 }, { kind: 'status', status: status.video(user, true), at: 0 }, { kind: 'status', status: status.audio(user, true), at: 0 });
  }
  const ids = others.map((user) => `${user}_main`);
  for (let t = VOLUME_EVERY; t <= seconds * 1000; t += VOLUME_EVERY) {
    // One person talks at a time, changing every 5 s; the others report 0.
    const speaker = Math.floor(t / 5_000) % people;
    events.push({ kind: 'pusherVolume', volume: speaker === 0 ? 40 + (t % 50) : 0, at: t });
    ids.forEach((id, i) => events.push({ kind: 'playerVolume', id, volume: speaker === i + 1 ? 40 + (t % 50) : 0, at: t }));
    if (t % NET_EVERY < VOLUME_EVERY) {
      events.push({ kind: 'pusherNet', info: netInfo(t, 700), at: t });
      for (const id of ids) events.push({ kind: 'playerNet', id, info: netInfo(t, 600), at: t });
    }
  }
  return events;
}

