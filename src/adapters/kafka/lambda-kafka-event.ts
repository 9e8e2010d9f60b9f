import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { KafkaMessage } from 'kafkajs';

/**
 * Builds the event AWS Lambda's Kafka event source mapping would deliver for one fetched batch,
 * so the local runner exercises exactly the handler code that runs in the cloud.
 */
export function toLambdaKafkaEvent(
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  bootstrapServers: string,
): MSKEvent {
  const records: MSKRecord[] = messages.map((m) => ({
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    timestampType: 'CREATE_TIME',
    key: m.key ? m.key.toString('base64') : '',
    value: m.value ? m.value.toString('base64') : '',
    headers: Object.entries(m.headers ?? {}).map(([k, v]) => ({
      [k]: Array.from(Buffer.isBuffer(v) ? v : Buffer.from(String(v ?? ''))),
    })),
  }));
  return {
    eventSource: 'aws:kafka',
    eventSourceArn: `local:kafka:${topic}`,
    bootstrapServers,
    records: { [`${topic}-${partition}`]: records },
  };
}
