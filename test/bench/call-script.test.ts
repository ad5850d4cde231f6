// The small calls of benchmark 7: what the components report, deterministic, in the order WeChat delivers it.

import { callScript } from '../../bench/call-script';

test('a 60 s 1v1 call: enter, the other person arrives, then volume every 300 ms and net status every 2 s', () => {
  const script = callScript(2, 60);
  expect(script.slice(0, 4).map((e) => (e.kind === 'status' ? e.status.code : e.kind))).toEqual([1018, 1031, 1033, 1034]);
  const count = (kind: string) => script.filter((e) => e.kind === kind).length;
  expect(count('pusherVolume')).toBe(200);
  expect(count('playerVolume')).toBe(200);
  expect(count('pusherNet')).toBe(30);
  expect(count('playerNet')).toBe(30);
  expect(script).toHaveLength(464);
  expect(callScript(2, 60)).toEqual(script);
});

test('a 4-person call reports for each of the 3 others; one person talks at a time', () => {
  const script = callScript(4, 60);
  const ids = new Set(script.flatMap((e) => (e.kind === 'playerVolume' ? [e.id] : [])));
  expect([...ids]).toEqual(['peer0_main', 'peer1_main', 'peer2_main']);
  expect(script.filter((e) => e.kind === 'playerVolume')).toHaveLength(600);
  expect(script).toHaveLength(1 + 9 + 800 + 4 * 30);
  // At any instant at most one volume report is above zero.
  const loud = new Map<number, number>();
  let tick = -1;
  for (const e of script) {
    if (e.kind === 'pusherVolume') tick++;
    if ((e.kind === 'pusherVolume' || e.kind === 'playerVolume') && e.volume > 0) loud.set(tick, (loud.get(tick) ?? 0) + 1);
  }
  expect(Math.max(...loud.values())).toBe(1);
});

test('every event says when in the call it is reported, in order, so the steady-state probe can take minutes 20-30', () => {
  const script = callScript(2, 30 * 60);
  const times = script.map((e) => e.at);
  expect(times.every((t, i) => i === 0 || t >= times[i - 1]!)).toBe(true);
  const from = script.findIndex((e) => e.at >= 20 * 60_000);
  // Minutes 20-30 of a 1v1 call, both ends included: 2001 volume ticks and 301 net ticks, each reported by
  // the pusher and the one player.
  expect(script.length - from).toBe(2 * 2001 + 2 * 301);
  expect(script.slice(from).every((e) => e.kind !== 'status')).toBe(true);
});
