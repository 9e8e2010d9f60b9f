import type { ItemState } from './replica-tables';
import type { LogEntry } from './topic-reader';

export interface AckedPosition {
  key: string;
  version: number;
  partition: number;
  offset: string;
}

export interface LogOrderReport {
  /** Change records read (fence records and others without a key@version are left out). */
  records: number;
  /** Acknowledged writes whose record is not at the position their answer gave (other key or version, or nothing). */
  notAtPosition: string[];
  /** A record of a key older than one before it in the log: the key's order broken. */
  outOfOrder: string[];
  /** The same key@version more than once (a relay republish or a producer retry); legal, reported. */
  duplicates: number;
  /** Keys whose last record is not the leader's current state (the log's last word is stale). */
  lastNotNewest: string[];
}

interface Stamp {
  term: number;
  version: number;
}

const newer = (a: Stamp, b: Stamp) => a.term - b.term || a.version - b.version;

/**
 * Checks the log's contract from a plain consumer's reading of it: every acknowledged write at its
 * acknowledged position, per key versions never going back, and each key's last record the
 * leader's current state (after the relay has finished).
 */
export function checkLogOrder(log: Map<string, LogEntry>, acked: readonly AckedPosition[], leader: Map<string, ItemState>): LogOrderReport {
  const stampAt = (entry: LogEntry | undefined): Stamp | undefined => {
    if (!entry?.value || entry.key === null) return undefined;
    try {
      const parsed = JSON.parse(entry.value) as { version?: unknown; term?: unknown };
      if (typeof parsed.version !== 'number') return undefined;
      return { term: typeof parsed.term === 'number' ? parsed.term : 1, version: parsed.version };
    } catch {
      return undefined;
    }
  };
  const notAtPosition: string[] = [];
  for (const p of acked) {
    const entry = log.get(`${p.partition}:${p.offset}`);
    const stamp = stampAt(entry);
    if (entry?.key !== p.key || stamp?.version !== p.version) {
      notAtPosition.push(`${p.key}@${p.version} at ${p.partition}:${p.offset} holds ${entry ? `${entry.key}@${stamp?.version ?? '?'}` : 'nothing'}`);
    }
  }
  // Per partition in offset order, then per key.
  const ordered = [...log.entries()]
    .map(([at, entry]) => {
      const [partition, offset] = at.split(':');
      return { partition: Number(partition), offset: BigInt(offset as string), entry, stamp: stampAt(entry) };
    })
    .filter((r) => r.stamp !== undefined)
    .sort((a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0));
  const highest = new Map<string, Stamp>();
  const last = new Map<string, Stamp>();
  const seen = new Set<string>();
  const outOfOrder: string[] = [];
  let duplicates = 0;
  for (const r of ordered) {
    const key = r.entry.key as string;
    const stamp = r.stamp as Stamp;
    const id = `${key}@${stamp.term}.${stamp.version}`;
    if (seen.has(id)) duplicates++;
    seen.add(id);
    last.set(key, stamp);
    const before = highest.get(key);
    if (before !== undefined && newer(stamp, before) < 0) {
      outOfOrder.push(`${key}: v${stamp.version} at ${r.partition}:${r.offset} after v${before.version}`);
      continue;
    }
    highest.set(key, stamp);
  }
  const lastNotNewest: string[] = [];
  for (const [key, item] of leader) {
    const l = last.get(key);
    if (l?.version !== item.version) lastNotNewest.push(`${key}: log ends at v${l?.version ?? 'none'}, leader at v${item.version}`);
  }
  return { records: ordered.length, notAtPosition, outOfOrder, duplicates, lastNotNewest };
}
