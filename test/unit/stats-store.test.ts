// The server's stream quality store (server/stats.ts) on its own: rings per stream, caps on streams,
// participants and samples over all, the per-stream interval, retention after the session ends and a
// reporter's idle end, and eviction of ended participants (never live ones) when full.

import { StatsStore } from '../../server/stats';
import type { NetStatsSample } from '../../src/core/net-stats';

const s = (userID = 'alice', kind: 'push' | 'play' = 'push', extra: Partial<NetStatsSample> = {}): NetStatsSample => ({ kind, userID, streamType: 'main', at: 1, videoBitrate: 100, ...extra });
const who = (id: string, source: 'signaling' | 'report' = 'signaling') => ({ id, source, roomKey: 'n:1', userID: id });

test('a ring per stream keeps the newest, and the total counts what is held', () => {
  const store = new StatsStore({ samplesPerStream: 2, minIntervalMs: 0 });
  for (const bitrate of [1, 2, 3]) store.record(who('a'), [s('a', 'push', { videoBitrate: bitrate })], 1000 + bitrate);
  const [p] = store.room('n:1', 2000).participants;
  expect(p!.streams[0]!.samples.map((x) => x.videoBitrate)).toEqual([2, 3]);
  expect(store.index(2000).totals.samples).toBe(2);
});

test('samples closer than the interval are dropped; streams past the cap are dropped', () => {
  const store = new StatsStore({ minIntervalMs: 1000, streamsPerParticipant: 1 });
  expect(store.record(who('a'), [s('a'), s('a')], 10_000)).toEqual({ accepted: 1, dropped: 1 });
  expect(store.record(who('a'), [s('a')], 10_500)).toEqual({ accepted: 0, dropped: 1 });
  expect(store.record(who('a'), [s('a')], 11_000)).toEqual({ accepted: 1, dropped: 0 });
  expect(store.record(who('a'), [s('b', 'play')], 12_000)).toEqual({ accepted: 0, dropped: 1 });
  expect(store.index(12_000).totals.dropped).toBe(3);
});

test('an ended participant is kept for the retention time, a quiet reporter counts as ended', () => {
  const store = new StatsStore({ retentionMs: 1000, reporterIdleMs: 500, minIntervalMs: 0 });
  store.record(who('a'), [s('a')], 0);
  store.record(who('r', 'report'), [s('r')], 0);
  store.ended('a', 100);
  expect(store.room('n:1', 900).participants.map((p) => [p.id, p.endedAt])).toEqual([
    ['a', 100],
    ['r', 0],
  ]);
  expect(store.room('n:1', 1050).participants.map((p) => p.id)).toEqual(['a']);
  expect(store.room('n:1', 1100).participants).toEqual([]);
  expect(store.index(1100).totals.samples).toBe(0);
});

test('when full, the participant that ended first makes room; live ones are never evicted', () => {
  const store = new StatsStore({ maxParticipants: 2, maxTotalSamples: 3, minIntervalMs: 0 });
  store.record(who('a'), [s('a')], 0);
  store.record(who('b'), [s('b')], 0);
  expect(store.record(who('c'), [s('c')], 0)).toEqual({ accepted: 0, dropped: 1 });
  store.ended('b', 10);
  store.ended('a', 20);
  expect(store.record(who('c'), [s('c')], 30)).toEqual({ accepted: 1, dropped: 0 });
  expect(store.index(30).participants.map((p) => p.id).sort()).toEqual(['a', 'c']);
  // The sample cap: c's second stream needs room, a (ended) goes.
  store.record(who('c'), [s('c', 'play', { userID: 'x' })], 40);
  expect(store.record(who('c'), [s('c', 'play', { userID: 'y' })], 50)).toEqual({ accepted: 1, dropped: 0 });
  expect(store.index(50).participants.map((p) => p.id)).toEqual(['c']);
  expect(store.index(50).totals).toMatchObject({ samples: 3, evicted: 2 });
  // Full of live samples: a new one is dropped.
  expect(store.record(who('c'), [s('c', 'play', { userID: 'z' })], 60)).toEqual({ accepted: 0, dropped: 1 });
});

test('only the figures are kept, whatever else an object carries', () => {
  const store = new StatsStore({ minIntervalMs: 0 });
  store.record(who('a'), [{ ...s('a'), extra: '<b>' } as NetStatsSample], 5);
  const sample = store.room('n:1', 5).participants[0]!.streams[0]!.samples[0]!;
  expect(sample).toEqual({ at: 1, receivedAt: 5, videoBitrate: 100 });
});

test('the inspector\'s view: the rooms heard from last, each stream\'s newest samples only', () => {
  const store = new StatsStore({ minIntervalMs: 0 });
  for (const [i, room] of ['n:1', 'n:2', 'n:3'].entries()) {
    for (let k = 0; k < 4; k++) store.record({ id: `${room}-u`, source: 'signaling', roomKey: room, userID: 'u' }, [s('u', 'push', { videoBitrate: k })], 100 * i + k);
  }
  const view = store.rooms(1000, { maxRooms: 2, samplesPerStream: 2 });
  expect(view.map((r) => r.roomKey)).toEqual(['n:3', 'n:2']);
  expect(view[0]!.participants[0]!.streams[0]!.samples.map((x) => x.videoBitrate)).toEqual([2, 3]);
  // The admin API's room view is whole.
  expect(store.room('n:1', 1000).participants[0]!.streams[0]!.samples).toHaveLength(4);
});
