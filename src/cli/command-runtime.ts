import { loadConfig } from '../config/config';
import { ConfigError } from '../core/errors';
import { Runtime } from '../functions/runtime';
import { type LocalEndpoints, readEndpointFile } from '../local/endpoint-file';
import { startLocalStack } from '../local/local-stack';
import { separateStoresOnDisk, storeEnv } from '../local/separate-stores';

export interface CommandRuntime {
  runtime: Runtime;
  close(): Promise<void>;
}

/** Where a maintenance command's store and broker come from (see openCommandRuntime). */
export type MaintenanceTarget = 'configured' | 'running-dev' | 'local-disk' | 'aws';

const sameBroker = (env: NodeJS.ProcessEnv, dev: LocalEndpoints) => !env.KAFKA_BROKERS || env.KAFKA_BROKERS === dev.kafka;

/**
 * The store settings that reach the running `replog dev`'s stores: its store, or with
 * `--separate-stores` its control store plus each replica's own (REPLOG_CONTROL_ENDPOINT,
 * REPLOG_REPLICA_ENDPOINTS), limited to the replicas this process's configuration has. A setting
 * the caller gave is kept.
 */
export function devStoreEnv(env: NodeJS.ProcessEnv, dev: LocalEndpoints): NodeJS.ProcessEnv {
  const own: NodeJS.ProcessEnv = { DYNAMODB_ENDPOINT: dev.dynamodb };
  if (dev.stores) {
    const { REPLOG_CONTROL_ENDPOINT, REPLOG_REPLICA_ENDPOINTS } = storeEnv(dev.stores, loadConfig(env).replicas.ids);
    if (!env.REPLOG_CONTROL_ENDPOINT) own.REPLOG_CONTROL_ENDPOINT = REPLOG_CONTROL_ENDPOINT;
    if (!env.REPLOG_REPLICA_ENDPOINTS && REPLOG_REPLICA_ENDPOINTS) own.REPLOG_REPLICA_ENDPOINTS = REPLOG_REPLICA_ENDPOINTS;
  }
  return { ...env, ...own, KAFKA_BROKERS: dev.kafka };
}

/** How a notice names the running replog's stores. */
function devStoresText(dev: LocalEndpoints): string {
  if (!dev.stores) return dev.dynamodb;
  const replicas = Object.entries(dev.stores.replicas).map(([id, s]) => `${id} ${s.endpoint}`);
  return `control ${dev.stores.control.endpoint}, ${replicas.join(', ')}`;
}

export function maintenanceTarget(env: NodeJS.ProcessEnv, dev: LocalEndpoints | undefined): MaintenanceTarget {
  if (env.DYNAMODB_ENDPOINT) return 'configured';
  if (dev && sameBroker(env, dev)) return 'running-dev';
  return env.KAFKA_BROKERS ? 'aws' : 'local-disk';
}

/**
 * The runtime for maintenance commands (replay, verify, follower add|remove):
 * - DYNAMODB_ENDPOINT set: exactly the configured store and broker;
 * - else a `replog dev` running here (its endpoints.json) whose broker is the configured one, or
 *   no broker is configured: that replog's store and broker;
 * - else no broker configured either: the local stack on the store `replog dev` keeps on disk;
 * - else (a broker but no endpoint): AWS DynamoDB with the configured broker.
 */
export async function openCommandRuntime(env: NodeJS.ProcessEnv = process.env): Promise<CommandRuntime> {
  const resolved = { ...env };
  const { dataDir } = loadConfig(resolved);
  const dev = readEndpointFile(dataDir);
  const target = maintenanceTarget(resolved, dev);
  if (target === 'running-dev' && dev) {
    Object.assign(resolved, devStoreEnv(resolved, dev));
  } else if (target === 'local-disk') {
    const stack = await startLocalStack({
      env: resolved,
      followers: 'none',
      persistent: true,
      // The stores `replog dev --separate-stores` keeps on disk are opened the same way.
      separateStores: separateStoresOnDisk(dataDir),
      command: 'a replog maintenance command',
      say: (line) => process.stderr.write(`replog: ${line}\n`),
    });
    return { runtime: stack.runtime, close: () => stack.stop() };
  }
  const runtime = new Runtime(loadConfig(resolved));
  return { runtime, close: () => runtime.close() };
}

/**
 * `replog serve` and `replog follower` are one part of a replog spread over processes, so their
 * store must be one every part reaches: a store of their own would be private, and a follower
 * writing where the leader never reads must never confirm a write. Without DYNAMODB_ENDPOINT they
 * use the store (and broker) of the `replog dev` running here, as the maintenance commands do, or
 * refuse to start.
 */
export function sharedStoreTarget(env: NodeJS.ProcessEnv, dev: LocalEndpoints | undefined): 'configured' | 'running-dev' | 'refuse' {
  if (env.DYNAMODB_ENDPOINT) return 'configured';
  return dev && sameBroker(env, dev) ? 'running-dev' : 'refuse';
}

export function resolveSharedStore(command: string, env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; notice: string | undefined } {
  const { dataDir } = loadConfig(env);
  const dev = readEndpointFile(dataDir);
  const target = sharedStoreTarget(env, dev);
  if (target === 'configured') return { env, notice: undefined };
  if (target === 'running-dev' && dev) {
    return {
      env: devStoreEnv(env, dev),
      notice: `using the ${dev.stores ? 'stores' : 'store'} and broker of the replog dev running here (pid ${dev.pid}): ${devStoresText(dev)}, ${dev.kafka}`,
    };
  }
  throw new ConfigError(
    `${command} needs a store that the other replog processes reach, and none is set: without DYNAMODB_ENDPOINT it would keep a private in-memory store, ` +
      'and a follower that writes where the leader never reads must never confirm a write. ' +
      `Set DYNAMODB_ENDPOINT to a store every process reaches, or start \`replog dev\` here first (${command} then uses its store and broker)` +
      (dev ? `; the replog dev running here (pid ${dev.pid}) uses the broker ${dev.kafka}, not KAFKA_BROKERS=${env.KAFKA_BROKERS}` : ''),
  );
}
