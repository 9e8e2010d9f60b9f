import { loadConfig } from '../config/config';
import { Runtime } from '../functions/runtime';
import { readEndpointFile } from '../local/endpoint-file';
import { defaultDataDir, startLocalStack } from '../local/local-stack';

export interface CommandRuntime {
  runtime: Runtime;
  close(): Promise<void>;
}

/**
 * The runtime for maintenance commands (replay, verify, follower add|remove):
 * - with DYNAMODB_ENDPOINT or KAFKA_BROKERS set, exactly those (AWS DynamoDB when no endpoint is set);
 * - otherwise the store and broker of the `replog dev` running here (its endpoints.json),
 * - or, with no `replog dev` running, the local stack on the store `replog dev` keeps on disk.
 */
export async function openCommandRuntime(env: NodeJS.ProcessEnv = process.env): Promise<CommandRuntime> {
  const resolved = { ...env };
  if (!resolved.DYNAMODB_ENDPOINT && !resolved.KAFKA_BROKERS) {
    const dev = readEndpointFile(defaultDataDir);
    if (!dev) {
      const stack = await startLocalStack({ env: resolved, followers: 'none', dataDir: defaultDataDir });
      return { runtime: stack.runtime, close: () => stack.stop() };
    }
    resolved.DYNAMODB_ENDPOINT = dev.dynamodb;
    resolved.KAFKA_BROKERS = dev.kafka;
  }
  const runtime = new Runtime(loadConfig(resolved));
  return { runtime, close: () => runtime.close() };
}
