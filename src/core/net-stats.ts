// Stream quality samples (volc 2.0.0: the SDK reports up- and downlink stream state to the server). A sample
// is what one <live-pusher>/<live-player> bindnetstatus said about one stream, cut down to the figures a
// person reads a call's quality from. Both ends import this: the SDK builds samples from netstatus, the dev
// server checks them field by field (a sample is data from a phone: nothing else rides along).
// Pure: types, constants and checks.

import { isUserID, type StreamTypeWire } from './protocol';

/** A client samples each stream at most this often, however often bindnetstatus fires. */
export const NET_STATS_INTERVAL_MS = 2_000;
/** The server keeps at most one sample per stream per this interval (half the client's, for clock jitter). */
export const NET_STATS_SERVER_MIN_INTERVAL_MS = 1_000;
/** Samples in one net-stats frame or one reported event batch entry. */
export const MAX_NET_STATS_PER_FRAME = 16;

/**
 * One stream's figures at one moment. `kind` 'push' is the local <live-pusher> (userID = the reporter), 'play'
 * a <live-player> of a remote stream. Every figure is optional: a component reports what it has.
 */
export interface NetStatsSample {
  kind: 'push' | 'play';
  userID: string;
  streamType: StreamTypeWire;
  /** When the client took it (ms since the epoch, the client's clock). */
  at: number;
  /** kbps, as netstatus videoBitrate / audioBitrate. */
  videoBitrate?: number;
  audioBitrate?: number;
  /** Frames per second (videoFPS). */
  videoFPS?: number;
  videoWidth?: number;
  videoHeight?: number;
  /** kbps on the wire (netSpeed). */
  netSpeed?: number;
  /** netstatus netJitter: how unsteady the network is (bigger is worse). */
  netJitter?: number;
  /** TRTC's network quality, 0 unknown, 1 best .. 6 down (netQualityLevel, when the component gives it). */
  netQualityLevel?: number;
  /** Buffered media (ms, videoCache / audioCache): a player that starves or a pusher that backs up. */
  videoCache?: number;
  audioCache?: number;
  /** Packet loss in percent (0..100), when the component reports one (packetLoss / lossRate). */
  packetLoss?: number;
}

/** The figures and the largest value each may take; anything bigger is not a measurement. */
export const NET_STATS_FIGURES = Object.freeze({
  videoBitrate: 1_000_000,
  audioBitrate: 100_000,
  videoFPS: 1_000,
  videoWidth: 16_384,
  videoHeight: 16_384,
  netSpeed: 1_000_000,
  netJitter: 1_000_000,
  netQualityLevel: 6,
  videoCache: 3_600_000,
  audioCache: 3_600_000,
  packetLoss: 100,
} as const);
export type NetStatsFigure = keyof typeof NET_STATS_FIGURES;
const FIGURES = Object.keys(NET_STATS_FIGURES) as NetStatsFigure[];
const SAMPLE_FIELDS: ReadonlySet<string> = new Set(['kind', 'userID', 'streamType', 'at', ...FIGURES]);

/** netstatus keys that carry each figure (WeChat's names first; loss under the names components use). */
const SOURCES: Record<NetStatsFigure, readonly string[]> = {
  videoBitrate: ['videoBitrate'],
  audioBitrate: ['audioBitrate'],
  videoFPS: ['videoFPS'],
  videoWidth: ['videoWidth'],
  videoHeight: ['videoHeight'],
  netSpeed: ['netSpeed'],
  netJitter: ['netJitter'],
  netQualityLevel: ['netQualityLevel'],
  videoCache: ['videoCache'],
  audioCache: ['audioCache'],
  packetLoss: ['packetLoss', 'lossRate'],
};

const isFigure = (value: unknown, max: number): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= max;

/**
 * A sample from one netstatus `info`: the known figures that are numbers in range, rounded to 0.1; strings,
 * NaN, negatives and unknown keys are left out. Null when nothing usable is there.
 */
export function sampleOfNetStatus(kind: 'push' | 'play', userID: string, streamType: StreamTypeWire, info: Readonly<Record<string, unknown>>, at: number): NetStatsSample | null {
  const sample: NetStatsSample = { kind, userID, streamType, at: Math.round(at) };
  let figures = 0;
  for (const figure of FIGURES) {
    for (const source of SOURCES[figure]) {
      const value = info[source];
      if (!isFigure(value, NET_STATS_FIGURES[figure])) continue;
      sample[figure] = Math.round(value * 10) / 10;
      figures += 1;
      break;
    }
  }
  return figures > 0 ? sample : null;
}

export type SampleCheck = { ok: true; sample: NetStatsSample } | { ok: false; message: string };

/** The server's check of one sample: exactly the known fields, each of its type and in its range. */
export function checkNetStatsSample(value: unknown): SampleCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: 'a sample must be an object' };
  const s = value as Record<string, unknown>;
  const extra = Object.keys(s).find((k) => !SAMPLE_FIELDS.has(k));
  if (extra !== undefined) return { ok: false, message: `a sample has no field ${JSON.stringify(extra.slice(0, 40))}` };
  if (s.kind !== 'push' && s.kind !== 'play') return { ok: false, message: "sample.kind must be 'push' or 'play'" };
  if (!isUserID(s.userID)) return { ok: false, message: 'sample.userID must be a userID' };
  if (s.streamType !== 'main' && s.streamType !== 'aux') return { ok: false, message: "sample.streamType must be 'main' or 'aux'" };
  if (!Number.isSafeInteger(s.at) || (s.at as number) <= 0) return { ok: false, message: 'sample.at must be a positive integer (ms)' };
  let figures = 0;
  for (const figure of FIGURES) {
    if (s[figure] === undefined) continue;
    if (!isFigure(s[figure], NET_STATS_FIGURES[figure])) return { ok: false, message: `sample.${figure} must be a number in 0..${NET_STATS_FIGURES[figure]}` };
    figures += 1;
  }
  if (figures === 0) return { ok: false, message: 'a sample needs at least one figure' };
  return { ok: true, sample: s as unknown as NetStatsSample };
}

/** A batch of samples: a non-empty array of at most MAX_NET_STATS_PER_FRAME, each well-formed. */
export function checkNetStatsBatch(value: unknown): { ok: true; samples: NetStatsSample[] } | { ok: false; message: string } {
  if (!Array.isArray(value) || value.length === 0) return { ok: false, message: 'samples must be a non-empty array' };
  if (value.length > MAX_NET_STATS_PER_FRAME) return { ok: false, message: `at most ${MAX_NET_STATS_PER_FRAME} samples at once` };
  for (const [i, item] of value.entries()) {
    const check = checkNetStatsSample(item);
    if (!check.ok) return { ok: false, message: `samples[${i}]: ${check.message}` };
  }
  return { ok: true, samples: value as NetStatsSample[] };
}
