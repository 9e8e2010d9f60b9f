import { DeposedWrites } from '../../../src/core/deposed-writes';
import { writeItem } from '../../../src/core/leader-write';
import { OrderedPublisher } from '../../../src/core/ordered-publisher';
import { parseServerTiming, serverTiming, WriteStages } from '../../../src/core/write-stages';
import { silentLog } from '../../support/in-memory-stores';
import { InMemoryLeaderTable, InMemoryLog } from '../../support/in-memory-outbox';

/** A clock each stage moves by a known amount, so the booked figures are exact. */
function steppedClock() {
  const clock = { now: 0 };
  const advance = async <T>(ms: number, value: T): Promise<T> => {
    clock.now += ms;
    return value;
  };
  return { clock, advance };
}

describe('a write\'s stages', () => {
  it('books each stage of writeItem once, in order, and the total covers them', async () => {
    const { clock, advance } = steppedClock();
    const table = new InMemoryLeaderTable();
    const log = new InMemoryLog();
    const ordered = new OrderedPublisher({
      store: table,
      publisher: log,
      windowMs: 5000,
      log: silentLog,
      now: () => clock.now,
      sleep: async (ms) => {
        clock.now += ms;
      },
      newLeaseId: () => 'lease',
    });
    const store = { commit: async (c: Parameters<typeof table.commit>[0]) => advance(4, await table.commit(c)), revert: table.revert.bind(table) };
    const publisher = {
      get backlogFull() {
        return ordered.backlogFull;
      },
      room: ordered.room.bind(ordered),
      hold: ordered.hold.bind(ordered),
      release: ordered.release.bind(ordered),
      committedPosition: ordered.committedPosition.bind(ordered),
      publishCommitted: async (w: Parameters<typeof ordered.publishCommitted>[0]) => advance(3, await ordered.publishCommitted(w)),
    };
    const stages = new WriteStages(() => clock.now);

    await writeItem(
      {
        leader: () => advance(1, { replica: 'main', term: 1, store, publisher }),
        terms: { judge: () => advance(0.5, { kind: 'confirmed' as const }) },
        deposed: new DeposedWrites(),
        acknowledger: { acknowledge: () => advance(10, { mode: 'semi-sync', confirmedBy: ['follower-1'], waitedMs: 10, degraded: false }) },
        clock: { now: () => clock.now },
        stages,
      },
      { key: 'k', op: 'put', value: { n: 1 }, ack: { kind: 'semi-sync' }, writeId: 'w-1' },
    );

    expect(stages.durations()).toEqual([
      { stage: 'leader', ms: 1 },
      { stage: 'commit', ms: 4 },
      { stage: 'publish', ms: 3 },
      { stage: 'term', ms: 0.5 },
      { stage: 'wait', ms: 10 },
    ]);
    expect(stages.totalMs()).toBe(18.5);
    expect(serverTiming(stages)).toBe('leader;dur=1.00, commit;dur=4.00, publish;dur=3.00, term;dur=0.50, wait;dur=10.00, total;dur=18.50');
  });

  it('books a stage that failed, and leaves out stages that never ran', async () => {
    let now = 0;
    const stages = new WriteStages(() => now);
    await stages.time('leader', async () => {
      now += 2;
    });
    await expect(
      stages.time('commit', async () => {
        now += 7;
        throw new Error('store down');
      }),
    ).rejects.toThrow('store down');

    expect(stages.durations()).toEqual([
      { stage: 'leader', ms: 2 },
      { stage: 'commit', ms: 7 },
    ]);
    expect(serverTiming(stages)).toBe('leader;dur=2.00, commit;dur=7.00, total;dur=9.00');
  });

  it('parses what it writes, and other servers\' entries (quoted dur, descriptions, no dur)', () => {
    expect([...parseServerTiming('leader;dur=0.03, commit;dur=4.10, total;dur=19.61')]).toEqual([
      ['leader', 0.03],
      ['commit', 4.1],
      ['total', 19.61],
    ]);
    expect([...parseServerTiming('cache;desc="Cache Read";dur=23.2, miss, db;dur="5"')]).toEqual([
      ['cache', 23.2],
      ['db', 5],
    ]);
    expect(parseServerTiming(undefined).size).toBe(0);
  });
});
