import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config';
import { ConfigError } from '../core/errors';
import { readEndpointFile } from './endpoint-file';
import { embeddedStoreDir, separateStoresDir } from './separate-stores';
import { brokerCommand } from './kafka-broker';
import { lockStore } from './store-lock';

/**
 * `replog dev --reset`: deletes the local data, the store and the broker's log together, because
 * follower tables and their consumer groups' committed offsets only make sense side by side. Only
 * what replog keeps locally: a configured store or cluster is someone else's to wipe.
 */
export async function resetLocalData(config: Config, env: NodeJS.ProcessEnv): Promise<string[]> {
  if (env.DYNAMODB_ENDPOINT || env.KAFKA_BROKERS) {
    throw new ConfigError(
      '--reset deletes only the data replog keeps itself (the embedded store and the local broker); with DYNAMODB_ENDPOINT or KAFKA_BROKERS set, ' +
        `delete the tables (${config.tables.leader}, ${config.tables.control}, ${config.tables.follower('<id>')}), the topic ${config.topic} ` +
        `and the consumer groups ${config.groupId('<id>')} there yourself, or choose new REPLOG_TABLE_PREFIX, REPLOG_TOPIC and REPLOG_GROUP_PREFIX`,
    );
  }
  // Taking the lock proves no replog uses the store while it is deleted.
  const lock = lockStore(config.dataDir, 'replog dev --reset');
  try {
    const store = embeddedStoreDir(config.dataDir);
    const stores = separateStoresDir(config.dataDir);
    const hadStores = existsSync(stores);
    rmSync(store, { recursive: true, force: true });
    rmSync(stores, { recursive: true, force: true });
    if (readEndpointFile(config.dataDir) === undefined) rmSync(join(config.dataDir, 'endpoints.json'), { force: true });
    const { localPort, localBrokers } = config.kafka;
    await brokerCommand('reset', localPort, localBrokers);
    const separate = hadStores ? `, the separate stores (${stores})` : '';
    const log =
      localBrokers === 1
        ? `the local broker's log on port ${localPort} (.replog/kafka/data-${localPort})`
        : `the local cluster's logs (${localBrokers} brokers and 3 controllers from port ${localPort}, .replog/kafka/data-${localPort}-n${localBrokers}-*)`;
    return [`reset: deleted the store (${store})${separate} and ${log}`];
  } finally {
    lock.release();
  }
}
