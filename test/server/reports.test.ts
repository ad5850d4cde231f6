// Client event reports: the SDK's Reporter posts batches to /v1/reports, signed with the user's userSig; the
// server checks, bounds and keeps them, and lists them back to whoever holds the admin key.

import { ErrorCode } from '../../src/core/errors';
import { Reporter } from '../../src/services/reporter';
import { startHarness, type Harness } from './helpers/server';

let h: Harness;
let url: string;

beforeAll(async () => {
  h = await startHarness({ reportsMaxBodyBytes: 2048, reportsMaxBatches: 3 });
  url = `${h.server.httpUrl}/v1/reports`;
});
afterAll(async () => {
  await h.close();
});
beforeEach(() => {
  h.server.reports.clear();
});

/** A batch signed the way the SDK signs it: with the userSig of the user it is about. */
const signed = (userID: string, fields: Record<string, unknown>) => ({ sdkAppID: h.server.sdkAppID, userID, userSig: h.server.genUserSig(userID), ...fields });
const list = async (query = ''): Promise<any> => (await fetch(`${url}${query}`, { headers: { 'x-admin-key': h.server.config.adminKey } })).json();

const post = async (body: unknown): Promise<{ status: number; body: any }> => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: await response.json() };
};

test('a batch from the SDK reporter is stored and listed', async () => {
  const reporter = new Reporter({
    endpoint: url,
    maxBatch: 10,
    post: async (endpoint, body) => (await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status,
  });
  reporter.identify({ sdkAppID: h.server.sdkAppID, userID: 'alice', roomID: '1234', userSig: h.server.genUserSig('alice') });
  reporter.record({ type: 'enter-room', at: 1 });
  reporter.record({ type: 'stream-failed', at: 2, code: 7040 });
  await reporter.close();

  const listed = (await list('?userID=alice')) as { batches: Array<Record<string, unknown>> };
  expect(listed.batches).toHaveLength(1);
  expect(listed.batches[0]).toMatchObject({
    sdkAppID: h.server.sdkAppID,
    userID: 'alice',
    roomID: '1234',
    events: [{ type: 'enter-room', at: 1 }, { type: 'stream-failed', at: 2, code: 7040 }],
  });
  // The userSig signed the batch; it is not kept.
  expect(JSON.stringify(listed)).not.toContain(h.server.genUserSig('alice').slice(0, 24));
  expect((await list('?userID=bob')) as { batches: unknown[] }).toMatchObject({ batches: [] });
});

test('bad batches are refused with codes and not stored', async () => {
  expect(await post('not json')).toMatchObject({ status: 400, body: { error: { code: ErrorCode.BAD_REQUEST } } });
  expect(await post({ sdkAppID: 1, userID: 'a', events: [] })).toMatchObject({ status: 400 });
  expect(await post({ sdkAppID: -1, userID: 'a', events: [{ type: 'x' }] })).toMatchObject({ status: 400 });
  expect(await post({ sdkAppID: 1, userID: 'a', events: [{ notype: true }] })).toMatchObject({ status: 400 });
  const tooBig = await post(signed('a', { events: [{ type: 'x', pad: 'y'.repeat(4096) }] }));
  expect(tooBig).toMatchObject({ status: 413, body: { error: { code: ErrorCode.FRAME_TOO_LARGE } } });
  expect(h.server.reports.list()).toEqual([]);
  // Before entering a room the reporter has nothing to sign with: refused (it keeps the batch for later).
  expect(await post({ sdkAppID: null, userID: null, roomID: null, events: [{ type: 'boot', at: 0 }] })).toMatchObject({ status: 401 });
  expect(await post(signed('a', { events: [{ type: 'boot', at: 0 }] }))).toMatchObject({ status: 202, body: { accepted: 1 } });
});

test('only the latest batches are kept', async () => {
  for (let i = 0; i < 5; i++) expect((await post(signed(`u${i}`, { events: [{ type: 'e' }] }))).status).toBe(202);
  const listed = (await list()) as { batches: Array<{ userID: string }>; dropped: number };
  expect(listed.batches.map((b) => b.userID)).toEqual(['u2', 'u3', 'u4']);
  expect(listed.dropped).toBeGreaterThanOrEqual(2);
});
