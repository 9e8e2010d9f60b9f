import type { StoredItem } from '../../../src/core/ports';
import { pickReadReplica, type ReplicaCandidate, type ReplicaReadDeps, readItem, listItems } from '../../../src/core/replica-read';

const candidate = (id: string, lag: number, over: Partial<ReplicaCandidate> = {}): ReplicaCandidate => ({
  id,
  healthy: true,
  delayMs: 0,
  lag: { events: lag, perPartition: {} },
  applyLagMs: { current: lag * 10, last: null, p99: null, max: null, samples: 0, windowMs: 300_000 },
  ...over,
});

class Table {
  readonly items = new Map<string, StoredItem>();
  gets = 0;
  put(key: string, version: number): void {
    this.items.set(key, { key, version, value: { version }, deleted: false, updatedAt: 1 });
  }
  async get(key: string) {
    this.gets += 1;
    return this.items.get(key);
  }
  async listItems(page: { limit: number; cursor?: string }) {
    return { items: [...this.items.values()].slice(0, page.limit), cursor: page.cursor ? undefined : 'next' };
  }
}

function given(views: ReplicaCandidate[] | Error = [candidate('f1', 0), candidate('f2', 0)]) {
  let now = 0;
  const leader = new Table();
  const followers = new Map([
    ['f1', new Table()],
    ['f2', new Table()],
  ]);
  const onSleep: Array<(now: number) => void> = [];
  const deps: ReplicaReadDeps = {
    leader,
    follower: (id) => followers.get(id) as Table,
    followerIds: async () => [...followers.keys()],
    views: async () => {
      if (views instanceof Error) throw views;
      return views;
    },
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      for (const f of onSleep) f(now);
    },
    random: () => 0.99,
  };
  return { deps, leader, followers, onSleep };
}

describe('choosing a replica for replica=any', () => {
  it('given followers with different lag, picks the least lagging healthy one', () => {
    const views = [candidate('f1', 5), candidate('f2', 0, { healthy: false }), candidate('f3', 2)];
    expect(pickReadReplica(views, () => 0)?.id).toBe('f3');
  });

  it('given equally lagging followers, spreads the choice over all of them', () => {
    const views = [candidate('f1', 1), candidate('f2', 1), candidate('f3', 1)];
    expect([0, 0.34, 0.67, 0.9999].map((r) => pickReadReplica(views, () => r)?.id)).toEqual(['f1', 'f2', 'f3', 'f3']);
  });

  it('never picks an unhealthy or delayed follower, and picks nobody when none qualifies', () => {
    const views = [candidate('f1', 0, { healthy: false }), candidate('d1', 0, { delayMs: 60_000 })];
    expect(pickReadReplica(views, Math.random)).toBeUndefined();
  });
});

describe('reading with read-your-writes', () => {
  it('given the follower already holds the version, answers from it with its lag', async () => {
    const { deps, followers } = given();
    followers.get('f1')?.put('k', 3);
    const out = await readItem(deps, { key: 'k', target: { kind: 'follower', id: 'f1' }, minVersion: 3, maxWaitMs: 1000 });
    expect(out).toMatchObject({ replica: 'f1', item: { version: 3 }, lag: { events: 0, ms: 0 } });
    expect(out.fallback).toBeUndefined();
  });

  it('given the follower catches up while the read waits, answers from the follower', async () => {
    const { deps, followers, onSleep } = given();
    followers.get('f2')?.put('k', 1);
    onSleep.push((now) => now >= 60 && followers.get('f2')?.put('k', 2));
    const out = await readItem(deps, { key: 'k', target: { kind: 'follower', id: 'f2' }, minVersion: 2, maxWaitMs: 1000 });
    expect(out).toMatchObject({ replica: 'f2', item: { version: 2 } });
  });

  it('given the follower never gets there, falls back to the leader after maxWaitMs and says so', async () => {
    const { deps, followers, leader } = given();
    followers.get('f2')?.put('k', 1);
    leader.put('k', 2);
    const out = await readItem(deps, { key: 'k', target: { kind: 'follower', id: 'f2' }, minVersion: 2, maxWaitMs: 300 });
    expect(out).toMatchObject({
      replica: 'leader',
      item: { version: 2 },
      fallback: { from: 'f2', reason: 'min-version-timeout', waitedMs: 300 },
    });
    expect(followers.get('f2')?.gets).toBeGreaterThan(3);
    expect(followers.get('f2')?.gets).toBeLessThan(15);
  });

  it('given maxWaitMs=0, asks the follower once and goes straight to the leader', async () => {
    const { deps, followers, leader } = given();
    leader.put('k', 1);
    const out = await readItem(deps, { key: 'k', target: { kind: 'any' }, minVersion: 1, maxWaitMs: 0 });
    expect(out).toMatchObject({ replica: 'leader', fallback: { from: 'f2', reason: 'min-version-timeout', waitedMs: 0 } });
    expect((followers.get('f1')?.gets ?? 0) + (followers.get('f2')?.gets ?? 0)).toBe(1);
  });

  it('given no healthy follower, replica=any reads the leader and says why', async () => {
    const { deps, leader } = given([candidate('f1', 0, { healthy: false })]);
    leader.put('k', 1);
    expect(await readItem(deps, { key: 'k', target: { kind: 'any' }, maxWaitMs: 1000 })).toMatchObject({
      replica: 'leader',
      fallback: { from: null, reason: 'no-healthy-follower' },
    });
  });

  it('given the replication view is unavailable, replica=any reads the leader, and a named follower is still read', async () => {
    const { deps, followers } = given(new Error('broker down'));
    followers.get('f1')?.put('k', 1);
    expect(await readItem(deps, { key: 'k', target: { kind: 'any' }, maxWaitMs: 1000 })).toMatchObject({
      replica: 'leader',
      fallback: { reason: 'replication-state-unavailable' },
    });
    const named = await readItem(deps, { key: 'k', target: { kind: 'follower', id: 'f1' }, maxWaitMs: 1000 });
    expect(named).toMatchObject({ replica: 'f1', item: { version: 1 } });
    expect(named.lag).toBeUndefined();
  });

  it('given an unknown follower id, refuses with BAD_QUERY naming the followers', async () => {
    const { deps } = given();
    await expect(readItem(deps, { key: 'k', target: { kind: 'follower', id: 'f9' }, maxWaitMs: 0 })).rejects.toMatchObject({
      code: 'BAD_QUERY',
      message: 'replica must be leader, any or a replica id (f1, f2)',
    });
  });
});

describe('listing a replica', () => {
  it('given replica=any, lists the chosen follower and passes the cursor through', async () => {
    const { deps, followers } = given([candidate('f1', 3), candidate('f2', 0)]);
    followers.get('f2')?.put('a', 1);
    const out = await listItems(deps, { target: { kind: 'any' }, limit: 10, cursor: 'c1' });
    expect(out).toMatchObject({ replica: 'f2', page: { items: [{ key: 'a' }], cursor: undefined } });
  });
});
