import type { MSKEvent, MSKRecord } from 'aws-lambda';
import type { KafkaMessage } from 'kafkajs';

/**
 * Where a Lambda Kafka event says it came from. AWS sends `aws:kafka` with the cluster ARN for
 * Amazon MSK and `SelfManagedKafka` (no ARN) for any other cluster; the local runner keeps the MSK
 * shape with a local pseudo-ARN.
 */
export type LambdaKafkaSource = { eventSource: 'aws:kafka'; eventSourceArn: string } | { eventSource: 'SelfManagedKafka' };

export interface LambdaKafkaEventShape {
  source?: LambdaKafkaSource;
  /** The topic's message.timestamp.type as Lambda names it. */
  timestampType?: 'CREATE_TIME' | 'LOG_APPEND_TIME';
}

/**
 * Builds the event AWS Lambda's Kafka event source mapping would deliver for one fetched batch,
 * so the local runner exercises exactly the handler code that runs in the cloud. As Lambda does,
 * a null key or value is left out of the record rather than sent as an empty string.
 */
export function toLambdaKafkaEvent(
  topic: string,
  partition: number,
  messages: readonly KafkaMessage[],
  bootstrapServers: string,
  shape: LambdaKafkaEventShape = {},
): MSKEvent {
  const records = messages.map(
    (m) =>
      ({
        topic,
        partition,
        offset: Number(m.offset),
        timestamp: Number(m.timestamp),
        timestampType: shape.timestampType ?? 'CREATE_TIME',
        ...(m.key ? { key: m.key.toString('base64') } : {}),
        ...(m.value ? { value: m.value.toString('base64') } : {}),
        headers: Object.entries(m.headers ?? {}).map(([k, v]) => ({
          [k]: Array.from(Buffer.isBuffer(v) ? v : Buffer.from(String(v ?? ''))),
        })),
      }) as MSKRecord,
  );
  const source = shape.source ?? { eventSource: 'aws:kafka', eventSourceArn: `local:kafka:${topic}` };
  // MSKEvent types eventSource as 'aws:kafka' only; the self-managed shape differs in that field alone.
  return { ...source, bootstrapServers, records: { [`${topic}-${partition}`]: records } } as MSKEvent;
}
