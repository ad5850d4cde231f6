// Client event reports: the SDK's Reporter posts batches to /v1/reports; the server checks, bounds and keeps
// them, and lists them back.

import { ErrorCode } from '../../src/errors';
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
  reporter.identify({ sdkAppID: h.server.sdkAppID, userID: 'alice', roomID: '1234' });
  reporter.record({ type: 'enter-room', at: 1 });
  reporter.record({ type: 'stream-failed', at: 2, code: 7040 });
  await reporter.close();

  const listed = (await (await fetch(`${url}?userID=alice`)).json()) as { batches: Array<Record<string, unknown>> };
  expect(listed.batches).toHaveLength(1);
  expect(listed.batches[0]).toMatchObject({
    sdkAppID: h.server.sdkAppID,
    userID: 'alice',
    roomID: '1234',
    events: [{ type: 'enter-room', at: 1 }, { type: 'stream-failed', at: 2, code: 7040 }],
  });
  expect((await (await fetch(`${url}?userID=bob`)).json()) as { batches: unknown[] }).toMatchObject({ batches: [] });
});

test('bad batches are refused with codes and not stored', async () => {
  expect(await post('not json')).toMatchObject({ status: 400, body: { error: { code: ErrorCode.BAD_REQUEST } } });
  expect(await post({ sdkAppID: 1, userID: 'a', events: [] })).toMatchObject({ status: 400 });
  expect(await post({ sdkAppID: -1, userID: 'a', events: [{ type: 'x' }] })).toMatchObject({ status: 400 });
  expect(await post({ sdkAppID: 1, userID: 'a', events: [{ notype: true }] })).toMatchObject({ status: 400 });
  const tooBig = await post({ sdkAppID: 1, userID: 'a', events: [{ type: 'x', pad: 'y'.repeat(4096) }] });
  expect(tooBig).toMatchObject({ status: 413, body: { error: { code: ErrorCode.FRAME_TOO_LARGE } } });
  expect(h.server.reports.list()).toEqual([]);
  // Before entering a room the reporter does not know who it is yet: null identity is accepted.
  expect(await post({ sdkAppID: null, userID: null, roomID: null, events: [{ type: 'boot', at: 0 }] })).toMatchObject({ status: 202, body: { accepted: 1 } });
});

test('only the latest batches are kept', async () => {
  for (let i = 0; i < 5; i++) expect((await post({ sdkAppID: 1, userID: `u${i}`, events: [{ type: 'e' }] })).status).toBe(202);
  const listed = (await (await fetch(url)).json()) as { batches: Array<{ userID: string }>; dropped: number };
  expect(listed.batches.map((b) => b.userID)).toEqual(['u2', 'u3', 'u4']);
  expect(listed.dropped).toBeGreaterThanOrEqual(2);
});
