import type { LeaderStore, MarkScanner } from '../../../src/core/ports';

/** A fresh leader store and the outbox index over the same table. */
export type OutboxIndexFactory = () => Promise<{ leader: LeaderStore; marks: MarkScanner }>;

/** The MarkScanner port: marks older than a cut-off, oldest first, at most `limit`, cleared ones gone. */
export function outboxIndexContract(fresh: OutboxIndexFactory): void {
  describe('MarkScanner (outbox index)', () => {
    it('finds the marks older than the cut-off, oldest first, across shards', async () => {
      const { leader, marks } = await fresh();
      // Enough keys to land on every one of the index's shards.
      for (let i = 0; i < 24; i++) await leader.commit({ key: `key-${i}`, op: 'put', value: i, writeId: `w${i}`, now: 1000 + i * 10, term: 1 });
      const found = await marks.marksOlderThan(1000 + 12 * 10, 100);
      expect(found.map((m) => m.key)).toEqual(Array.from({ length: 12 }, (_, i) => `key-${i}`));
      expect(found.map((m) => m.outboxAt)).toEqual(Array.from({ length: 12 }, (_, i) => 1000 + i * 10));
    });

    it('returns at most `limit` marks, the oldest ones', async () => {
      const { leader, marks } = await fresh();
      for (let i = 0; i < 10; i++) await leader.commit({ key: `key-${i}`, op: 'put', value: i, writeId: `w${i}`, now: 5000 - i * 10, term: 1 });
      expect((await marks.marksOlderThan(10_000, 3)).map((m) => m.key)).toEqual(['key-9', 'key-8', 'key-7']);
    });

    it('no longer finds a mark cleared by its publish, and finds a newer write’s mark at its new time', async () => {
      const { leader, marks } = await fresh();
      const a = await leader.commit({ key: 'a', op: 'put', value: 1, writeId: 'w1', now: 1000, term: 1 });
      await leader.commit({ key: 'b', op: 'put', value: 1, writeId: 'w2', now: 1001, term: 1 });
      await leader.recordPublished('a', { version: 1 }, a.lease, { partition: 0, offset: '0' });
      expect((await marks.marksOlderThan(5000, 10)).map((m) => m.key)).toEqual(['b']);
      await leader.commit({ key: 'b', op: 'put', value: 2, writeId: 'w3', now: 3000, term: 1 });
      expect(await marks.marksOlderThan(2000, 10)).toEqual([]);
      expect(await marks.marksOlderThan(3001, 10)).toEqual([{ key: 'b', outboxAt: 3000 }]);
    });
  });
}
