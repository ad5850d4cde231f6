// Client event reporting: batching, retry after a failure without hammering, and nothing left running after close.

import { Reporter } from '../../src/services/reporter';

function recorder(statuses: number[]) {
  const posts: Array<{ events: Array<{ type: string }> }> = [];
  const post = async (_url: string, body: unknown): Promise<number> => {
    posts.push(body as { events: Array<{ type: string }> });
    return statuses.shift() ?? 200;
  };
  return { posts, post };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('Reporter', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  test('a full batch goes at once; a partial one after the flush interval', async () => {
    const { posts, post } = recorder([]);
    const reporter = new Reporter({ endpoint: 'http://reports.test', maxBatch: 3, flushIntervalMs: 1000, post });
    for (const type of ['a', 'b', 'c', 'd']) reporter.record({ type, at: 0 });
    await settle();
    expect(posts.map((p) => p.events.map((e) => e.type))).toEqual([['a', 'b', 'c']]);
    jest.advanceTimersByTime(999);
    await settle();
    expect(posts).toHaveLength(1);
    jest.advanceTimersByTime(1);
    await settle();
    expect(posts.map((p) => p.events.map((e) => e.type))).toEqual([['a', 'b', 'c'], ['d']]);
    await reporter.close();
  });

  test('after a failure the batch is kept and retried one interval later, not in a loop', async () => {
    const { posts, post } = recorder([500, 500]);
    const reporter = new Reporter({ endpoint: 'http://reports.test', maxBatch: 2, flushIntervalMs: 1000, post });
    reporter.record({ type: 'a', at: 0 });
    reporter.record({ type: 'b', at: 0 });
    await settle();
    await settle();
    expect(posts).toHaveLength(1);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(posts).toHaveLength(2);
    jest.advanceTimersByTime(1000);
    await settle();
    expect(posts.map((p) => p.events.map((e) => e.type))).toEqual([['a', 'b'], ['a', 'b'], ['a', 'b']]);
    await reporter.close();
  });

  test('close makes one last attempt and leaves no timer behind, even when the endpoint is down', async () => {
    const { posts, post } = recorder([500, 500, 500]);
    const reporter = new Reporter({ endpoint: 'http://reports.test', maxBatch: 10, flushIntervalMs: 20, post });
    reporter.record({ type: 'a', at: 0 });
    await reporter.close();
    expect(posts).toHaveLength(1);
    expect(jest.getTimerCount()).toBe(0);
    reporter.record({ type: 'late', at: 1 });
    jest.advanceTimersByTime(1000);
    await settle();
    expect(posts).toHaveLength(1);
  });
});
