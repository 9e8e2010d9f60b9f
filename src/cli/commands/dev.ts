import type { Command } from 'commander';
import { loadConfig } from '../../config/config';
import { resetLocalData } from '../../local/local-reset';
import { startLocalStack } from '../../local/local-stack';
import { portOption } from '../cli-options';
import { stopOnSignals } from '../process-lifecycle';

const say = (line: string) => process.stderr.write(`replog: ${line}\n`);

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run everything locally: store, broker, HTTP API and every follower (what `npm start` runs)')
    .option('-p, --port <port>', 'HTTP port (default: PORT or 3000)', portOption)
    .option('--in-memory', 'keep the embedded store in memory instead of .replog/ (with a fresh topic and consumer groups)', false)
    .option('--reset', 'delete the local data first (the store under .replog/ and the local broker’s log), then start afresh', false)
    .action(async (opts: { port?: number; inMemory: boolean; reset: boolean }) => {
      const env: NodeJS.ProcessEnv = { ...process.env, ...(opts.port !== undefined ? { PORT: String(opts.port) } : {}) };
      // Every setting is checked before anything is deleted or started.
      const config = loadConfig(env);
      if (opts.reset) for (const line of await resetLocalData(config, env)) say(line);
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
        command: 'replog dev',
        // `replog replay`, `verify`, `status` and `follower add|remove` find this store and broker through it.
        advertise: true,
        persistent: !opts.inMemory,
        say,
      });
      stopOnSignals(() => stack.stop());
      const url = stack.url ?? '';
      const ids = [...stack.followers.keys()];
      const store = env.DYNAMODB_ENDPOINT
        ? stack.dynamoEndpoint
        : opts.inMemory
          ? `${stack.dynamoEndpoint} (in memory: gone when replog stops)`
          : `${stack.dynamoEndpoint} (data in ${config.dataDir}/dynalite; replog dev --reset starts afresh)`;
      const broker = stack.localBroker
        ? `${stack.brokers.join(',')} (${stack.localBroker.startedHere ? 'started by this run, stopped by Ctrl-C' : 'already running: left running on Ctrl-C'})`
        : stack.brokers.join(',');
      process.stdout.write(
        [
          '',
          `replog is running (${((Date.now() - started) / 1000).toFixed(1)} s)`,
          `  HTTP API     ${url}`,
          `  status       ${url}/replication/status`,
          `  dashboard    ${url}/dashboard`,
          `  DynamoDB     ${store}`,
          `  Kafka        ${broker}  topic ${stack.runtime.config.topic}`,
          `  followers    ${stack.roster.inForce}  (${stack.roster.source})`,
          '',
          `  try: curl -X PUT ${url}/items/a -d '{"n":1}'`,
          `       curl '${url}/items/a?replica=${ids[1] ?? ids[0] ?? 'leader'}'`,
          '',
          'Ctrl-C stops everything this run started.',
          '',
        ].join('\n'),
      );
    });
}
