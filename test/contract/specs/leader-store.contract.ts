import { NotFoundError, NotLeaderError, PreconditionFailedError } from '../../../src/core/errors';
import type { CommitRequest, LeaderStore } from '../../../src/core/ports';
import { WriteAlreadyCommitted } from '../../../src/core/write-replay';

/** A fresh, empty leader store for each case. */
export type LeaderStoreFactory = () => Promise<LeaderStore>;

const put = (key: string, value: CommitRequest['value'], now: number, extra: Partial<CommitRequest> = {}): CommitRequest => ({
  key,
  op: 'put',
  value,
  writeId: `w-${key}-${now}`,
  now,
  term: 1,
  ...extra,
});
const del = (key: string, now: number, extra: Partial<CommitRequest> = {}): CommitRequest => ({ key, op: 'delete', value: null, writeId: `d-${key}-${now}`, now, term: 1, ...extra });

/**
 * The LeaderStore port (core/ports.ts): one conditional write per commit that bumps the version,
 * takes the publish lease (the outbox mark) and returns what it replaced; never twice for one writeId; If-Match; deletes as
 * tombstones; a publish recorded so that the mark is cleared only by its own lease and an older
 * publish never overwrites a newer one; a republish lease claimed only over the lease it saw.
 */
export function leaderStoreContract(fresh: LeaderStoreFactory): void {
  describe('LeaderStore', () => {
    it('commits a first put as version 1, returns its change event and marks it for the outbox', async () => {
      const store = await fresh();
      const { event, lease, prior } = await store.commit(put('a', { n: 1, s: 'x' }, 1000));
      expect(event).toEqual({ v: 2, term: 1, op: 'put', key: 'a', version: 1, value: { n: 1, s: 'x' }, committedAt: 1000, writeId: 'w-a-1000' });
      expect(lease).toEqual({ id: 'w-a-1000', at: 1000 });
      expect(prior).toBeUndefined();
      expect(await store.get('a')).toMatchObject({ key: 'a', version: 1, value: { n: 1, s: 'x' }, deleted: false, updatedAt: 1000, writeId: 'w-a-1000', outboxAt: 1000 });
      expect(await store.publishState('a')).toEqual({ version: 1, lease: { id: 'w-a-1000', at: 1000 }, published: undefined });
      expect(await store.publishState('absent')).toBeUndefined();
    });

    it('stores any JSON value exactly, top-level scalars and numbers outside DynamoDB’s range included', async () => {
      const store = await fresh();
      for (const [i, value] of ([42, 'text', null, [1, [2]], { big: 1.5e200, precise: 0.1 + 0.2, tiny: 5e-324 }, true] as const).entries()) {
        await store.commit(put(`k${i}`, value as CommitRequest['value'], 1000));
        expect((await store.get(`k${i}`))?.value).toEqual(value);
      }
    });

    it('bumps the version on every write of the same key and returns what each write replaced', async () => {
      const store = await fresh();
      await store.commit(put('a', 1, 1000));
      const second = await store.commit(put('a', 2, 1001));
      expect(second.prior).toEqual({ version: 1, lease: { id: 'w-a-1000', at: 1000 }, published: undefined });
      const { event, prior } = await store.commit(put('a', 3, 1002));
      expect(event.version).toBe(3);
      expect(prior).toMatchObject({ version: 2, lease: { id: 'w-a-1001', at: 1001 } });
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

    it('refuses a commit whose writeId the newest version carries (the same write sent again), naming that version and changing nothing', async () => {
      const store = await fresh();
      await store.commit(put('a', 1, 1000, { writeId: 'same' }));
      const again = store.commit(put('a', 1, 1001, { writeId: 'same' }));
      await expect(again).rejects.toBeInstanceOf(WriteAlreadyCommitted);
      await expect(again).rejects.toMatchObject({ item: { key: 'a', version: 1, writeId: 'same' } });
      expect(await store.get('a')).toMatchObject({ version: 1, updatedAt: 1000 });
      // A delete sent again is the same delete, not a delete of what is absent.
      await store.commit(del('a', 1002, { writeId: 'gone' }));
      await expect(store.commit(del('a', 1003, { writeId: 'gone' }))).rejects.toBeInstanceOf(WriteAlreadyCommitted);
      expect(await store.get('a')).toMatchObject({ version: 2, deleted: true, updatedAt: 1002 });
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

    it('records a publish: under its own open lease it clears the mark, under a newer lease it only records', async () => {
      const store = await fresh();
      const first = await store.commit(put('a', 1, 1000));
      expect(await store.recordPublished('a', { version: 1 }, first.lease, { partition: 0, offset: '7' })).toEqual({ kind: 'cleared' });
      expect(await store.get('a')).not.toHaveProperty('outboxAt');
      expect(await store.publishState('a')).toEqual({
        version: 1,
        lease: undefined,
        published: { version: 1, lease: 'w-a-1000', leaseAt: 1000, position: { partition: 0, offset: '7' } },
      });
      const second = await store.commit(put('a', 2, 1001));
      expect(second.prior?.published).toMatchObject({ version: 1, position: { offset: '7' } });
      const third = await store.commit(put('a', 3, 1002));
      // Version 2's publish lands while version 3 holds the mark: recorded for 3's writer, mark kept.
      expect(await store.recordPublished('a', { version: 2 }, second.lease, { partition: 0, offset: '8' })).toEqual({ kind: 'recorded' });
      expect(await store.publishState('a')).toMatchObject({ version: 3, lease: third.lease, published: { version: 2 } });
      expect(await store.recordPublished('a', { version: 3 }, third.lease, { partition: 0, offset: '9' })).toEqual({ kind: 'cleared' });
      expect((await store.get('a'))?.value).toBe(3);
    });

    it('never lets an older publish replace a newer one, and says whether it landed after it', async () => {
      const store = await fresh();
      const first = await store.commit(put('a', 1, 1000));
      const second = await store.commit(put('a', 2, 1001));
      await store.recordPublished('a', { version: 2 }, second.lease, { partition: 0, offset: '20' });
      const late = await store.recordPublished('a', { version: 1 }, first.lease, { partition: 0, offset: '21' });
      expect(late).toMatchObject({ kind: 'behind', newer: { version: 2, position: { offset: '20' } }, landedAfter: true });
      const early = await store.recordPublished('a', { version: 1 }, first.lease, { partition: 0, offset: '19' });
      expect(early).toMatchObject({ kind: 'behind', landedAfter: false });
      expect((await store.publishState('a'))?.published).toMatchObject({ version: 2, position: { offset: '20' } });
    });

    it('claims a republish lease only on the current version and over the lease the caller saw', async () => {
      const store = await fresh();
      const first = await store.commit(put('a', 1, 1000));
      const relay = { id: 'relay-1', at: 9000 };
      expect(await store.claimLease('a', { version: 1 }, undefined, relay)).toBe(false);
      expect(await store.claimLease('a', { version: 1 }, { id: 'someone-else', at: 1000 }, relay)).toBe(false);
      expect(await store.claimLease('a', { version: 2 }, first.lease, relay)).toBe(false);
      expect(await store.claimLease('a', { version: 1 }, first.lease, relay)).toBe(true);
      expect(await store.publishState('a')).toMatchObject({ version: 1, lease: relay });
      // The original writer's lease is gone: its late record no longer clears the relay's mark.
      expect(await store.recordPublished('a', { version: 1 }, first.lease, { partition: 0, offset: '3' })).toEqual({ kind: 'recorded' });
      expect((await store.publishState('a'))?.lease).toEqual(relay);
      expect(await store.recordPublished('a', { version: 1 }, relay, { partition: 0, offset: '4' })).toEqual({ kind: 'cleared' });
      // With no open lease, a claim must say it saw none.
      const again = { id: 'verify-1', at: 9500 };
      expect(await store.claimLease('a', { version: 1 }, relay, again)).toBe(false);
      expect(await store.claimLease('a', { version: 1 }, undefined, again)).toBe(true);
      expect(await store.claimLease('absent', { version: 1 }, undefined, again)).toBe(false);
    });

    it('stamps a commit with the writer term and refuses a writer whose term is older than the item (NOT_LEADER, nothing written)', async () => {
      const store = await fresh();
      await store.commit(put('a', 1, 1000));
      const second = await store.commit(put('a', 2, 1001, { term: 3 }));
      expect(second.event).toMatchObject({ version: 2, term: 3 });
      expect(await store.get('a')).toMatchObject({ version: 2, term: 3, value: 2 });
      await expect(store.commit(put('a', 'zombie', 1002, { term: 2 }))).rejects.toBeInstanceOf(NotLeaderError);
      await expect(store.commit(del('a', 1003, { term: 1 }))).rejects.toBeInstanceOf(NotLeaderError);
      expect(await store.get('a')).toMatchObject({ version: 2, term: 3, value: 2 });
      // The same term or a newer one goes on from the counter: version numbers never repeat per key.
      expect((await store.commit(put('a', 4, 1004, { term: 4 }))).event).toMatchObject({ version: 3, term: 4 });
    });

    it('reverts a commit to what the item held, only while the item is still that commit', async () => {
      const store = await fresh();
      await store.commit(put('a', 'kept', 1000));
      const undone = await store.commit(put('a', 'undone', 1001));
      // Its publish was recorded and its mark cleared before it was judged: still its commit.
      expect(await store.recordPublished('a', undone.event, undone.lease, { partition: 0, offset: '9' })).toEqual({ kind: 'cleared' });
      expect(await store.revert(undone)).toBe(true);
      expect(await store.get('a')).toMatchObject({ version: 1, value: 'kept' });
      const first = await store.commit(put('b', 'new', 1002));
      expect(await store.revert(first)).toBe(true);
      expect(await store.get('b')).toBeUndefined();
      // A newer commit came after: the revert leaves it alone.
      const stale = await store.commit(put('c', 1, 1003));
      await store.commit(put('c', 2, 1004));
      expect(await store.revert(stale)).toBe(false);
      expect(await store.get('c')).toMatchObject({ version: 2, value: 2 });
    });
  });
}
