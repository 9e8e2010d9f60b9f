import { performance } from 'node:perf_hooks';
import type { Admin, Consumer, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import { translateKafkaError } from './kafka-errors';

/** One record as the raw follower cycle hands it to its apply step. */
export interface FloorRecord {
  key: string;
  value: string;
  partition: number;
  offset: string;
}

/** A raw follower cycle, each mark in ms after the producer's acknowledgement. */
export interface CycleTiming {
  produceMs: number;
  /** The consumer had the record (may be ≤ 0: a waiting fetch can answer before the produce does). */
  deliveredMs: number;
  appliedMs: number;
  committedMs: number;
}

interface CycleWaiter {
  ackedAt: number | undefined;
  deliveredAt?: number;
  appliedAt?: number;
  resolve: (committedAt: number) => void;
  reject: (error: unknown) => void;
}

/**
 * The log's side of the benchmark floor: a plain producer (acks=all), a plain admin offset fetch
 * and a bare follower cycle (fetch → apply → commit) on a scratch topic, configured like replog's
 * own clients but with none of replog's code around them.
 */
export class KafkaFloorProbe {
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly consumer: Consumer;
  private readonly waiters = new Map<string, CycleWaiter>();
  private apply: ((record: FloorRecord) => Promise<void>) | undefined;
  /** Plain produces go to `topic`; the follower cycle has a topic of its own so the two never mix. */
  readonly cycleTopic: string;

  constructor(
    kafka: Kafka,
    readonly topic: string,
    private readonly partitions: number,
    readonly groupId: string,
  ) {
    this.cycleTopic = `${topic}.cycle`;
    this.producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    this.admin = kafka.admin();
    // The same fetch settings as FollowerConsumer, so the floor pays what a replog follower pays.
    this.consumer = kafka.consumer({
      groupId,
      sessionTimeout: 6000,
      heartbeatInterval: 1000,
      maxWaitTimeInMs: 250,
      minBytes: 1,
      allowAutoTopicCreation: false,
    });
  }

  /** Creates the scratch topic and joins the raw follower's group; `apply` is its store write. */
  async start(apply: (record: FloorRecord) => Promise<void>): Promise<void> {
    this.apply = apply;
    try {
      await this.admin.connect();
      const existing = new Set(await this.admin.listTopics());
      const missing = [this.topic, this.cycleTopic].filter((t) => !existing.has(t));
      if (missing.length > 0) {
        await this.admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: this.partitions })), waitForLeaders: true });
      }
      await this.producer.connect();
      await this.consumer.connect();
      const joined = new Promise<void>((resolve) => {
        const off = this.consumer.on(this.consumer.events.GROUP_JOIN, () => {
          off();
          resolve();
        });
      });
      // The cycle topic is new and empty: from the beginning, no cycle record can slip past the first fetch.
      await this.consumer.subscribe({ topic: this.cycleTopic, fromBeginning: true });
      await this.consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: 4,
        eachBatch: (payload) => this.onBatch(payload),
      });
      await joined;
    } catch (error) {
      throw translateKafkaError(error, 'floor probe start');
    }
  }

  /** One acks=all produce of one record; resolves with where it landed. */
  async produce(key: string, value: string, topic = this.topic): Promise<{ partition: number; offset: string }> {
    const [meta] = await this.producer.send({ topic, acks: -1, messages: [{ key, value }] });
    if (!meta) throw translateKafkaError(new Error('the broker returned no record metadata'), 'produce');
    return { partition: meta.partition, offset: meta.baseOffset ?? '-1' };
  }

  /** One committed-offset fetch for one group: what the leader's offset watcher does per round. */
  async fetchOffsets(): Promise<void> {
    await this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.cycleTopic] });
  }

  /** Produces `value` under a fresh `key` and resolves once the raw follower committed past it. */
  async cycle(key: string, value: string): Promise<CycleTiming> {
    const started = performance.now();
    const committed = new Promise<number>((resolve, reject) => {
      this.waiters.set(key, { ackedAt: undefined, resolve, reject });
    });
    const waiter = this.waiters.get(key) as CycleWaiter;
    try {
      await this.produce(key, value, this.cycleTopic);
    } catch (error) {
      this.waiters.delete(key);
      throw error;
    }
    const ackedAt = performance.now();
    waiter.ackedAt = ackedAt;
    const deadline = setTimeout(() => waiter.reject(new Error(`raw follower cycle for ${key} did not commit within 30 s`)), 30_000);
    try {
      const committedAt = await committed;
      return {
        produceMs: ackedAt - started,
        deliveredMs: (waiter.deliveredAt ?? committedAt) - ackedAt,
        appliedMs: (waiter.appliedAt ?? committedAt) - ackedAt,
        committedMs: committedAt - ackedAt,
      };
    } finally {
      clearTimeout(deadline);
      this.waiters.delete(key);
    }
  }

  private async onBatch({ batch, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    const deliveredAt = performance.now();
    const last = batch.messages[batch.messages.length - 1];
    if (!last) return;
    const touched: CycleWaiter[] = [];
    for (const message of batch.messages) {
      const key = message.key?.toString() ?? '';
      const waiter = this.waiters.get(key);
      if (waiter) {
        waiter.deliveredAt = deliveredAt;
        touched.push(waiter);
      }
      await this.apply?.({ key, value: message.value?.toString() ?? '', partition: batch.partition, offset: message.offset });
      if (waiter) waiter.appliedAt = performance.now();
    }
    resolveOffset(last.offset);
    await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }]);
    const committedAt = performance.now();
    for (const waiter of touched) waiter.resolve(committedAt);
    await heartbeat();
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect().catch(() => undefined);
    await this.producer.disconnect().catch(() => undefined);
    await this.admin.deleteTopics({ topics: [this.topic, this.cycleTopic] }).catch(() => undefined);
    await this.admin.deleteGroups([this.groupId]).catch(() => undefined);
    await this.admin.disconnect().catch(() => undefined);
  }
}

/** Removes topics a benchmark created on a shared broker (best effort: a broker may forbid deletes). */
export async function deleteTopics(kafka: Kafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t));
    if (present.length > 0) await admin.deleteTopics({ topics: present, timeout: 10_000 });
  } catch {
    // Leftover topics only cost disk on a scratch broker.
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
