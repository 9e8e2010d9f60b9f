import type { AppliedRecord, AppliedRecordStore, ExtendOutcome } from '../../src/core/applied-record';

/** The control table's applied items, with the adapter's conditions. */
export class MemoryAppliedRecords implements AppliedRecordStore {
  readonly items = new Map<string, AppliedRecord>();
  failReads = false;

  private key(followerId: string, partition: number): string {
    return `${followerId}#${partition}`;
  }

  async loadApplied(keys: readonly { followerId: string; partition: number }[]): Promise<AppliedRecord[]> {
    if (this.failReads) throw new Error('control table unreachable');
    return keys.flatMap((k) => {
      const r = this.items.get(this.key(k.followerId, k.partition));
      return r ? [{ ...r }] : [];
    });
  }

  async createApplied(followerId: string, partition: number, incarnation: string): Promise<boolean> {
    const key = this.key(followerId, partition);
    if (this.items.has(key)) return false;
    this.items.set(key, { followerId, partition, incarnation, appliedThrough: 0n });
    return true;
  }

  async extendApplied(followerId: string, partition: number, incarnation: string, through: bigint): Promise<ExtendOutcome> {
    const r = this.items.get(this.key(followerId, partition));
    if (r === undefined || r.incarnation !== incarnation) return 'other-incarnation';
    if (r.appliedThrough >= through) return 'not-newer';
    r.appliedThrough = through;
    return 'extended';
  }

  async forgetApplied(followerId: string, partitions: readonly number[]): Promise<void> {
    for (const p of partitions) this.items.delete(this.key(followerId, p));
  }
}
