import { DeposedWrites } from '../../../src/core/deposed-writes';
import { writeItem, type WriteCommand } from '../../../src/core/leader-write';
import { DeposedWriteError } from '../../../src/core/write-failures';
import { InMemoryLeaderTable } from '../../support/in-memory-outbox';

const put = (store: InMemoryLeaderTable, key: string, value: number, writeId: string, term = 1) =>
  store.commit({ key, op: 'put', value, writeId, now: 1000, term });

describe('undoing a deposed writer’s commits on its old store', () => {
  it('given two deposed writes of a key judged in commit order, brings back the state before both', async () => {
    const store = new InMemoryLeaderTable();
    await put(store, 'k', 1, 'kept');
    const a = await put(store, 'k', 2, 'a');
    const b = await put(store, 'k', 3, 'b');
    const deposed = new DeposedWrites();
    expect(await deposed.undo(store, a)).toBe(false);
    expect(await deposed.undo(store, b)).toBe(true);
    expect(store.items.get('k')).toMatchObject({ version: 1, value: 1, writeId: 'kept' });
  });

  it('given them judged newest first, brings back the same state', async () => {
    const store = new InMemoryLeaderTable();
    await put(store, 'k', 1, 'kept');
    const a = await put(store, 'k', 2, 'a');
    const b = await put(store, 'k', 3, 'b');
    const deposed = new DeposedWrites();
    expect(await deposed.undo(store, b)).toBe(true);
    expect(await deposed.undo(store, a)).toBe(true);
    expect(store.items.get('k')).toMatchObject({ version: 1, value: 1, writeId: 'kept' });
  });

  it('given a key’s first write deposed, removes the key', async () => {
    const store = new InMemoryLeaderTable();
    const a = await put(store, 'fresh', 1, 'a');
    expect(await new DeposedWrites().undo(store, a)).toBe(true);
    expect(store.items.has('fresh')).toBe(false);
  });

  it('given a write judged not-leader, answers NOT_LEADER with the facts and leaves nothing on the store', async () => {
    const store = new InMemoryLeaderTable();
    const deps = {
      leader: async () => ({ replica: 'main', term: 1, store, publisher: { backlogFull: false, room: async () => undefined, hold: () => undefined, release: () => undefined, publishCommitted: async () => ({ partition: 0, offset: '12' }), committedPosition: async () => undefined } }),
      terms: { judge: async () => ({ kind: 'not-leader' as const, leader: 'follower-1', term: 2 }) },
      deposed: new DeposedWrites(),
      acknowledger: { acknowledge: async () => Promise.reject(new Error('never asked')) },
      clock: { now: () => 1000 },
    };
    const command: WriteCommand = { key: 'z', op: 'put', value: 1, ack: { kind: 'async' }, writeId: 'w-z' };
    const failure = await writeItem(deps, command).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DeposedWriteError);
    expect(failure).toMatchObject({ status: 409, code: 'NOT_LEADER', retriable: true, details: { leader: 'follower-1', term: 2, reverted: true, committedOnLeader: false } });
    expect(store.items.has('z')).toBe(false);
  });

  it('given an undo that fails, answers 503 NOT_LEADER saying the version stays on the deposed store: a 4xx would claim nothing was written', async () => {
    const store = new InMemoryLeaderTable();
    const failing = { commit: store.commit.bind(store), revert: async () => false };
    const deps = {
      leader: async () => ({ replica: 'main', term: 1, store: failing, publisher: { backlogFull: false, room: async () => undefined, hold: () => undefined, release: () => undefined, publishCommitted: async () => ({ partition: 0, offset: '12' }), committedPosition: async () => undefined } }),
      terms: { judge: async () => ({ kind: 'not-leader' as const, leader: 'follower-1', term: 2 }) },
      deposed: new DeposedWrites(),
      acknowledger: { acknowledge: async () => Promise.reject(new Error('never asked')) },
      clock: { now: () => 1000 },
    };
    const failure = await writeItem(deps, { key: 'z', op: 'put', value: 1, ack: { kind: 'async' }, writeId: 'w-z' }).catch((e: unknown) => e);
    expect(failure).toMatchObject({ status: 503, code: 'NOT_LEADER', committedOnLeader: true, details: { reverted: false, committedOnLeader: true, leader: 'follower-1' } });
  });
});

