import { leaderTableDefinition, simpleTableDefinition } from '../adapters/dynamodb/table-definitions';
import { ensureTables } from '../adapters/dynamodb/table-provisioner';
import { provisionTopics } from '../adapters/kafka/topic-provisioner';
import { MAIN_REPLICA } from '../config/replica-settings';
import { ConfigError } from '../core/errors';
import { judgeTopics } from '../core/topic-durability';
import type { Runtime } from '../functions/runtime';

/**
 * Creates whatever is missing: the control table in the control store, every replica's table in
 * its own store (each leader-shaped, outbox index included, because any replica may lead), and
 * the replication and dead-letter topics, as durable as the cluster allows. Then the startup
 * check: topics where an acknowledged write can live on one broker only are refused unless
 * REPLOG_ALLOW_SINGLE_COPY, and said out loud when allowed. Returns the warnings and a summary.
 */
export async function provisionReplication(rt: Runtime, followerIds: readonly string[]): Promise<{ summary: string; warnings: string[] }> {
  const { config } = rt;
  const replicas = [MAIN_REPLICA, ...followerIds.filter((id) => id !== MAIN_REPLICA)];
  const [, , topics] = await Promise.all([
    ensureTables(rt.controlClient, [simpleTableDefinition(config.tables.control)]),
    Promise.all(replicas.map((id) => ensureTables(rt.replicaClient(id), [leaderTableDefinition(config.tables.replica(id))]))),
    provisionTopics(rt.kafka, config),
  ]);
  const verdict = judgeTopics(topics.health, config.kafka.allowSingleCopy, 'set REPLOG_ALLOW_SINGLE_COPY=true');
  if (verdict.refusal) throw new ConfigError(`refusing to start: ${verdict.refusal}`, { retriable: false });
  const log = rt.log('topics');
  for (const w of verdict.warnings) log.warn(w, { topic: config.topic });
  return verdict;
}
