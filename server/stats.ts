// Stream quality time series (volc 2.0.0): what clients sample from their <live-pusher>/<live-player> netstatus,
// kept per participant (a signaling session, or a user that reports through /v1/reports with trtc-room) and per
// stream in a ring buffer, and served to the admin API and the inspector. Everything is bounded: samples per
// stream, streams per participant, participants and samples over all; a participant's series outlives its
// session by the retention time, then goes. In memory, per process (a cluster's processes each keep their own).

import { NET_STATS_SERVER_MIN_INTERVAL_MS, NET_STATS_FIGURES, type NetStatsFigure, type NetStatsSample } from '../src/core/net-stats';
import type { StreamTypeWire } from '../src/core/protocol';

/** One kept sample: the client's figures, its time, and when the server got it. */
export type StoredSample = Omit<NetStatsSample, 'kind' | 'userID' | 'streamType'> & { receivedAt: number };

export interface StreamStats {
  kind: 'push' | 'play';
  userID: string;
  streamType: StreamTypeWire;
  /** Oldest first. */
  samples: StoredSample[];
  /** Samples this stream lost to the ring (older than the newest `samplesPerStream`). */
  overwritten: number;
}

export interface ParticipantStatsInfo {
  /** The signaling session id, or `report:<roomKey>:<userID>` for a reporter (trtc-room). */
  id: string;
  source: 'signaling' | 'report';
  roomKey: string;
  userID: string;
  startedAt: number;
  /** When its session ended (null while it lasts; a reporter's series ends when it goes quiet). */
  endedAt: number | null;
  lastSampleAt: number;
}

export interface ParticipantStats extends ParticipantStatsInfo {
  streams: StreamStats[];
}

/** GET /admin/rooms/:roomKey/stats (and the inspector's /inspect/stats). */
export interface RoomStatsResult {
  roomKey: string;
  participants: ParticipantStats[];
}

/** GET /admin/stats: who has series, how big, and what was refused. */
export interface StatsIndexResult {
  participants: Array<ParticipantStatsInfo & { streams: number; samples: number }>;
  totals: { participants: number; samples: number; dropped: number; evicted: number };
  limits: Required<StatsStoreOptions>;
}

export interface StatsStoreOptions {
  /** Ring size per stream: 150 samples are 5 minutes at the SDK's 2 s. */
  samplesPerStream?: number;
  /** Streams per participant: its pushes and the streams it plays. */
  streamsPerParticipant?: number;
  /** Participants kept at once (ended ones are forgotten first). */
  maxParticipants?: number;
  /** Samples kept over all participants. */
  maxTotalSamples?: number;
  /** How long an ended participant's series stays readable. */
  retentionMs?: number;
  /** A reporter (no session) counts as ended once it sent nothing for this long. */
  reporterIdleMs?: number;
  /** Samples of one stream closer than this are dropped (the SDK sends one every 2 s). */
  minIntervalMs?: number;
}

export interface StatsParticipantRef {
  id: string;
  source: 'signaling' | 'report';
  roomKey: string;
  userID: string;
}

class Ring {
  private readonly items: StoredSample[] = [];
  private head = 0;
  overwritten = 0;
  lastAt = -Infinity;

  constructor(private readonly size: number) {}

  get length(): number {
    return this.items.length;
  }

  /** Adds one; returns true when it overwrote the oldest. */
  push(sample: StoredSample): boolean {
    if (this.items.length < this.size) {
      this.items.push(sample);
      return false;
    }
    this.items[this.head] = sample;
    this.head = (this.head + 1) % this.size;
    this.overwritten += 1;
    return true;
  }

  toArray(): StoredSample[] {
    return [...this.items.slice(this.head), ...this.items.slice(0, this.head)];
  }
}

interface Series {
  kind: 'push' | 'play';
  userID: string;
  streamType: StreamTypeWire;
  ring: Ring;
}

interface Record_ extends ParticipantStatsInfo {
  streams: Map<string, Series>;
  samples: number;
}

const FIGURES = Object.keys(NET_STATS_FIGURES) as NetStatsFigure[];

export const DEFAULT_STATS_LIMITS: Required<StatsStoreOptions> = Object.freeze({
  samplesPerStream: 150,
  streamsPerParticipant: 10,
  maxParticipants: 1000,
  maxTotalSamples: 200_000,
  retentionMs: 10 * 60_000,
  reporterIdleMs: 60_000,
  minIntervalMs: NET_STATS_SERVER_MIN_INTERVAL_MS,
});

export class StatsStore {
  private readonly participants = new Map<string, Record_>();
  private total = 0;
  private dropped = 0;
  private evicted = 0;
  private prunedAt = -Infinity;
  readonly limits: Required<StatsStoreOptions>;

  constructor(options: StatsStoreOptions = {}) {
    this.limits = { ...DEFAULT_STATS_LIMITS, ...options };
  }

  /**
   * Keep the samples the caller vouched for (they are about this participant's streams). Refused, and counted:
   * a stream past the per-participant cap, a sample sooner than minIntervalMs after the stream's last, a sample
   * once the store is full of live participants.
   */
  record(who: StatsParticipantRef, samples: readonly NetStatsSample[], now = Date.now()): { accepted: number; dropped: number } {
    // Pruning walks every participant: at most once a second on the write path, not once per frame.
    if (now - this.prunedAt >= 1000) this.prune(now);
    if (samples.length === 0) return { accepted: 0, dropped: 0 };
    let record = this.participants.get(who.id);
    if (!record) {
      if (this.participants.size >= this.limits.maxParticipants && !this.evictOne()) {
        this.dropped += samples.length;
        return { accepted: 0, dropped: samples.length };
      }
      record = { ...who, startedAt: now, endedAt: null, lastSampleAt: now, streams: new Map(), samples: 0 };
      this.participants.set(who.id, record);
    }
    if (who.source === 'report') record.endedAt = null;
    let accepted = 0;
    for (const sample of samples) {
      const key = `${sample.kind}:${sample.userID}\u0000${sample.streamType}`;
      let series = record.streams.get(key);
      if (!series) {
        if (record.streams.size >= this.limits.streamsPerParticipant) continue;
        series = { kind: sample.kind, userID: sample.userID, streamType: sample.streamType, ring: new Ring(this.limits.samplesPerStream) };
        record.streams.set(key, series);
      }
      if (now - series.ring.lastAt < this.limits.minIntervalMs) continue;
      if (series.ring.length >= this.limits.samplesPerStream) {
        series.ring.push(storedOf(sample, now));
      } else {
        if (this.total >= this.limits.maxTotalSamples && !this.evictOne(who.id)) continue;
        series.ring.push(storedOf(sample, now));
        record.samples += 1;
        this.total += 1;
      }
      series.ring.lastAt = now;
      accepted += 1;
    }
    if (accepted > 0) record.lastSampleAt = now;
    const dropped = samples.length - accepted;
    this.dropped += dropped;
    return { accepted, dropped };
  }

  /** The participant's session ended: its series stays readable for retentionMs. */
  ended(id: string, now = Date.now()): void {
    const record = this.participants.get(id);
    if (record && record.endedAt === null) record.endedAt = now;
  }

  /** Every participant with series in one room, oldest first. */
  room(roomKey: string, now = Date.now()): RoomStatsResult {
    this.prune(now);
    const participants = [...this.participants.values()].filter((p) => p.roomKey === roomKey).map((p) => this.view(p, now));
    return { roomKey, participants };
  }

  /**
   * The rooms with the most recent samples, each with its participants' newest `samplesPerStream` samples per
   * stream: what the inspector polls every 2 s, so its answer stays small whatever the store holds.
   */
  rooms(now = Date.now(), view: { maxRooms?: number; samplesPerStream?: number } = {}): RoomStatsResult[] {
    this.prune(now);
    const byRoom = new Map<string, { last: number; participants: Record_[] }>();
    for (const p of this.participants.values()) {
      const room = byRoom.get(p.roomKey) ?? { last: 0, participants: [] };
      room.participants.push(p);
      room.last = Math.max(room.last, p.lastSampleAt);
      byRoom.set(p.roomKey, room);
    }
    return [...byRoom]
      .sort((a, b) => b[1].last - a[1].last)
      .slice(0, view.maxRooms ?? Infinity)
      .map(([roomKey, room]) => ({ roomKey, participants: room.participants.map((p) => this.view(p, now, view.samplesPerStream)) }));
  }

  index(now = Date.now()): StatsIndexResult {
    this.prune(now);
    return {
      participants: [...this.participants.values()].map((p) => ({ ...this.info(p, now), streams: p.streams.size, samples: p.samples })),
      totals: { participants: this.participants.size, samples: this.total, dropped: this.dropped, evicted: this.evicted },
      limits: { ...this.limits },
    };
  }

  /** Forget ended participants past their retention. */
  prune(now = Date.now()): void {
    this.prunedAt = now;
    for (const [id, p] of this.participants) {
      const endedAt = this.endedAt(p, now);
      if (endedAt !== null && now - endedAt >= this.limits.retentionMs) this.remove(id);
    }
  }

  private endedAt(p: Record_, now: number): number | null {
    if (p.endedAt !== null) return p.endedAt;
    // A reporter has no session to end: it ends when it goes quiet.
    if (p.source === 'report' && now - p.lastSampleAt >= this.limits.reporterIdleMs) return p.lastSampleAt;
    return null;
  }

  /** Make room: the participant that ended first goes (never `keep`). False when none has ended. */
  private evictOne(keep?: string): boolean {
    let oldest: [string, number] | null = null;
    const now = Date.now();
    for (const [id, p] of this.participants) {
      const endedAt = this.endedAt(p, now);
      if (id === keep || endedAt === null) continue;
      if (!oldest || endedAt < oldest[1]) oldest = [id, endedAt];
    }
    if (!oldest) return false;
    this.remove(oldest[0]);
    this.evicted += 1;
    return true;
  }

  private remove(id: string): void {
    const p = this.participants.get(id);
    if (!p) return;
    this.total -= p.samples;
    this.participants.delete(id);
  }

  private info(p: Record_, now: number): ParticipantStatsInfo {
    return { id: p.id, source: p.source, roomKey: p.roomKey, userID: p.userID, startedAt: p.startedAt, endedAt: this.endedAt(p, now), lastSampleAt: p.lastSampleAt };
  }

  private view(p: Record_, now: number, tail = Infinity): ParticipantStats {
    return {
      ...this.info(p, now),
      streams: [...p.streams.values()].map((s) => {
        const samples = s.ring.toArray();
        return { kind: s.kind, userID: s.userID, streamType: s.streamType, samples: samples.slice(Math.max(0, samples.length - tail)), overwritten: s.ring.overwritten };
      }),
    };
  }
}

/** Only the figures and the time: a sample checked by net-stats.ts carries nothing else, this makes sure. */
function storedOf(sample: NetStatsSample, receivedAt: number): StoredSample {
  const stored: StoredSample = { at: sample.at, receivedAt };
  for (const figure of FIGURES) if (sample[figure] !== undefined) stored[figure] = sample[figure];
  return stored;
}
