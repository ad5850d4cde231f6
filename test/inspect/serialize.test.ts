// What an inspection message may carry: JSON only, bounded, actor refs and pages summarized, credentials
// redacted; and an oversized message loses its bulk, not its identity.

import { DEFAULT_LIMITS, encodeMessage, toSafeJson } from '../../src/inspect/serialize';

test('functions go, cycles are marked, Maps, Sets, Dates and BigInts become JSON', () => {
  const cyclic: Record<string, unknown> = { name: 'a' };
  cyclic.self = cyclic;
  const value = {
    fn: () => 1,
    list: [1, () => 2, Number.NaN],
    cyclic,
    map: new Map([['k', 1]]),
    set: new Set([1, 2]),
    date: new Date(0),
    big: BigInt(12),
    nested: { undef: undefined, sym: Symbol('s') },
  };
  expect(toSafeJson(value)).toEqual({
    list: [1, null, null],
    cyclic: { name: 'a', self: '[Circular]' },
    map: { k: 1 },
    set: [1, 2],
    date: '1970-01-01T00:00:00.000Z',
    big: '12',
    nested: {},
  });
});

test('the same object twice (not a cycle) is written twice', () => {
  const shared = { x: 1 };
  expect(toSafeJson({ a: shared, b: shared })).toEqual({ a: { x: 1 }, b: { x: 1 } });
});

test('actor refs become their id, a page its route, toJSON is honoured and may fail safely', () => {
  const ref = { id: 'pusher', sessionId: 'x:2', send: () => undefined, getSnapshot: () => ({}) };
  const page = { route: 'pages/room/room', data: { huge: 'x'.repeat(10) }, setData: () => undefined };
  const throwing = {
    toJSON() {
      throw new Error('no');
    },
  };
  expect(toSafeJson({ ref, page, bare: { setData: () => undefined }, throwing, custom: { toJSON: () => ({ ok: true }) } })).toEqual({
    ref: { xstate$$type: 1, id: 'pusher' },
    page: '[page pages/room/room]',
    bare: '[page]',
    throwing: '[unserializable]',
    custom: { ok: true },
  });
});

test('credentials are redacted, as fields and inside room:// urls', () => {
  const safe = toSafeJson({
    params: { userID: 'alice', userSig: 'SIG-123', privateMapKey: 'PMK' },
    url: 'room://cloud.tencent.com/rtc?sdkappid=1&userid=alice&usersig=SIG-123&privatemapkey=PMK&x=1',
  });
  const text = JSON.stringify(safe);
  expect(text).not.toContain('SIG-123');
  expect(text).not.toContain('PMK');
  expect(safe).toEqual({
    params: { userID: 'alice', userSig: '[redacted]', privateMapKey: '[redacted]' },
    url: 'room://cloud.tencent.com/rtc?sdkappid=1&userid=alice&usersig=[redacted]&privatemapkey=[redacted]&x=1',
  });
});

test('depth, string and array limits', () => {
  const limits = { ...DEFAULT_LIMITS, maxDepth: 2, maxString: 5, maxArray: 2 };
  expect(toSafeJson({ a: { b: { c: 1 } }, s: 'abcdefgh', list: [1, 2, 3, 4] }, limits)).toEqual({
    a: { b: '[Object]' },
    s: 'abcde… (3 more characters)',
    list: [1, 2, '… 2 more items'],
  });
});

test('an oversized message sheds its context first, keeping type, ids and the event type', () => {
  const message = {
    type: '@xstate.snapshot',
    sessionId: 'x:0',
    rootId: 'x:0',
    snapshot: { status: 'active', value: 'idle', context: { blob: 'y'.repeat(5000) } },
    event: { type: 'ENTER_ROOM', params: { blob: 'z'.repeat(50) } },
  };
  const text = encodeMessage(message, { ...DEFAULT_LIMITS, maxString: 100_000, maxMessage: 1000 })!;
  expect(text.length).toBeLessThanOrEqual(1000);
  const parsed = JSON.parse(text);
  expect(parsed).toMatchObject({ type: '@xstate.snapshot', sessionId: 'x:0', snapshot: { value: 'idle' }, event: { type: 'ENTER_ROOM' } });
  expect(parsed.snapshot.context).toMatch(/^\[omitted: \d+ characters\]$/);
  // A machine definition (Stately's JSON string) is not cut like other strings, only by the message limit.
  const definition = JSON.stringify({ id: 'room', states: { a: 'x'.repeat(6000) } });
  expect(JSON.parse(encodeMessage({ type: '@xstate.actor', sessionId: 'x:0', definition })!).definition).toBe(definition);
  expect(encodeMessage({ type: 'x', blob: 'q'.repeat(5000) }, { ...DEFAULT_LIMITS, maxString: 100_000, maxMessage: 100 })).toBeNull();
});
