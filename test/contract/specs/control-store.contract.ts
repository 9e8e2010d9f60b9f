import { type ControlState, initialControlState } from '../../../src/core/control-state';
import type { ControlStore } from '../../../src/core/ports';

export type ControlStoreFactory = () => Promise<ControlStore>;

const initial = () => initialControlState([{ id: 'f1', delayMs: 0 }, { id: 'f2', delayMs: 3_600_000 }], 'f1', 1000);
const next = (from: ControlState, sync: string): ControlState => ({
  ...from,
  revision: from.revision + 1,
  syncFollower: sync,
  history: [{ revision: from.revision + 1, from: from.syncFollower, to: sync, at: 2000, reason: 'test', kind: 'designation' }, ...from.history],
  updatedAt: 2000,
});

/** The ControlStore port: initialize once, then change only by compare-and-set on the revision. */
export function controlStoreContract(fresh: ControlStoreFactory): void {
  describe('ControlStore', () => {
    it('holds nothing until initialized, then the initial state exactly', async () => {
      const store = await fresh();
      expect(await store.load()).toBeUndefined();
      expect(await store.initialize(initial())).toEqual(initial());
      expect(await store.load()).toEqual(initial());
    });

    it('initializes only once: a second initialize returns what is stored', async () => {
      const store = await fresh();
      await store.initialize(initial());
      const other = { ...initial(), syncFollower: 'f2', updatedAt: 5 };
      expect(await store.initialize(other)).toEqual(initial());
      expect(await store.load()).toEqual(initial());
    });

    it('replaces by compare-and-set: the expected revision wins once, a stale writer loses', async () => {
      const store = await fresh();
      const first = await store.initialize(initial());
      const a = next(first, 'f2');
      expect(await store.replace(first.revision, a)).toBe(true);
      expect(await store.load()).toEqual(a);
      expect(await store.replace(first.revision, next(first, 'f1'))).toBe(false);
      expect(await store.load()).toEqual(a);
      expect(await store.replace(a.revision, next(a, 'f1'))).toBe(true);
      expect((await store.load())?.revision).toBe(3);
    });

    it('lets exactly one of two racing writers of the same revision win', async () => {
      const store = await fresh();
      const first = await store.initialize(initial());
      const results = await Promise.all([store.replace(first.revision, next(first, 'f1')), store.replace(first.revision, next(first, 'f2'))]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });
  });
}
