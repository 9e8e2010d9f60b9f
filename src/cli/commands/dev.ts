import type { Command } from 'commander';
import { loadConfig } from '../../config/config';
import type { Config } from '../../config/config';
import { resetLocalData } from '../../local/local-reset';
import { CONTROL_STORE, refuseStoreSettings, separateStoresDir } from '../../local/separate-stores';
import type { StoreStatus } from '../../local/store-farm';
import { startLocalStack } from '../../local/local-stack';
import { replicaIds } from '../../core/control-state';
import { ConfigError } from '../../core/errors';
import { brokerCountOption, portOption } from '../cli-options';
import { stopOnSignals } from '../process-lifecycle';

const say = (line: string) => process.stderr.write(`replog: ${line}\n`);

/** One line per store process: what it holds, where it answers, which process serves it. */
export function storeLines(stores: readonly StoreStatus[], config: Pick<Config, 'tables'>): string[] {
  const width = Math.max(...stores.map((s) => s.id.length));
  return stores.map((s) => {
    const holds = s.id === CONTROL_STORE ? `control store (${config.tables.control})` : `replica ${s.id} (${config.tables.replica(s.id)})`;
    return `    ${s.id.padEnd(width)}  ${s.endpoint}  pid ${s.pid ?? '-'}  ${holds}`;
  });
}

/** One line per child process of the local runtime besides the stores: which process it is, where its metrics are. */
export function processLines(processes: readonly StoreStatus[]): string[] {
  return processes.map((p) => `    ${p.id}  pid ${p.pid ?? '-'} (leader: pid ${process.pid})  metrics ${p.endpoint}/metrics`);
}

export function registerDev(program: Command): void {
  program
    .command('dev')
    .description('run everything locally: store, broker, HTTP API and every follower (what `npm start` runs)')
    .option('-p, --port <port>', 'HTTP port (default: PORT or 3000)', portOption)
    .option('--in-memory', 'keep the embedded store in memory instead of .replog/ (with a fresh topic and consumer groups)', false)
    .option('--reset', 'delete the local data first (the store under .replog/ and the local broker’s log), then start afresh', false)
    .option(
      '--separate-stores',
      'run the control store and each replica’s store (main and every follower) as dynalite processes of their own (default: REPLOG_SEPARATE_STORES)',
    )
    .option('--no-separate-stores', 'one embedded store in this process, whatever REPLOG_SEPARATE_STORES says')
    .option('--single-process', 'run the followers and the outbox relay in this process too, not in a follower process (default: REPLOG_LOCAL_PROCESSES)')
    .option(
      '--brokers <n>',
      'brokers of the local Kafka when KAFKA_BROKERS is unset: 1 (default: REPLOG_LOCAL_BROKERS) or a cluster of n brokers and 3 controllers, each its own JVM, ports from KAFKA_PORT',
      brokerCountOption,
    )
    .action(async (opts: { port?: number; inMemory: boolean; reset: boolean; separateStores?: boolean; singleProcess?: boolean; brokers?: number }) => {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        // The follower process reads the same settings: it gets this choice with the rest.
        ...(opts.singleProcess ? { REPLOG_LOCAL_PROCESSES: 'single' } : {}),
        ...(opts.port !== undefined ? { PORT: String(opts.port) } : {}),
        ...(opts.brokers !== undefined ? { REPLOG_LOCAL_BROKERS: String(opts.brokers) } : {}),
      };
      if (opts.brokers !== undefined && env.KAFKA_BROKERS) {
        throw new ConfigError('replog dev --brokers starts a local Kafka, but KAFKA_BROKERS names one already: unset KAFKA_BROKERS or drop --brokers');
      }
      // Every setting is checked before anything is deleted or started.
      const config = loadConfig(env);
      const separate = opts.separateStores ?? config.separateStores;
      if (separate) refuseStoreSettings(env);
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
        separateStores: separate,
        followerProcess: config.localProcesses === 'separate',
        processMetrics: true,
        tracing: true,
        // A killed leader store stays down past the failure detection, so it is failed over (and
        // rewound when it is back) rather than a blip; a follower's store is back as soon.
        leaderStoreRestartDelayMs: config.failover.failureMs + 2000,
        say,
      });
      stopOnSignals(() => stack.stop());
      const url = stack.url ?? '';
      // Every replica consumes, in this process or in the follower process.
      const ids = replicaIds(await stack.runtime.roster.current());
      const processes = stack.processes?.();
      const stores = stack.stores?.();
      const where = (embedded: string) =>
        opts.inMemory ? '(in memory: gone when replog stops)' : `(data in ${embedded}; replog dev --reset starts afresh)`;
      let store: string;
      if (stores) {
        const took = ((stack.storesStartMs ?? 0) / 1000).toFixed(1);
        store = `${stores.length} store processes, started in ${took} s ${where(separateStoresDir(config.dataDir))}`;
      } else if (env.DYNAMODB_ENDPOINT) {
        store = stack.dynamoEndpoint;
      } else {
        store = `${stack.dynamoEndpoint} ${where(`${config.dataDir}/dynalite`)}`;
      }
      const local = stack.localBroker;
      const shape = local && local.nodes > 1 ? `, ${local.nodes} brokers + 3 controllers` : '';
      const broker = local
        ? `${stack.brokers.join(',')} (${local.startedHere ? 'started by this run, stopped by Ctrl-C' : 'already running: left running on Ctrl-C'}${shape})`
        : stack.brokers.join(',');
      process.stdout.write(
        [
          '',
          `replog is running (${((Date.now() - started) / 1000).toFixed(1)} s)`,
          `  HTTP API     ${url}`,
          `  status       ${url}/replication/status`,
          `  dashboard    ${url}/dashboard`,
          `  metrics      ${url}/metrics  (Prometheus)`,
          `  DynamoDB     ${store}`,
          ...(stores ? storeLines(stores, stack.runtime.config) : []),
          ...(stores
            ? [
                `  failover     ${stack.runtime.config.failover.auto ? `on: kill the leader's store process (kill -9 <pid> above) and a follower takes over after ${stack.runtime.config.failover.failureMs} ms of failed probes` : 'off (REPLOG_AUTO_FAILOVER=false)'}`,
              ]
            : []),
          `  Kafka        ${broker}  topic ${stack.runtime.config.topic}`,
          ...(stack.durability ? [`               ${stack.durability}`] : []),
          `  followers    ${stack.roster.inForce}  (${stack.roster.source})`,
          ...(processes
            ? [
                `               consumers and outbox relay in a follower process, started in ${((stack.processesStartMs ?? 0) / 1000).toFixed(1)} s (--single-process: in this one)`,
                ...processLines(processes),
              ]
            : ['               consumers and outbox relay in this process (REPLOG_LOCAL_PROCESSES=single)']),
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
