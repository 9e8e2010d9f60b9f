import type { CommittedOffsets } from './positions';

/**
 * A follower's own statement, per partition, of how far its table holds the log: "every record
 * before `appliedThrough` is applied". The follower handler writes it right after a batch is in
 * its table, inside the invocation, so in Lambda it lands before the event source mapping commits
 * the group's offset, which happens after the invocation returns, at a time replog does not
 * control. With REPLOG_CONFIRM_FROM=applied-record the acknowledger takes, per partition, the
 * larger of the group's committed offset and this record (both say "applied everything before").
 *
 * Why a record is evidence, and when it stops being one:
 * - It is written after the apply, so it never runs ahead of the table it describes.
 * - It belongs to one incarnation (a random id). A claim is made only under an incarnation the
 *   writer knew *before* the batch was applied, and the store extends the record only while it is
 *   still that incarnation. Whatever makes the table lose versions (a rebuild's recreate, a drop)
 *   first forgets the records (core/replay.ts, follower add/remove), so a claim about the old
 *   table fails its condition instead of landing on the new one; a writer that finds its
 *   incarnation gone reads the new one and claims nothing for the batch in hand.
 * - A record that is absent is created as a claim of nothing (appliedThrough 0, a fresh
 *   incarnation): only the batches applied after that creation extend it.
 * - It only moves forward, like the table (applies never regress a key); a replay over a kept
 *   table or a group reset to earlier offsets leaves it true.
 */
export interface AppliedRecord {
  followerId: string;
  partition: number;
  incarnation: string;
  /** Next offset: every record of the partition before it is in the follower's table. */
  appliedThrough: bigint;
}

export type ExtendOutcome = 'extended' | 'not-newer' | 'other-incarnation';

export interface AppliedRecordStore {
  /** The records of these (follower, partition) pairs; absent ones are left out. */
  loadApplied(keys: readonly { followerId: string; partition: number }[]): Promise<AppliedRecord[]>;
  /** Creates a claim of nothing under `incarnation` if no record exists; false when one does. */
  createApplied(followerId: string, partition: number, incarnation: string): Promise<boolean>;
  /** Moves the record to `through` only while it is still `incarnation` and behind `through`. */
  extendApplied(followerId: string, partition: number, incarnation: string, through: bigint): Promise<ExtendOutcome>;
  /** Removes the records of these partitions: called before the follower's table loses anything. */
  forgetApplied(followerId: string, partitions: readonly number[]): Promise<void>;
}

/** What a writer knew of a record before applying a batch: its incarnation, or that there was none. */
export type AppliedBasis = { incarnation: string } | { absent: true };

/**
 * The follower side: one per process, caching each partition's incarnation after one read, so a
 * batch costs one conditional write and no read.
 */
export class AppliedRecordWriter {
  private readonly known = new Map<string, AppliedBasis>();

  constructor(
    private readonly store: AppliedRecordStore,
    private readonly newIncarnation: () => string,
  ) {}

  /** Call before applying the batch: the basis its claim will be made under. */
  async basis(followerId: string, partition: number): Promise<AppliedBasis> {
    const key = `${followerId}|${partition}`;
    const cached = this.known.get(key);
    if (cached) return cached;
    const [record] = await this.store.loadApplied([{ followerId, partition }]);
    const basis: AppliedBasis = record ? { incarnation: record.incarnation } : { absent: true };
    this.known.set(key, basis);
    return basis;
  }

  /**
   * Call after the batch is in the table. Returns whether the record now claims `through`. A
   * basis read before the apply is what makes the claim honest: a record created or replaced
   * after that read says nothing about where this batch was applied.
   */
  async claim(followerId: string, partition: number, basis: AppliedBasis, through: bigint): Promise<boolean> {
    const key = `${followerId}|${partition}`;
    if ('absent' in basis) {
      const incarnation = this.newIncarnation();
      const created = await this.store.createApplied(followerId, partition, incarnation);
      if (created) this.known.set(key, { incarnation });
      else this.known.delete(key);
      return false;
    }
    const outcome = await this.store.extendApplied(followerId, partition, basis.incarnation, through);
    if (outcome === 'other-incarnation') {
      this.known.delete(key);
      return false;
    }
    return true;
  }
}

/** Per follower, partition → applied-through, from the records read. */
export function appliedOffsetsByFollower(records: readonly AppliedRecord[]): Map<string, Map<number, bigint>> {
  const byFollower = new Map<string, Map<number, bigint>>();
  for (const r of records) {
    const offsets = byFollower.get(r.followerId) ?? new Map<number, bigint>();
    offsets.set(r.partition, r.appliedThrough);
    byFollower.set(r.followerId, offsets);
  }
  return byFollower;
}

/** Per partition, the larger of two "applied everything before" offsets. */
export function furthest(a: CommittedOffsets | undefined, b: CommittedOffsets | undefined): CommittedOffsets | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const merged = new Map(a);
  for (const [partition, offset] of b) {
    const other = merged.get(partition);
    if (other === undefined || offset > other) merged.set(partition, offset);
  }
  return merged;
}
