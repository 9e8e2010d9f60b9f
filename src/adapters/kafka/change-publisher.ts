import { type Kafka, type Message, Partitioners, type Producer } from 'kafkajs';
import { type ChangeEvent, encodeChangeEvent } from '../../core/change-event';
import { UnavailableError } from '../../core/errors';
import type { ChangePublisher, PublishOptions } from '../../core/ports';
import type { LogPosition } from '../../core/positions';
import { compareVersions, isNewer, stampOf, type VersionStamp } from '../../core/versions';
import { translateKafkaError } from './kafka-errors';

interface Pending {
  event: ChangeEvent;
  resolve: (position: LogPosition) => void;
  reject: (error: unknown) => void;
  /** Epoch ms after which the event must not be handed to Kafka: its publish lease has ended. */
  notAfter: number;
}

/** Upper bound on events coalesced into one produce request. */
const MAX_COALESCED = 500;
/** Keys whose newest sent version is remembered, so an older version is never sent after it. */
const SENT_KEYS = 10_000;

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
  /** Per key, the newest version this publisher has taken, and where it lands. */
  private readonly newest = new Map<string, { stamp: VersionStamp; position: Promise<LogPosition> }>();

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

  publish(event: ChangeEvent, options: PublishOptions = {}): Promise<LogPosition> {
    const notAfter = options.notAfter ?? Date.now() + this.timeoutMs;
    const what = `publishing ${event.key}@${event.version}`;
    const lateMessage = `${what} did not reach the log before its publish lease ended (${this.timeoutMs} ms)`;
    const held = this.newest.get(event.key);
    if (held !== undefined && !isNewer(event, held.stamp)) {
      // A newer version of the key is already on its way: it carries this one's effect, and
      // sending this one after it would put an older state behind a newer one in the log.
      return withDeadline(held.position, notAfter - Date.now(), what, lateMessage);
    }
    const published = new Promise<LogPosition>((resolve, reject) => {
      this.queue.push({ event, resolve, reject, notAfter });
    });
    this.remember(event, published);
    void this.pump();
    return withDeadline(published, notAfter - Date.now(), what, lateMessage);
  }

  async disconnect(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  private remember(event: ChangeEvent, position: Promise<LogPosition>): void {
    this.newest.delete(event.key);
    this.newest.set(event.key, { stamp: stampOf(event), position });
    if (this.newest.size > SENT_KEYS) this.newest.delete(this.newest.keys().next().value as string);
    position.catch(() => {
      if (this.newest.get(event.key)?.position === position) this.newest.delete(event.key);
    });
  }

  private async pump(): Promise<void> {
    if (this.sending) return;
    this.sending = true;
    try {
      while (this.queue.length > 0) {
        // An event whose publish lease ended is never handed to Kafka: its caller got its 503, a
        // later version of the key may already be in the log (core/publish-order.ts), and the
        // relay republishes the current state. Fresh writes also stop queueing behind it.
        const now = Date.now();
        const batch: Pending[] = [];
        for (const p of this.queue.splice(0, MAX_COALESCED)) {
          if (p.notAfter > now) batch.push(p);
          else p.reject(new UnavailableError(`the publish lease of ${p.event.key}@${p.event.version} ended before the log took it`));
        }
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
 * Events of one key are handed to the publisher in version order (core/publish-order.ts); a batch
 * is still put in version order per key (in the slots that key already holds), so even events
 * handed over out of order by a caller that bypassed the ordering land with versions rising.
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
    const sorted = indices.map((i) => batch[i] as T).sort((a, b) => compareVersions(a.event, b.event));
    indices.forEach((slot, k) => {
      batch[slot] = sorted[k] as T;
    });
  }
}

export function withDeadline<T>(promise: Promise<T>, ms: number, what: string, message = `${what} took longer than ${ms} ms`): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(message)), Math.max(0, ms));
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
