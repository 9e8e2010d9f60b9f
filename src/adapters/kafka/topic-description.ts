import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { translateKafkaError } from './kafka-errors';

export interface TopicDescription {
  topic: string;
  exists: boolean;
  partitions: number;
  /** The topic's effective settings for the names asked about (broker defaults included). */
  configs: Record<string, string>;
}

/**
 * What a cluster really holds for the given topics, so `replog topics create` can tell a user
 * whose topic already existed with the wrong cleanup policy instead of silently accepting it.
 */
export async function describeTopics(kafka: Kafka, topics: readonly string[], configNames: readonly string[]): Promise<TopicDescription[]> {
  const admin = kafka.admin();
  try {
    await admin.connect();
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
      return {
        topic,
        exists: existing.has(topic),
        partitions: meta?.partitions.length ?? 0,
        configs: Object.fromEntries((resource?.configEntries ?? []).map((e) => [e.configName, e.configValue])),
      };
    });
  } catch (error) {
    throw translateKafkaError(error, 'describeTopics');
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
