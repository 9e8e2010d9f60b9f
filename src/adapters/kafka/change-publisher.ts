import type { Kafka, Producer } from 'kafkajs';
import { type ChangeEvent, encodeChangeEvent } from '../../core/change-event';
import { UnavailableError } from '../../core/errors';
import type { ChangePublisher } from '../../core/ports';
import type { LogPosition } from '../../core/positions';
import { translateKafkaError } from './kafka-errors';

/**
 * Publishes change events keyed by item key (one key → one partition → per-key order), idempotent
 * and acks=all. Every publish is bounded by a deadline: a dead broker yields a 503, never a hang.
 */
export class KafkaChangePublisher implements ChangePublisher {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
    private readonly timeoutMs: number,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connecting = undefined;
    });
  }

  async publish(event: ChangeEvent): Promise<LogPosition> {
    return withDeadline(this.send(event), this.timeoutMs, `publishing ${event.key}@${event.version}`);
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  private async send(event: ChangeEvent): Promise<LogPosition> {
    try {
      this.connecting ??= this.producer.connect().catch((error: unknown) => {
        this.connecting = undefined;
        throw error;
      });
      await this.connecting;
      const [meta] = await this.producer.send({
        topic: this.topic,
        acks: -1,
        timeout: this.timeoutMs,
        messages: [{ key: event.key, value: encodeChangeEvent(event), headers: { 'replog-schema': String(event.v) } }],
      });
      if (!meta || meta.baseOffset === undefined) throw new Error('the broker returned no offset');
      return { partition: meta.partition, offset: meta.baseOffset };
    } catch (error) {
      throw translateKafkaError(error, 'produce');
    }
  }
}

export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
