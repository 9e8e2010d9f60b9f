import { initialControlState, withFailoverBegun, withFenceRecorded, withLeaderMoved } from '../../../src/core/control-state';
import type { FollowerRepairer, ItemReader, ReplicaScanner, StoredItem } from '../../../src/core/ports';
import type { LogPosition } from '../../../src/core/positions';
import { type ReplicaItemView, viewOf } from '../../../src/core/replica-diff';
import { isSameVersion, type VersionStamp } from '../../../src/core/versions';
import { rejoinReplica } from '../../../src/functions/rejoin';
import { publishedKey, type TermLog } from '../../../src/core/term-log';
import { InMemoryControlStore, silentLog } from '../../support/in-memory-stores';

type Held = StoredItem & { published?: LogPosition };

/** A replica table in memory: what the rejoin scans, reads and repairs (conditionally, as DynamoDB does). */
class Table implements ReplicaScanner, ItemReader, FollowerRepairer {
  readonly items = new Map<string, Held>();
  /** Called before a repair lands: a test moves the item under the rewind here. */
  beforeRepair: ((key: string) => void) | undefined;

  put(item: Held): this {
    this.items.set(item.key, item);
    return this;
  }

  async scan(): Promise<Map<string, ReplicaItemView>> {
    return new Map(
      [...this.items].map(([k, i]) => [k, { ...viewOf(i), ...(i.published ? { published: i.published } : {}), ...(i.outboxAt === undefined ? {} : { inFlight: true }) }]),
    );
  }

  async get(key: string): Promise<StoredItem | undefined> {
    return this.items.get(key);
  }

  async overwrite(item: StoredItem, seen: VersionStamp | undefined): Promise<boolean> {
    this.beforeRepair?.(item.key);
    const held = this.items.get(item.key);
    if (seen === undefined ? held !== undefined : held === undefined || !isSameVersion(held, seen)) return false;
    const { outboxAt: _mark, outboxLease: _lease, ...plain } = item;
    this.items.set(item.key, plain);
    return true;
  }

  async remove(key: string, seen: VersionStamp): Promise<boolean> {
    this.beforeRepair?.(key);
    const held = this.items.get(key);
    if (held === undefined || !isSameVersion(held, seen)) return false;
    this.items.delete(key);
    return true;
  }
}

const item = (key: string, term: number, version: number, value: unknown, extra: Partial<Held> = {}): Held => ({
  key,
  term,
  version,
  value: value as StoredItem['value'],
  deleted: false,
  updatedAt: 1,
  ...extra,
});

/** main led terms 1; f1 was elected at term 2 with its fence at offset 100 of partition 0. */
async function deposedMain() {
  const control = new InMemoryControlStore();
  const base = initialControlState([{ id: 'f1', delayMs: 0 }, { id: 'f2', delayMs: 0 }], 'f1', 1000);
  const begun = withFailoverBegun(base, { failedLeader: 'main', to: 'f1', by: 'watchdog', reason: 'store down', now: 2000 });
  control.state = withLeaderMoved(withFenceRecorded(begun, 2, { '0': '100' }, 2100), 2, 2200);
  const main = new Table();
  const leader = new Table();
  /** What the log carries, `key@stamp` → position, as a TermLog reads it (range and term checked). */
  const logged = new Map<string, LogPosition & { term: number }>();
  const asked: { term: number; keys: string[] }[] = [];
  const termLog: TermLog = {
    published: async ({ term, from, until, keys }) => {
      asked.push({ term, keys: [...keys].sort() });
      const found = new Map<string, LogPosition>();
      for (const [k, at] of logged) {
        const offset = BigInt(at.offset);
        const inRange = offset >= (from.get(at.partition) ?? 0n) && offset < (until.get(at.partition) ?? 0n);
        if (at.term === term && inRange && keys.has(k.slice(0, k.indexOf('@')))) found.set(k, { partition: at.partition, offset: at.offset });
      }
      return found;
    },
  };
  const deps = {
    termLog,
    logStart: async () => new Map([[0, 0n]]),
    control,
    replica: { scanner: main, reader: main, repairer: main },
    leader: () => ({ get: (k: string) => leader.get(k), scanner: leader }),
    log: silentLog,
    now: () => 5000,
  };
  return { control, main, leader, deps, logged, asked };
}

const at = (offset: number): LogPosition => ({ partition: 0, offset: String(offset) });

describe('rejoining a deposed leader after a rewind', () => {
  it('reverts exactly the versions it committed and never published before the fence, reports each, and follows again', async () => {
    const { control, main, leader, deps } = await deposedMain();
    // Published before the fence and applied by the new leader: kept.
    main.put(item('kept', 1, 3, 'c', { published: at(40) }));
    leader.put(item('kept', 1, 3, 'c'));
    // Committed, never published: the new leader has the previous version.
    main.put(item('lost-update', 1, 5, 'new', { outboxAt: 1900 }));
    leader.put(item('lost-update', 1, 4, 'old'));
    // Committed, never published, a key the new leader never saw: removed.
    main.put(item('lost-create', 1, 1, 'x', { outboxAt: 1950 }));
    // Published, but only after the fence: refused by every follower, so reverted.
    main.put(item('late', 1, 2, 'late', { published: at(120) }));
    leader.put(item('late', 1, 1, 'early'));
    // Published before the fence and since overwritten by the new leader: kept (its consumer applies the newer one).
    main.put(item('superseded', 1, 7, 's', { published: at(50) }));
    leader.put(item('superseded', 2, 1, 't'));
    // What came from the log under a term main did not lead: not the rewind's business.
    main.put(item('from-log', 2, 1, 'y'));

    const report = await rejoinReplica(deps, 'main', 'test');

    expect(report.reverted.map((r) => [r.key, r.held.version, r.why, r.now?.version ?? null])).toEqual([
      ['late', 2, 'after-fence', 1],
      ['lost-create', 1, 'never-in-log', null],
      ['lost-update', 5, 'never-in-log', 4],
    ]);
    expect(report).toMatchObject({ replica: 'main', leader: 'f1', leaderTerm: 2, termsLed: [1], scanned: 6, flagged: [] });
    expect(main.items.get('lost-update')).toMatchObject({ version: 4, value: 'old' });
    expect(main.items.get('lost-update')?.outboxAt).toBeUndefined();
    expect(main.items.has('lost-create')).toBe(false);
    expect(main.items.get('kept')).toMatchObject({ version: 3, value: 'c' });
    expect(main.items.get('superseded')).toMatchObject({ term: 1, version: 7 });
    expect(control.state?.rewinding).toEqual([]);
    expect(control.state?.followers.map((f) => f.id)).toEqual(['main', 'f2']);
  });

  it('asks the log about versions whose publish the dying store never recorded, and keeps those the log carried before the fence', async () => {
    const { main, leader, deps, logged, asked } = await deposedMain();
    // Published at offset 60 (before the fence at 100), then the store died before recording it; the new leader wrote on.
    main.put(item('unrecorded', 1, 3, 'u', { outboxAt: 1990 }));
    leader.put(item('unrecorded', 2, 4, 'newer'));
    logged.set(publishedKey('unrecorded', { term: 1, version: 3 }), { partition: 0, offset: '60', term: 1 });
    // Never published at all: still reverted.
    main.put(item('never', 1, 2, 'n'));
    leader.put(item('never', 1, 1, 'base'));
    // In the log only after the fence: reverted as after-fence, not kept.
    main.put(item('late', 1, 5, 'l'));
    leader.put(item('late', 1, 4, 'base'));
    logged.set(publishedKey('late', { term: 1, version: 5 }), { partition: 0, offset: '130', term: 1 });
    // Identical on the leader: the log is not asked about it.
    main.put(item('same', 1, 1, 's'));
    leader.put(item('same', 1, 1, 's'));

    const report = await rejoinReplica(deps, 'main', 'test');

    expect(asked).toEqual([{ term: 1, keys: ['late', 'never', 'unrecorded'] }]);
    expect(report.reverted.map((r) => [r.key, r.why])).toEqual([
      ['late', 'never-in-log'],
      ['never', 'never-in-log'],
    ]);
    expect(report.marksCleared).toBe(1);
    expect(main.items.get('unrecorded')).toMatchObject({ term: 1, version: 3, value: 'u' });
    expect(main.items.get('unrecorded')?.outboxAt).toBeUndefined();
  });

  it('drops an open outbox mark on a version the new leader holds, so no relay republishes it later as this replica\'s', async () => {
    const { main, leader, deps } = await deposedMain();
    main.put(item('k', 1, 2, 'v', { outboxAt: 1990, outboxLease: 'w1', published: at(90) }));
    leader.put(item('k', 1, 2, 'v'));
    const report = await rejoinReplica(deps, 'main', 'test');
    expect(report.reverted).toEqual([]);
    expect(report.marksCleared).toBe(1);
    expect(main.items.get('k')?.outboxAt).toBeUndefined();
    expect(main.items.get('k')).toMatchObject({ version: 2, value: 'v' });
  });

  it('given an item that moves while it is rewound (a deposed writer\'s last commit), judges it again and reverts what it holds then', async () => {
    const { main, leader, deps } = await deposedMain();
    main.put(item('k', 1, 5, 'a'));
    leader.put(item('k', 1, 4, 'base'));
    let moved = false;
    main.beforeRepair = (key) => {
      if (moved) return;
      moved = true;
      main.put(item(key, 1, 6, 'b'));
    };
    const report = await rejoinReplica(deps, 'main', 'test');
    expect(report.reverted).toEqual([expect.objectContaining({ key: 'k', held: expect.objectContaining({ version: 6 }), now: expect.objectContaining({ version: 4 }) })]);
    expect(main.items.get('k')).toMatchObject({ version: 4, value: 'base' });
  });

  it('flags, and leaves alone, a version in the log before the fence that the new leader does not hold', async () => {
    const { main, leader, deps } = await deposedMain();
    main.put(item('k', 1, 9, 'v', { published: at(10) }));
    leader.put(item('k', 1, 8, 'w'));
    const report = await rejoinReplica(deps, 'main', 'test');
    expect(report.flagged).toEqual([expect.objectContaining({ key: 'k', why: 'in-log-but-not-on-leader' })]);
    expect(main.items.get('k')).toMatchObject({ version: 9 });
  });

  it('refuses a replica that is not waiting for a rewind, and one another process is rewinding', async () => {
    const { control, deps } = await deposedMain();
    await expect(rejoinReplica(deps, 'f2', 'test')).rejects.toThrow(/f2 is not waiting for a rewind: it follows already/);
    await expect(rejoinReplica(deps, 'f1', 'test')).rejects.toThrow(/it leads term 2/);
    const state = control.state;
    if (state?.rewinding[0]) state.rewinding[0].claim = { by: 'other', at: 4999 };
    await expect(rejoinReplica(deps, 'main', 'test')).rejects.toThrow(/being rewound by other/);
  });
});
