import { applyBatch } from '../../../src/core/follower-apply';
import type { DeadLetter } from '../../../src/core/ports';
import { changeEvent, logRecord } from '../../support/event-fixtures';
import { InMemoryFollowerStore, silentLog } from '../../support/in-memory-stores';

describe('delayed follower apply', () => {
  it('given events younger than the delay, holds each back until it is that old, then applies it', async () => {
    const store = new InMemoryFollowerStore();
    let now = 10_000;
    const appliedAt = new Map<string, number>();
    const apply = store.applyNewest.bind(store);
    store.applyNewest = async (events) => {
      for (const e of events) appliedAt.set(e.key, now);
      return apply(events);
    };
    const deps = {
      followerId: 'late',
      store,
      deadLetters: { send: async (_: readonly DeadLetter[]) => undefined },
      log: silentLog,
      now: () => now,
      delay: {
        delayMs: 3000,
        maxWaitMs: 60_000,
        sleep: async (ms: number) => {
          now += ms;
        },
      },
    };
    const records = [
      logRecord(changeEvent({ key: 'old', committedAt: 5000 }), 0),
      logRecord(changeEvent({ key: 'a', committedAt: 9000 }), 1),
      logRecord(changeEvent({ key: 'b', committedAt: 9500 }), 2),
    ];
    const result = await applyBatch(deps, records);
    expect(result).toMatchObject({ records: 3, applied: 3, skipped: 0 });
    expect(Object.fromEntries(appliedAt)).toEqual({ old: 10_000, a: 12_000, b: 12_500 });
  });
});
