import type { Kafka, Producer } from 'kafkajs';
import type { DeadLetter, DeadLetterSink } from '../../core/ports';
import { translateKafkaError } from './kafka-errors';

/**
 * Poison records go to `<topic>.dlq` unchanged (key and value bytes as received) with their
 * origin and the reason in headers, so they can be inspected or re-driven later.
 */
export class KafkaDeadLetterProducer implements DeadLetterSink {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connecting = undefined;
    });
  }

  async send(letters: readonly DeadLetter[]): Promise<void> {
    try {
      this.connecting ??= this.producer.connect().catch((error: unknown) => {
        this.connecting = undefined;
        throw error;
      });
      await this.connecting;
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
