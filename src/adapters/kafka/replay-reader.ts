import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { ConflictError } from '../../core/errors';
import { type LogRecord, recordText } from '../../core/log-record';
import type { Log, ReplayChunkHandler, ReplayReader } from '../../core/ports';
import { consumeBatches, createBatchConsumer } from './batch-consumer';
import { withDeadline } from '../../core/deadline';
import { translateKafkaError } from './kafka-errors';

export interface KafkaReplayReaderOptions {
  groupId: string;
  topic: string;
  log: Log;
  /** Records handed to the replay at a time; a fetched batch (up to 4 MB per partition) is split into chunks. */
  chunkRecords?: number;
  /** Bytes fetched per partition per request (4 MB: a few thousand events at a time). */
  maxBytesPerPartition?: number;
  joinTimeoutMs?: number;
}

interface Reading {
  targets: ReadonlyMap<number, bigint>;
  positions: Map<number, bigint>;
  active: Set<number>;
  inFlight: number;
  onChunk: ReplayChunkHandler;
  signal: AbortSignal | undefined;
  settle: (error?: unknown) => void;
}

/**
 * Reads the replication topic for `replog replay` as a member of the follower's own consumer
 * group: joining makes Kafka keep any other consumer of that group from interleaving, and the
 * replay's commits are the group's offsets, which is what hands over to live consumption. Every
 * partition is paused until `read` seeks it to its start; a partition is paused again as soon as
 * it reaches its target, so nothing past the target is ever handed out.
 */
export class KafkaReplayReader implements ReplayReader {
  private readonly consumer: Consumer;
  private assignment: number[] | undefined;
  private reading: Reading | undefined;
  private crash: Error | undefined;
  private joined = false;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaReplayReaderOptions,
  ) {
    this.consumer = createBatchConsumer(kafka, {
      groupId: options.groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 1000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 * 1024 * 1024,
      maxBytes: 32 * 1024 * 1024,
      minBytes: 1,
      // kafkajs sleeps this long whenever every partition is paused (between the join and the
      // read, and after the last partition is done until the consumer leaves): at 200 ms that was
      // ~0.2 s at each end of every replay. The broker returns at once anyway when data is there.
      maxWaitTimeInMs: 20,
      retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 3000 },
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      this.assignment = [...(event.payload.memberAssignment[options.topic] ?? [])];
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => {
      this.crash = event.payload.error;
      this.reading?.settle(translateKafkaError(event.payload.error, 'replay fetch'));
    });
  }

  async join(): Promise<void> {
    try {
      await consumeBatches(this.consumer, {
        topic: this.options.topic,
        fromBeginning: true,
        partitionsConsumedConcurrently: 64,
        eachBatch: (payload) => this.onBatch(payload),
        // run() creates the group state synchronously, so the topic is paused before the first fetch.
        beforeFetch: () => this.consumer.pause([{ topic: this.options.topic }]),
        joined: (running) => {
          const ms = this.options.joinTimeoutMs ?? 30_000;
          return withDeadline(running, ms, `joining ${this.options.groupId} took longer than ${ms} ms`);
        },
      });
      this.joined = true;
    } catch (error) {
      throw translateKafkaError(error, `joining ${this.options.groupId}`);
    }
    if (this.crash) throw translateKafkaError(this.crash, `joining ${this.options.groupId}`);
    // Pause the assigned partitions one by one, so resuming some later leaves the rest paused.
    this.consumer.pause([{ topic: this.options.topic, partitions: this.assignment ?? [] }]);
  }

  async commit(offsets: ReadonlyMap<number, bigint>): Promise<void> {
    if (offsets.size === 0) return;
    try {
      await this.consumer.commitOffsets(
        [...offsets].map(([partition, offset]) => ({ topic: this.options.topic, partition, offset: offset.toString() })),
      );
    } catch (error) {
      throw translateKafkaError(error, `committing ${this.options.groupId}`);
    }
  }

  read(request: {
    starts: ReadonlyMap<number, bigint>;
    targets: ReadonlyMap<number, bigint>;
    signal?: AbortSignal;
    onChunk: ReplayChunkHandler;
  }): Promise<void> {
    const { topic, groupId } = this.options;
    const assigned = new Set(this.assignment ?? []);
    const foreign = [...request.targets.keys()].filter((p) => !assigned.has(p));
    if (foreign.length > 0) {
      return Promise.reject(
        new ConflictError(`another consumer of ${groupId} owns partition(s) ${foreign.join(', ')}; stop it and run the replay again`),
      );
    }
    const active = new Set([...request.targets].filter(([p, target]) => (request.starts.get(p) ?? target) < target).map(([p]) => p));
    if (active.size === 0 || request.signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const reading: Reading = {
        targets: request.targets,
        positions: new Map(request.starts),
        active,
        inFlight: 0,
        onChunk: request.onChunk,
        signal: request.signal,
        settle: (error) => {
          if (settled) return;
          settled = true;
          this.reading = undefined;
          request.signal?.removeEventListener('abort', onAbort);
          this.consumer.pause([{ topic, partitions: [...request.targets.keys()] }]);
          if (error) reject(error);
          else resolve();
        },
      };
      const onAbort = () => {
        if (reading.inFlight === 0) reading.settle();
      };
      request.signal?.addEventListener('abort', onAbort);
      this.reading = reading;
      for (const p of active) this.consumer.seek({ topic, partition: p, offset: (request.starts.get(p) ?? 0n).toString() });
      this.consumer.resume([{ topic, partitions: [...active] }]);
    });
  }

  async leave(): Promise<void> {
    const wasJoined = this.joined;
    this.joined = false;
    await this.consumer.disconnect().catch((error: unknown) => {
      if (wasJoined) this.options.log.warn('replay consumer did not leave its group cleanly', { groupId: this.options.groupId, error });
    });
  }

  private async onBatch({ batch, heartbeat, isRunning, isStale, resolveOffset }: EachBatchPayload): Promise<void> {
    const reading = this.reading;
    const partition = batch.partition;
    if (!reading?.active.has(partition)) return;
    const target = reading.targets.get(partition) ?? 0n;
    const size = this.options.chunkRecords ?? 2000;
    const messages = batch.messages;
    for (let i = 0; i < messages.length; i += size) {
      if (!isRunning() || isStale() || reading.signal?.aborted || this.reading !== reading) return this.finishIfAborted(reading);
      const position = reading.positions.get(partition) ?? 0n;
      const slice = messages.slice(i, i + size).filter((m) => BigInt(m.offset) >= position);
      const inRange = slice.filter((m) => BigInt(m.offset) < target);
      const reachedTarget = inRange.length < slice.length;
      if (inRange.length === 0 && !reachedTarget) continue;
      const next = reachedTarget ? target : BigInt((inRange[inRange.length - 1] as KafkaMessage).offset) + 1n;
      if (!(await this.deliver(reading, partition, inRange, next, batch.topic))) return;
      // Without auto-resolve kafkajs fetches from the last resolved offset: resolving what was
      // handed out (never committed; commits are the replay's checkpoints) moves the fetch on.
      const last = slice[slice.length - 1];
      if (last) resolveOffset(last.offset);
      await heartbeat().catch(() => undefined);
      if (next >= target) return this.partitionDone(reading, partition);
    }
    // A batch whose records were all filtered (control records) or ended exactly at the target.
    const seenThrough = BigInt(batch.lastOffset()) + 1n;
    if (messages.length > 0) resolveOffset((messages[messages.length - 1] as KafkaMessage).offset);
    if (seenThrough >= target && reading.active.has(partition) && this.reading === reading) {
      if (!(await this.deliver(reading, partition, [], target, batch.topic))) return;
      this.partitionDone(reading, partition);
    }
  }

  private async deliver(reading: Reading, partition: number, messages: KafkaMessage[], next: bigint, topic: string): Promise<boolean> {
    const records: LogRecord[] = messages.map((m) => ({
      topic,
      partition,
      offset: m.offset,
      key: recordText(m.key),
      value: recordText(m.value),
      timestamp: Number(m.timestamp),
      rawKey: m.key,
      rawValue: m.value,
    }));
    reading.inFlight += 1;
    try {
      await reading.onChunk(partition, records, next);
      reading.positions.set(partition, next);
      return true;
    } catch (error) {
      reading.settle(error);
      return false;
    } finally {
      reading.inFlight -= 1;
      this.finishIfAborted(reading);
    }
  }

  private partitionDone(reading: Reading, partition: number): void {
    reading.active.delete(partition);
    this.consumer.pause([{ topic: this.options.topic, partitions: [partition] }]);
    if (reading.active.size === 0 && reading.inFlight === 0) reading.settle();
  }

  private finishIfAborted(reading: Reading): void {
    if (reading.signal?.aborted && reading.inFlight === 0) reading.settle();
  }
}
