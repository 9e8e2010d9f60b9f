import type { Command } from 'commander';
import { defaultDataDir, startLocalStack } from '../../local/local-stack';
import { portOption } from '../cli-options';
import { stopOnSignals } from '../process-lifecycle';

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run everything locally: store, broker, HTTP API and every follower (what `npm start` runs)')
    .option('-p, --port <port>', 'HTTP port (default: PORT or 3000)', portOption)
    .option('--in-memory', 'keep the embedded store in memory instead of .replog/ (with a fresh topic and consumer groups)', false)
    .action(async (opts: { port?: number; inMemory: boolean }) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...(opts.port !== undefined ? { PORT: String(opts.port) } : {}) };
      if (opts.inMemory) {
        // The broker keeps its log and group offsets across runs, an in-memory store does not:
        // a fresh topic and groups per run keep an empty store from meeting an old log's versions.
        const run = `mem-${Date.now().toString(36)}`;
        env.REPLOG_TOPIC ||= `replog.changes.${run}`;
        env.REPLOG_GROUP_PREFIX ||= `replog-${run}`;
      }
      const started = Date.now();
      const stack = await startLocalStack({
        env,
        http: true,
        followers: 'all',
        // `replog replay`, `verify` and `follower add|remove` find this store and broker through it.
        advertiseIn: defaultDataDir,
        ...(opts.inMemory ? {} : { dataDir: defaultDataDir }),
      });
      stopOnSignals(() => stack.stop());
      const url = stack.url ?? '';
      process.stdout.write(
        [
          '',
          `replog is running (${((Date.now() - started) / 1000).toFixed(1)} s)`,
          `  HTTP API     ${url}`,
          `  status       ${url}/replication/status`,
          `  dashboard    ${url}/dashboard`,
          `  DynamoDB     ${stack.dynamoEndpoint}`,
          `  Kafka        ${stack.brokers.join(',')}  topic ${stack.runtime.config.topic}`,
          `  followers    ${[...stack.followers.keys()].join(', ')}`,
          '',
          `  try: curl -X PUT ${url}/items/a -d '{"n":1}'`,
          `       curl '${url}/items/a?replica=${[...stack.followers.keys()][1] ?? [...stack.followers.keys()][0] ?? 'leader'}'`,
          '',
          'Ctrl-C stops everything.',
          '',
        ].join('\n'),
      );
    });
}
