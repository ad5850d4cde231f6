// The id fields both ends read (userID, strRoomID, businessId) with hostile values, checked at both boundaries
// with the same cases: the SDK (enterRoom's params, setBusinessId through the facade) and a real dev server
// (a raw join frame on loopback). One verdict per case: what one end refuses the other refuses too, so no id
// can reach the server the SDK would not send, and none the server would take is refused in the page.
// Bounded: one server, one socket per case group, a fixed list of cases.

import { ErrorCode } from '../../src/core/errors';
import { checkEnterParams } from '../../src/core/enter-params';
import { PROTOCOL_VERSION, isBusinessId, isStrRoomID, isUserID, parseRequest } from '../../src/core/protocol';
import { createRig } from '../helpers/facade';
import { startHarness, type Harness } from '../server/helpers/server';

interface Case {
  value: unknown;
  ok: boolean;
}

const accept = (...values: unknown[]): Case[] => values.map((value) => ({ value, ok: true }));
const refuse = (...values: unknown[]): Case[] => values.map((value) => ({ value, ok: false }));

/** Hostile to every id: not strings, empty, control characters, url delimiters, lone surrogates. */
const HOSTILE_ANYWHERE = refuse('', 42, null, true, ['a'], { toString: () => 'a' }, 'a\u0000', 'a\n', ' a', 'a b', 'a/b', 'a&b=c', 'a?b', 'a#b', 'm\uD800', 'm\uDC00', 'm\uFFFD', 'ü', '😀');

const USER_ID_CASES: Case[] = [
  ...accept('a', 'Alice_01', 'a-b.c@d', '.', '..', 'x'.repeat(32)),
  ...HOSTILE_ANYWHERE,
  // 32 UTF-16 units but 64 UTF-8 bytes: the server used to count units, the SDK bytes.
  ...refuse('x'.repeat(33), '😀'.repeat(8), 'ü'.repeat(17), 'a%41', 'a:b', 'a&usersig=forged'),
];

const STR_ROOM_ID_CASES: Case[] = [
  ...accept('r', 'team-1', '!$%()+-:;<.>@[]^_{}|~,', '..', 'x'.repeat(64)),
  ...HOSTILE_ANYWHERE,
  ...refuse('x'.repeat(65), 'ü'.repeat(33), 'a=b', 'a&usersig=forged'),
];

const BUSINESS_ID_CASES: Case[] = [
  ...accept('biz', 'order-42', 'a.b:c_d-e', 'x'.repeat(128)),
  ...HOSTILE_ANYWHERE,
  ...refuse('x'.repeat(129), 'a@b', 'a%41'),
];

const show = (value: unknown) => (typeof value === 'string' && value.length > 20 ? `${JSON.stringify(value.slice(0, 8))}x${value.length}` : JSON.stringify(value) ?? String(value));

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ rateLimit: { perSecond: 2000, burst: 2000, abuseThreshold: 10_000 } });
});

afterAll(async () => {
  await h.close();
});

/** The server's verdict on a join carrying `fields`: the frame parser, then a real server over a socket. */
async function serverVerdicts(cases: Case[], fieldsOf: (value: unknown) => Record<string, unknown>): Promise<string[]> {
  const client = await h.connect('ids');
  const wrong: string[] = [];
  let id = 0;
  try {
    for (const c of cases) {
      id += 1;
      const join = { ...h.joinRequest('probe', { roomID: 7300 }), ...fieldsOf(c.value) };
      const text = JSON.stringify({ v: PROTOCOL_VERSION, id, ...join });
      const parsed = parseRequest(text);
      if (parsed.ok !== c.ok) wrong.push(`parseRequest ${show(c.value)}: ${parsed.ok ? 'accepted' : 'refused'}`);
      client.sendRaw(text);
      const response = await client.waitResponse((r) => r.id === id, `join ${id}`);
      if (response.ok) await client.ok({ type: 'leave' });
      const refusedAsBadRequest = !response.ok && response.error.code === ErrorCode.BAD_REQUEST;
      // An accepted id may still be refused for other reasons (a userSig made for another id): only BAD_REQUEST is the field's verdict.
      if (c.ok === refusedAsBadRequest) wrong.push(`server ${show(c.value)}: ${JSON.stringify(response)}`);
    }
  } finally {
    await h.closeClients();
  }
  return wrong;
}

function sdkVerdicts(cases: Case[], paramsOf: (value: unknown) => Record<string, unknown>, refusal: number): string[] {
  const wrong: string[] = [];
  for (const c of cases) {
    const check = checkEnterParams({ sdkAppID: 1400000000, userSig: 'sig', userID: 'u', roomID: 1, ...paramsOf(c.value) });
    if (check.ok !== c.ok || (!check.ok && check.error.code !== refusal)) wrong.push(`enterRoom ${show(c.value)}: ${check.ok ? 'accepted' : check.error.code}`);
  }
  return wrong;
}

describe('userID', () => {
  test('the shared rule', () => {
    expect(USER_ID_CASES.filter((c) => isUserID(c.value) !== c.ok).map((c) => show(c.value))).toEqual([]);
  });
  test('the SDK refuses what the rule refuses (INVALID_USER_ID), before anything is sent', () => {
    expect(sdkVerdicts(USER_ID_CASES, (userID) => ({ userID }), ErrorCode.INVALID_USER_ID)).toEqual([]);
  });
  test('the server refuses the same ids (BAD_REQUEST) and admits the rest', async () => {
    const fields = (userID: unknown) => ({ userID, userSig: typeof userID === 'string' ? h.server.genUserSig(userID) : 'sig' });
    expect(await serverVerdicts(USER_ID_CASES, fields)).toEqual([]);
  });
});

describe('strRoomID', () => {
  test('the shared rule', () => {
    expect(STR_ROOM_ID_CASES.filter((c) => isStrRoomID(c.value) !== c.ok).map((c) => show(c.value))).toEqual([]);
  });
  test('the SDK refuses what the rule refuses (INVALID_STR_ROOM_ID)', () => {
    // An empty strRoomID is trtc-wx's "no string room": the numeric roomID is entered instead, nothing hostile.
    const cases = STR_ROOM_ID_CASES.filter((c) => c.value !== '' && c.value !== null);
    expect(sdkVerdicts(cases, (strRoomID) => ({ strRoomID }), ErrorCode.INVALID_STR_ROOM_ID)).toEqual([]);
  });
  test('the server refuses the same room ids (BAD_REQUEST) and admits the rest', async () => {
    expect(await serverVerdicts(STR_ROOM_ID_CASES, (strRoomID) => ({ roomID: undefined, strRoomID }))).toEqual([]);
  });
});

describe('businessId', () => {
  test('the shared rule', () => {
    expect(BUSINESS_ID_CASES.filter((c) => isBusinessId(c.value) !== c.ok).map((c) => show(c.value))).toEqual([]);
  });
  test('the SDK refuses what the rule refuses (setBusinessId: INVALID_ARGUMENT, not kept)', () => {
    const wrong: string[] = [];
    for (const c of BUSINESS_ID_CASES) {
      const rig = createRig();
      try {
        rig.trtc.setBusinessId('before');
        rig.trtc.setBusinessId(c.value as string);
        const kept = rig.trtc.actor.getSnapshot().context.businessId !== 'before';
        const codes = rig.of('ERROR').map((e) => e.data.code);
        if (kept !== c.ok || (c.ok ? codes.length > 0 : codes.join() !== String(ErrorCode.INVALID_ARGUMENT))) wrong.push(`setBusinessId ${show(c.value)}: kept ${kept}, ${codes.join()}`);
      } finally {
        rig.dispose();
      }
    }
    expect(wrong).toEqual([]);
  });
  test('the server refuses the same business ids (BAD_REQUEST) and admits the rest', async () => {
    expect(await serverVerdicts(BUSINESS_ID_CASES, (businessId) => ({ businessId }))).toEqual([]);
  });
});
