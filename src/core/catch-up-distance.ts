/**
 * How many log records a replica still has to apply to reach `to` from its committed offsets
 * (the next offset it will read, per partition), summed over the partitions of `to`. A partition
 * it never committed in counts from offset 0. What a failover's candidate had to catch up on,
 * reported by the failover and measured by the benchmark (semi-sync against async).
 */
export function recordsBehind(committed: ReadonlyMap<number, bigint> | undefined, to: ReadonlyMap<number, bigint>): number {
  let behind = 0n;
  for (const [partition, end] of to) {
    const at = committed?.get(partition) ?? 0n;
    if (end > at) behind += end - at;
  }
  return Number(behind);
}

/** A fence as the control state records it (partition → offset of the fence record), as offsets. */
export function fenceOffsets(fence: Record<string, string>): Map<number, bigint> {
  return new Map(Object.entries(fence).map(([p, at]) => [Number(p), BigInt(at)] as const));
}
