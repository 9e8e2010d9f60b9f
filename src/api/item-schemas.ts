import { z } from 'zod';
import { itemKeyProblem, MAX_KEY_BYTES } from '../core/item-key';

/**
 * The item routes' shapes as zod schemas: the HTTP handlers check their parameters with them,
 * the OpenAPI document (api/openapi-document.ts) is generated from them, and the typed client
 * (src/client) parses every answer with them, so the three cannot drift apart. Pure zod: no SDK,
 * nothing the client package could not carry.
 */

/** The DynamoDB partition key's headroom (core/item-key.ts); JSON Schema counts characters, the server UTF-8 bytes. */
export const ItemKey = z
  .string()
  .min(1)
  .max(MAX_KEY_BYTES)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  .regex(/^[^\u0000-\u001f\u007f-\u009f]+$/)
  .superRefine((key, ctx) => {
    const problem = itemKeyProblem(key);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  .meta({
    description: `The item key: 1 to ${MAX_KEY_BYTES} bytes of UTF-8 with no control characters (percent-encode it in the path).`,
    example: 'user-42',
  });

export const ACK_MODE_PATTERN = /^(async|semi-sync|sync|quorum:[1-9][0-9]{0,2})$/;

export const AckModeParam = z
  .string()
  .regex(ACK_MODE_PATTERN)
  .meta({
    description:
      'How the write is acknowledged: async (leader commit + log), semi-sync (the sync follower applied it), sync (every follower), quorum:K (K followers). ' +
      'Default: the deployment’s REPLOG_ACK_MODE. quorum:K needs K followers that can confirm (400 otherwise).',
    example: 'semi-sync',
  });

export const REPLICA_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const ReplicaParam = z
  .string()
  .regex(REPLICA_ID_PATTERN)
  .meta({
    description: 'Who answers: leader (default, always current), any (the healthy follower with the least lag) or a replica id of this deployment (400 for an id it does not have).',
    example: 'any',
  });

/** A write's id, chosen by the client so that sending the same write again is answered, not applied twice. */
export const WRITE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

export const WriteIdHeader = z
  .string()
  .regex(WRITE_ID_PATTERN)
  .meta({
    description:
      'Idempotency-Key: the write’s id (1–128 of A–Z a–z 0–9 . _ : -). A write sent again with the same id while its version is the key’s newest is not applied again: ' +
      'the server answers with that version (publishing and acknowledging it if the first attempt could not). The same id with a different body or operation is 409. Without it the server makes one up.',
    example: '2f1c9a54-6a3e-4c55-9d5e-1c7a0e7b9b20',
  });

export const IfMatchHeader = z
  .string()
  .regex(/^\s*(?:W\/)?"?[1-9][0-9]{0,14}"?\s*$/)
  .meta({ description: 'Write only if the item is at exactly this version (an ETag such as "3"); 412 otherwise.', example: '"3"' });

export const MinVersionParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(Number.MAX_SAFE_INTEGER)
  .meta({ description: 'Read-your-writes: a follower answers only once it holds at least this version; after maxWaitMs the leader answers instead (see fallback).' });

export const MaxWaitMsParam = (max: number) =>
  z.coerce
    .number()
    .int()
    .min(0)
    .max(max)
    .meta({ description: `How long a minVersion read waits for the follower (ms, 0–${max}; default REPLOG_READ_WAIT_MS). Only with minVersion (400 otherwise).` });

export const LIST_DEFAULT_LIMIT = 100;
export const LIST_MAX_LIMIT = 1000;

export const LimitParam = z.coerce
  .number()
  .int()
  .min(1)
  .max(LIST_MAX_LIMIT)
  .meta({ description: `Items per page (1–${LIST_MAX_LIMIT}, default ${LIST_DEFAULT_LIMIT}).` });

export const CursorParam = z
  .string()
  .min(1)
  .meta({ description: 'The nextCursor of the previous page, as the server issued it (400 for any other string).' });

/** An item's value: any JSON value. */
export const ItemValue = z.unknown().meta({ description: 'Any JSON value.' });

export const LogPosition = z
  .object({ partition: z.number().int().min(0), offset: z.string().regex(/^[0-9]+$/) })
  .meta({ id: 'LogPosition', description: 'Where the change event sits in the replication log (Kafka partition and offset).' });

export const AckOutcome = z
  .object({
    mode: z.string(),
    confirmedBy: z.array(z.string()),
    waitedMs: z.number().min(0),
    degraded: z.boolean(),
    promotedTo: z.string().optional(),
  })
  .meta({ id: 'AckOutcome', description: 'What the acknowledgement achieved: who confirmed, how long it waited, and whether the guarantee was degraded to async.' });

export const WrittenItem = z
  .object({
    key: z.string(),
    version: z.number().int().min(1),
    term: z.number().int().min(1),
    leader: z.string(),
    position: LogPosition,
    ack: AckOutcome,
    writeId: z.string(),
    replayed: z.boolean().meta({ description: 'True when this answers a write sent again with the same Idempotency-Key: nothing new was written.' }),
  })
  .meta({ id: 'WrittenItem', description: 'A committed, published and acknowledged write (PUT or DELETE).' });

export const ReadLag = z.object({ events: z.number().int().min(0), ms: z.number().min(0) }).meta({ id: 'ReadLag' });

export const ReadFallback = z
  .object({
    from: z.string().nullable(),
    reason: z.enum(['min-version-timeout', 'no-healthy-follower', 'replication-state-unavailable']),
    waitedMs: z.number().min(0),
    message: z.string(),
  })
  .meta({ id: 'ReadFallback', description: 'Why the leader answered instead of the follower asked for.' });

export const Item = z
  .object({
    key: z.string(),
    version: z.number().int().min(1),
    term: z.number().int().min(1).meta({ description: 'The leader term the version was written in.' }),
    value: ItemValue,
    replica: z.string(),
    updatedAt: z.iso.datetime(),
    lag: ReadLag.optional(),
    fallback: ReadFallback.optional(),
  })
  .meta({ id: 'Item' });

export const ItemPage = z
  .object({
    replica: z.string(),
    items: z.array(z.object({ key: z.string(), version: z.number().int().min(1), value: ItemValue, updatedAt: z.iso.datetime() })),
    nextCursor: z.string().nullable(),
    lag: ReadLag.optional(),
    fallback: ReadFallback.optional(),
  })
  .meta({ id: 'ItemPage' });

export type WrittenItem = z.infer<typeof WrittenItem>;
export type Item = z.infer<typeof Item>;
export type ItemPage = z.infer<typeof ItemPage>;
