import { leaderTableDefinition, simpleTableDefinition } from '../adapters/dynamodb/table-definitions';
import { ensureTables } from '../adapters/dynamodb/table-provisioner';
import { ensureTopics, replicationTopicConfigs } from '../adapters/kafka/replication-admin';
import type { Runtime } from '../functions/runtime';

/** Creates whatever is missing: the three kinds of tables and the replication and dead-letter topics. */
export async function provisionReplication(rt: Runtime, followerIds: readonly string[]): Promise<void> {
  const { config } = rt;
  await Promise.all([
    ensureTables(rt.documentClient, [
      leaderTableDefinition(config.tables.leader),
      simpleTableDefinition(config.tables.control),
      ...followerIds.map((id) => simpleTableDefinition(config.tables.follower(id))),
    ]),
    ensureTopics(rt.kafka, replicationTopicConfigs(config.topic, config.deadLetterTopic, config.partitions)),
  ]);
}
