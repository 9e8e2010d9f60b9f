import type { AppliedRecordStore } from '../../../src/core/applied-record';

export type AppliedRecordStoreFactory = () => Promise<AppliedRecordStore>;

/** The AppliedRecordStore port: a claim of nothing, extended forward under one incarnation, forgotten whole. */
export function appliedRecordStoreContract(fresh: AppliedRecordStoreFactory): void {
  describe('AppliedRecordStore', () => {
    it('creates a claim of nothing once, and reads it back', async () => {
      const store = await fresh();
      expect(await store.createApplied('f1', 0, 'i1')).toBe(true);
      expect(await store.createApplied('f1', 0, 'i2')).toBe(false);
      expect(await store.loadApplied([{ followerId: 'f1', partition: 0 }])).toEqual([{ followerId: 'f1', partition: 0, incarnation: 'i1', appliedThrough: 0n }]);
    });

    it('extends only forward and only under the same incarnation', async () => {
      const store = await fresh();
      await store.createApplied('f1', 0, 'i1');
      expect(await store.extendApplied('f1', 0, 'i1', 10n)).toBe('extended');
      expect(await store.extendApplied('f1', 0, 'i1', 10n)).toBe('not-newer');
      expect(await store.extendApplied('f1', 0, 'i1', 7n)).toBe('not-newer');
      expect(await store.extendApplied('f1', 0, 'i2', 20n)).toBe('other-incarnation');
      expect(await store.extendApplied('f1', 1, 'i1', 20n)).toBe('other-incarnation');
      expect(await store.extendApplied('f1', 0, 'i1', 9_007_199_254_740_000n)).toBe('extended');
      expect((await store.loadApplied([{ followerId: 'f1', partition: 0 }]))[0]?.appliedThrough).toBe(9_007_199_254_740_000n);
    });

    it('forgets the given partitions of one follower, and a forgotten record cannot be extended', async () => {
      const store = await fresh();
      for (const [f, p] of [['f1', 0], ['f1', 1], ['f2', 0]] as const) {
        await store.createApplied(f, p, `i-${f}-${p}`);
        await store.extendApplied(f, p, `i-${f}-${p}`, 5n);
      }
      await store.forgetApplied('f1', [0, 1, 2]);
      expect(await store.extendApplied('f1', 0, 'i-f1-0', 9n)).toBe('other-incarnation');
      const left = await store.loadApplied([
        { followerId: 'f1', partition: 0 },
        { followerId: 'f1', partition: 1 },
        { followerId: 'f2', partition: 0 },
      ]);
      expect(left).toEqual([{ followerId: 'f2', partition: 0, incarnation: 'i-f2-0', appliedThrough: 5n }]);
      expect(await store.loadApplied([])).toEqual([]);
    });
  });
}
