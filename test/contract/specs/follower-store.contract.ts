import type { ChangeEvent } from '../../../src/core/change-event';
import type { FollowerStore } from '../../../src/core/ports';

export type FollowerStoreFactory = () => Promise<FollowerStore>;

const put = (key: string, version: number, value: ChangeEvent['value'] = { v: version }): ChangeEvent => ({
  v: 1,
  op: 'put',
  key,
  version,
  value,
  committedAt: 1000 + version,
  writeId: `w-${key}-${version}`,
});
const del = (key: string, version: number): ChangeEvent => ({ ...put(key, version, null), op: 'delete' });

/**
 * The FollowerStore port: an event is applied only if it is newer than what the table holds, so
 * replays, redeliveries and reordering never regress a key; deletes are kept as tombstones.
 */
export function followerStoreContract(fresh: FollowerStoreFactory): void {
  describe('FollowerStore', () => {
    it('applies events into an empty table and reads them back', async () => {
      const store = await fresh();
      expect(await store.applyNewest([put('a', 1), put('b', 3, [1, 'x'])])).toEqual({ applied: 2, skipped: 0 });
      expect(await store.get('a')).toEqual({ key: 'a', version: 1, value: { v: 1 }, deleted: false, updatedAt: 1001, writeId: 'w-a-1' });
      expect(await store.get('b')).toMatchObject({ version: 3, value: [1, 'x'] });
      expect(await store.get('absent')).toBeUndefined();
    });

    it('never regresses: an older or the same version is skipped and changes nothing', async () => {
      const store = await fresh();
      await store.applyNewest([put('a', 5)]);
      expect(await store.applyNewest([put('a', 4, 'old'), put('a', 5, 'same')])).toEqual({ applied: 0, skipped: 2 });
      expect(await store.get('a')).toMatchObject({ version: 5, value: { v: 5 } });
      expect(await store.applyNewest([put('a', 7)])).toEqual({ applied: 1, skipped: 0 });
      expect(await store.get('a')).toMatchObject({ version: 7 });
    });

    it('keeps a delete as a tombstone that an older put cannot resurrect', async () => {
      const store = await fresh();
      await store.applyNewest([put('a', 1)]);
      expect(await store.applyNewest([del('a', 2)])).toEqual({ applied: 1, skipped: 0 });
      expect(await store.get('a')).toMatchObject({ key: 'a', version: 2, value: null, deleted: true });
      expect(await store.applyNewest([put('a', 1, 'replayed')])).toEqual({ applied: 0, skipped: 1 });
      expect(await store.get('a')).toMatchObject({ deleted: true, version: 2 });
      // A tombstone arriving for a key the follower never saw is stored too.
      await store.applyNewest([del('b', 4)]);
      expect(await store.get('b')).toMatchObject({ deleted: true, version: 4 });
      await store.applyNewest([put('a', 3, 'reborn')]);
      expect(await store.get('a')).toMatchObject({ deleted: false, version: 3, value: 'reborn' });
    });

    it('applies a large batch of distinct keys completely', async () => {
      const store = await fresh();
      const events = Array.from({ length: 120 }, (_, i) => put(`k${i}`, 1 + (i % 3)));
      expect(await store.applyNewest(events)).toEqual({ applied: 120, skipped: 0 });
      expect(await store.get('k119')).toMatchObject({ version: 1 + (119 % 3) });
    });
  });
}
