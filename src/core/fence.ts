import { z } from 'zod';
import type { ChangeEvent } from './change-event';
import { PoisonEventError } from './errors';
import type { LogEntry, LogRecord } from './log-record';
import { termOf } from './versions';

/**
 * A term's fence: one record per partition of the log, written when the term begins and before
 * its leader writes anything (docs/ARCHITECTURE.md, "Terms and fences"). Every record of an older
 * term that comes after it in its partition was written by a deposed leader and is refused.
 *
 * Its key is outside the item key space (item keys never contain control characters) and distinct
 * per term, so a compacted log keeps every fence: a rebuild from earliest meets the same fences, in
 * the same places, as the live followers did.
 */
export const FENCE_KEY_PREFIX = '\u0001fence:';

/** Record header that tells any consumer what a record is without parsing it. */
export const RECORD_KIND_HEADER = 'replog-kind';

export interface FenceRecord {
  kind: 'fence';
  term: number;
  /** The replica that leads the new term. */
  leader: string;
  /** When the term began (epoch ms). */
  at: number;
}

const fenceSchema = z
  .object({
    v: z.literal(2),
    kind: z.literal('fence'),
    term: z.number().int().positive(),
    leader: z.string().min(1).max(128),
    at: z.number().int().nonnegative(),
  })
  .strict();

export function fenceKey(term: number): string {
  return `${FENCE_KEY_PREFIX}${term}`;
}

export function isFenceKey(key: string | null | undefined): boolean {
  return typeof key === 'string' && key.startsWith(FENCE_KEY_PREFIX);
}

export function encodeFence(fence: FenceRecord): string {
  return JSON.stringify({ v: 2, kind: 'fence', term: fence.term, leader: fence.leader, at: fence.at });
}

/** A fence record's value; a record under a fence key that is not a fence is poison. */
export function decodeFence(raw: string, recordKey: string): FenceRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new PoisonEventError('fence record is not JSON', { cause });
  }
  const result = fenceSchema.safeParse(parsed);
  if (!result.success) throw new PoisonEventError(`fence record does not match its schema: ${result.error.issues[0]?.message ?? 'invalid'}`);
  if (recordKey !== fenceKey(result.data.term)) throw new PoisonEventError('fence record key does not match its term');
  return { kind: 'fence', term: result.data.term, leader: result.data.leader, at: result.data.at };
}

/** A fence in one partition: the term it began and its offset there. */
export interface PassedFence {
  term: number;
  offset: string;
}

/**
 * The fence that refuses a record of `term` at `offset`, if any: a fence of a newer term earlier
 * in the partition. Judged from fence positions (not "the newest fence seen"), so re-reading a
 * partition from any offset, a replay or a rebuild, refuses exactly what the live consumer did.
 */
export function fenceRefusing(term: number, offset: string, fences: readonly PassedFence[]): PassedFence | undefined {
  const at = BigInt(offset);
  let refusing: PassedFence | undefined;
  for (const f of fences) {
    if (f.term > term && BigInt(f.offset) < at && (refusing === undefined || f.term > refusing.term)) refusing = f;
  }
  return refusing;
}

export interface ScreenedEntries {
  /** Events to apply, in log order. */
  apply: ChangeEvent[];
  /** Events of a deposed leader, with the fence that refuses each. */
  fenced: { record: LogRecord; event: ChangeEvent; fence: PassedFence }[];
  /** Fences met in these entries that `known` did not hold yet: persist before committing past them. */
  passed: Map<number, PassedFence[]>;
  /** Events of a term this replica led: its own table committed them first. */
  led: number;
}

/**
 * Sorts a batch's entries in log order: fences are learnt as they come, each event is refused if a
 * newer term's fence precedes it in its partition, skipped if this replica led its term, and
 * applied otherwise.
 */
export function screenByFences(
  entries: readonly LogEntry[],
  known: (partition: number) => readonly PassedFence[],
  ledTerms: ReadonlySet<number> = new Set(),
): ScreenedEntries {
  const fences = new Map<number, PassedFence[]>();
  const out: ScreenedEntries = { apply: [], fenced: [], passed: new Map(), led: 0 };
  const fencesOf = (p: number) => {
    let list = fences.get(p);
    if (list === undefined) {
      list = [...known(p)];
      fences.set(p, list);
    }
    return list;
  };
  for (const entry of entries) {
    const p = entry.record.partition;
    if (entry.kind === 'fence') {
      const list = fencesOf(p);
      if (!list.some((f) => f.term === entry.fence.term && f.offset === entry.record.offset)) {
        const passed = { term: entry.fence.term, offset: entry.record.offset };
        list.push(passed);
        out.passed.set(p, [...(out.passed.get(p) ?? []), passed]);
      }
      continue;
    }
    const term = termOf(entry.event);
    const refusing = fenceRefusing(term, entry.record.offset, fencesOf(p));
    if (refusing !== undefined) out.fenced.push({ record: entry.record, event: entry.event, fence: refusing });
    else if (ledTerms.has(term)) out.led++;
    else out.apply.push(entry.event);
  }
  return out;
}

/** The DLQ reason of a refused record: who wrote it and which fence ended that term. */
export const FENCED_REASON = 'fenced';

export function fencedReason(event: ChangeEvent, fence: PassedFence): string {
  return `${FENCED_REASON}: a term ${termOf(event)} record after the fence of term ${fence.term} (offset ${fence.offset}); its leader had been deposed`;
}

/** The fences a control state recorded, per partition (each term's start), to add to what a replica remembers. */
export function fencesFromTerms(terms: readonly { term: number; fence: Readonly<Record<string, string>> }[], partition: number): PassedFence[] {
  return terms.flatMap((t) => {
    const offset = t.fence[String(partition)];
    return offset === undefined ? [] : [{ term: t.term, offset }];
  });
}
