import { z } from 'zod';
import { PoisonEventError } from './errors';
import { itemKeyProblem } from './item-key';
import { FIRST_TERM } from './versions';
import { type JsonValue, jsonNestingDepth, MAX_STORED_VALUE_BYTES, MAX_VALUE_DEPTH, storedValueBytes } from './item-value';

/**
 * The replication log's record. It carries the item's full new state (not a diff), so applying
 * the newest version a follower has seen is always correct, whatever was skipped or repeated.
 *
 * Schema 2 adds `term`, the leader term the version was written in (docs/ARCHITECTURE.md, "The
 * leader is a role"); schema 1 events, from before terms, stay readable and are of the first term.
 * replog writes schema 2 only.
 */
export const CHANGE_EVENT_SCHEMA_VERSION = 2;

export const changeEventSchema = z
  .object({
    v: z.union([z.literal(1), z.literal(CHANGE_EVENT_SCHEMA_VERSION)]),
    term: z.number().int().positive().optional(),
    op: z.enum(['put', 'delete']),
    key: z.string().superRefine((k, ctx) => {
      const problem = itemKeyProblem(k);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
    }),
    version: z.number().int().positive(),
    value: z.json().nullable(),
    committedAt: z.number().int().nonnegative(),
    writeId: z.string().min(1).max(128),
  })
  .strict()
  .refine((e) => (e.v === 1) === (e.term === undefined), { message: 'schema 2 events carry a term, schema 1 events none', path: ['term'] })
  .refine((e) => e.op === 'put' || e.value === null, { message: 'a delete carries no value', path: ['value'] })
  // A value DynamoDB cannot store would fail the replica write forever and stall the partition.
  .refine((e) => storedValueBytes(e.value as JsonValue | null) <= MAX_STORED_VALUE_BYTES, {
    message: `the value is larger than ${MAX_STORED_VALUE_BYTES} bytes`,
    path: ['value'],
  });

export type ChangeEvent = {
  v: 1 | typeof CHANGE_EVENT_SCHEMA_VERSION;
  op: 'put' | 'delete';
  key: string;
  version: number;
  /** The leader term the version was written in; absent only on schema 1 events (the first term). */
  term?: number;
  value: JsonValue | null;
  /** Leader commit time, epoch milliseconds: the origin of apply-lag measurements. */
  committedAt: number;
  writeId: string;
};

/** Always schema 2: an event read from a schema 1 record is written back with its (first) term. */
export function encodeChangeEvent(event: ChangeEvent): string {
  const { v: _v, term, ...rest } = event;
  return JSON.stringify({ v: CHANGE_EVENT_SCHEMA_VERSION, term: term ?? FIRST_TERM, ...rest });
}

/**
 * Decodes a record value and checks it against the record key. A mismatch means the record was
 * not written by a replog leader (or was corrupted), which is as poisonous as bad JSON.
 */
export function decodeChangeEvent(raw: string, recordKey?: string | null): ChangeEvent {
  // The event object is one level; its value may use the rest. Deeper input would overflow the stack.
  if (jsonNestingDepth(raw) > MAX_VALUE_DEPTH + 1) {
    throw new PoisonEventError(`record value is nested more than ${MAX_VALUE_DEPTH} levels deep`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (cause) {
    throw new PoisonEventError('record value is not JSON', { cause });
  }
  const result = changeEventSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'event';
    throw new PoisonEventError(`record does not match the change event schema: ${where}: ${issue?.message ?? 'invalid'}`, {
      cause: result.error,
    });
  }
  // The value is taken as JSON.parse produced it: zod rebuilds objects and drops own keys such as
  // "__proto__", and a replica must hold exactly the bytes of meaning the leader holds.
  const event = { ...(result.data as ChangeEvent), value: (parsed as { value: JsonValue | null }).value };
  if (recordKey !== undefined && recordKey !== null && recordKey !== event.key) {
    throw new PoisonEventError('record key does not match the event key');
  }
  return event;
}
