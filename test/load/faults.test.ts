// Faults on a real dev server over loopback: client sockets cut in the middle of requests, the server restarted under a call of real SDK participants, a client that stops reading, and the webhook receiver down then up; the server keeps serving the others, loses nothing it acknowledged, and everyone converges once the fault is over.

import { startDevServer, verifyWebhookSignature, type DevServer } from '../../server';
import type { RoomEvent } from '../../server/rooms';
import { encodeRequest, type Notification, type RequestBody, type RoomSnapshot } from '../../src/core/protocol';
import { createWebSocketSignaling } from '../../src/services/signaling/websocket';
import { HeadlessRuntime } from '../../src/testing/runtime';
import { logger } from '../../src/core/log';
import { startHarness } from '../server/helpers/server';
import type { TestClient } from '../server/helpers/client';
import { eventually } from '../server/helpers/wait';
import { Participant } from '../helpers/participant';
import { adminRoom, seqGaps, serverViewFor, syncAll, viewFrom } from '../helpers/room-views';
import { WebhookSink } from '../helpers/webhook-sink';
import { printFigures, table } from '../helpers/figures';
import { mulberry32 } from '../helpers/prng';

const rows: Array<Array<string | number>> = [['fault', 'injected', 'requests acked', 'clients converged', 'violations', 'lost messages', 'ms']];

afterAll(() => {
  printFigures('faults (real server on loopback)', table(rows));
});

// --- sockets cut in the middle of a request ---------------------------------------------------------------------

interface Member {
  userID: string;
  client: TestClient;
  token: string;
  /** Every notification of the session, across sockets, by seq. */
  log: Map<number, Notification>;
  /** The snapshot the member's view starts from, and the seq it reflects. */
  snapshot: RoomSnapshot;
  snapshotSeq: number;
  seenOnSocket: number;
}

function absorb(member: Member): void {
  const fresh = member.client.notifications.slice(member.seenOnSocket);
  member.seenOnSocket = member.client.notifications.length;
  for (const n of fresh) member.log.set(n.seq, n);
}

test('sockets cut mid-request: every member resumes with what it missed, nothing acknowledged is lost, all converge', async () => {
  const h = await startHarness({ graceMs: 30_000, resumeBufferSize: 4_096, heartbeatIntervalMs: 60_000 });
  const started = Date.now();
  const rand = mulberry32(7);
  const roomID = 81001;
  // Eight: the most visible users a room takes.
  const names = Array.from({ length: 8 }, (_, i) => `m${i}`);
  try {
    const members: Member[] = [];
    for (const userID of names) {
      const { client, result } = await h.join(userID, { roomID });
      members.push({ userID, client, token: result.resumeToken, log: new Map(), snapshot: result, snapshotSeq: 0, seenOnSocket: 0 });
    }
    // A bystander in another room must be served throughout.
    const { client: bystander } = await h.join('bystander', { roomID: 81002 });
    let cuts = 0;
    let acked = 0;
    let bystanderPings = 0;
    const ROUNDS = 30;

    const bodyFor = (member: Member): RequestBody => {
      const other = names.filter((n) => n !== member.userID)[Math.floor(rand() * (names.length - 1))]!;
      const pick = rand();
      if (pick < 0.25) return { type: 'publish', streamType: 'main' };
      if (pick < 0.35) return { type: 'unpublish', streamType: 'main' };
      if (pick < 0.6) return { type: 'mute', audio: rand() < 0.5, video: rand() < 0.5 };
      if (pick < 0.8) return { type: 'subscribe', userID: other, streamType: 'main', audio: true, video: true };
      if (pick < 0.9) return { type: 'unsubscribe', userID: other, streamType: 'main' };
      return { type: 'ping' };
    };

    const resume = async (member: Member) => {
      absorb(member);
      const lastSeq = Math.max(0, ...member.log.keys());
      const client = await h.connect(`${member.userID} again`);
      const result = await client.ok<'resume'>({ type: 'resume', resumeToken: member.token, lastSeq });
      for (const n of result.missed) member.log.set(n.seq, n);
      member.client = client;
      member.token = result.resumeToken;
      member.seenOnSocket = 0;
      member.snapshot = result;
      member.snapshotSeq = Math.max(lastSeq, ...result.missed.map((n) => n.seq));
    };

    const run = async (member: Member) => {
      for (let round = 0; round < ROUNDS; round++) {
        const body = bodyFor(member);
        if (rand() < 0.25) {
          // The request leaves, the socket is cut before (or while) the server answers: at once, or once the
          // frame has been handed to the kernel.
          cuts += 1;
          member.client.sendRaw(encodeRequest(9_000 + round, body));
          if (rand() < 0.5) await new Promise((resolve) => setImmediate(resolve));
          member.client.ws.terminate();
          await member.client.closed;
          await resume(member);
          continue;
        }
        const response = await member.client.request(body);
        if (response.ok) acked += 1;
        else expect([member.userID, body.type, response.error.code]).toEqual([member.userID, body.type, expect.any(Number)]);
      }
    };
    const serveBystander = async () => {
      for (let i = 0; i < 40; i++) {
        await bystander.ok({ type: 'ping' });
        bystanderPings += 1;
      }
    };
    await Promise.all([...members.map(run), serveBystander()]);

    // A last round everyone gets answered: it decides what the server must end up holding.
    await Promise.all(members.map((m) => m.client.ok({ type: 'publish', streamType: 'main' })));
    await Promise.all(members.map((m, i) => m.client.ok({ type: 'mute', audio: i % 2 === 0, video: i % 3 === 0 })));
    await Promise.all(members.map((m, i) => m.client.ok({ type: 'subscribe', userID: names[(i + 1) % names.length]!, streamType: 'main', audio: true, video: true })));
    acked += members.length * 3;

    await syncAll(members.map((m) => m.client));
    const room = await adminRoom(h.server, `n:${roomID}`);
    const violations: string[] = [];
    let lost = 0;
    let converged = 0;
    for (const [i, m] of members.entries()) {
      absorb(m);
      lost += seqGaps([...m.log.values()]);
      const mine = viewFrom(m.snapshot, [...m.log.values()], m.snapshotSeq);
      const server = serverViewFor(room!, m.userID);
      if (JSON.stringify(mine) === JSON.stringify(server)) converged += 1;
      else violations.push(`${m.userID} sees ${JSON.stringify(mine)}, the server ${JSON.stringify(server)}`);
      // Acknowledged: published, muted as told, subscribed to the next member.
      const stream = room!.streams.find((s) => s.userID === m.userID && s.streamType === 'main');
      if (!stream || stream.audio !== !(i % 2 === 0) || stream.video !== !(i % 3 === 0)) violations.push(`${m.userID}: acknowledged publish/mute lost: ${JSON.stringify(stream)}`);
      if (!room!.subscriptions.some((s) => s.subscriberID === m.userID && s.userID === names[(i + 1) % names.length])) violations.push(`${m.userID}: acknowledged subscribe lost`);
    }
    expect(room!.users.map((u) => u.userID).sort()).toEqual([...names].sort());
    rows.push(['sockets cut mid-request, resumed', cuts, acked, `${converged}/${members.length} (+ bystander ${bystanderPings}/40 pings)`, violations.length, lost, Date.now() - started]);
    expect(violations).toEqual([]);
    expect(lost).toBe(0);
    expect(bystanderPings).toBe(40);
    expect(cuts).toBeGreaterThan(20);
  } finally {
    await h.close();
  }
}, 60_000);

// --- the server restarted under a call ----------------------------------------------------------------------------

test('the server restarted mid-call: SDK participants re-join the new server on the same port and converge', async () => {
  logger.setLevel(4);
  const started = Date.now();
  const secret = 'restart-suite-secret';
  let server: DevServer = await startDevServer({ host: '127.0.0.1', port: 0, secret, logLevel: 'silent', graceMs: 5_000 });
  const port = server.port;
  const runtime = new HeadlessRuntime().install();
  const participants: Participant[] = [];
  const names = ['ana', 'ben', 'cai', 'dan', 'eli', 'fay'];
  const join = (userID: string) => {
    const p = new Participant(runtime, {
      userID,
      trtc: {
        env: 'test',
        signaling: createWebSocketSignaling({ url: server.wsUrl, platform: 'ios', reconnectBaseDelayMs: 50, reconnectMaxDelayMs: 250, connectAttempts: 20, requestTimeoutMs: 3_000 }),
        reconnectTimeoutMs: 20_000,
        exitTimeoutMs: 1_000,
      },
    });
    participants.push(p);
    p.enter({ sdkAppID: server.sdkAppID, userSig: server.genUserSig(userID), roomID: 82001 });
    return p;
  };
  const players = (p: Participant) => p.trtc.getPlayerList().map((x) => String(x.id)).sort();
  const othersOf = (p: Participant, present: string[]) => present.filter((n) => n !== p.userID).map((n) => `${n}_main`).sort();
  try {
    const first = names.slice(0, 5).map(join);
    for (const p of first) await p.waitUntil(() => JSON.stringify(players(p)) === JSON.stringify(othersOf(p, names.slice(0, 5))), `${p.userID} never saw the call`, 10_000);
    // Mid-call: the sixth participant is entering (its join in flight) when the server goes away.
    const late = join('fay');
    await server.close();
    server = await startDevServer({ host: '127.0.0.1', port, secret, logLevel: 'silent', graceMs: 5_000 });
    for (const p of participants) {
      await p.waitUntil(() => JSON.stringify(players(p)) === JSON.stringify(othersOf(p, names)), `${p.userID} did not converge after the restart: ${players(p)}`, 15_000);
    }
    const violations: string[] = [];
    await eventually(async () => {
      const room = await adminRoom(server, 'n:82001');
      return room !== null && room.users.length === names.length && room.streams.filter((s) => s.state === 'live').length === names.length;
    }, 'the new server never held all six participants and their streams', 10_000);
    for (const p of participants) {
      if (p.codes().filter((c) => c === 'LOCAL_JOIN').length !== 1) violations.push(`${p.userID} joined ${p.codes().filter((c) => c === 'LOCAL_JOIN').length} times`);
      if (p.codes().some((c) => c === 'LOCAL_LEAVE' || c === 'KICKED_OUT')) violations.push(`${p.userID} left the room`);
      if (p !== late && !p.of('CONNECTION_STATE_CHANGED').some((e) => e.data.state === 'RECONNECTING')) violations.push(`${p.userID} never noticed the restart`);
      // The pusher pushes to a url of the new server (UPDATE_URL), and the page shows it.
      const pushUrl = String(p.trtc.getPusherAttributes().url ?? '');
      if (!pushUrl.startsWith('rtmp://')) violations.push(`${p.userID} has no push url after the restart: ${pushUrl}`);
      if (p.trtc.actor.getSnapshot().context.users.slice().sort().join() !== names.filter((n) => n !== p.userID).sort().join()) violations.push(`${p.userID} users ${p.trtc.actor.getSnapshot().context.users}`);
      // Every remote player got a pull url of the new server after the restart (re-subscribed, UPDATE_URL).
      const restartAt = p.events.findIndex((e) => e.code === 'CONNECTION_STATE_CHANGED' && e.data.state === 'RECONNECTING');
      const fresh = new Set(p.events.slice(Math.max(0, restartAt)).filter((e) => e.code === 'UPDATE_URL' && !e.data.local).map((e) => e.data.userID));
      const missing = names.filter((n) => n !== p.userID && !fresh.has(n));
      if (missing.length > 0) violations.push(`${p.userID} has no fresh pull url for ${missing.join(',')}`);
    }
    rows.push(['server restarted mid-call (6 SDK participants)', 1, '-', `${participants.length}/${participants.length}`, violations.length, 0, Date.now() - started]);
    expect(violations).toEqual([]);
  } finally {
    for (const p of participants) p.trtc.destroy();
    await runtime.close();
    await server.close();
  }
}, 60_000);

// --- a client that stops reading ----------------------------------------------------------------------------------

test('a client that stops reading is cut off; the others keep getting every notification', async () => {
  const maxBufferedBytes = 64 * 1024;
  const h = await startHarness({ maxBufferedBytes, rateLimit: { perSecond: 100_000, burst: 100_000, abuseThreshold: 1_000_000 }, graceMs: 30_000 });
  const started = Date.now();
  try {
    const roomID = 83001;
    const { client: slow } = await h.join('slow', { roomID });
    const { client: reader } = await h.join('reader', { roomID });
    const publishers: TestClient[] = [];
    for (let i = 0; i < 4; i++) {
      const { client } = await h.join(`pub${i}`, { roomID });
      await client.ok({ type: 'publish', streamType: 'main' });
      publishers.push(client);
    }
    await reader.sync();
    const readerBefore = reader.notifications.length;
    // The slow client stops reading: its kernel buffers fill, then the server's.
    (slow.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const slowGone = async () => (await adminRoom(h.server, `n:${roomID}`))?.users.find((u) => u.userID === 'slow');
    let toggles = 0;
    const deadline = Date.now() + 30_000;
    let cut = false;
    while (!cut && Date.now() < deadline && toggles < 200_000) {
      // Each publisher pipelines 50 mute toggles (under the server's per-connection queue bound) and waits for the last.
      await Promise.all(
        publishers.map((p) => {
          const pending: Array<Promise<unknown>> = [];
          for (let k = 0; k < 50; k++) pending.push(p.ok({ type: 'mute', audio: (toggles + k) % 2 === 0, video: false }));
          return Promise.all(pending);
        }),
      );
      toggles += 50 * publishers.length;
      if (toggles % 4_000 === 0) cut = (await slowGone())?.connection === 'grace';
    }
    cut = cut || (await slowGone())?.connection === 'grace';
    await reader.sync();
    const heard = reader.notifications.slice(readerBefore);
    const lost = seqGaps(reader.notifications) + (toggles - heard.filter((n) => n.type === 'stream-updated').length);
    const violations = [
      ...(cut ? [] : ['the slow client was never cut off']),
      ...(reader.open ? [] : ['the reading client was disconnected']),
      ...publishers.filter((p) => !p.open).map(() => 'a publisher was disconnected'),
    ];
    rows.push([`slow client (stopped reading, cut past ${maxBufferedBytes / 1024} KB unsent)`, 1, toggles, `reader got ${heard.length}/${toggles}`, violations.length, lost, Date.now() - started]);
    expect(violations).toEqual([]);
    expect(lost).toBe(0);
    // The cut client may come back: a resume (or a new join) works as for any dropped socket.
    expect((await reader.ok<'ping'>({ type: 'ping' })).now).toBeGreaterThan(0);
  } finally {
    await h.close();
  }
}, 60_000);

// --- the webhook receiver down, then up -------------------------------------------------------------------------

test('webhook receiver down then up: every event is delivered once after it recovers, within the retry budget', async () => {
  const secret = 'fault-hook-secret';
  const sink = await WebhookSink.reserve();
  const emitted: RoomEvent[] = [];
  const h = await startHarness({
    webhookUrl: sink.url,
    webhookSecret: secret,
    webhookAll: true,
    webhookBaseDelayMs: 40,
    webhookMaxAttempts: 8,
    webhookTimeoutMs: 2_000,
    onRoomEvent: (event) => void emitted.push(event),
  });
  const started = Date.now();
  try {
    // While the receiver is down: rooms start, users join, publish, leave, rooms end.
    const clients: TestClient[] = [];
    for (let i = 0; i < 8; i++) {
      const { client } = await h.join(`hook${i}`, { roomID: 84001 + (i % 2) });
      await client.ok({ type: 'publish', streamType: 'main' });
      clients.push(client);
    }
    for (const c of clients.slice(0, 4)) await c.ok({ type: 'leave' });
    // Signaling was never held up by the dead receiver.
    expect((await clients[5]!.ok<'ping'>({ type: 'ping' })).now).toBeGreaterThan(0);
    await eventually(async () => h.server.webhooks.stats().waitingRetry > 0, 'deliveries waiting to retry');
    expect(h.server.webhooks.stats().delivered).toBe(0);
    // Down for a while longer: several attempts of each event fail before the receiver is back.
    await new Promise((resolve) => setTimeout(resolve, 400));
    await sink.start();
    const total = emitted.length;
    await eventually(async () => new Set(sink.deliveries.map((d) => d.body.eventId)).size >= total, `all ${total} events delivered`, 15_000);
    await eventually(async () => {
      const s = h.server.webhooks.stats();
      return s.queued === 0 && s.inFlight === 0 && s.waitingRetry === 0;
    }, 'the webhook queue drained');
    const ids = sink.deliveries.map((d) => d.body.eventId);
    const sequences = sink.deliveries.map((d) => d.body.sequence).sort((a, b) => a - b);
    const duplicates = ids.length - new Set(ids).size;
    const badSignatures = sink.deliveries.filter((d) => !verifyWebhookSignature(d.raw, d.headers['x-wxrtc-signature'] as string, secret)).length;
    const stats = h.server.webhooks.stats();
    const lost = total - new Set(ids).size + stats.failed + stats.dropped;
    const retried = sink.deliveries.filter((d) => Number(d.body.attempt) > 1).length;
    const violations = [
      ...(retried === total ? [] : [`${total - retried} events reached the receiver without having failed first`]),
      ...(duplicates > 0 ? [`${duplicates} events delivered twice`] : []),
      ...(badSignatures > 0 ? [`${badSignatures} deliveries with a bad signature`] : []),
      ...(JSON.stringify(sequences) === JSON.stringify(Array.from({ length: total }, (_, i) => i + 1)) ? [] : [`sequences ${sequences.join(',')}`]),
    ];
    rows.push(['webhook receiver down, then up', total, total, `${new Set(ids).size}/${total} events delivered`, violations.length, lost, Date.now() - started]);
    expect(violations).toEqual([]);
    expect(lost).toBe(0);
  } finally {
    await h.close();
    await sink.stop();
  }
}, 60_000);
