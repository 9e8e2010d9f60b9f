import { decodeLogEntry, type LogRecord } from './log-record';
import type { LogPosition } from './positions';
import type { ReplayReader } from './ports';
import { formatStamp, stampOf } from './versions';

/**
 * Where the log carries versions of a term, read from the log itself (for a rewind,
 * functions/rejoin.ts): a dying leader's store may never have recorded a publish that did reach
 * the log, so the item's own record is not enough to say what was never acknowledged.
 */
export interface TermLog {
  /**
   * `key@stamp` (core/versions.ts formatStamp) → position of every event of `term` on one of `keys`
   * between `from` (the term's own fence, or the log's start) and `until` (the next term's fence).
   */
  published(request: { term: number; from: ReadonlyMap<number, bigint>; until: ReadonlyMap<number, bigint>; keys: ReadonlySet<string> }): Promise<Map<string, LogPosition>>;
}

export const publishedKey = (key: string, stamp: { term?: number; version: number }) => `${key}@${formatStamp(stampOf(stamp))}`;

/** A TermLog over a reader that owns a throwaway consumer group (the log is read, no offset is ever committed). */
export function termLogOver(open: () => ReplayReader): TermLog {
  return {
    async published({ term, from, until, keys }) {
      const found = new Map<string, LogPosition>();
      const targets = new Map([...until].filter(([p, end]) => (from.get(p) ?? 0n) < end));
      if (targets.size === 0 || keys.size === 0) return found;
      const reader = open();
      try {
        await reader.join();
        await reader.read({
          starts: new Map([...targets.keys()].map((p) => [p, from.get(p) ?? 0n])),
          targets,
          onChunk: async (_partition, records: readonly LogRecord[]) => {
            for (const record of records) {
              if (record.key === null || !keys.has(record.key)) continue;
              let entry: ReturnType<typeof decodeLogEntry>;
              try {
                entry = decodeLogEntry(record);
              } catch {
                continue; // a poison record carries no version of anything
              }
              if (entry.kind !== 'event' || (entry.event.term ?? 1) !== term) continue;
              found.set(publishedKey(entry.event.key, entry.event), { partition: record.partition, offset: record.offset });
            }
          },
        });
      } finally {
        await reader.leave();
      }
      return found;
    },
  };
}
