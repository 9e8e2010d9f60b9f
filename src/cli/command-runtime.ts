import { loadConfig } from '../config/config';
import { Runtime } from '../functions/runtime';
import { type LocalEndpoints, readEndpointFile } from '../local/endpoint-file';
import { defaultDataDir, startLocalStack } from '../local/local-stack';

export interface CommandRuntime {
  runtime: Runtime;
  close(): Promise<void>;
}

/** Where a maintenance command's store and broker come from (see openCommandRuntime). */
export type MaintenanceTarget = 'configured' | 'running-dev' | 'local-disk' | 'aws';

export function maintenanceTarget(env: NodeJS.ProcessEnv, dev: LocalEndpoints | undefined): MaintenanceTarget {
  if (env.DYNAMODB_ENDPOINT) return 'configured';
  if (dev && (!env.KAFKA_BROKERS || env.KAFKA_BROKERS === dev.kafka)) return 'running-dev';
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
  const dev = readEndpointFile(defaultDataDir);
  const target = maintenanceTarget(resolved, dev);
  if (target === 'running-dev' && dev) {
    resolved.DYNAMODB_ENDPOINT = dev.dynamodb;
    resolved.KAFKA_BROKERS = dev.kafka;
  } else if (target === 'local-disk') {
    const stack = await startLocalStack({ env: resolved, followers: 'none', dataDir: defaultDataDir });
    return { runtime: stack.runtime, close: () => stack.stop() };
  }
  const runtime = new Runtime(loadConfig(resolved));
  return { runtime, close: () => runtime.close() };
}
