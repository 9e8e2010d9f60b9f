import type { Kafka } from 'kafkajs';
import type { DeadLetter, DeadLetterSink } from '../../core/ports';
import { IdempotentProducer } from './idempotent-producer';
import { translateKafkaError } from './kafka-errors';

/**
 * Poison records go to `<topic>.dlq` unchanged (key and value bytes as received) with their
 * origin and the reason in headers, so they can be inspected or re-driven later.
 */
export class KafkaDeadLetterProducer implements DeadLetterSink {
  private readonly producer: IdempotentProducer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = new IdempotentProducer(kafka);
  }

  async send(letters: readonly DeadLetter[]): Promise<void> {
    try {
      await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: letters.map((l) => ({
          key: l.record.rawKey ? Buffer.from(l.record.rawKey) : l.record.key,
          value: l.record.rawValue ? Buffer.from(l.record.rawValue) : l.record.value,
          headers: {
            'replog-origin-topic': l.record.topic,
            'replog-origin-partition': String(l.record.partition),
            'replog-origin-offset': l.record.offset,
            'replog-reason': l.reason,
            'replog-follower': l.followerId,
            'replog-failed-at': new Date(l.failedAt).toISOString(),
          },
        })),
      });
    } catch (error) {
      throw translateKafkaError(error, 'produce to the dead-letter topic');
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
