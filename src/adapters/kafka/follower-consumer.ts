import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { MSKEvent } from 'aws-lambda';
import { hostname } from 'node:os';
import { ConsumerLifecycle, type ConsumerReport } from '../../core/consumer-state';
import { isRetriable } from '../../core/errors';
import type { Log } from '../../core/ports';
import { consumeBatches, createBatchConsumer } from './batch-consumer';
import { type LambdaKafkaEventShape, toLambdaKafkaEvent } from './lambda-kafka-event';

export type KafkaBatchHandler = (event: MSKEvent) => Promise<unknown>;

export interface FollowerConsumerOptions {
  groupId: string;
  topic: string;
  bootstrapServers: string;
  handler: KafkaBatchHandler;
  log: Log;
  /** Tracks failures and restarts; its reports go to `report`. One of its own by default. */
  lifecycle?: ConsumerLifecycle;
  /** Where the consumer's state goes (the control table, for status); a failure here is logged, never fatal. */
  report?: (report: ConsumerReport) => Promise<void>;
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
  /**
   * How long after the handler's success the commit is sent (REPLOG_FAULT_COMMIT_DELAY_MS, 0 by
   * default), without holding the next batch back: stands in for an event source mapping, which
   * commits after the invocation returns at a time replog does not control, so applied-record
   * confirmation can be measured against it.
   */
  commitDelayMs?: number;
}

/**
 * kafkajs retries a failing request this often before it gives up and crashes the consumer; the
 * crash is then ours to handle (a fresh consumer, with backoff), so a long outage shows in status
 * as `restarting` instead of hiding inside kafkajs's retry loop.
 */
const REQUEST_RETRIES = 8;

/** The longest pause between two tries of a failed batch. */
const MAX_BATCH_RETRY_MS = 5000;

/**
 * Runs a follower the way Lambda's Kafka event source mapping does: fetch a batch, invoke the
 * handler, and commit the offset after the last record only once the handler succeeded. There is
 * no interval auto-commit, so a committed offset always means "this table holds it". A failing
 * batch is retried with backoff, never skipped.
 *
 * Every failure of the consumer itself (the group forgot the member after a pause past the session
 * timeout, a coordinator moved, the broker restarted) ends in a rejoin with a fresh kafkajs
 * consumer after a backoff, logged at WARN with the Error and reported as `restarting`. kafkajs
 * restarts by itself only after retriable errors and leaves the consumer dead after the others
 * (UNKNOWN_MEMBER_ID from a commit, for one), so its own restart is switched off and every crash
 * takes this one path. Nothing is skipped: a batch whose commit failed is delivered again.
 */
export class FollowerConsumer {
  private consumer: Consumer | undefined;
  private detach: Array<() => void> = [];
  private restartTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private paused = false;
  /** Commits held back by commitDelayMs, chained so they reach the broker in order. */
  private delayedCommits: Promise<void> = Promise.resolve();
  private reporting: Promise<void> = Promise.resolve();
  private readonly lifecycle: ConsumerLifecycle;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: FollowerConsumerOptions,
  ) {
    this.lifecycle = options.lifecycle ?? new ConsumerLifecycle(options.groupId, `${hostname()}:${process.pid}`, Date.now);
  }

  /** Joins the group; a failure here is the caller's (the supervisor tries again), later ones are healed here. */
  async start(): Promise<void> {
    try {
      await this.run();
    } catch (error) {
      await this.dispose();
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.dispose();
  }

  pause(): void {
    this.paused = true;
    this.consumer?.pause([{ topic: this.options.topic }]);
  }

  resume(): void {
    this.paused = false;
    this.consumer?.resume([{ topic: this.options.topic }]);
  }

  private create(): Consumer {
    const session = this.options.sessionTimeoutMs ?? 6000;
    const consumer = createBatchConsumer(this.kafka, {
      groupId: this.options.groupId,
      sessionTimeout: session,
      heartbeatInterval: Math.min(1000, Math.floor(session / 3)),
      // A batching window is a fetch that may wait that long for data to accumulate.
      maxWaitTimeInMs: this.options.batchingWindowMs ? this.options.batchingWindowMs : 250,
      minBytes: this.options.batchingWindowMs ? 1024 * 1024 : 1,
      retry: { retries: REQUEST_RETRIES, initialRetryTime: 200, maxRetryTime: 5000, restartOnFailure: async () => false },
    });
    let memberId: string | undefined;
    this.detach = [
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const dropped = memberId !== undefined && payload.memberId !== memberId;
        memberId = payload.memberId;
        if (dropped) {
          // kafkajs saw UNKNOWN_MEMBER_ID and rejoined by itself, under a new member id.
          const error = new Error('the group had dropped this member (no heartbeat within the session timeout); rejoined as a new member');
          error.name = 'MemberDropped';
          this.options.log.warn('follower consumer rejoined its group after being dropped', { groupId: this.options.groupId, memberId, error });
          void this.publish(this.lifecycle.rejoined(error));
          return;
        }
        const report = this.lifecycle.joined();
        if (report) void this.publish(report);
      }),
      // kafkajs has already disconnected the crashed consumer when this fires.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (consumer === this.consumer) this.scheduleRestart(payload.error);
      }),
    ];
    return consumer;
  }

  private async run(): Promise<void> {
    const consumer = this.create();
    this.consumer = consumer;
    await consumeBatches(consumer, {
      topic: this.options.topic,
      fromBeginning: this.options.fromBeginning ?? true,
      partitionsConsumedConcurrently: 4,
      eachBatch: (payload) => this.onBatch(consumer, payload),
    });
    if (this.paused) consumer.pause([{ topic: this.options.topic }]);
    if (this.stopping) await this.dispose();
  }

  private scheduleRestart(error: unknown): void {
    if (this.stopping) return;
    clearTimeout(this.restartTimer);
    const { delayMs, attempt, report } = this.lifecycle.failed(error);
    this.options.log.warn('follower consumer failed; rejoining its group', {
      groupId: this.options.groupId,
      topic: this.options.topic,
      attempt,
      retryInMs: delayMs,
      error,
    });
    void this.publish(report);
    this.restartTimer = setTimeout(() => void this.restart(), delayMs);
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    await this.dispose();
    try {
      await this.run();
    } catch (error) {
      await this.dispose();
      this.scheduleRestart(error);
    }
  }

  private async dispose(): Promise<void> {
    for (const off of this.detach) off();
    this.detach = [];
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
  }

  /** One report at a time, in order: a late `restarting` must never land after the `running` that followed it. */
  private publish(report: ConsumerReport): Promise<void> {
    this.reporting = this.reporting.then(async () => {
      try {
        await this.options.report?.(report);
      } catch (error) {
        this.options.log.warn('consumer state not reported; status may show an older one', { groupId: this.options.groupId, error });
      }
    });
    return this.reporting;
  }

  private async onBatch(consumer: Consumer, { batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
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
          // A bug or a refusal (a missing table, a denied permission) heals only when someone
          // fixes it: it waits the longest at once and says so at ERROR. Nothing is ever skipped.
          const retriable = isRetriable(error);
          const delay = retriable ? Math.min(MAX_BATCH_RETRY_MS, 100 * 2 ** Math.min(attempt, 6)) : MAX_BATCH_RETRY_MS;
          this.options.log[retriable ? 'warn' : 'error'](retriable ? 'follower batch failed; retrying the same batch' : 'follower batch failed and a retry cannot fix it; retrying the same batch until it is fixed', {
            topic: batch.topic,
            partition: batch.partition,
            offset: slice[0]?.offset,
            lastOffset: last.offset,
            attempt,
            retryInMs: delay,
            error,
          });
          await heartbeat().catch(() => undefined);
          await new Promise((r) => setTimeout(r, delay));
        } finally {
          clearInterval(beating);
        }
      }
      resolveOffset(last.offset);
      if (this.options.commitDelayMs) {
        // Modelled mapping commit: later, in order, without holding the next batch back.
        const due = Date.now() + this.options.commitDelayMs;
        const offset = (BigInt(last.offset) + 1n).toString();
        this.delayedCommits = this.delayedCommits
          .then(async () => {
            const wait = due - Date.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset }]);
          })
          .catch((error: unknown) => this.options.log.warn('delayed commit failed; the batch will be delivered again', { error }));
        await heartbeat();
        continue;
      }
      // A commit refused because the group moved on (a pause past the session timeout) crashes
      // this consumer; the batch was applied but not committed, so it is delivered again.
      await consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
      ]);
      await heartbeat();
    }
  }
}
