import { applyBatch } from '../../../src/core/follower-apply';
import type { DeadLetter } from '../../../src/core/ports';
import { changeEvent, logRecord } from '../../support/event-fixtures';
import { InMemoryFollowerStore, silentLog } from '../../support/in-memory-stores';

function given() {
  const store = new InMemoryFollowerStore();
  const letters: DeadLetter[] = [];
  const deps = { followerId: 'f1', store, deadLetters: { send: async (l: readonly DeadLetter[]) => void letters.push(...l) }, log: silentLog, now: () => 42 };
  return { store, letters, deps };
}

describe('follower apply', () => {
  it('given a batch with several versions of a key, applies only the newest with one write', async () => {
    const { store, deps } = given();
    const records = [1, 2, 3].map((v, i) => logRecord(changeEvent({ key: 'a', version: v, value: { v } }), i));
    const result = await applyBatch(deps, records);
    expect(result).toMatchObject({ records: 3, applied: 1, skipped: 2, deadLettered: 0 });
    expect(store.writes).toBe(1);
    expect(store.items.get('a')).toMatchObject({ version: 3, value: { v: 3 } });
  });

  it('given the same batch twice, the second delivery changes nothing', async () => {
    const { store, deps } = given();
    const records = [logRecord(changeEvent({ key: 'a', version: 1 }), 0), logRecord(changeEvent({ key: 'b', version: 4 }), 1)];
    await applyBatch(deps, records);
    const before = structuredClone([...store.items]);
    const again = await applyBatch(deps, records);
    expect(again).toMatchObject({ applied: 0, skipped: 2 });
    expect([...store.items]).toEqual(before);
  });

  it('given an older version arrives after a newer one, the replica never goes backwards', async () => {
    const { store, deps } = given();
    await applyBatch(deps, [logRecord(changeEvent({ key: 'a', version: 5, value: 'new' }), 0)]);
    await applyBatch(deps, [logRecord(changeEvent({ key: 'a', version: 4, value: 'old' }), 1)]);
    expect(store.items.get('a')).toMatchObject({ version: 5, value: 'new' });
  });

  it('given a poison record, sends it to the dead-letter sink with its coordinates and applies the rest', async () => {
    const { store, letters, deps } = given();
    const records = [logRecord('{{garbage', 7, 2), logRecord(changeEvent({ key: 'ok', version: 1 }), 8, 2)];
    const result = await applyBatch(deps, records);
    expect(result).toMatchObject({ applied: 1, deadLettered: 1 });
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ followerId: 'f1', failedAt: 42, record: { partition: 2, offset: '7' } });
    expect(letters[0]?.reason).toMatch(/not JSON/);
    expect(store.items.has('ok')).toBe(true);
  });

  it('given a record with no value, treats it as poison rather than a delete', async () => {
    const { letters, deps } = given();
    await applyBatch(deps, [{ ...logRecord(changeEvent(), 0), value: null }]);
    expect(letters[0]?.reason).toMatch(/no value/);
  });

  it('given the store fails, the batch fails (to be redelivered) instead of being skipped', async () => {
    const { store, deps } = given();
    store.failNext = 1;
    await expect(applyBatch(deps, [logRecord(changeEvent(), 0)])).rejects.toThrow(/unavailable/);
    await expect(applyBatch(deps, [logRecord(changeEvent(), 0)])).resolves.toMatchObject({ applied: 1 });
  });

  it('reports the newest leader commit time in the batch', async () => {
    const { deps } = given();
    const records = [
      logRecord(changeEvent({ key: 'a', committedAt: 100 }), 0),
      logRecord(changeEvent({ key: 'b', committedAt: 300 }), 1),
      logRecord(changeEvent({ key: 'c', committedAt: 200 }), 2),
    ];
    expect((await applyBatch(deps, records)).newestCommittedAt).toBe(300);
  });
});
