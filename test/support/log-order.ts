import type { LogEntry } from '../faults/support/topic-reader';

/** One record of the replication log as a plain consumer decodes it. */
interface Decoded {
  partition: number;
  offset: bigint;
  key: string;
  version: number;
  op: string;
  value: unknown;
  writeId: string;
}

export interface LeaderView {
  version: number;
  deleted: boolean;
  value: unknown;
}

export interface LogOrderReport {
  records: number;
  keys: number;
  /** A key's record followed (later offset) by one of a lower version. */
  inversions: string[];
  /** A key's record followed by one of the same version (a republish). */
  repeats: string[];
  /** Keys whose last record is not the leader's item. */
  lastNotNewest: string[];
  /** Acknowledged positions that do not hold the acknowledged version (or a newer one) of the key. */
  badPositions: string[];
}

/**
 * What issue "the log keeps each key's order" promises, checked from the outside: per key,
 * versions strictly increase in offset order, the last record is the leader's newest state, and
 * every acknowledgement's position holds that version or a newer one of that key.
 */
export function checkLogOrder(
  log: ReadonlyMap<string, LogEntry>,
  leader: ReadonlyMap<string, LeaderView>,
  acked: readonly { key: string; version: number; partition: number; offset: string }[],
): LogOrderReport {
  const byPosition = new Map<string, Decoded>();
  const perKey = new Map<string, Decoded[]>();
  for (const [where, entry] of log) {
    if (entry.value === null) continue;
    const [p, o] = where.split(':');
    const event = JSON.parse(entry.value) as { key: string; version: number; op: string; value: unknown; writeId: string };
    const decoded: Decoded = { partition: Number(p), offset: BigInt(o as string), ...event };
    byPosition.set(where, decoded);
    const list = perKey.get(event.key) ?? [];
    list.push(decoded);
    perKey.set(event.key, list);
  }
  const report: LogOrderReport = { records: byPosition.size, keys: perKey.size, inversions: [], repeats: [], lastNotNewest: [], badPositions: [] };
  for (const [key, list] of perKey) {
    list.sort((a, b) => (a.partition - b.partition) || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
    for (let i = 1; i < list.length; i++) {
      const prev = list[i - 1] as Decoded;
      const cur = list[i] as Decoded;
      const where = `${key}: v${prev.version}@${prev.partition}:${prev.offset} then v${cur.version}@${cur.partition}:${cur.offset}`;
      if (cur.version < prev.version) report.inversions.push(where);
      else if (cur.version === prev.version) report.repeats.push(where);
    }
    const last = list[list.length - 1] as Decoded;
    const want = leader.get(key);
    const same =
      want !== undefined &&
      want.version === last.version &&
      want.deleted === (last.op === 'delete') &&
      JSON.stringify(want.deleted ? null : want.value) === JSON.stringify(last.op === 'delete' ? null : last.value);
    if (!same) report.lastNotNewest.push(`${key}: log ends at v${last.version} (${last.op}), leader holds ${want ? `v${want.version}` : 'nothing'}`);
  }
  for (const a of acked) {
    const at = byPosition.get(`${a.partition}:${a.offset}`);
    if (at === undefined || at.key !== a.key || at.version < a.version) {
      report.badPositions.push(`${a.key} v${a.version} acked at ${a.partition}:${a.offset}, which holds ${at ? `${at.key} v${at.version}` : 'nothing'}`);
    }
  }
  return report;
}
