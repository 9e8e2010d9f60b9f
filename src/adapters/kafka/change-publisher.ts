import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { type ChangeEvent, encodeChangeEvent } from '../../core/change-event';
import { UnavailableError } from '../../core/errors';
import type { ChangePublisher } from '../../core/ports';
import type { LogPosition } from '../../core/positions';
import { translateKafkaError } from './kafka-errors';

interface Pending {
  event: ChangeEvent;
  resolve: (position: LogPosition) => void;
  reject: (error: unknown) => void;
  /** The caller's deadline passed: it was answered 503 and the outbox relay now owns the event. */
  expired: boolean;
}

/** Upper bound on events coalesced into one produce request. */
const MAX_COALESCED = 500;

/**
 * Publishes change events keyed by item key (one key → one partition → per-key order), idempotent
 * and acks=all. Concurrent publishes are coalesced: while one produce request is in flight, new
 * events queue and go out together in the next request, so N concurrent writers cost one round
 * trip instead of N serialized ones (the idempotent producer allows one request in flight).
 * Partitions are assigned here with kafkajs's own default (murmur2) partitioner so each event's
 * offset is known from its partition's base offset. Every publish is bounded by a deadline.
 */
export class KafkaChangePublisher implements ChangePublisher {
  private readonly producer: Producer;
  private readonly partitioner = Partitioners.DefaultPartitioner();
  private connecting: Promise<number> | undefined;
  private queue: Pending[] = [];
  private sending = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly timeoutMs: number,
  ) {
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.producer.on(this.producer.events.DISCONNECT, () => {
      this.connecting = undefined;
    });
  }

  publish(event: ChangeEvent): Promise<LogPosition> {
    let pending: Pending | undefined;
    const published = new Promise<LogPosition>((resolve, reject) => {
      pending = { event, resolve, reject, expired: false };
      this.queue.push(pending);
    });
    void this.pump();
    return withDeadline(published, this.timeoutMs, `publishing ${event.key}@${event.version}`).catch((error: unknown) => {
      if (pending) pending.expired = true;
      throw error;
    });
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        // After an outage, events whose callers already got their 503 are not flushed late: the
        // relay republishes current state, and a stale version landing after it would be the last
        // record of its key on the compacted topic. Fresh writes also stop queueing behind them.
        const batch = this.queue.splice(0, MAX_COALESCED).filter((p) => !p.expired);
        if (batch.length > 0) await this.sendBatch(batch);
      }
    } finally {
      this.sending = false;
    }
  }

  /** Connects once and learns the partition count, which the partitioner needs. */
  private partitionCount(): Promise<number> {
    this.connecting ??= (async () => {
      await this.producer.connect();
      const admin = this.kafka.admin();
      try {
        await admin.connect();
        const { topics } = await admin.fetchTopicMetadata({ topics: [this.topic] });
        const count = topics[0]?.partitions.length ?? 0;
        if (count === 0) throw new Error(`topic ${this.topic} has no partitions`);
        return count;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  private async sendBatch(batch: Pending[]): Promise<void> {
    orderVersionsPerKey(batch);
    try {
      const partitions = await this.partitionCount();
      const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        replicas: [0],
        isr: [0],
        partitionErrorCode: 0,
      }));
      const indexInPartition: number[] = [];
      const perPartition = new Map<number, number>();
      const messages: Message[] = batch.map(({ event }, i) => {
        const message: Message = {
          key: event.key,
          value: encodeChangeEvent(event),
          headers: { 'replog-schema': String(event.v) },
        };
        const partition = this.partitioner({ topic: this.topic, partitionMetadata, message });
        const n = perPartition.get(partition) ?? 0;
        perPartition.set(partition, n + 1);
        indexInPartition[i] = n;
        return { ...message, partition };
      });
      const metadata = await this.producer.send({ topic: this.topic, acks: -1, timeout: this.timeoutMs, messages });
      const base = new Map(metadata.map((m) => [m.partition, m.baseOffset]));
      batch.forEach((pending, i) => {
        const partition = messages[i]?.partition as number;
        const baseOffset = base.get(partition);
        if (baseOffset === undefined) {
          pending.reject(translateKafkaError(new Error(`the broker returned no offset for partition ${partition}`), 'produce'));
          return;
        }
        pending.resolve({ partition, offset: (BigInt(baseOffset) + BigInt(indexInPartition[i] ?? 0)).toString() });
      });
    } catch (error) {
      const failure = translateKafkaError(error, 'produce');
      for (const pending of batch) pending.reject(failure);
    }
  }
}

/**
 * Two writes to one key can finish their commits out of order and meet in one batch; within a
 * batch each key's events are put back in version order (in the slots that key already holds),
 * so a plain consumer of the log sees versions rise. Across batches the followers' version check
 * makes any reordering harmless.
 */
export function orderVersionsPerKey<T extends { event: ChangeEvent }>(batch: T[]): void {
  const slots = new Map<string, number[]>();
  batch.forEach((p, i) => {
    const list = slots.get(p.event.key);
    if (list) list.push(i);
    else slots.set(p.event.key, [i]);
  });
  for (const indices of slots.values()) {
    if (indices.length < 2) continue;
    const sorted = indices.map((i) => batch[i] as T).sort((a, b) => a.event.version - b.event.version);
    indices.forEach((slot, k) => {
      batch[slot] = sorted[k] as T;
    });
  }
}

export function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
