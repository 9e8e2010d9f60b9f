import { z } from 'zod';
import { PoisonEventError } from './errors';

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

/** Per partition, the newest fence a replica has passed (what it persists before committing past one). */
export type FenceTerms = ReadonlyMap<number, number>;

/** An event of a term older than the newest fence already passed in its partition came from a deposed leader. */
export function isFenced(eventTerm: number, fenceTerm: number | undefined): boolean {
  return fenceTerm !== undefined && eventTerm < fenceTerm;
}
