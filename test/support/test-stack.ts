import { loadConfig } from '../../src/config/config';
import type { EmbeddedDynamo } from '../../src/local/dynalite-server';
import { type LocalStack, startLocalStack } from '../../src/local/local-stack';
import { apiClient } from './http-client';
import { startSharedStore } from './shared-store';
import { type StoreFarmEnv, startStoreFarmEnv } from './store-farm-env';
import { isolatedEnv, uniqueNames } from './test-names';

export interface TestStack {
  stack: LocalStack;
  /** The store DYNAMODB_ENDPOINT names: the embedded one, or with separateStores the control store. */
  dynamo: EmbeddedDynamo;
  /** With separateStores: the store processes (the control store and one per replica), to kill and start. */
  stores: StoreFarmEnv | undefined;
  env: NodeJS.ProcessEnv;
  names: ReturnType<typeof uniqueNames>;
  url: string;
  api: ReturnType<typeof apiClient>;
  stop(): Promise<void>;
}

/**
 * A whole replog in the test process: dynalite in memory (in a store process of its own), the shared real broker, a fresh topic,
 * tables and groups, the HTTP API on a free port and the requested followers.
 */
export async function startTestStack(
  label: string,
  options: {
    env?: Record<string, string>;
    followers?: 'all' | 'none' | string[];
    http?: boolean;
    /** Names made beforehand (a test that creates its topic itself). */
    names?: ReturnType<typeof uniqueNames>;
    /** The control store and each replica's store (main and the followers of `env`) as processes of their own. */
    separateStores?: boolean;
  } = {},
): Promise<TestStack> {
  const names = options.names ?? uniqueNames(label);
  let stores: StoreFarmEnv | undefined;
  let dynamo: EmbeddedDynamo;
  if (options.separateStores) {
    const farm = await startStoreFarmEnv(loadConfig(options.env ?? {}).replicas.ids);
    stores = farm;
    dynamo = { endpoint: farm.env.DYNAMODB_ENDPOINT, close: async () => void (await farm.stop()) };
  } else {
    dynamo = await startSharedStore();
  }
  const env = isolatedEnv(names, dynamo.endpoint, { ...stores?.env, ...options.env });
  const stack = await startLocalStack({ env, http: options.http ?? true, followers: options.followers ?? 'all' }).catch(async (error: unknown) => {
    await dynamo.close();
    throw error;
  });
  const url = stack.url ?? '';
  return {
    stack,
    dynamo,
    stores,
    env,
    names,
    url,
    api: apiClient(url),
    async stop() {
      await stack.stop();
      await dynamo.close();
    },
  };
}
