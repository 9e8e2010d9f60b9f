import { OffsetWatcher } from '../../../src/core/offset-watcher';
import type { OffsetReader } from '../../../src/core/ports';
import type { CommittedOffsets } from '../../../src/core/positions';
import { silentLog } from '../../support/in-memory-stores';
import { ManualClock } from '../../support/manual-clock';

/** A reader whose committed offsets the test moves by hand, counting admin round trips. */
class ScriptedOffsets implements OffsetReader {
  readonly groups = new Map<string, Map<number, bigint>>();
  calls = 0;
  groupsAsked: string[][] = [];

  commit(group: string, partition: number, next: bigint): void {
    const m = this.groups.get(group) ?? new Map<number, bigint>();
    m.set(partition, next);
    this.groups.set(group, m);
  }

  async committedOffsets(groupIds: readonly string[]): Promise<Map<string, CommittedOffsets>> {
    this.calls += 1;
    this.groupsAsked.push([...groupIds]);
    return new Map(groupIds.map((g) => [g, new Map(this.groups.get(g) ?? [])]));
  }
}

const groupOf = (id: string) => `g-${id}`;

/** Every watcher runs in virtual time: deadlines and poll pauses cost no real time. */
function watch(reader: OffsetReader, pollMs = 1) {
  const clock = new ManualClock();
  return { clock, watcher: new OffsetWatcher(reader, { pollMs, groupOf }, silentLog, clock) };
}

describe('offset watcher', () => {
  it('given the follower commits past the event, the wait resolves with it as confirmer', async () => {
    const reader = new ScriptedOffsets();
    const { clock, watcher } = watch(reader);
    const wait = watcher.waitFor({ partition: 0, offset: '5' }, ['f1'], 1, 2000);
    reader.commit('g-f1', 0, 5n);
    await clock.advance(10);
    expect(watcher.pending).toBe(1);
    reader.commit('g-f1', 0, 6n);
    await expect(clock.run(wait)).resolves.toEqual({ confirmedBy: ['f1'], satisfied: true });
  });

  it('given no commit, the wait ends unsatisfied at its deadline and keeps partial confirmations', async () => {
    const reader = new ScriptedOffsets();
    reader.commit('g-f1', 0, 10n);
    const { clock, watcher } = watch(reader);
    const started = clock.now();
    const outcome = await clock.run(watcher.waitFor({ partition: 0, offset: '3' }, ['f1', 'f2', 'f3'], 2, 100));
    expect(outcome).toEqual({ confirmedBy: ['f1'], satisfied: false });
    expect(clock.now() - started).toBe(100);
  });

  it('serves a thousand concurrent waiters with one fetch per round, not one per waiter', async () => {
    const reader = new ScriptedOffsets();
    const { clock, watcher } = watch(reader, 5);
    const waits = Array.from({ length: 1000 }, (_, i) => watcher.waitFor({ partition: i % 3, offset: String(i) }, ['f1'], 1, 5000));
    await clock.advance(30);
    for (let p = 0; p < 3; p++) reader.commit('g-f1', p, 2000n);
    const outcomes = await clock.run(Promise.all(waits));
    expect(outcomes.every((o) => o.satisfied)).toBe(true);
    // A handful of rounds served all of them; each round asked for the one group once.
    expect(reader.calls).toBeLessThan(30);
    expect(reader.groupsAsked.every((g) => g.length === 1)).toBe(true);
  });

  it('asks only for the followers someone still waits on', async () => {
    const reader = new ScriptedOffsets();
    const { clock, watcher } = watch(reader);
    reader.commit('g-f1', 0, 1n);
    const wait = watcher.waitFor({ partition: 0, offset: '0' }, ['f1', 'f2'], 2, 2000);
    await clock.advance(20);
    expect(reader.groupsAsked.at(-1)).toEqual(['g-f2']);
    reader.commit('g-f2', 0, 1n);
    await expect(clock.run(wait)).resolves.toMatchObject({ satisfied: true });
  });

  it('does not poll at all while nobody waits', async () => {
    const reader = new ScriptedOffsets();
    const { clock, watcher } = watch(reader);
    reader.commit('g-f1', 0, 1n);
    await clock.run(watcher.waitFor({ partition: 0, offset: '0' }, ['f1'], 1, 1000));
    const calls = reader.calls;
    await clock.advance(30);
    expect(reader.calls).toBe(calls);
  });

  it('keeps waiting through a failing admin call and still honours the deadline', async () => {
    const reader = new ScriptedOffsets();
    let failures = 3;
    const flaky: OffsetReader = {
      committedOffsets: async (g) => {
        if (failures-- > 0) throw new Error('broker blip');
        return reader.committedOffsets(g);
      },
    };
    const { clock, watcher } = watch(flaky);
    reader.commit('g-f1', 0, 9n);
    await expect(clock.run(watcher.waitFor({ partition: 0, offset: '8' }, ['f1'], 1, 3000))).resolves.toMatchObject({ satisfied: true });
  });
});
