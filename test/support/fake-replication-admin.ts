import { headKey } from '../../src/core/apply-lag';
import type { GroupMembership, LogHeadReader, ReplicationAdmin } from '../../src/core/ports';
import type { CommittedOffsets } from '../../src/core/positions';

/**
 * An in-memory replication log admin: the test moves end offsets, committed offsets and group
 * membership by hand, like a broker whose followers apply (or stall) on command.
 */
export class FakeReplicationAdmin implements ReplicationAdmin, LogHeadReader {
  readonly committed = new Map<string, Map<number, bigint>>();
  readonly members = new Map<string, number>();
  readonly high = new Map<number, bigint>([[0, 0n], [1, 0n], [2, 0n]]);
  offsetCalls = 0;
  /** Reads that fail, as Kafka's do with brokers down (set by the test); cleared, they answer again. */
  readonly failing: { endOffsets?: Error; offsetsAtTime?: Error; groupMembership?: Error } = {};
  /** Groups whose committed offsets cannot be read (their coordinator down): a read asking for one fails. */
  readonly failingGroups = new Map<string, Error>();

  commit(group: string, partition: number, next: bigint): void {
    const m = this.committed.get(group) ?? new Map<number, bigint>();
    m.set(partition, next);
    this.committed.set(group, m);
  }

  /** A follower group that has applied everything currently in the log. */
  catchUp(group: string): void {
    for (const [p, end] of this.high) this.commit(group, p, end);
  }

  async committedOffsets(groupIds: readonly string[]): Promise<Map<string, CommittedOffsets>> {
    this.offsetCalls += 1;
    const down = groupIds.map((g) => this.failingGroups.get(g)).find((e) => e !== undefined);
    if (down) throw down;
    return new Map(groupIds.map((g) => [g, new Map(this.committed.get(g) ?? [])]));
  }

  async endOffsets() {
    if (this.failing.endOffsets) throw this.failing.endOffsets;
    return { high: new Map(this.high), low: new Map([...this.high.keys()].map((p) => [p, 0n] as const)) };
  }

  /** Per partition, the first offset younger than a stall threshold; unset partitions count every event as recent. */
  readonly firstRecent = new Map<number, bigint>();

  async offsetsAtTime(_timestamp: number): Promise<Map<number, bigint>> {
    if (this.failing.offsetsAtTime) throw this.failing.offsetsAtTime;
    return new Map([...this.high.keys()].map((p) => [p, this.firstRecent.get(p) ?? 0n] as const));
  }

  async groupMembership(groupIds: readonly string[]): Promise<Map<string, GroupMembership>> {
    if (this.failing.groupMembership) throw this.failing.groupMembership;
    return new Map(
      groupIds.map((groupId) => {
        const members = this.members.get(groupId) ?? 0;
        return [groupId, { groupId, members, state: members > 0 ? 'Stable' : 'Empty' }];
      }),
    );
  }

  /** Leader commit time of the record at partition:offset, as the log holds it. */
  readonly commitTimes = new Map<string, number>();
  headReads = 0;

  recordAt(partition: number, offset: bigint, committedAt: number): void {
    this.commitTimes.set(headKey(partition, offset), committedAt);
  }

  async commitTimesAt(positions: readonly { partition: number; offset: bigint }[]): Promise<Map<string, number>> {
    this.headReads += 1;
    const found = new Map<string, number>();
    for (const { partition, offset } of positions) {
      const at = this.commitTimes.get(headKey(partition, offset));
      if (at !== undefined) found.set(headKey(partition, offset), at);
    }
    return found;
  }
}
