import { ValidationError } from './errors';

/** Per-partition offsets (partition → offset). */
export type PartitionOffsets = ReadonlyMap<number, bigint>;

/** Where a replay starts reading, as the operator asked for it. */
export type ReplayFrom =
  | { kind: 'earliest' }
  | { kind: 'offset'; offset: bigint }
  | { kind: 'time'; at: number; text: string };

export type ReplayMode = 'rebuild' | 'catch-up';

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * `earliest`, a non-negative offset (applied to every partition), or an ISO 8601 instant. A
 * date-time must carry its zone (`Z` or `±hh:mm`): a replay that starts an hour off because of the
 * machine's time zone would silently skip or repeat an hour of changes.
 */
export function parseReplayFrom(raw: string): ReplayFrom {
  const text = raw.trim();
  if (text === 'earliest') return { kind: 'earliest' };
  if (/^\d{1,19}$/.test(text)) return { kind: 'offset', offset: BigInt(text) };
  if (ISO_DATE.test(text) || ISO_DATE_TIME.test(text)) {
    const at = Date.parse(ISO_DATE.test(text) ? `${text}T00:00:00Z` : text);
    if (Number.isFinite(at)) return { kind: 'time', at, text };
  }
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+$/.test(text)) {
    throw new ValidationError('BAD_QUERY', `${JSON.stringify(raw)} has no time zone; add Z or an offset such as +02:00`);
  }
  throw new ValidationError('BAD_QUERY', `${JSON.stringify(raw)} is not earliest, an offset or an ISO 8601 time`);
}

export function formatReplayFrom(from: ReplayFrom): string {
  if (from.kind === 'earliest') return 'earliest';
  if (from.kind === 'offset') return from.offset.toString();
  return from.text;
}

export interface ReplayPlanInput {
  mode: ReplayMode;
  /** The start each partition was asked for (earliest → log start; time → first offset at or after it). */
  requested: PartitionOffsets;
  low: PartitionOffsets;
  high: PartitionOffsets;
  /** The follower group's committed offsets: what its table already holds. */
  committed: PartitionOffsets;
}

export interface ReplayPlan {
  starts: Map<number, bigint>;
  targets: Map<number, bigint>;
  /** Where the plan differs from what was asked, and why; shown to the operator. */
  notes: string[];
}

const clamp = (n: bigint, lo: bigint, hi: bigint): bigint => (n < lo ? lo : n > hi ? hi : n);

/**
 * Decides where each partition's replay starts and ends. The end is the log end when the replay
 * starts (events arriving later are the live follower's job after the hand-over). A catch-up never
 * starts *after* what the follower has applied: skipping ahead would lose the events in between
 * for good, because the group's committed offset would then claim them.
 */
export function planReplay(input: ReplayPlanInput): ReplayPlan {
  const starts = new Map<number, bigint>();
  const targets = new Map<number, bigint>();
  const notes: string[] = [];
  for (const [partition, high] of [...input.high].sort((a, b) => a[0] - b[0])) {
    const low = input.low.get(partition) ?? 0n;
    const asked = input.requested.get(partition) ?? low;
    let start = clamp(asked, low, high);
    if (asked < low) notes.push(`partition ${partition}: offsets below ${low} are no longer in the log (compacted); starting at ${low}`);
    if (input.mode === 'catch-up') {
      const applied = clamp(input.committed.get(partition) ?? low, low, high);
      if (start > applied) {
        notes.push(
          `partition ${partition}: starting at ${applied}, not ${start}: the follower has not applied ${applied}..${start - 1n} yet`,
        );
        start = applied;
      }
    }
    starts.set(partition, start);
    targets.set(partition, high);
  }
  return { starts, targets, notes };
}

export function offsetsToRecord(offsets: PartitionOffsets): Record<string, string> {
  return Object.fromEntries([...offsets].sort((a, b) => a[0] - b[0]).map(([p, o]) => [String(p), o.toString()]));
}

export function offsetsFromRecord(record: Record<string, string>): Map<number, bigint> {
  return new Map(Object.entries(record).map(([p, o]) => [Number(p), BigInt(o)]));
}
