import { type Admin, ConfigResourceTypes, type Kafka } from 'kafkajs';
import type { TopicHealth } from '../../core/topic-durability';
import { translateKafkaError } from './kafka-errors';

export interface TopicDescription {
  topic: string;
  exists: boolean;
  partitions: number;
  /** The smallest replica count of any partition (0 when the topic does not exist). */
  replicationFactor: number;
  /** Partitions whose ISR is smaller than their replica set. */
  underReplicatedPartitions: number[];
  /** The topic's effective settings for the names asked about (broker defaults included). */
  configs: Record<string, string>;
  /** Each partition's leader (-1: none) and in-sync replica count. */
  partitionStates: { partition: number; leader: number; isr: number; errorCode: number }[];
}

/**
 * What a cluster really holds for the given topics, so `replog topics create` can tell a user
 * whose topic already existed with the wrong cleanup policy or too few copies instead of
 * silently accepting it.
 */
export async function describeTopics(kafka: Kafka, topics: readonly string[], configNames: readonly string[]): Promise<TopicDescription[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await describeWith(admin, topics, configNames);
  } catch (error) {
    throw translateKafkaError(error, 'describeTopics');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function describeWith(admin: Admin, topics: readonly string[], configNames: readonly string[]): Promise<TopicDescription[]> {
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t));
  const metadata = present.length > 0 ? await admin.fetchTopicMetadata({ topics: present }) : { topics: [] };
  const described =
    present.length > 0
      ? await admin.describeConfigs({
          includeSynonyms: false,
          resources: present.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: [...configNames] })),
        })
      : { resources: [] };
  return topics.map((topic) => {
    const meta = metadata.topics.find((t) => t.name === topic);
    const resource = described.resources.find((r) => r.resourceName === topic);
    const parts = meta?.partitions ?? [];
    return {
      topic,
      exists: existing.has(topic),
      partitions: parts.length,
      replicationFactor: parts.length === 0 ? 0 : Math.min(...parts.map((p) => p.replicas.length)),
      underReplicatedPartitions: parts.filter((p) => p.isr.length < p.replicas.length).map((p) => p.partitionId),
      configs: Object.fromEntries((resource?.configEntries ?? []).map((e) => [e.configName, e.configValue])),
      partitionStates: parts.map((p) => ({ partition: p.partitionId, leader: p.leader, isr: p.isr.length, errorCode: p.partitionErrorCode })),
    };
  });
}

/** Brokers the cluster reports alive now (a KRaft cluster lists registered, unfenced brokers). */
export async function brokerCount(admin: Admin): Promise<number> {
  const { brokers } = await admin.describeCluster();
  return brokers.length;
}

/** Copies, min ISR and partition health of one topic, through an admin client already connected. */
export async function readTopicHealth(admin: Admin, topic: string): Promise<TopicHealth> {
  const [brokers, [d]] = await Promise.all([
    brokerCount(admin),
    describeWith(admin, [topic], ['min.insync.replicas', 'unclean.leader.election.enable']),
  ]);
  const description = d as TopicDescription;
  const minIsrText = description.configs['min.insync.replicas'];
  const minInsyncReplicas = minIsrText === undefined ? null : Number(minIsrText);
  const uncleanText = description.configs['unclean.leader.election.enable'];
  const parts = description.partitionStates;
  return {
    topic,
    brokers,
    partitions: description.partitions,
    replicationFactor: description.replicationFactor,
    minInsyncReplicas,
    uncleanLeaderElection: uncleanText === undefined ? null : uncleanText === 'true',
    underReplicatedPartitions: description.underReplicatedPartitions,
    belowMinIsrPartitions: minInsyncReplicas === null ? [] : parts.filter((p) => p.isr < minInsyncReplicas).map((p) => p.partition),
    // kafkajs reports a leaderless partition with leader -1 or LEADER_NOT_AVAILABLE (5).
    offlinePartitions: parts.filter((p) => p.leader < 0 || p.errorCode === 5).map((p) => p.partition),
  };
}
