import type { Kafka } from 'kafkajs';
import { durableSettings, type DurableSettings, type TopicHealth } from '../../core/topic-durability';
import { translateKafkaError } from './kafka-errors';
import { ensureTopics, replicationTopicConfigs } from './replication-admin';
import { brokerCount, readTopicHealth } from './topic-description';

/**
 * Creates the replication and dead-letter topics where missing, as durable as the cluster
 * allows (core/topic-durability.ts: RF min(3, brokers), min ISR 2, no unclean elections), and
 * reads back what the cluster holds for both, existing topics included.
 */
export async function provisionTopics(
  kafka: Kafka,
  names: { topic: string; deadLetterTopic: string; partitions: number },
  override: Partial<DurableSettings> = {},
): Promise<{ planned: DurableSettings; brokers: number; health: TopicHealth[] }> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const brokers = await brokerCount(admin);
    const planned = { ...durableSettings(brokers), ...override };
    await ensureTopics(kafka, replicationTopicConfigs(names.topic, names.deadLetterTopic, names.partitions, planned));
    const health = await Promise.all([readTopicHealth(admin, names.topic), readTopicHealth(admin, names.deadLetterTopic)]);
    return { planned, brokers, health };
  } catch (error) {
    throw translateKafkaError(error, 'provisionTopics');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Brokers the cluster reports alive, for planning topics without creating them. */
export async function clusterBrokers(kafka: Kafka): Promise<number> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await brokerCount(admin);
  } catch (error) {
    throw translateKafkaError(error, 'describeCluster');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
