// Stream quality collection (volc 2.0.0, reportPusherNetStatusChange / reportPlayerNetStatusChange): the page's
// bindnetstatus handlers hand every netstatus here, and at most one sample per stream per interval leaves, to
// the signaling driver (websocket: a net-stats frame) and to the event reporter (trtc-room: a NET_STATS event).
// It runs beside the room chart, not in it: netstatus is most of a call's events (issue 17), and a refused
// tick costs one Map lookup here, no microstep anywhere.

import { parsePlayerId } from '../core/attributes';
import { NET_STATS_INTERVAL_MS, sampleOfNetStatus, type NetStatsSample } from '../core/net-stats';

export interface NetStatsCollectorOptions {
  /** Where each sample goes. */
  deliver: (sample: NetStatsSample) => void;
  /** The local user while in a room, else null (nothing is sampled outside a room). */
  self: () => string | null;
  /** At most one sample per stream per this many ms. */
  intervalMs?: number;
  /** Streams remembered at once (a pusher and the players of a room); the oldest is forgotten past it. */
  maxStreams?: number;
  now?: () => number;
}

export class NetStatsCollector {
  /** When each stream ('push' or a player id) was last sampled. */
  private readonly last = new Map<string, number>();
  private readonly intervalMs: number;
  private readonly maxStreams: number;
  private readonly now: () => number;

  constructor(private readonly options: NetStatsCollectorOptions) {
    this.intervalMs = options.intervalMs ?? NET_STATS_INTERVAL_MS;
    this.maxStreams = options.maxStreams ?? 64;
    this.now = options.now ?? Date.now;
  }

  /** A netstatus of the local <live-pusher>. */
  pusher(info: Readonly<Record<string, unknown>>): void {
    this.observe('push', 'push', info);
  }

  /** A netstatus of the <live-player> with this id (userID_streamType). */
  player(id: string | null, info: Readonly<Record<string, unknown>>): void {
    if (id !== null) this.observe('play', id, info);
  }

  /** A stream is gone: its next netstatus (a new player) is sampled at once. */
  forget(id: string): void {
    this.last.delete(id);
  }

  /** The room was left. */
  clear(): void {
    this.last.clear();
  }

  private observe(kind: 'push' | 'play', key: string, info: Readonly<Record<string, unknown>>): void {
    const now = this.now();
    const previous = this.last.get(key);
    if (previous !== undefined && now - previous < this.intervalMs) return;
    const self = this.options.self();
    if (self === null) return;
    const stream = kind === 'push' ? { userID: self, streamType: 'main' as const } : parsePlayerId(key);
    if (!stream) return;
    const sample = sampleOfNetStatus(kind, stream.userID, stream.streamType, info, now);
    if (!sample) return;
    this.last.delete(key);
    if (this.last.size >= this.maxStreams) this.last.delete(this.last.keys().next().value as string);
    this.last.set(key, now);
    this.options.deliver(sample);
  }
}
