import type { Kafka } from 'kafkajs';
import { type ChangeEvent, encodeChangeEvent } from '../../core/change-event';
import { translateKafkaError } from './kafka-errors';

/**
 * Loads many change events into the replication topic in large batches (benchmarks and test
 * fixtures; the leader publishes one event per write through KafkaChangePublisher). Keyed by item
 * key like the leader's records, so replay sees exactly the partitioning the leader produces.
 */
export async function produceEvents(kafka: Kafka, topic: string, events: readonly ChangeEvent[], batchSize = 5000): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  try {
    await producer.connect();
    for (let i = 0; i < events.length; i += batchSize) {
      await producer.send({
        topic,
        acks: -1,
        messages: events.slice(i, i + batchSize).map((e) => ({
          key: e.key,
          value: encodeChangeEvent(e),
          headers: { 'replog-schema': String(e.v) },
        })),
      });
    }
  } catch (error) {
    throw translateKafkaError(error, 'produce');
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
}
