// Bad input never takes the server down: malformed JSON, unknown types, bad versions and fields are answered
// with their codes on a socket that stays usable; oversized frames and floods close only the offender.

import WebSocket from 'ws';
import { ErrorCode } from '../../src/core/errors';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../../src/core/protocol';
import { CLOSE_POLICY, CLOSE_TOO_BIG, NO_REQUEST_ID } from '../../server/signaling';
import { startHarness, type Harness } from './helpers/server';

let h: Harness;

beforeAll(async () => {
  // A small rate limit keeps the flood tests to a few dozen messages.
  h = await startHarness({ rateLimit: { perSecond: 5, burst: 20, abuseThreshold: 30 } });
});
afterEach(async () => {
  await h.closeClients();
});
afterAll(async () => {
  await h.close();
});

test('malformed frames are answered with their codes and the socket keeps working', async () => {
  const client = await h.connect('sloppy');
  const cases: Array<[string | Buffer, number, number]> = [
    ['{not json', NO_REQUEST_ID, ErrorCode.BAD_REQUEST],
    ['[1,2,3]', NO_REQUEST_ID, ErrorCode.BAD_REQUEST],
    [JSON.stringify({ v: PROTOCOL_VERSION, type: 'ping' }), NO_REQUEST_ID, ErrorCode.BAD_REQUEST],
    [JSON.stringify({ v: PROTOCOL_VERSION, id: 11, type: 'teleport' }), 11, ErrorCode.BAD_REQUEST],
    [JSON.stringify({ v: 99, id: 12, type: 'ping' }), 12, ErrorCode.UNSUPPORTED_VERSION],
    [JSON.stringify({ id: 13, type: 'ping' }), 13, ErrorCode.UNSUPPORTED_VERSION],
    [JSON.stringify({ v: PROTOCOL_VERSION, id: 14, type: 'join', sdkAppID: 1, userID: 'x', userSig: 's', roomID: 0, scene: 'rtc', role: 'anchor', visible: true }), 14, ErrorCode.BAD_REQUEST],
    [JSON.stringify({ v: PROTOCOL_VERSION, id: 15, type: 'publish', streamType: 'sub' }), 15, ErrorCode.BAD_REQUEST],
    [JSON.stringify({ v: PROTOCOL_VERSION, id: 16, type: 'mute', audio: 'yes', video: false }), 16, ErrorCode.BAD_REQUEST],
  ];
  for (const [frame, id, code] of cases) {
    const before = client.responses.length;
    client.sendRaw(frame);
    await client.waitResponse((r) => client.responses.indexOf(r) >= before, `answer to ${String(frame).slice(0, 40)}`);
    const answer = client.responses[before]!;
    expect(answer).toMatchObject({ id, ok: false, error: { code } });
  }
  // Binary frames are not the protocol.
  client.sendRaw(Buffer.from(JSON.stringify({ v: PROTOCOL_VERSION, id: 17, type: 'ping' })));
  expect(await client.waitResponse((r) => r.id === 17, 'binary answer')).toMatchObject({ ok: false, error: { code: ErrorCode.BAD_REQUEST } });
  // Still usable.
  expect((await client.ok<'ping'>({ type: 'ping' })).now).toBeGreaterThan(0);
  await client.ok(h.joinRequest('sloppy', { roomID: 9001 }));
});

test('a frame over MAX_FRAME_BYTES gets FRAME_TOO_LARGE and the socket is closed; others are unaffected', async () => {
  const { client: bystander } = await h.join('bystander', { roomID: 9002 });
  const big = await h.connect('big');
  big.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, id: 1, type: 'ping', pad: 'x'.repeat(MAX_FRAME_BYTES) }));
  const answer = await big.waitResponse((r) => !r.ok, 'FRAME_TOO_LARGE');
  expect(answer).toMatchObject({ id: NO_REQUEST_ID, ok: false, error: { code: ErrorCode.FRAME_TOO_LARGE } });
  expect((await big.closed).code).toBe(CLOSE_TOO_BIG);

  // Far past the limit the websocket layer closes at once, with the same close code.
  const huge = await h.connect('huge');
  huge.sendRaw('x'.repeat(MAX_FRAME_BYTES * 8));
  expect((await huge.closed).code).toBe(CLOSE_TOO_BIG);

  await bystander.ok({ type: 'publish', streamType: 'main' });
  expect(bystander.open).toBe(true);
});

test('a burst past the rate limit gets RATE_LIMITED, the socket stays; a flood closes it', async () => {
  const { client: bystander } = await h.join('calm', { roomID: 9003 });

  const bursty = await h.connect('bursty');
  const answers = await Promise.all(Array.from({ length: 30 }, () => bursty.request({ type: 'ping' })));
  const limited = answers.filter((r) => !r.ok);
  expect(limited.length).toBeGreaterThan(0);
  expect(answers.length - limited.length).toBeGreaterThanOrEqual(20);
  for (const r of limited) expect(r).toMatchObject({ ok: false, error: { code: ErrorCode.RATE_LIMITED } });
  expect(bursty.open).toBe(true);

  const flood = await h.connect('flood');
  for (let i = 0; i < 80; i++) flood.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, id: i, type: 'ping' }));
  expect((await flood.closed).code).toBe(CLOSE_POLICY);
  expect(flood.responses.some((r) => !r.ok && r.error.code === ErrorCode.RATE_LIMITED)).toBe(true);

  // The others are served as before.
  expect((await bystander.ok<'ping'>({ type: 'ping' })).now).toBeGreaterThan(0);
});

test('upgrades on other paths are refused; the HTTP side answers JSON errors', async () => {
  const wrongPath = h.server.wsUrl.replace('/v1/signaling', '/elsewhere');
  const status = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(wrongPath);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', (error) => (error.message.includes('404') ? resolve(404) : reject(error)));
  });
  expect(status).toBe(404);
  const missing = await fetch(`${h.server.httpUrl}/nothing-here`);
  expect(missing.status).toBe(404);
  expect(((await missing.json()) as { error: { code: number } }).error.code).toBe(ErrorCode.ROUTE_NOT_FOUND);
  const status200 = (await (await fetch(h.server.httpUrl)).json()) as Record<string, unknown>;
  expect(status200).toMatchObject({ name: 'wxrtc-dev-server', protocol: PROTOCOL_VERSION, signaling: h.server.wsUrl });
});

test('the server still accepts new clients after all of the above', async () => {
  const { result } = await h.join('after', { roomID: 9004 });
  expect(result.users).toEqual([]);
});
