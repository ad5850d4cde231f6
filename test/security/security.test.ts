// Hostile input against a real dev server on loopback: forged, expired and replayed credentials, impersonation, the admin API without or with a wrong key, oversized and malformed frames, floods, and reaching into another room; each is refused with its exact code, the server keeps serving, and nothing of the victim room reaches the attacker.

import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { ErrorCode } from '../../src/core/errors';
import { MAX_FRAME_BYTES, PROTOCOL_VERSION, type Response } from '../../src/core/protocol';
import { decodeUserSig, genUserSig } from '../../server/usersig';
import { CLOSE_POLICY, CLOSE_TOO_BIG, NO_REQUEST_ID } from '../../server/signaling';
import { CLOSE_KICKED } from '../../server/rooms';
import { startHarness, type Harness } from '../server/helpers/server';
import type { TestClient } from '../server/helpers/client';
import { adminRoom } from '../helpers/room-views';
import { printFigures, table } from '../helpers/figures';

const SECRET = 'security-suite-secret';
const SDK_APP_ID = 1400000777;
const ADMIN_KEY = 'security-suite-admin-key';
const VICTIM_ROOM = 90001;
const ATTACKER_ROOM = 90002;
/** Strings that only the victim room's data contains: none may reach an attacker. */
const VICTIM_MARKERS = ['victim-', String(VICTIM_ROOM)];

const now = () => Math.floor(Date.now() / 1000);
const rows: Array<Array<string | number>> = [['attack', 'inputs tried', 'refused with', 'violations']];
let h: Harness;
let victimA: TestClient;
let victimB: TestClient;
/** Every client an attacker holds: what they received is checked for the victim room's data at the end. */
const attackers: TestClient[] = [];
let violations = 0;
let probes = 0;

function record(attack: string, inputs: number, code: string, failures: string[]): void {
  violations += failures.length;
  rows.push([attack, inputs, code, failures.length]);
  expect(failures).toEqual([]);
}

async function attacker(label: string): Promise<TestClient> {
  const client = await h.connect(label);
  attackers.push(client);
  return client;
}

/** The server still works: a fresh client joins and pings, the victims are still there. */
async function stillServing(): Promise<string[]> {
  const failures: string[] = [];
  const probe = await h.connect('probe');
  probes += 1;
  const joined = await probe.request(h.joinRequest(`probe-${probes}`, { roomID: 91000 + probes }));
  if (!joined.ok) failures.push(`a fresh client could not join: ${JSON.stringify(joined)}`);
  else await probe.ok({ type: 'leave' });
  await probe.close();
  if (!victimA.open || !victimB.open) failures.push('a victim lost its connection');
  else await victimA.sync();
  const room = await adminRoom(h.server, `n:${VICTIM_ROOM}`);
  if (room?.users.length !== 2) failures.push(`the victim room changed: ${JSON.stringify(room?.users)}`);
  return failures;
}

beforeAll(async () => {
  h = await startHarness({ secret: SECRET, sdkAppID: SDK_APP_ID, adminKey: ADMIN_KEY, rateLimit: { perSecond: 500, burst: 500, abuseThreshold: 1_000 } });
  victimA = (await h.join('victim-a', { roomID: VICTIM_ROOM })).client;
  victimB = (await h.join('victim-b', { roomID: VICTIM_ROOM })).client;
  await victimA.ok({ type: 'publish', streamType: 'main' });
  await victimB.ok({ type: 'subscribe', userID: 'victim-a', streamType: 'main', audio: true, video: true });
});

afterAll(async () => {
  rows.push(['TOTAL', rows.slice(1).reduce((n, r) => n + Number(r[1]), 0), '', violations]);
  printFigures('security (real server on loopback)', table(rows));
  await h.close();
});

test('forged userSigs are refused with USER_SIG_INVALID, whatever their shape', async () => {
  const client = await attacker('forger');
  const failures: string[] = [];
  const base = { sdkAppID: SDK_APP_ID, userID: 'mallory', expireSec: 600 };
  const good = genUserSig({ ...base, secret: SECRET });
  const doc = decodeUserSig(good)!;
  const reencode = (d: Record<string, unknown>) => deflateSync(Buffer.from(JSON.stringify(d))).toString('base64').replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
  const crafted = [
    genUserSig({ ...base, secret: 'guessed-secret' }),
    genUserSig({ ...base, secret: SECRET, sdkAppID: SDK_APP_ID + 1 }),
    reencode({ ...doc, 'TLS.expire': 999_999_999 }),
    reencode({ ...doc, 'TLS.identifier': 'victim-a' }),
    reencode({ ...doc, 'TLS.sig': 'AAAA' }),
    reencode({ ...doc, 'TLS.userbuf': 42 }),
    reencode({}),
    good.slice(0, -4),
    `${good.slice(0, 12)}!${good.slice(12)}`,
  ];
  // Random strings, and random base64 of deflated JSON (the envelope right, the content wrong).
  const randomSigs = fc.sample(
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 300 }).filter((s) => s.trim().length > 0),
      fc.dictionary(fc.constantFrom('TLS.ver', 'TLS.identifier', 'TLS.sdkappid', 'TLS.time', 'TLS.expire', 'TLS.sig'), fc.jsonValue()).map((d) => reencode(d)),
    ),
    { numRuns: 300, seed: 42 },
  );
  for (const userSig of [...crafted, ...randomSigs]) {
    const response = await client.request(h.joinRequest('mallory', { roomID: ATTACKER_ROOM }, { userSig }));
    if (response.ok) failures.push(`accepted ${JSON.stringify(userSig).slice(0, 80)}`);
    else if (response.error.code !== ErrorCode.USER_SIG_INVALID) failures.push(`${JSON.stringify(userSig).slice(0, 60)} -> ${response.error.code}`);
  }
  failures.push(...(await stillServing()));
  record('forged userSig (crafted + fuzzed)', crafted.length + randomSigs.length, `${ErrorCode.USER_SIG_INVALID} USER_SIG_INVALID`, failures);
}, 60_000);

test('expired userSigs are refused with USER_SIG_EXPIRED', async () => {
  const client = await attacker('late');
  const failures: string[] = [];
  const sigs = [60, 3_600, 86_400 * 30].map((age) => genUserSig({ sdkAppID: SDK_APP_ID, secret: SECRET, userID: 'late', expireSec: 30, issuedAt: now() - age }));
  for (const userSig of sigs) {
    const response = await client.request(h.joinRequest('late', { roomID: ATTACKER_ROOM }, { userSig }));
    if (response.ok || response.error.code !== ErrorCode.USER_SIG_EXPIRED) failures.push(JSON.stringify(response).slice(0, 120));
  }
  record('expired userSig', sigs.length, `${ErrorCode.USER_SIG_EXPIRED} USER_SIG_EXPIRED`, failures);
});

test('replays: a spent resume token, a join replayed on a joined socket, a guessed token are refused', async () => {
  const failures: string[] = [];
  const { client: first, result } = await h.join('replayer', { roomID: ATTACKER_ROOM });
  attackers.push(first);
  // Resume once (token rotates), then replay the spent token from elsewhere.
  await first.drop();
  const second = await attacker('replayer again');
  const resumed = await second.ok<'resume'>({ type: 'resume', resumeToken: result.resumeToken, lastSeq: 0 });
  if (resumed.resumeToken === result.resumeToken) failures.push('the resume token was not rotated');
  const thief = await attacker('token thief');
  const spent = await thief.request({ type: 'resume', resumeToken: result.resumeToken, lastSeq: 0 });
  if (spent.ok || spent.error.code !== ErrorCode.RESUME_REJECTED) failures.push(`spent token: ${JSON.stringify(spent).slice(0, 120)}`);
  // Guessed tokens, including the victims' user ids and plausible shapes.
  const guesses = ['victim-a', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', resumed.resumeToken.slice(0, -1), ...fc.sample(fc.base64String({ minLength: 4, maxLength: 64 }), { numRuns: 30, seed: 7 })];
  for (const token of guesses) {
    const response = await thief.request({ type: 'resume', resumeToken: token, lastSeq: 0 });
    if (response.ok || response.error.code !== ErrorCode.RESUME_REJECTED) failures.push(`guess ${token}: ${JSON.stringify(response).slice(0, 100)}`);
  }
  // A captured join frame replayed on the joined socket.
  const replay = await second.request(h.joinRequest('replayer', { roomID: VICTIM_ROOM }));
  if (replay.ok || replay.error.code !== ErrorCode.REQUEST_OUT_OF_STATE) failures.push(`join replay: ${JSON.stringify(replay).slice(0, 100)}`);
  record('replayed resume token / join frame, guessed tokens', 2 + guesses.length, `${ErrorCode.RESUME_REJECTED} / ${ErrorCode.REQUEST_OUT_OF_STATE}`, failures);
});

test("a genuine userSig is a bearer credential: replayed within its validity it takes over its own user's seat only", async () => {
  // TRTC's model: whoever holds a valid userSig is that user. The older session is kicked ('kick'), and the
  // replaying socket sees only that user's room; nobody else is affected.
  const failures: string[] = [];
  const sig = h.server.genUserSig('carol');
  const { client: original } = await h.join('carol', { roomID: ATTACKER_ROOM }, { userSig: sig });
  attackers.push(original);
  const replayer = await attacker('carol replayed');
  const joined = await replayer.ok<'join'>(h.joinRequest('carol', { roomID: ATTACKER_ROOM }, { userSig: sig }));
  const kicked = await original.waitFor('kicked');
  if (kicked.reason !== 'kick') failures.push(`kick reason ${kicked.reason}`);
  if ((await original.closed).code !== CLOSE_KICKED) failures.push('the older session was not closed as kicked');
  if (joined.users.some((u) => u.startsWith('victim-'))) failures.push('the replayed session saw the victim room');
  failures.push(...(await stillServing()));
  record('valid userSig replayed within validity', 1, 'older session kicked (reason kick)', failures);
});

test("impersonation: a genuine sig presented for another userID is USER_SIG_MISMATCH; the victim is untouched", async () => {
  const client = await attacker('impostor');
  const failures: string[] = [];
  const mine = h.server.genUserSig('mallory');
  for (const target of ['victim-a', 'victim-b', 'admin', 'Mallory']) {
    const request = h.joinRequest(target, { roomID: VICTIM_ROOM }, { userSig: mine });
    const response = await client.request(request);
    if (response.ok || response.error.code !== ErrorCode.USER_SIG_MISMATCH) failures.push(`${target}: ${JSON.stringify(response).slice(0, 100)}`);
  }
  await victimA.sync();
  if (victimA.of('kicked').length > 0 || victimA.of('user-joined').some((n) => !n.userID.startsWith('victim-'))) failures.push('the victim saw the impostor');
  failures.push(...(await stillServing()));
  record('impersonating another userID', 4, `${ErrorCode.USER_SIG_MISMATCH} USER_SIG_MISMATCH`, failures);
});

test('the admin API refuses requests without the key or with a wrong one, and reveals nothing', async () => {
  const failures: string[] = [];
  const key = encodeURIComponent(`n:${VICTIM_ROOM}`);
  const routes: Array<['GET' | 'POST', string]> = [
    ['GET', '/admin/rooms'],
    ['GET', `/admin/rooms/${key}`],
    ['POST', `/admin/rooms/${key}/users/victim-a/remove`],
    ['POST', `/admin/rooms/${key}/dismiss`],
    ['POST', '/admin/media/restart'],
    ['GET', '/admin/webhooks'],
    ['GET', `/admin/rooms/${key}?key=${ADMIN_KEY}`],
    ['GET', '/admin/../admin/rooms'],
  ];
  // (Surrounding whitespace is not part of an HTTP header value, so `key ` is the key: not a wrong one.)
  const keys: Array<string | null> = [null, '', 'wrong', ADMIN_KEY.toUpperCase(), `${ADMIN_KEY},${ADMIN_KEY}`, ADMIN_KEY.slice(0, -1), `${ADMIN_KEY}x`, 'x'.repeat(10_000)];
  let tried = 0;
  for (const [method, path] of routes) {
    for (const k of keys) {
      tried += 1;
      const response = await fetch(`${h.server.httpUrl}${path}`, { method, headers: k === null ? {} : { 'x-admin-key': k } });
      const text = await response.text();
      if (response.status !== 401) failures.push(`${method} ${path} key=${String(k).slice(0, 12)} -> ${response.status}`);
      else if ((JSON.parse(text) as { error?: { code?: number } }).error?.code !== ErrorCode.ADMIN_UNAUTHORIZED) failures.push(`${method} ${path}: ${text.slice(0, 80)}`);
      if (VICTIM_MARKERS.some((m) => text.includes(m))) failures.push(`${method} ${path} leaked: ${text.slice(0, 80)}`);
    }
  }
  // Nothing happened: the victims are still in their room, the media generation is unchanged.
  failures.push(...(await stillServing()));
  expect((await h.admin('GET', '/admin/webhooks')).status).toBe(200);
  record('admin API without / with a wrong key', tried, `401 ${ErrorCode.ADMIN_UNAUTHORIZED} ADMIN_UNAUTHORIZED`, failures);
});

test('oversized frames get FRAME_TOO_LARGE and a 1009 close; the server and the victims are unaffected', async () => {
  const failures: string[] = [];
  const sizes = [MAX_FRAME_BYTES + 1, MAX_FRAME_BYTES * 2, MAX_FRAME_BYTES * 8];
  for (const size of sizes) {
    const client = await attacker(`big ${size}`);
    client.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, id: 1, type: 'ping', pad: 'x'.repeat(size) }));
    const closed = await client.closed;
    if (closed.code !== CLOSE_TOO_BIG) failures.push(`${size} bytes: closed ${closed.code}`);
    const answer = client.responses.find((r) => !r.ok);
    if (size < MAX_FRAME_BYTES * 4 && (!answer || answer.ok || answer.error.code !== ErrorCode.FRAME_TOO_LARGE || answer.id !== NO_REQUEST_ID)) failures.push(`${size} bytes: answer ${JSON.stringify(answer)}`);
  }
  failures.push(...(await stillServing()));
  record('oversized frames', sizes.length, `${ErrorCode.FRAME_TOO_LARGE} FRAME_TOO_LARGE + close ${CLOSE_TOO_BIG}`, failures);
});

test('malformed and fuzzed frames are answered with catalogue codes, never INTERNAL, and the socket keeps working', async () => {
  const failures: string[] = [];
  const client = await attacker('fuzzer');
  await client.ok(h.joinRequest('fuzzer', { roomID: ATTACKER_ROOM }));
  const types = ['join', 'resume', 'leave', 'publish', 'unpublish', 'mute', 'subscribe', 'unsubscribe', 'set-visibility', 'media-state', 'ping', 'teleport', '', '__proto__', 'constructor'];
  const frame = fc.oneof(
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    {
      weight: 4,
      arbitrary: fc
        .record(
          {
            v: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.jsonValue()),
            id: fc.oneof(fc.nat({ max: 1_000_000 }), fc.jsonValue()),
            type: fc.oneof(fc.constantFrom(...types), fc.jsonValue()),
            userID: fc.oneof(fc.constantFrom('victim-a', 'victim-b', 'fuzzer', ''), fc.string({ maxLength: 40 }), fc.jsonValue()),
            streamType: fc.oneof(fc.constantFrom('main', 'aux'), fc.jsonValue()),
            audio: fc.oneof(fc.boolean(), fc.jsonValue()),
            video: fc.oneof(fc.boolean(), fc.jsonValue()),
            visible: fc.oneof(fc.boolean(), fc.jsonValue()),
            roomID: fc.oneof(fc.constant(VICTIM_ROOM), fc.integer(), fc.jsonValue()),
            resumeToken: fc.oneof(fc.string({ maxLength: 64 }), fc.jsonValue()),
            lastSeq: fc.oneof(fc.nat(), fc.jsonValue()),
          },
          { requiredKeys: ['v', 'id', 'type'] },
        )
        .map((r) => JSON.stringify(r)),
    },
  );
  const frames = fc.sample(frame, { numRuns: 400, seed: 2026 });
  const catalogue = new Set<number>(Object.values(ErrorCode));
  let index = 0;
  for (const text of frames) {
    index += 1;
    const before = client.responses.length;
    client.sendRaw(text);
    // A frame with a readable id is answered with that id; otherwise with NO_REQUEST_ID. One answer per frame.
    await client.waitResponse((r) => client.responses.indexOf(r) >= before, `answer to fuzz frame ${index}: ${text.slice(0, 60)}`).catch(() => {
      failures.push(`no answer to ${text.slice(0, 80)}`);
    });
    const answer: Response | undefined = client.responses[before];
    if (answer && !answer.ok && (!catalogue.has(answer.error.code) || answer.error.code === ErrorCode.INTERNAL)) failures.push(`${text.slice(0, 60)} -> ${answer.error.code}`);
  }
  if (!client.open) failures.push('the fuzzed socket was closed');
  failures.push(...(await stillServing()));
  record('malformed JSON and fuzzed protocol frames', frames.length, `${ErrorCode.BAD_REQUEST} / ${ErrorCode.UNSUPPORTED_VERSION} / ... (never ${ErrorCode.INTERNAL})`, failures);
}, 60_000);

test('a message flood is rate limited with RATE_LIMITED and then closed (1008); the others are served', async () => {
  const failures: string[] = [];
  const flood = await attacker('flood');
  const sent = 3_000;
  for (let i = 0; i < sent; i++) flood.sendRaw(JSON.stringify({ v: PROTOCOL_VERSION, id: i, type: 'ping' }));
  const closed = await flood.closed;
  if (closed.code !== CLOSE_POLICY) failures.push(`closed ${closed.code}`);
  const limited = flood.responses.filter((r) => !r.ok && r.error.code === ErrorCode.RATE_LIMITED).length;
  if (limited === 0) failures.push('no RATE_LIMITED answer');
  const served = flood.responses.filter((r) => r.ok).length;
  if (served > 1_000) failures.push(`${served} pings of a flood served`);
  failures.push(...(await stillServing()));
  record('message flood', sent, `${ErrorCode.RATE_LIMITED} RATE_LIMITED + close ${CLOSE_POLICY}`, failures);
});

test('reaching into another room: its streams cannot be subscribed, and the lookalike string room shows nothing of it', async () => {
  const failures: string[] = [];
  const { client: outsider } = await h.join('outsider', { roomID: ATTACKER_ROOM });
  attackers.push(outsider);
  const attempts: Array<Record<string, unknown>> = [
    { type: 'subscribe', userID: 'victim-a', streamType: 'main', audio: true, video: true },
    { type: 'subscribe', userID: 'victim-b', streamType: 'main', audio: true, video: false },
    { type: 'subscribe', userID: 'victim-a', streamType: 'aux', audio: true, video: true },
    { type: 'unsubscribe', userID: 'victim-a', streamType: 'main' },
    { type: 'media-state', kind: 'play', userID: 'victim-a', streamType: 'main', state: 'failed', code: -2301 },
  ];
  let notFound = 0;
  for (const body of attempts) {
    const response = await outsider.request(body as never);
    if (body.type === 'subscribe') {
      if (response.ok || response.error.code !== ErrorCode.STREAM_NOT_FOUND) failures.push(`${JSON.stringify(body)} -> ${JSON.stringify(response).slice(0, 100)}`);
      else notFound += 1;
    }
  }
  // The string room "90001" is another room than the numeric 90001: joining it shows nothing of the victims.
  const { client: lookalike, result: lookalikeJoin } = await h.join('lookalike', { strRoomID: String(VICTIM_ROOM) });
  attackers.push(lookalike);
  if (lookalikeJoin.users.length > 0 || lookalikeJoin.streams.length > 0) failures.push(`strRoomID "${VICTIM_ROOM}" showed ${JSON.stringify(lookalikeJoin)}`);
  const viaLookalike = await lookalike.request({ type: 'subscribe', userID: 'victim-a', streamType: 'main', audio: true, video: true });
  if (viaLookalike.ok || viaLookalike.error.code !== ErrorCode.STREAM_NOT_FOUND) failures.push(`subscribe via the lookalike room: ${JSON.stringify(viaLookalike).slice(0, 100)}`);
  // The victims' view: nobody from outside joined, subscribed or changed anything.
  const room = await adminRoom(h.server, `n:${VICTIM_ROOM}`);
  if (room?.subscriptions.some((s) => !s.subscriberID.startsWith('victim-'))) failures.push(`a foreign subscription: ${JSON.stringify(room?.subscriptions)}`);
  failures.push(...(await stillServing()));
  record("another room's streams and a lookalike room", attempts.length + 2, `${ErrorCode.STREAM_NOT_FOUND} STREAM_NOT_FOUND`, failures);
  expect(notFound).toBe(3);
});

test('HTTP bodies: oversized and malformed report batches are refused with their codes', async () => {
  const failures: string[] = [];
  const url = `${h.server.httpUrl}/v1/reports`;
  const cases: Array<[string, number, number]> = [
    ['{not json', 400, ErrorCode.BAD_REQUEST],
    ['[]', 400, ErrorCode.BAD_REQUEST],
    [JSON.stringify({ events: [] }), 400, ErrorCode.BAD_REQUEST],
    [JSON.stringify({ userID: 'x'.repeat(40), events: [{ type: 'a' }] }), 400, ErrorCode.BAD_REQUEST],
    [JSON.stringify({ events: [{ type: 'a', pad: 'x'.repeat(h.server.config.reportsMaxBodyBytes) }] }), 413, ErrorCode.FRAME_TOO_LARGE],
  ];
  for (const [body, status, code] of cases) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = (await response.json()) as { error?: { code?: number } };
    if (response.status !== status || answer.error?.code !== code) failures.push(`${body.slice(0, 30)} -> ${response.status} ${JSON.stringify(answer).slice(0, 80)}`);
  }
  failures.push(...(await stillServing()));
  record('malformed / oversized HTTP report bodies', cases.length, `400 ${ErrorCode.BAD_REQUEST} / 413 ${ErrorCode.FRAME_TOO_LARGE}`, failures);
});

test("no frame any attacker received carries the victim room's data", async () => {
  const failures: string[] = [];
  let frames = 0;
  for (const client of attackers) {
    for (const frame of [...client.responses, ...client.notifications]) {
      frames += 1;
      const text = JSON.stringify(frame);
      if (!VICTIM_MARKERS.some((m) => text.includes(m))) continue;
      // The one refusal that repeats what the attacker asked for, worded the same whether the stream exists elsewhere or not.
      const echo = frame.type === 'response' && !frame.ok && /^no stream victim-[ab]\/(main|aux) in this room$/.test(frame.error.message);
      if (!echo) failures.push(`${client.label}: ${text.slice(0, 160)}`);
    }
  }
  record('leak scan of every frame attackers received', frames, 'no victim data', failures);
});
