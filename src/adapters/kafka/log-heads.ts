import type { Kafka } from 'kafkajs';
import { headKey } from '../../core/apply-lag';
import type { LogHeadReader } from '../../core/ports';
import { translateKafkaError } from './kafka-errors';

/**
 * Reads the record at a log position with one Kafka Fetch request, outside any consumer group.
 *
 * Why kafkajs internals: kafkajs has no public group-less fetch (its consumer is built around
 * groups: tulios/kafkajs#853 and #1579), and joining a throwaway group for every status request
 * would cost a rebalance (3 s on a broker with Kafka's default group.initial.rebalance.delay.ms).
 * The client's cluster, built by the same factory kafkajs uses for its own producers and admins
 * (so TLS, SASL, retries and logging are the client's), sends a plain Fetch. kafkajs is pinned in
 * package-lock.json at 2.2.4, its final release; if the factory is ever missing this fails loudly
 * and status falls back to lower bounds (core/apply-lag.ts).
 */
interface FetchedRecord {
  offset: string;
  timestamp: string;
  value: Buffer | null;
}

interface InternalBroker {
  fetch(request: {
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    isolationLevel: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: { partition: number; messages: FetchedRecord[] }[] }[] }>;
}

interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(query: { nodeId: string }): Promise<InternalBroker>;
}

const CLUSTER_FACTORY = 'private:Kafka:createCluster';
/** Enough for the record batch holding the head; Kafka returns a whole first batch even when it is larger. */
const HEAD_FETCH_BYTES = 64 * 1024;
const READ_COMMITTED = 1;

function clusterOf(kafka: Kafka): InternalCluster {
  const holder = kafka as unknown as Record<symbol, unknown>;
  const factory = Object.getOwnPropertySymbols(holder).find((s) => s.description === CLUSTER_FACTORY);
  const create = factory === undefined ? undefined : holder[factory];
  if (typeof create !== 'function') throw new Error('this kafkajs version has no cluster factory; head records cannot be read');
  return (create as (options: Record<string, unknown>) => InternalCluster)({ allowAutoTopicCreation: false, metadataMaxAge: 300_000 });
}

/** The leader's commit time from a change event's JSON, else the record's own timestamp (a poison record). */
export function recordCommitTime(record: FetchedRecord): number | undefined {
  if (record.value !== null) {
    try {
      const committedAt = (JSON.parse(record.value.toString('utf8')) as { committedAt?: unknown }).committedAt;
      if (typeof committedAt === 'number' && Number.isFinite(committedAt)) return committedAt;
    } catch {
      // Not a change event: the record's timestamp is the best there is.
    }
  }
  const timestamp = Number(record.timestamp);
  return Number.isFinite(timestamp) && timestamp > 0 ? timestamp : undefined;
}

export class KafkaLogHeads implements LogHeadReader {
  private readonly cluster: InternalCluster;
  private connecting: Promise<void> | undefined;
  /** Calls run one at a time, for the same reason fetches do (see commitTimesAt). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.cluster = clusterOf(kafka);
  }

  private connected(): Promise<void> {
    this.connecting ??= (async () => {
      await this.cluster.connect();
      await this.cluster.addTargetTopic(this.topic);
    })().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  commitTimesAt(positions: readonly { partition: number; offset: bigint }[]): Promise<Map<string, number>> {
    const run = this.queue.then(() => this.read(positions));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async read(positions: readonly { partition: number; offset: bigint }[]): Promise<Map<string, number>> {
    const times = new Map<string, number>();
    if (positions.length === 0) return times;
    try {
      await this.connected();
      const leaders = this.cluster.findLeaderForPartitions(this.topic, [...new Set(positions.map((p) => p.partition))]);
      const brokerOf = new Map<number, InternalBroker>();
      for (const [nodeId, partitions] of Object.entries(leaders)) {
        const broker = await this.cluster.findBroker({ nodeId });
        for (const p of partitions) brokerOf.set(p, broker);
      }
      // One small request per position, one after another. Sequential because kafkajs opens a
      // broker's fetch connection lazily and two concurrent first fetches each open one, leaking
      // the first socket; one position per request because Fetch takes one offset per partition
      // and a partition error (an offset moved or compacted) then costs only that head.
      let failure: unknown;
      for (const { partition, offset } of positions) {
        const broker = brokerOf.get(partition);
        if (broker === undefined) continue;
        try {
          const { responses } = await broker.fetch({
            maxWaitTime: 0,
            minBytes: 1,
            maxBytes: HEAD_FETCH_BYTES,
            isolationLevel: READ_COMMITTED,
            topics: [{ topic: this.topic, partitions: [{ partition, fetchOffset: offset.toString(), maxBytes: HEAD_FETCH_BYTES }] }],
          });
          const records = responses.flatMap((r) => r.partitions.filter((p) => p.partition === partition).flatMap((p) => p.messages));
          // The fetch starts at the batch holding the offset; the head is the first record at or after it.
          const head = records.find((r) => BigInt(r.offset) >= offset);
          const at = head === undefined ? undefined : recordCommitTime(head);
          if (at !== undefined) times.set(headKey(partition, offset), at);
        } catch (error) {
          failure ??= error;
        }
      }
      if (failure !== undefined) {
        // Leadership may have moved: the next round reads fresh metadata.
        await this.cluster.refreshMetadata().catch(() => undefined);
        if (times.size === 0) throw failure;
      }
      return times;
    } catch (error) {
      throw translateKafkaError(error, 'Fetch (head records)');
    }
  }

  async disconnect(): Promise<void> {
    this.connecting = undefined;
    await this.cluster.disconnect().catch(() => undefined);
  }
}
