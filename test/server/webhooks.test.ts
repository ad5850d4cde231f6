// Business callbacks: events of sessions with a business id reach a receiver signed with HMAC-SHA256, are
// retried with backoff after failures, and a receiver that hangs never slows signaling.

import { verifyWebhookSignature, type WebhookBody } from '../../server/webhooks';
import { startReceiver, type Receiver } from './helpers/receiver';
import { startHarness, type Harness } from './helpers/server';
import { eventually } from './helpers/wait';

const SECRET = 'hook-secret';

function expectSigned(receiver: Receiver): void {
  for (const d of receiver.deliveries) {
    expect(verifyWebhookSignature(d.raw, d.headers['x-wxrtc-signature'] as string, SECRET)).toBe(true);
    expect(verifyWebhookSignature(d.raw, d.headers['x-wxrtc-signature'] as string, 'other-secret')).toBe(false);
    // Nothing that matters travels unsigned: the event's type, id and attempt are in the body.
    expect(Object.keys(d.headers).filter((name) => name.startsWith('x-wxrtc-'))).toEqual(['x-wxrtc-signature']);
    expect(d.headers['content-type']).toBe('application/json');
  }
}

describe('business id events', () => {
  let receiver: Receiver;
  let h: Harness;
  beforeAll(async () => {
    receiver = await startReceiver();
    h = await startHarness({ webhookUrl: receiver.url, webhookSecret: SECRET, webhookBaseDelayMs: 20 });
  });
  afterEach(async () => {
    await h.closeClients();
    receiver.policy = () => 200;
  });
  afterAll(async () => {
    await h.close();
    await receiver.close();
  });

  test('sessions with a business id produce signed events; others produce none', async () => {
    const room = { roomID: 10001 };
    const { client: alice } = await h.join('alice', room, { businessId: 'biz-1' });
    await alice.ok({ type: 'publish', streamType: 'main' });
    const { client: bob } = await h.join('bob', room);
    await bob.ok({ type: 'publish', streamType: 'main' });
    await bob.ok({ type: 'leave' });
    await alice.ok({ type: 'unpublish', streamType: 'main' });
    await alice.ok({ type: 'leave' });

    const ofRoom = (ds: typeof receiver.deliveries) => ds.filter((d) => d.body.room.roomKey === 'n:10001');
    await receiver.until((ds) => ofRoom(ds).some((d) => d.body.eventType === 'room.ended'), 'room.ended');
    const events = ofRoom(receiver.deliveries).sort((a, b) => a.body.sequence - b.body.sequence);
    expect(events.map((d) => `${d.body.eventType}:${d.body.userID ?? '-'}`)).toEqual([
      'room.started:-',
      'user.joined:alice',
      'stream.published:alice',
      'stream.unpublished:alice',
      'user.left:alice',
      'room.ended:-',
    ]);
    for (const { body } of events) {
      expect(body).toMatchObject({ businessId: 'biz-1', sdkAppID: h.server.sdkAppID, room: { roomKey: 'n:10001', roomID: 10001, strRoomID: null } });
      expect(body.timestamp).toBeGreaterThan(0);
    }
    expect(new Set(events.map((d) => d.body.eventId)).size).toBe(events.length);
    expect(events.find((d) => d.body.eventType === 'user.left')!.body.data).toMatchObject({ reason: 'leave' });
    expectSigned(receiver);
  });

  test('a delivery answered 500 twice is retried until it succeeds, with the same event id', async () => {
    receiver.policy = (_d, attempts) => (attempts <= 2 ? 500 : 204);
    const { client } = await h.join('carol', { strRoomID: 'retry' }, { businessId: 'biz-2' });
    const isCarolJoin = (b: WebhookBody) => b.eventType === 'user.joined' && b.userID === 'carol';
    await receiver.until((ds) => ds.filter((d) => isCarolJoin(d.body)).length >= 3, 'three attempts of user.joined');
    const attempts = receiver.deliveries.filter((d) => isCarolJoin(d.body));
    expect(attempts).toHaveLength(3);
    expect(attempts.map((d) => d.body.attempt)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((d) => d.body.eventId)).size).toBe(1);
    // The same event each time, apart from its attempt number.
    expect(new Set(attempts.map((d) => JSON.stringify({ ...d.body, attempt: 0 }))).size).toBe(1);
    expectSigned(receiver);
    await client.ok({ type: 'leave' });
    await receiver.until((ds) => ds.some((d) => d.body.eventType === 'room.ended' && d.body.room.strRoomID === 'retry'), 'room.ended of retry');
    await eventually(async () => {
      const stats = h.server.webhooks.stats();
      return stats.queued === 0 && stats.waitingRetry === 0 && stats.inFlight === 0;
    }, 'webhook queue drained');
    // Each event took exactly three attempts: nothing is sent again after a success.
    const perEvent = new Map<string, number>();
    for (const d of receiver.deliveries.filter((x) => x.body.room.strRoomID === 'retry')) perEvent.set(d.body.eventId, (perEvent.get(d.body.eventId) ?? 0) + 1);
    expect([...perEvent.values()]).toEqual([3, 3, 3, 3]);
    expect(h.server.webhooks.stats().failed).toBe(0);
  });
});

test('a hung receiver never blocks signaling, and close() abandons its deliveries', async () => {
  const receiver = await startReceiver(() => 'hang');
  const h = await startHarness({ webhookUrl: receiver.url, webhookSecret: SECRET, webhookTimeoutMs: 60_000 });
  try {
    const room = { roomID: 10003 };
    const { client: a } = await h.join('a', room, { businessId: 'biz-3' });
    await a.ok({ type: 'publish', streamType: 'main' });
    const { client: b } = await h.join('b', room, { businessId: 'biz-3' });
    await b.ok({ type: 'subscribe', userID: 'a', streamType: 'main', audio: true, video: true });
    await b.ok({ type: 'leave' });
    await a.waitFor('user-left', (n) => n.userID === 'b');
    await receiver.until((ds) => ds.length >= 1, 'a delivery reached the receiver');
    const stats = h.server.webhooks.stats();
    expect(stats.delivered).toBe(0);
    expect(stats.inFlight).toBeGreaterThan(0);
  } finally {
    await h.close();
    await receiver.close();
  }
});

test('with webhookAll, sessions without a business id are sent too (businessId null)', async () => {
  const receiver = await startReceiver();
  const h = await startHarness({ webhookUrl: receiver.url, webhookSecret: SECRET, webhookAll: true });
  try {
    const { client } = await h.join('plain', { roomID: 10004 });
    await client.ok({ type: 'leave' });
    await receiver.until((ds) => ds.some((d) => d.body.eventType === 'room.ended'), 'room.ended');
    expect(receiver.deliveries.map((d) => d.body.eventType).sort()).toEqual(['room.ended', 'room.started', 'user.joined', 'user.left']);
    for (const d of receiver.deliveries) expect(d.body.businessId).toBeNull();
    expectSigned(receiver);
  } finally {
    await h.close();
    await receiver.close();
  }
});

test('a receiver that is down costs retries, then the event is given up; signaling goes on', async () => {
  const gone = await startReceiver();
  await gone.close();
  const h = await startHarness({ webhookUrl: gone.url, webhookSecret: SECRET, webhookMaxAttempts: 3, webhookBaseDelayMs: 10 });
  try {
    const { client } = await h.join('lonely', { roomID: 10005 }, { businessId: 'biz-5' });
    await client.ok({ type: 'publish', streamType: 'main' });
    // room.started, user.joined and stream.published each fail three times and are dropped.
    await eventually(async () => h.server.webhooks.stats().failed === 3 && h.server.webhooks.stats().waitingRetry === 0, 'three events given up');
    expect(h.server.webhooks.stats().delivered).toBe(0);
    expect((await client.ok<'ping'>({ type: 'ping' })).now).toBeGreaterThan(0);
  } finally {
    await h.close();
  }
});

test('retries back off exponentially: measured between the attempts the receiver saw', async () => {
  const BASE = 300;
  const arrivals: number[] = [];
  const receiver = await startReceiver(() => {
    arrivals.push(performance.now());
    return arrivals.length < 4 ? 503 : 204;
  });
  const h = await startHarness({ webhookUrl: receiver.url, webhookSecret: SECRET, webhookAll: true, webhookMaxAttempts: 5, webhookBaseDelayMs: BASE });
  try {
    // One event, pushed straight into the queue: nothing else competes for the receiver.
    h.server.webhooks.push({ type: 'room.started', room: { key: 'n:10006', roomID: 10006, strRoomID: null }, userID: null, businessId: null, at: Date.now(), data: {} });
    await receiver.until((ds) => ds.length >= 4, 'four attempts', 8_000);
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    // base, 2 base, 4 base after attempts 1, 2, 3: never early, and not late by more than a loaded machine's slack.
    const expected = [BASE, 2 * BASE, 4 * BASE];
    gaps.forEach((gap, i) => {
      expect(gap).toBeGreaterThanOrEqual(expected[i]! - 5);
      expect(gap).toBeLessThan(expected[i]! + 250);
    });
    expect(receiver.deliveries.map((d) => d.body.attempt)).toEqual([1, 2, 3, 4]);
    await eventually(async () => h.server.webhooks.stats().delivered === 1, 'delivered on the fourth attempt');
  } finally {
    await h.close();
    await receiver.close();
  }
}, 15_000);
