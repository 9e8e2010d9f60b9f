import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import { isRetriable, PartitionsUnavailableError, type ReplogError } from '../../core/errors';
import type { OffsetReader } from '../../core/ports';
import type { CommittedOffsets } from '../../core/positions';
import type { DurableSettings, TopicHealth } from '../../core/topic-durability';
import { translateKafkaError } from './kafka-errors';
import { readTopicHealth } from './topic-description';

export interface GroupMembership {
  groupId: string;
  state: string;
  members: number;
}

/**
 * The leader's view of replication through the Kafka admin API: committed offsets per follower
 * group (the confirmation signal), topic end offsets (for lag) and group membership (for health).
 * One long-lived admin connection per process serves every caller.
 */
export class KafkaReplicationAdmin implements OffsetReader {
  private readonly admin: Admin;
  private connecting: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    readonly topic: string,
  ) {
    this.admin = kafka.admin({ retry: { retries: 2, initialRetryTime: 50, maxRetryTime: 500 } });
    this.admin.on(this.admin.events.DISCONNECT, () => {
      this.connecting = undefined;
    });
  }

  private async connected(): Promise<Admin> {
    this.connecting ??= this.admin.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    await this.connecting;
    return this.admin;
  }

  async committedOffsets(groupIds: readonly string[]): Promise<Map<string, CommittedOffsets>> {
    try {
      const admin = await this.connected();
      const results = await Promise.all(
        groupIds.map(async (groupId) => {
          const [topic] = await admin.fetchOffsets({ groupId, topics: [this.topic] });
          const offsets = new Map<number, bigint>();
          for (const p of topic?.partitions ?? []) {
            const n = BigInt(p.offset);
            if (n >= 0n) offsets.set(p.partition, n);
          }
          return [groupId, offsets] as const;
        }),
      );
      return new Map(results);
    } catch (error) {
      throw translateKafkaError(error, 'fetchOffsets');
    }
  }

  async endOffsets(): Promise<{ high: Map<number, bigint>; low: Map<number, bigint> }> {
    try {
      const admin = await this.connected();
      const offsets = await admin.fetchTopicOffsets(this.topic);
      return {
        high: new Map(offsets.map((o) => [o.partition, BigInt(o.high)])),
        low: new Map(offsets.map((o) => [o.partition, BigInt(o.low)])),
      };
    } catch (error) {
      throw await this.namingOfflinePartitions(translateKafkaError(error, 'fetchTopicOffsets'));
    }
  }

  async groupMembership(groupIds: readonly string[]): Promise<Map<string, GroupMembership>> {
    try {
      const admin = await this.connected();
      const { groups } = await admin.describeGroups([...groupIds]);
      return new Map(groups.map((g) => [g.groupId, { groupId: g.groupId, state: g.state, members: g.members.length }]));
    } catch (error) {
      throw translateKafkaError(error, 'describeGroups');
    }
  }

  async offsetsAtTime(timestamp: number): Promise<Map<number, bigint>> {
    try {
      const admin = await this.connected();
      // kafkajs answers the end offset for a partition with nothing at or after the timestamp.
      const offsets = await admin.fetchTopicOffsetsByTimestamp(this.topic, timestamp);
      return new Map(offsets.map((o) => [o.partition, BigInt(o.offset)]));
    } catch (error) {
      throw await this.namingOfflinePartitions(translateKafkaError(error, 'fetchTopicOffsetsByTimestamp'));
    }
  }

  /**
   * kafkajs lists offsets for every partition of the topic in one call and fails it whole when a
   * partition has no leader (LEADER_NOT_AVAILABLE, or no broker to ask): it cannot answer the
   * partitions that can be read. The metadata still can, so the failure says which are offline.
   */
  private async namingOfflinePartitions(error: ReplogError): Promise<ReplogError> {
    try {
      const admin = await this.connected();
      const { topics } = await admin.fetchTopicMetadata({ topics: [this.topic] });
      const offline = (topics[0]?.partitions ?? []).filter((p) => p.leader < 0).map((p) => p.partitionId).sort((a, b) => a - b);
      if (offline.length === 0) return error;
      return new PartitionsUnavailableError(`partition ${offline.join(', ')} of ${this.topic} has no leader: ${error.message}`, offline, {
        cause: error,
        retriable: error.retriable,
      });
    } catch {
      return error;
    }
  }

  /** Moves a group's committed offsets (the group must have no live members), e.g. after a replay. */
  async setGroupOffsets(groupId: string, partitions: { partition: number; offset: string }[]): Promise<void> {
    try {
      const admin = await this.connected();
      await admin.setOffsets({ groupId, topic: this.topic, partitions });
    } catch (error) {
      throw translateKafkaError(error, 'setOffsets');
    }
  }

  /** Deletes a consumer group (it must have no live members), e.g. when a follower is removed. */
  async deleteGroup(groupId: string): Promise<void> {
    try {
      const admin = await this.connected();
      await admin.deleteGroups([groupId]);
    } catch (error) {
      const e = error as { groups?: { errorCode?: number; error?: { type?: string } }[] };
      // GROUP_ID_NOT_FOUND: nothing to delete.
      if (e.groups?.every((g) => g.error?.type === 'GROUP_ID_NOT_FOUND')) return;
      throw translateKafkaError(error, 'deleteGroups');
    }
  }

  /** The replication topic's copies, min ISR and partition health, for status. */
  async topicHealth(): Promise<TopicHealth> {
    try {
      return await readTopicHealth(await this.connected(), this.topic);
    } catch (error) {
      throw translateKafkaError(error, 'describeTopic');
    }
  }

  async disconnect(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
  }
}

/**
 * The replication topic is compacted, so a replay reads about one record per key ever written,
 * not the whole history. replog's deletes are full change events (op=delete with a non-null record
 * value), not Kafka null-value tombstones, so compaction keeps a key's delete as its last record
 * for good: a follower away for any length of time, or rebuilt from earliest, still sees it.
 * - `segment.ms` 1 h and `max.compaction.lag.ms` 1 day: compaction only cleans closed segments, and
 *   Kafka's defaults (7 days, 1 GiB) would leave a small topic uncompacted, i.e. replay unbounded.
 * - `min.compaction.lag.ms` 1 min: the tail stays complete for live followers reading it.
 * - `delete.retention.ms` 1 day: how long a null-value record (an operator purging a key from the
 *   log) stays visible after compaction, for consumers behind by less than that.
 * The dead-letter topic is a plain retained log: poison records are evidence, not state.
 *
 * With `durability` (core/topic-durability.ts) both topics get that replication factor,
 * `min.insync.replicas` and `unclean.leader.election.enable=false` (a replica that missed
 * acknowledged writes must never lead); without it the broker defaults decide.
 */
export function replicationTopicConfigs(topic: string, deadLetterTopic: string, partitions: number, durability?: DurableSettings): ITopicConfig[] {
  const copies = durability
    ? {
        replicationFactor: durability.replicationFactor,
        entries: [
          { name: 'min.insync.replicas', value: String(durability.minInsyncReplicas) },
          { name: 'unclean.leader.election.enable', value: 'false' },
        ],
      }
    : { replicationFactor: undefined, entries: [] };
  const rf = copies.replicationFactor === undefined ? {} : { replicationFactor: copies.replicationFactor };
  return [
    {
      topic,
      numPartitions: partitions,
      ...rf,
      configEntries: [
        { name: 'cleanup.policy', value: 'compact' },
        { name: 'delete.retention.ms', value: String(24 * 3600 * 1000) },
        { name: 'min.compaction.lag.ms', value: String(60 * 1000) },
        { name: 'segment.ms', value: String(3600 * 1000) },
        { name: 'max.compaction.lag.ms', value: String(24 * 3600 * 1000) },
        ...copies.entries,
      ],
    },
    {
      topic: deadLetterTopic,
      numPartitions: 1,
      ...rf,
      configEntries: [
        { name: 'cleanup.policy', value: 'delete' },
        { name: 'retention.ms', value: String(14 * 24 * 3600 * 1000) },
        ...copies.entries,
      ],
    },
  ];
}

/**
 * Creates the missing topics and waits for their leaders. A broker that has just started can
 * answer "does not host this topic-partition" for a topic it is still creating, for longer than
 * kafkajs's own retries last: a retriable failure is tried again with backoff for up to `withinMs`.
 */
export async function ensureTopics(kafka: Kafka, topics: ITopicConfig[], withinMs = 20_000): Promise<void> {
  const until = Date.now() + withinMs;
  for (let pauseMs = 200; ; pauseMs = Math.min(pauseMs * 2, 2000)) {
    try {
      return await ensureTopicsOnce(kafka, topics);
    } catch (error) {
      if (!isRetriable(error) || Date.now() + pauseMs > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}

async function ensureTopicsOnce(kafka: Kafka, topics: ITopicConfig[]): Promise<void> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.topic));
    if (missing.length > 0) await admin.createTopics({ topics: missing, waitForLeaders: true });
    // Metadata can lag topic creation by a moment; wait until every partition has a leader.
    await admin.fetchTopicMetadata({ topics: topics.map((t) => t.topic) });
  } catch (error) {
    if ((error as { type?: string }).type === 'TOPIC_ALREADY_EXISTS') return;
    throw translateKafkaError(error, 'createTopics');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
