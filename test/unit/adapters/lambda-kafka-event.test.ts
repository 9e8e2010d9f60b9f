import type { KafkaMessage } from 'kafkajs';
import { toLambdaKafkaEvent } from '../../../src/adapters/kafka/lambda-kafka-event';
import { splitForInvoke } from '../../../src/adapters/lambda/invoke-payload';
import { recordsByPartition } from '../../../src/functions/kafka-event';

const message = (offset: number, key: string | null, value: string | null, headers: KafkaMessage['headers'] = {}): KafkaMessage =>
  ({
    offset: String(offset),
    timestamp: '1700000000123',
    key: key === null ? null : Buffer.from(key),
    value: value === null ? null : Buffer.from(value),
    headers,
    attributes: 0,
  }) as KafkaMessage;

describe('the Lambda Kafka event', () => {
  it('has the self-managed shape AWS sends: no ARN, base64 key and value, byte-array headers', () => {
    const event = toLambdaKafkaEvent('replog.changes', 2, [message(41, 'a', '{"v":1}', { trace: Buffer.from('x1') })], 'b-1:9092,b-2:9092', {
      source: { eventSource: 'SelfManagedKafka' },
      timestampType: 'LOG_APPEND_TIME',
    });
    expect(event).toEqual({
      eventSource: 'SelfManagedKafka',
      bootstrapServers: 'b-1:9092,b-2:9092',
      records: {
        'replog.changes-2': [
          {
            topic: 'replog.changes',
            partition: 2,
            offset: 41,
            timestamp: 1700000000123,
            timestampType: 'LOG_APPEND_TIME',
            key: Buffer.from('a').toString('base64'),
            value: Buffer.from('{"v":1}').toString('base64'),
            headers: [{ trace: [120, 49] }],
          },
        ],
      },
    });
  });

  it('has the MSK shape with the cluster ARN, and leaves a null key or value out as Lambda does', () => {
    const arn = 'arn:aws:kafka:eu-west-1:123456789012:cluster/replog/abc-1';
    const event = toLambdaKafkaEvent('t', 0, [message(1, null, null)], 'b:9096', { source: { eventSource: 'aws:kafka', eventSourceArn: arn } });
    expect(event.eventSource).toBe('aws:kafka');
    expect(event.eventSourceArn).toBe(arn);
    const [record] = event.records['t-0'] ?? [];
    expect(record).not.toHaveProperty('key');
    expect(record).not.toHaveProperty('value');
    expect(recordsByPartition(event)[0]?.[0]).toMatchObject({ key: null, value: null, offset: '1' });
  });

  it('is split at the synchronous Invoke payload limit, records in order, none lost', () => {
    const messages = Array.from({ length: 30 }, (_, i) => message(i, `k${i}`, 'x'.repeat(1000)));
    const event = toLambdaKafkaEvent('t', 1, messages, 'b:9092', { source: { eventSource: 'SelfManagedKafka' } });
    const parts = splitForInvoke(event, 5000);
    expect(parts.length).toBeGreaterThan(5);
    for (const part of parts) expect(Buffer.byteLength(JSON.stringify(part))).toBeLessThanOrEqual(5000);
    expect(parts.flatMap((p) => (p.records['t-1'] ?? []).map((r) => r.offset))).toEqual(messages.map((_, i) => i));
    expect(splitForInvoke(event)).toEqual([event]);
  });
});
