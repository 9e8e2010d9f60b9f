import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { MSKEvent } from 'aws-lambda';
import type { Log } from '../../core/ports';
import { type LambdaKafkaEventShape, toLambdaKafkaEvent } from './lambda-kafka-event';

export type KafkaBatchHandler = (event: MSKEvent) => Promise<unknown>;

export interface FollowerConsumerOptions {
  groupId: string;
  topic: string;
  bootstrapServers: string;
  handler: KafkaBatchHandler;
  log: Log;
  /** How long the group waits for a silent (crashed) member before moving its partitions. */
  sessionTimeoutMs?: number;
  /** Lambda's default batch cap; small enough that one retry never redoes much work. */
  maxBatchRecords?: number;
  /** Where a group without committed offsets starts: the oldest record (TRIM_HORIZON, the default) or the end (LATEST). */
  fromBeginning?: boolean;
  /** The event source fields of the delivered events (the MSK shape with a local ARN by default). */
  eventShape?: LambdaKafkaEventShape;
  /** A mapping's MaximumBatchingWindowInSeconds, in ms: how long a fetch may wait to fill a batch. */
  batchingWindowMs?: number;
}

/**
 * Runs a follower the way Lambda's Kafka event source mapping does: fetch a batch, invoke the
 * handler, and commit the offset after the last record only once the handler succeeded. There is
 * no interval auto-commit, so a committed offset always means "this table holds it". A failing
 * batch is retried with backoff, never skipped.
 */
export class FollowerConsumer {
  private readonly consumer: Consumer;
  private stopping = false;

  constructor(
    kafka: Kafka,
    private readonly options: FollowerConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 6000,
      heartbeatInterval: Math.min(1000, Math.floor((options.sessionTimeoutMs ?? 6000) / 3)),
      rebalanceTimeout: 10_000,
      // A batching window is a fetch that may wait that long for data to accumulate.
      maxWaitTimeInMs: options.batchingWindowMs ? options.batchingWindowMs : 250,
      minBytes: options.batchingWindowMs ? 1024 * 1024 : 1,
      allowAutoTopicCreation: false,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
    });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.onBatch(payload),
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer.disconnect().catch(() => undefined);
  }

  pause(): void {
    this.consumer.pause([{ topic: this.options.topic }]);
  }

  resume(): void {
    this.consumer.resume([{ topic: this.options.topic }]);
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const max = this.options.maxBatchRecords ?? 500;
    for (let start = 0; start < batch.messages.length; start += max) {
      const slice = batch.messages.slice(start, start + max);
      const last = slice[slice.length - 1];
      if (!last) return;
      const event = toLambdaKafkaEvent(batch.topic, batch.partition, slice, this.options.bootstrapServers, this.options.eventShape);
      let attempt = 0;
      for (;;) {
        if (!isRunning() || isStale() || this.stopping) return;
        // A long batch (a delayed follower waiting for its events to age, a slow store) must not
        // cost the group membership: heartbeat while the handler runs.
        const beating = setInterval(() => void heartbeat().catch(() => undefined), 1000);
        try {
          await this.options.handler(event);
          break;
        } catch (error) {
          attempt += 1;
          const delay = Math.min(5000, 100 * 2 ** Math.min(attempt, 6));
          this.options.log.warn('follower batch failed; retrying the same batch', {
            topic: batch.topic,
            partition: batch.partition,
            offset: slice[0]?.offset,
            lastOffset: last.offset,
            attempt,
            retryInMs: delay,
            error: error instanceof Error ? error.message : String(error),
          });
          await heartbeat().catch(() => undefined);
          await new Promise((r) => setTimeout(r, delay));
        } finally {
          clearInterval(beating);
        }
      }
      resolveOffset(last.offset);
      await this.consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
      ]);
      await heartbeat();
    }
  }
}
