// The event log's payload text (server/inspector/page/payload.ts): a component event's three nested `detail`
// levels become one flat object, nothing is lost, and a hostile payload cannot make it loop or blow up.

import { flattenPayload } from '../../server/inspector/page/payload';

test("a <live-player> status event's three detail levels become one object", () => {
  // What the room machine receives for LIVE_PLAYER_STATUS: the facade's event wraps WeChat's, which wraps trtc-wx's.
  const raw = {
    id: 'bob_main',
    code: 2004,
    message: 'play begin',
    detail: {
      code: 2004,
      message: 'play begin',
      detail: { code: 2004, message: 'play begin' },
      currentTarget: { id: 'bob_main', dataset: { streamid: 'bob_main' } },
      target: { id: 'bob_main', dataset: { streamid: 'bob_main' } },
      type: 'statechange',
    },
  };
  const flat = flattenPayload(raw);
  expect(flat).toEqual({ id: 'bob_main', code: 2004, message: 'play begin', target: { id: 'bob_main', dataset: { streamid: 'bob_main' } }, type: 'statechange' });
  expect(JSON.stringify(flat)).not.toContain('detail');
});

test('a field that differs from its parent keeps its path; other targets are kept', () => {
  const flat = flattenPayload({ code: 1, detail: { code: 2, extra: true, currentTarget: { id: 'a' }, target: { id: 'b' } } });
  expect(flat).toEqual({ code: 1, 'detail.code': 2, extra: true, currentTarget: { id: 'a' }, target: { id: 'b' } });
});

test('payloads that are not component events are unchanged', () => {
  expect(flattenPayload({ users: ['bob'], detail: 'text' })).toEqual({ users: ['bob'], detail: 'text' });
  expect(flattenPayload({ detail: [1, 2] })).toEqual({ detail: [1, 2] });
  expect(flattenPayload({})).toEqual({});
});

test('a hostile payload: deep nesting is bounded, cycles do not hang', () => {
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 10_000; i++) deep = { detail: deep };
  const flat = flattenPayload(deep);
  expect(Object.keys(flat)).toEqual(['detail']);
  const cyclic: Record<string, unknown> = { code: 1 };
  cyclic.detail = cyclic;
  expect(flattenPayload(cyclic)).toEqual({ code: 1 });
  const withCycleInside: Record<string, unknown> = { a: 1 };
  withCycleInside.self = withCycleInside;
  expect(flattenPayload({ detail: withCycleInside, self: 'x' })).toMatchObject({ a: 1, self: 'x' });
});
