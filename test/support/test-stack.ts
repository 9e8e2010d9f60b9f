import { startDynalite, type EmbeddedDynamo } from '../../src/local/dynalite-server';
import { type LocalStack, startLocalStack } from '../../src/local/local-stack';
import { apiClient } from './http-client';
import { isolatedEnv, uniqueNames } from './test-names';

export interface TestStack {
  stack: LocalStack;
  dynamo: EmbeddedDynamo;
  env: NodeJS.ProcessEnv;
  names: ReturnType<typeof uniqueNames>;
  url: string;
  api: ReturnType<typeof apiClient>;
  stop(): Promise<void>;
}

/**
 * A whole replog in the test process: dynalite in memory, the shared real broker, a fresh topic,
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
  } = {},
): Promise<TestStack> {
  const names = options.names ?? uniqueNames(label);
  const dynamo = await startDynalite();
  const env = isolatedEnv(names, dynamo.endpoint, options.env);
  const stack = await startLocalStack({ env, http: options.http ?? true, followers: options.followers ?? 'all' });
  const url = stack.url ?? '';
  return {
    stack,
    dynamo,
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
