import { leaderTableDefinition, simpleTableDefinition } from '../adapters/dynamodb/table-definitions';
import { ensureTables } from '../adapters/dynamodb/table-provisioner';
import { ensureTopics, replicationTopicConfigs } from '../adapters/kafka/replication-admin';
import { MAIN_REPLICA } from '../config/replica-settings';
import type { Runtime } from '../functions/runtime';

/**
 * Creates whatever is missing: the control table in the control store, every replica's table in
 * its own store (each leader-shaped, outbox index included, because any replica may lead), and
 * the replication and dead-letter topics.
 */
export async function provisionReplication(rt: Runtime, followerIds: readonly string[]): Promise<void> {
  const { config } = rt;
  const replicas = [MAIN_REPLICA, ...followerIds.filter((id) => id !== MAIN_REPLICA)];
  await Promise.all([
    ensureTables(rt.controlClient, [simpleTableDefinition(config.tables.control)]),
    ...replicas.map((id) => ensureTables(rt.replicaClient(id), [leaderTableDefinition(config.tables.replica(id))])),
    ensureTopics(rt.kafka, replicationTopicConfigs(config.topic, config.deadLetterTopic, config.partitions)),
  ]);
}
