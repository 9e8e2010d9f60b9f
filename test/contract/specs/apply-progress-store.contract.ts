import type { PartitionProgress } from '../../../src/core/apply-progress';
import type { ApplyProgressStore } from '../../../src/core/ports';

export type ApplyProgressStoreFactory = () => Promise<ApplyProgressStore>;

const progress = (followerId: string, partition: number, seq: number): PartitionProgress => ({
  followerId,
  partition,
  seq,
  committedThrough: String(seq * 10),
  lastProgressAt: 1000 + seq,
  lastAppliedAt: seq % 2 === 0 ? 900 + seq : null,
  lastLagMs: seq % 2 === 0 ? seq : null,
  samples: [
    { at: 900, lagMs: 3 },
    { at: 950, lagMs: 7 },
  ],
  fenced: seq % 3,
});

/** The ApplyProgressStore port: one item per follower and partition, saved by compare-and-set on seq. */
export function applyProgressStoreContract(fresh: ApplyProgressStoreFactory): void {
  describe('ApplyProgressStore', () => {
    it('saves a first item (seq 1) once and reads it back whole', async () => {
      const store = await fresh();
      expect(await store.saveProgress(progress('f1', 0, 1))).toBe(true);
      expect(await store.saveProgress(progress('f1', 0, 1))).toBe(false);
      expect(await store.loadProgress([{ followerId: 'f1', partition: 0 }])).toEqual([progress('f1', 0, 1)]);
    });

    it('saves seq n+1 only over seq n', async () => {
      const store = await fresh();
      await store.saveProgress(progress('f1', 0, 1));
      expect(await store.saveProgress(progress('f1', 0, 3))).toBe(false);
      expect(await store.saveProgress(progress('f1', 0, 2))).toBe(true);
      expect(await store.saveProgress(progress('f1', 0, 2))).toBe(false);
      expect(await store.loadProgress([{ followerId: 'f1', partition: 0 }])).toEqual([progress('f1', 0, 2)]);
    });

    it('loads only the items that exist, any number of them, and keeps followers and partitions apart', async () => {
      const store = await fresh();
      const keys = Array.from({ length: 130 }, (_, i) => ({ followerId: `f${i % 2}`, partition: Math.floor(i / 2) }));
      for (const k of keys.slice(0, 120)) expect(await store.saveProgress(progress(k.followerId, k.partition, 1))).toBe(true);
      const loaded = await store.loadProgress(keys);
      expect(loaded).toHaveLength(120);
      expect(new Set(loaded.map((p) => `${p.followerId}#${p.partition}`)).size).toBe(120);
      expect(await store.loadProgress([])).toEqual([]);
    });
  });
}
