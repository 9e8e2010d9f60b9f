import type { Kafka } from 'kafkajs';
import { encodeFence, type FenceRecord, fenceKey, RECORD_KIND_HEADER } from '../../core/fence';
import type { FenceWriter } from '../../core/ports';
import { IdempotentProducer } from './idempotent-producer';
import { translateKafkaError } from './kafka-errors';

/**
 * Writes a term's fence: one record in every partition of the log, acknowledged by all in-sync
 * replicas, and says where each landed. Every record of an older term after it is refused.
 */
export class KafkaFenceWriter implements FenceWriter {
  private readonly producer: IdempotentProducer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly timeoutMs: number,
  ) {
    this.producer = new IdempotentProducer(kafka);
  }

  async write(fence: FenceRecord, partitions: readonly number[]): Promise<Record<string, string>> {
    try {
      const value = encodeFence(fence);
      const sent = await this.producer.send({
        topic: this.topic,
        acks: -1,
        timeout: this.timeoutMs,
        messages: partitions.map((partition) => ({ partition, key: fenceKey(fence.term), value, headers: { [RECORD_KIND_HEADER]: 'fence' } })),
      });
      const at: Record<string, string> = {};
      for (const m of sent) if (m.baseOffset !== undefined) at[String(m.partition)] = m.baseOffset;
      return at;
    } catch (error) {
      throw translateKafkaError(error, 'produce');
    }
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }
}
