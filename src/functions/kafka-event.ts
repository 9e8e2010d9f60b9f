import { z } from 'zod';
import type { LogRecord } from '../core/follower-apply';
import { ValidationError } from '../core/errors';

/**
 * The Lambda Kafka event (MSK and self-managed share this shape). The envelope is validated
 * strictly; a record's *content* is the core's business (poison records go to the DLQ there).
 */
const recordSchema = z.object({
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  offset: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]),
  timestamp: z.number(),
  key: z.string().nullable().optional(),
  value: z.string().nullable().optional(),
});

const eventSchema = z.object({
  eventSource: z.enum(['aws:kafka', 'SelfManagedKafka']),
  records: z.record(z.string(), z.array(recordSchema)),
});

// ignoreBOM keeps a leading U+FEFF: it is part of the text (a key may be exactly "\ufeff").
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function bytesOf(raw: string | null | undefined): Buffer | null {
  if (raw === undefined || raw === null || raw === '') return null;
  return Buffer.from(raw, 'base64');
}

/** Invalid UTF-8 becomes null instead of U+FFFD, so a mangled record can never pass as a valid one. */
function textOf(bytes: Buffer | null): string | null {
  if (bytes === null) return null;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}

/** Records grouped per topic-partition, in offset order, as delivered. */
export function recordsByPartition(event: unknown): LogRecord[][] {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) {
    throw new ValidationError('BAD_BODY', `not a Lambda Kafka event: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return Object.values(parsed.data.records).map((records) =>
    records
      .map((r): LogRecord => {
        const rawKey = bytesOf(r.key);
        const rawValue = bytesOf(r.value);
        return {
          topic: r.topic,
          partition: r.partition,
          offset: String(r.offset),
          key: textOf(rawKey),
          value: textOf(rawValue),
          timestamp: r.timestamp,
          rawKey,
          rawValue,
        };
      })
      .sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1)),
  );
}
