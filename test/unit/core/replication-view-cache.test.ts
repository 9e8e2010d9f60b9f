import type { ReplicationSnapshot } from '../../../src/core/replication-inspector';
import { ReplicationViewCache } from '../../../src/core/replication-view-cache';

const snapshot = (fetchedAt: number): ReplicationSnapshot => ({ topicEnd: {}, topicStart: {}, followers: [], unread: [], fetchedAt });

describe('replication view cache', () => {
  it('given concurrent reads within the TTL, loads once and serves the same view', async () => {
    let now = 0;
    const load = jest.fn(async () => snapshot(now));
    const cache = new ReplicationViewCache(load, 1000, () => now);
    const [a, b] = await Promise.all([cache.current(), cache.current()]);
    now = 999;
    const c = await cache.current();
    expect(load).toHaveBeenCalledTimes(1);
    expect(a).toBe(b);
    expect(c).toBe(a);
    now = 1000;
    expect((await cache.current()).fetchedAt).toBe(1000);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('given a newer view offered by status, serves it; an older one never replaces it', async () => {
    const now = 0;
    const cache = new ReplicationViewCache(async () => snapshot(-1), 1000, () => now);
    cache.offer(snapshot(20), 20);
    cache.offer(snapshot(10), 10);
    expect((await cache.current()).fetchedAt).toBe(20);
  });
});
