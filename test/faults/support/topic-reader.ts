import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';

export interface LogEntry {
  key: string | null;
  value: string | null;
  valueBytes: Buffer | null;
  headers: Record<string, string>;
}

/**
 * Every record of a topic, read as a plain Kafka client would, from the start up to the end
 * offsets at the time of the call, keyed by "partition:offset".
 */
export async function readWholeTopic(brokers: string[], topic: string, timeoutMs = 60_000): Promise<Map<string, LogEntry>> {
  const kafka = new Kafka({ brokers, clientId: 'replog-fault-reader', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<number, bigint>();
  try {
    for (const o of await admin.fetchTopicOffsets(topic)) if (BigInt(o.high) > BigInt(o.low)) remaining.set(o.partition, BigInt(o.high) - 1n);
  } finally {
    await admin.disconnect();
  }
  const records = new Map<string, LogEntry>();
  if (remaining.size === 0) return records;
  const consumer = kafka.consumer({ groupId: `fault-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let done: () => void = () => undefined;
    const finished = new Promise<void>((r) => {
      done = r;
    });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
        records.set(`${partition}:${message.offset}`, {
          key: message.key?.toString('utf8') ?? null,
          value: message.value?.toString('utf8') ?? null,
          valueBytes: message.value ?? null,
          headers,
        });
        const last = remaining.get(partition);
        if (last !== undefined && BigInt(message.offset) >= last) remaining.delete(partition);
        if (remaining.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} did not reach its end within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return records;
}
