/** Where an event sits in the replication log. Offsets are decimal strings, as Kafka clients use. */
export interface LogPosition {
  partition: number;
  offset: string;
}

/** Committed offsets of one consumer group: partition → next offset it will read. */
export type CommittedOffsets = ReadonlyMap<number, bigint>;

/**
 * Kafka's committed offset is the *next* offset to read, so a group has confirmed an event once
 * its committed offset is strictly greater than the event's offset.
 */
export function hasPassed(committed: CommittedOffsets | undefined, position: LogPosition): boolean {
  const next = committed?.get(position.partition);
  return next !== undefined && next > BigInt(position.offset);
}

/** Events in the log not yet committed by a group, per partition and summed. */
export function lagOf(endOffsets: ReadonlyMap<number, bigint>, committed: CommittedOffsets | undefined): {
  total: number;
  perPartition: Map<number, number>;
} {
  const perPartition = new Map<number, number>();
  let total = 0;
  for (const [partition, end] of endOffsets) {
    const next = committed?.get(partition);
    // A group that never committed on a partition still has to read it from the log start.
    const lag = Number(end - (next !== undefined && next >= 0n ? next : 0n));
    const bounded = Math.max(0, lag);
    perPartition.set(partition, bounded);
    total += bounded;
  }
  return { total, perPartition };
}
