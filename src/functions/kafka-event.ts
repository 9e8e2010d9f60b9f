import { z } from 'zod';
import { type LogRecord, recordText } from '../core/log-record';
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
  // Lambda's shape: one single-entry object per header, its value as an array of bytes.
  headers: z.array(z.record(z.string(), z.array(z.number().int().min(0).max(255)))).optional(),
});

const eventSchema = z.object({
  eventSource: z.enum(['aws:kafka', 'SelfManagedKafka']),
  records: z.record(z.string(), z.array(recordSchema)),
});

function bytesOf(raw: string | null | undefined): Buffer | null {
  if (raw === undefined || raw === null || raw === '') return null;
  return Buffer.from(raw, 'base64');
}

function headerText(headers: readonly Record<string, number[]>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const header of headers) for (const [name, bytes] of Object.entries(header)) out[name] = Buffer.from(bytes).toString('utf8');
  return out;
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
          key: recordText(rawKey),
          value: recordText(rawValue),
          timestamp: r.timestamp,
          rawKey,
          rawValue,
          ...(r.headers && r.headers.length > 0 ? { headers: headerText(r.headers) } : {}),
        };
      })
      .sort((a, b) => (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1)),
  );
}
