import { NotFoundError, PreconditionFailedError } from '../../../src/core/errors';
import type { CommitRequest, LeaderStore } from '../../../src/core/ports';

/** A fresh, empty leader store for each case. */
export type LeaderStoreFactory = () => Promise<LeaderStore>;

const put = (key: string, value: CommitRequest['value'], now: number, extra: Partial<CommitRequest> = {}): CommitRequest => ({
  key,
  op: 'put',
  value,
  writeId: `w-${key}-${now}`,
  now,
  ...extra,
});
const del = (key: string, now: number, extra: Partial<CommitRequest> = {}): CommitRequest => ({ key, op: 'delete', value: null, writeId: `d-${key}-${now}`, now, ...extra });

/**
 * The LeaderStore port (core/ports.ts): one conditional write per commit that bumps the version
 * and leaves the outbox mark; If-Match; deletes as tombstones; the mark cleared only for its version.
 */
export function leaderStoreContract(fresh: LeaderStoreFactory): void {
  describe('LeaderStore', () => {
    it('commits a first put as version 1, returns its change event and marks it for the outbox', async () => {
      const store = await fresh();
      const { event } = await store.commit(put('a', { n: 1, s: 'x' }, 1000));
      expect(event).toEqual({ v: 1, op: 'put', key: 'a', version: 1, value: { n: 1, s: 'x' }, committedAt: 1000, writeId: 'w-a-1000' });
      expect(await store.get('a')).toEqual({ key: 'a', version: 1, value: { n: 1, s: 'x' }, deleted: false, updatedAt: 1000, writeId: 'w-a-1000', outboxAt: 1000 });
    });

    it('stores any JSON value exactly, top-level scalars and numbers outside DynamoDB’s range included', async () => {
      const store = await fresh();
      for (const [i, value] of ([42, 'text', null, [1, [2]], { big: 1.5e200, precise: 0.1 + 0.2, tiny: 5e-324 }, true] as const).entries()) {
        await store.commit(put(`k${i}`, value as CommitRequest['value'], 1000));
        expect((await store.get(`k${i}`))?.value).toEqual(value);
      }
    });

    it('bumps the version on every write of the same key', async () => {
      const store = await fresh();
      await store.commit(put('a', 1, 1000));
      await store.commit(put('a', 2, 1001));
      const { event } = await store.commit(put('a', 3, 1002));
      expect(event.version).toBe(3);
      expect(await store.get('a')).toMatchObject({ version: 3, value: 3, outboxAt: 1002 });
    });

    it('commits with If-Match only at exactly that version, and a mismatch changes nothing', async () => {
      const store = await fresh();
      await store.commit(put('a', 1, 1000));
      await expect(store.commit(put('a', 2, 1001, { expectedVersion: 1 }))).resolves.toMatchObject({ event: { version: 2 } });
      await expect(store.commit(put('a', 3, 1002, { expectedVersion: 1 }))).rejects.toBeInstanceOf(PreconditionFailedError);
      await expect(store.commit(put('a', 3, 1002, { expectedVersion: 1 }))).rejects.toMatchObject({ status: 412, details: { currentVersion: 2 } });
      expect(await store.get('a')).toMatchObject({ version: 2, value: 2 });
      await expect(store.commit(put('absent', 1, 1003, { expectedVersion: 1 }))).rejects.toMatchObject({ status: 412, details: { currentVersion: null } });
      expect(await store.get('absent')).toBeUndefined();
    });

    it('deletes as a tombstone with the next version; a put after it continues the versions', async () => {
      const store = await fresh();
      await store.commit(put('a', 1, 1000));
      const { event } = await store.commit(del('a', 1001));
      expect(event).toMatchObject({ op: 'delete', version: 2, value: null });
      expect(await store.get('a')).toMatchObject({ key: 'a', version: 2, value: null, deleted: true, outboxAt: 1001 });
      await expect(store.commit(put('a', 'again', 1002))).resolves.toMatchObject({ event: { version: 3 } });
    });

    it('refuses to delete what is absent or already deleted, writing nothing', async () => {
      const store = await fresh();
      await expect(store.commit(del('never', 1000))).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.get('never')).toBeUndefined();
      await store.commit(put('a', 1, 1000));
      await store.commit(del('a', 1001));
      await expect(store.commit(del('a', 1002))).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.get('a')).toMatchObject({ version: 2, deleted: true });
      // If-Match on a tombstone: the item does not exist as far as the client can see.
      await expect(store.commit(put('a', 1, 1003, { expectedVersion: 2 }))).rejects.toMatchObject({ status: 412 });
    });

    it('clears the outbox mark only while it belongs to that version', async () => {
      const store = await fresh();
      await store.commit(put('a', 1, 1000));
      await store.commit(put('a', 2, 1001));
      await store.clearOutboxMark('a', 1);
      expect((await store.get('a'))?.outboxAt).toBe(1001);
      await store.clearOutboxMark('a', 2);
      expect(await store.get('a')).not.toHaveProperty('outboxAt');
      expect(await store.get('a')).toMatchObject({ version: 2, value: 2 });
      await store.clearOutboxMark('a', 2);
      await store.clearOutboxMark('absent', 1);
      expect(await store.get('absent')).toBeUndefined();
    });
  });
}
