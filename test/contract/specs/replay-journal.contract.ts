import type { ReplayJournalStore } from '../../../src/core/ports';
import type { ReplayJournalEntry } from '../../../src/core/replay-journal';

export type ReplayJournalFactory = () => Promise<ReplayJournalStore>;

const entry = (followerId: string, owner: string, heartbeatAt: number, extra: Partial<ReplayJournalEntry> = {}): ReplayJournalEntry => ({
  followerId,
  mode: 'rebuild',
  from: 'earliest',
  phase: 'replaying',
  starts: { '0': '0', '1': '5' },
  targets: { '0': '10', '1': '20' },
  progress: { '0': '3', '1': '5' },
  owner,
  startedAt: 1000,
  heartbeatAt,
  runs: 1,
  ...extra,
});

/** The ReplayJournalStore port: one journal per follower, held under a lease by one owner at a time. */
export function replayJournalContract(fresh: ReplayJournalFactory): void {
  describe('ReplayJournalStore', () => {
    it('claims a free journal and reads it back', async () => {
      const store = await fresh();
      expect(await store.load('f1')).toBeUndefined();
      expect(await store.claim(entry('f1', 'run-a', 10_000), 10_000, 15_000)).toBe(true);
      expect(await store.load('f1')).toEqual(entry('f1', 'run-a', 10_000));
    });

    it('refuses another owner while the lease is fresh, and lets it take over a stale one', async () => {
      const store = await fresh();
      await store.claim(entry('f1', 'run-a', 10_000), 10_000, 15_000);
      expect(await store.claim(entry('f1', 'run-b', 20_000), 20_000, 15_000)).toBe(false);
      expect((await store.load('f1'))?.owner).toBe('run-a');
      // The owner itself may always claim again (a resumed run).
      expect(await store.claim(entry('f1', 'run-a', 21_000, { runs: 2 }), 21_000, 15_000)).toBe(true);
      expect(await store.claim(entry('f1', 'run-b', 40_000), 40_000, 15_000)).toBe(true);
      expect((await store.load('f1'))?.owner).toBe('run-b');
    });

    it('saves only for the current owner', async () => {
      const store = await fresh();
      await store.claim(entry('f1', 'run-a', 10_000), 10_000, 15_000);
      expect(await store.save(entry('f1', 'run-a', 11_000, { progress: { '0': '9', '1': '19' } }))).toBe(true);
      expect(await store.save(entry('f1', 'run-b', 12_000))).toBe(false);
      expect(await store.load('f1')).toMatchObject({ owner: 'run-a', heartbeatAt: 11_000, progress: { '0': '9', '1': '19' } });
      // A journal that does not exist cannot be saved into being.
      expect(await store.save(entry('f2', 'run-a', 11_000))).toBe(false);
      expect(await store.load('f2')).toBeUndefined();
    });

    it('lists every journal, and removes one only for its owner (or unconditionally)', async () => {
      const store = await fresh();
      await store.claim(entry('f1', 'run-a', 10_000), 10_000, 15_000);
      await store.claim(entry('f2', 'run-b', 10_000), 10_000, 15_000);
      expect((await store.list()).map((e) => e.followerId).sort()).toEqual(['f1', 'f2']);
      await store.remove('f1', 'someone-else');
      expect(await store.load('f1')).toBeDefined();
      await store.remove('f1', 'run-a');
      expect(await store.load('f1')).toBeUndefined();
      await store.remove('f2');
      expect(await store.list()).toEqual([]);
      await store.remove('never-there');
    });
  });
}
