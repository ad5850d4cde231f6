// Replaying and doctoring captured webhook deliveries, on loopback: a capture 79 s old, a fresh timestamp
// pasted onto an old signature, a signature moved to another body or attempt, the old body-only signature
// format, and the event's type and attempt changed in transit. A receiver using verifyWebhookSignature
// refuses each; the honest delivery verifies.

import { signWebhookBody, verifyWebhookSignature } from '../../server/webhooks';
import { startHarness, type Harness } from '../server/helpers/server';
import { startReceiver, type Delivery, type Receiver } from '../server/helpers/receiver';
import { createHmac } from 'node:crypto';

const SECRET = 'replay-suite-secret';
let h: Harness;
let receiver: Receiver;
let captured: Delivery[];

beforeAll(async () => {
  // The first attempt of each event fails, so every event is captured twice (attempts 1 and 2).
  receiver = await startReceiver((_d, attempts) => (attempts === 1 ? 500 : 204));
  h = await startHarness({ webhookUrl: receiver.url, webhookSecret: SECRET, webhookAll: true, webhookBaseDelayMs: 10 });
  const { client } = await h.join('replayed', { roomID: 7300 });
  await client.ok({ type: 'leave' });
  await receiver.until((ds) => ds.filter((d) => d.body.eventType === 'room.ended').length >= 2, 'room.ended twice');
  captured = [...receiver.deliveries];
});

afterAll(async () => {
  await h.close();
  await receiver.close();
});

const header = (d: Delivery) => d.headers['x-wxrtc-signature'] as string;
const stamp = (d: Delivery) => Number(/t=(\d+)/.exec(header(d))![1]);

test('every honest delivery verifies at once; only the signature header travels beside the body', () => {
  expect(captured.length).toBeGreaterThanOrEqual(8);
  for (const d of captured) {
    expect(verifyWebhookSignature(d.raw, header(d), SECRET)).toBe(true);
    expect(header(d)).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(Math.abs(stamp(d) * 1000 - Date.now())).toBeLessThan(30_000);
    expect(Object.keys(d.headers).filter((name) => name.startsWith('x-wxrtc-'))).toEqual(['x-wxrtc-signature']);
  }
});

test('a capture replayed 79 s later is refused; a receiver may widen its tolerance on purpose', () => {
  for (const d of captured) {
    const later = stamp(d) * 1000 + 79_000;
    expect(verifyWebhookSignature(d.raw, header(d), SECRET, { now: later })).toBe(false);
    expect(verifyWebhookSignature(d.raw, header(d), SECRET, { now: stamp(d) * 1000 - 79_000 })).toBe(false);
    expect(verifyWebhookSignature(d.raw, header(d), SECRET, { now: later, toleranceSec: 120 })).toBe(true);
  }
});

test('doctored captures are refused: a fresh timestamp, another body or attempt, another type, the old format', () => {
  const failures: string[] = [];
  const refuse = (what: string, raw: string, value: string) => {
    if (verifyWebhookSignature(raw, value, SECRET)) failures.push(what);
  };
  const byEvent = new Map<string, Delivery[]>();
  for (const d of captured) byEvent.set(d.body.eventId, [...(byEvent.get(d.body.eventId) ?? []), d]);
  for (const d of captured) {
    const v1 = /v1=([0-9a-f]{64})/.exec(header(d))![1]!;
    const now = Math.floor(Date.now() / 1000);
    refuse('a fresh t= on an old v1', d.raw, `t=${now + 1},v1=${v1}`);
    refuse('no t=', d.raw, `v1=${v1}`);
    refuse('no v1=', d.raw, `t=${stamp(d)}`);
    refuse('the body-only signature of before', d.raw, `sha256=${createHmac('sha256', SECRET).update(d.raw).digest('hex')}`);
    const otherType = d.body.eventType === 'user.left' ? 'user.joined' : 'user.left';
    const retyped = d.raw.replace(`"eventType":"${d.body.eventType}"`, `"eventType":"${otherType}"`);
    expect(retyped).not.toBe(d.raw);
    refuse('another event type', retyped, header(d));
    refuse('another attempt number', d.raw.replace(`"attempt":${d.body.attempt}`, `"attempt":${d.body.attempt + 1}`), header(d));
    refuse('a signature made with another secret', d.raw, signWebhookBody(d.raw, 'not-the-secret'));
    refuse('a header far too long', d.raw, `${header(d)},${'v1=0,'.repeat(400)}`);
    // The other attempt of the same event: its signature does not fit this body.
    for (const other of byEvent.get(d.body.eventId)!) if (other !== d) refuse("another attempt's signature", d.raw, header(other));
  }
  expect(failures).toEqual([]);
  // Two attempts of one event: same eventId (receivers deduplicate on it), numbered 1 and 2.
  for (const attempts of byEvent.values()) expect(attempts.map((d) => d.body.attempt)).toEqual([1, 2]);
});
