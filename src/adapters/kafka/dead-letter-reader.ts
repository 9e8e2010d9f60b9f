import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka } from 'kafkajs';
import { withDeadline } from '../../core/deadline';
import { translateKafkaError } from './kafka-errors';

/** One dead letter as `replog dlq` shows it: where it came from, why, and who sent it. */
export interface DeadLetterEntry {
  partition: number;
  offset: string;
  key: string | null;
  /** The start of the value as text: enough to recognise it without dumping 400 KB per entry. */
  valuePreview: string | null;
  valueBytes: number;
  originTopic: string | null;
  originPartition: number | null;
  originOffset: string | null;
  reason: string | null;
  follower: string | null;
  failedAt: string | null;
}

const VALUE_PREVIEW_BYTES = 256;

function headerText(headers: IHeaders | undefined, name: string): string | null {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  if (first === undefined) return null;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

function headerNumber(headers: IHeaders | undefined, name: string): number | null {
  const text = headerText(headers, name);
  return text !== null && /^\d+$/.test(text) ? Number(text) : null;
}

/**
 * Reads the whole dead-letter topic once, from the start to the end offsets it had when the read
 * began, with a throwaway consumer group that never commits (and is deleted afterwards).
 */
export async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  options: { limit: number; timeoutMs: number },
): Promise<{ entries: DeadLetterEntry[]; total: number }> {
  const admin = kafka.admin();
  const groupId = `replog-dlq-reader-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200 });
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    // Partition → last offset to read (high watermark − 1); empty partitions are done already.
    const remaining = new Map<number, bigint>();
    let total = 0;
    for (const o of offsets) {
      const high = BigInt(o.high);
      const low = BigInt(o.low);
      if (high > low) {
        remaining.set(o.partition, high - 1n);
        total += Number(high - low);
      }
    }
    const entries: DeadLetterEntry[] = [];
    if (remaining.size === 0) return { entries, total };

    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const last = remaining.get(partition);
        if (last === undefined) return;
        if (entries.length < options.limit) {
          entries.push({
            partition,
            offset: message.offset,
            key: message.key ? message.key.toString('utf8') : null,
            valuePreview: message.value ? message.value.subarray(0, VALUE_PREVIEW_BYTES).toString('utf8') : null,
            valueBytes: message.value?.length ?? 0,
            originTopic: headerText(message.headers, 'replog-origin-topic'),
            originPartition: headerNumber(message.headers, 'replog-origin-partition'),
            originOffset: headerText(message.headers, 'replog-origin-offset'),
            reason: headerText(message.headers, 'replog-reason'),
            follower: headerText(message.headers, 'replog-follower'),
            failedAt: headerText(message.headers, 'replog-failed-at'),
          });
        }
        if (BigInt(message.offset) >= last) remaining.delete(partition);
        if (remaining.size === 0) finish();
      },
    });
    await withDeadline(done, options.timeoutMs, `reading ${topic} did not reach its end offsets within ${options.timeoutMs} ms`);
    entries.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
    return { entries, total };
  } catch (error) {
    throw translateKafkaError(error, `read ${topic}`);
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
