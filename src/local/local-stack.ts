import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import type { FollowerConsumer } from '../adapters/kafka/follower-consumer';
import { loadConfig } from '../config/config';
import { ConfigError } from '../core/errors';
import { reportRoster, type RosterReport } from '../core/roster-report';
import { runRelay } from '../functions/relay';
import { Runtime } from '../functions/runtime';
import { startDynalite, type EmbeddedDynamo } from './dynalite-server';
import { readEndpointFile, removeEndpointFile, writeEndpointFile } from './endpoint-file';
import { FollowerSupervisor } from './follower-supervisor';
import { type MetricsServer, startMetricsServer } from './metrics-server';
import { startHttpBridge } from './http-bridge';
import { brokerCommand, ensureLocalBroker, type LocalBroker } from './kafka-broker';
import { provisionReplication } from './provision';
import { startRelayTimer, type RelayTimer } from './relay-timer';
import { startWatchdogTimer, type WatchdogTimer } from './watchdog-timer';
import { rejoinReplica } from '../functions/rejoin';
import { renderRejoinReport } from '../cli/rejoin-output';
import { hostname } from 'node:os';
import { buildRoutes } from './routes';
import { namespacedLogger, resolveLogFormat } from '../observability/logger';
import { startTracing } from '../observability/tracing-sdk';
import { advertisedStores, checkStoreLayout, embeddedStoreDir, refuseStoreSettings, storeEnv, storeSpecs } from './separate-stores';
import { LocalStoreFarm, type StoreStatus } from './store-farm';
import { lockStore, type StoreLock } from './store-lock';

/** The follower process's id in the farm, status and logs. */
export const FOLLOWER_PROCESS = 'followers';

export interface LocalStackOptions {
  env?: NodeJS.ProcessEnv;
  /** Serve the HTTP API (replog dev / serve). */
  http?: boolean;
  /** Which followers run in this process: all configured, none, or the listed ids. */
  followers?: 'all' | 'none' | string[];
  /**
   * Keep the embedded store's data on disk in the data folder (REPLOG_DATA_DIR, default .replog)
   * instead of in memory; the store is then locked to this process.
   */
  persistent?: boolean;
  /** Write where this stack's store and broker are to `<data folder>/endpoints.json` (replog dev), for the other commands. */
  advertise?: boolean;
  /**
   * Run the control store and each replica's store (main and every configured follower) as
   * dynalite processes of their own (`replog dev --separate-stores`), with their data under
   * `<data folder>/stores/<id>` when persistent; DYNAMODB_ENDPOINT and REPLOG_CONTROL_ENDPOINT are
   * then the control store, REPLOG_REPLICA_ENDPOINTS the replicas' stores.
   */
  separateStores?: boolean;
  /** With separateStores: the first wait before a store that died unasked is started again (doubling to 30 s). */
  storeRestartDelayMs?: number;
  /**
   * With separateStores: the first wait for the store of the replica that leads (default
   * `storeRestartDelayMs`). Longer than the leader-failure detection, a killed leader store is
   * failed over (and rewound once back) rather than a blip.
   */
  leaderStoreRestartDelayMs?: number;
  /**
   * With followers 'all': run the follower consumers and the outbox relay in a child process of
   * their own (src/local/follower-process.ts, supervised by a `LocalStoreFarm` like the stores)
   * instead of this process's event loop, the process shape Lambda has (`replog dev`, `replog bench`).
   */
  followerProcess?: boolean;
  /** Say which roster is in force when the configuration is not what the control state holds (default true). */
  rosterNotices?: boolean;
  /** Run the outbox relay in this process (default: when it serves the HTTP API). */
  relay?: boolean;
  /** Run the leader's watchdog in this process (default: when it serves or follows; REPLOG_AUTO_FAILOVER decides whether it fails over). */
  watchdog?: boolean;
  /** What runs, for messages: "replog dev". */
  command?: string;
  /** Also report the process's own figures (CPU, memory, event-loop lag, GC) to Prometheus: a CLI process, not a test's stack. */
  processMetrics?: boolean;
  /**
   * Serve Prometheus metrics on a port of their own (`replog follower`, which has no HTTP API):
   * REPLOG_METRICS_PORT, or a free port when unset.
   */
  metricsServer?: boolean;
  /**
   * Start the OpenTelemetry SDK when the configuration names an OTLP endpoint (a CLI process;
   * the SDK is process-wide, so a test's stack leaves it to the test).
   */
  tracing?: boolean;
  /** Startup and shutdown notices for people: the roster in force and why, what was stopped or left running. */
  say?: (line: string) => void;
}

export interface LocalStack {
  runtime: Runtime;
  url: string | undefined;
  dynamoEndpoint: string;
  brokers: string[];
  followers: Map<string, FollowerConsumer>;
  roster: RosterReport;
  /** The local broker when this stack asked for it (no KAFKA_BROKERS), and whether this stack started it. */
  localBroker: LocalBroker | undefined;
  /** With separateStores: every store process, as it is now (a restarted store has a new pid). */
  stores: (() => StoreStatus[]) | undefined;
  /** With followerProcess: the follower process, as it is now (a restarted one has a new pid). */
  processes: (() => StoreStatus[]) | undefined;
  /** With followerProcess: how long starting the follower process took. */
  processesStartMs: number | undefined;
  /** With separateStores: how long starting the store processes took. */
  storesStartMs: number | undefined;
  /** What the replication topic holds: "replication factor 3, min.insync.replicas 2 on 3 brokers". */
  durability: string;
  /** With metricsServer: where Prometheus scrapes this process. */
  metricsUrl: string | undefined;
  /** Stops everything this stack started, the broker included when it started it, and says what it left running. */
  stop(): Promise<void>;
}

/**
 * Brings up replog on one machine: an embedded store unless DYNAMODB_ENDPOINT is set, the local
 * broker unless KAFKA_BROKERS is set, tables and topics, the HTTP API and follower consumers that
 * drive the very same Lambda handlers as the cloud.
 *
 * Every setting is validated before anything starts, and whatever was started before a later step
 * failed is stopped again, so a failed start leaves nothing behind.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = { ...(options.env ?? process.env) };
  const say = options.say ?? (() => undefined);
  const command = options.command ?? 'replog';
  // Before anything starts: a bad setting (PORT=abc) must not leave a broker running.
  const settings = loadConfig(env);
  const undo: Array<() => Promise<void>> = [];
  const undoAll = async () => {
    for (const step of undo.reverse()) await step().catch(() => undefined);
    undo.length = 0;
  };

  // Who leads, as the watchdog last saw it (the farm waits longer before restarting its store).
  let leaderNow = settings.replicas.firstLeader;
  // Until the stack is advertised, a store's change has nobody to tell.
  let onStoresChanged: (stores: StoreStatus[]) => void = () => undefined;
  try {
    let dynamo: EmbeddedDynamo | undefined;
    let lock: StoreLock | undefined;
    let farm: LocalStoreFarm | undefined;
    let storesStartMs: number | undefined;
    if (options.separateStores) {
      refuseStoreSettings(env);
      const specs = storeSpecs(settings.replicas.ids, options.persistent ? settings.dataDir : undefined);
      if (options.persistent) {
        lock = lockStore(settings.dataDir, command);
        const held = lock;
        undo.push(async () => held.release());
        checkStoreLayout(settings.dataDir, true);
      }
      const log = namespacedLogger('stores', settings.logLevel, resolveLogFormat(settings.logFormat, process.stderr, settings.metrics.emf));
      const began = Date.now();
      const started = await LocalStoreFarm.start(specs, {
        log,
        restartDelayMs: options.storeRestartDelayMs ?? 1000,
        maxRestartDelayMs: 30_000,
        restartDelayFor: (id) => (id === leaderNow ? (options.leaderStoreRestartDelayMs ?? options.storeRestartDelayMs ?? 1000) : (options.storeRestartDelayMs ?? 1000)),
        onChange: (stores) => onStoresChanged(stores),
      });
      farm = started;
      storesStartMs = Date.now() - began;
      undo.push(async () => void (await started.stop()));
      const pointed = storeEnv(advertisedStores(started.status()));
      env.REPLOG_CONTROL_ENDPOINT = pointed.REPLOG_CONTROL_ENDPOINT;
      env.REPLOG_REPLICA_ENDPOINTS = pointed.REPLOG_REPLICA_ENDPOINTS;
      env.DYNAMODB_ENDPOINT = pointed.DYNAMODB_ENDPOINT;
      log.info('store processes started', { ms: storesStartMs, stores: started.status().map((s) => ({ id: s.id, endpoint: s.endpoint, pid: s.pid })) });
    } else if (!env.DYNAMODB_ENDPOINT) {
      let path: string | undefined;
      if (options.persistent) {
        lock = lockStore(settings.dataDir, command);
        const held = lock;
        undo.push(async () => held.release());
        checkStoreLayout(settings.dataDir, false);
        path = embeddedStoreDir(settings.dataDir);
        mkdirSync(path, { recursive: true });
      }
      const store = await startDynalite(path ? { path } : {});
      dynamo = store;
      undo.push(() => store.close());
      env.DYNAMODB_ENDPOINT = store.endpoint;
    }
    const dynamoEndpoint = env.DYNAMODB_ENDPOINT;
    let localBroker: LocalBroker | undefined;
    if (!env.KAFKA_BROKERS) {
      const broker = await ensureLocalBroker(settings.kafka.localPort, settings.kafka.localBrokers);
      localBroker = broker;
      if (broker.startedHere) undo.push(async () => void (await brokerCommand('stop', broker.port, broker.nodes)));
      env.KAFKA_BROKERS = broker.brokers;
    }
    const config = loadConfig(env);
    const tracing = options.tracing ? startTracing(config.tracing, { role: command }) : undefined;
    if (tracing) undo.push(() => tracing.shutdown());
    const runtime = new Runtime(config, { processMetrics: options.processMetrics ?? false });
    undo.push(() => runtime.close());
    const log = runtime.log('local');

    const configured = config.followers.map((f) => f.id);
    const topics = await provisionReplication(runtime, configured);
    // The startup check's warnings (a single copy the user accepted, under-replicated partitions) are for people too.
    for (const warning of topics.warnings) say(`WARNING: ${warning}`);
    // The control table may know followers added later with `replog follower add`.
    const state = await runtime.roster.current();
    const roster = reportRoster(config.followers, config.followersFrom, state);
    // The follower process's parent has said it already.
    for (const notice of options.rosterNotices === false ? [] : roster.notices) {
      say(notice);
      log.warn(notice);
    }
    const allIds = state.followers.map((f) => f.id);
    const added = allIds.filter((id) => !configured.includes(id));
    if (added.length > 0) await provisionReplication(runtime, added);

    const wanted = options.followers ?? 'all';
    const ids = wanted === 'all' ? allIds : wanted === 'none' ? [] : wanted;
    const followers = new Map<string, FollowerConsumer>();
    const inChild = options.followerProcess === true && wanted === 'all';
    // Followers follow the control state: added ones start, removed ones stop, a replayed one pauses.
    // In the follower process the child's own supervisor does that.
    const supervisor = wanted === 'none' || inChild ? undefined : new FollowerSupervisor(runtime, wanted, followers, runtime.log('local'));
    if (supervisor) undo.push(() => supervisor.stop());
    await supervisor?.start();
    let children: LocalStoreFarm | undefined;
    let processesStartMs: number | undefined;
    if (inChild) {
      const began = Date.now();
      const started = await LocalStoreFarm.start([{ id: FOLLOWER_PROCESS }], {
        log: runtime.log('processes'),
        // The same settings as this process, the stores and broker it found or started included; its
        // stderr is a pipe to this one, so `auto` is decided here: a terminal gets readable lines from both.
        child: {
          entry: 'follower-process',
          kind: 'followers',
          env: { ...env, REPLOG_LOG_FORMAT: resolveLogFormat(config.logFormat, process.stderr, config.metrics.emf) },
          forwardStderr: true,
          stopTimeoutMs: 15_000,
        },
        restartDelayMs: 1000,
        maxRestartDelayMs: 30_000,
      });
      children = started;
      processesStartMs = Date.now() - began;
      undo.push(async () => void (await started.stop()));
      log.info('follower process started', { ms: processesStartMs, processes: started.status().map((p) => ({ id: p.id, pid: p.pid, metrics: `${p.endpoint}/metrics` })) });
    }

    let watchdog: WatchdogTimer | undefined;
    // A failover needs a control store outside the leader's failure domain: with every replica in
    // the control store's store (one embedded dynalite), a lost leader store is a lost control
    // store too, and there is nothing to watch for.
    const sameDomain = (id: string) => {
      const at = config.replicas.location(id);
      return at.endpoint === config.replicas.control.endpoint && at.region === config.replicas.control.region;
    };
    const separateDomains = config.replicas.ids.some((id) => !sameDomain(id));
    if (separateDomains && (options.watchdog ?? (supervisor !== undefined || options.http === true))) {
      const watcher = `${hostname()}:${process.pid}`;
      const watchLog = runtime.log('watchdog');
      const started = startWatchdogTimer({
        watchdog: runtime.watchdog(watcher),
        probeMs: config.failover.probeMs,
        onReport: (report) => {
          leaderNow = report.leader;
        },
        ...(config.failover.autoRejoin
          ? {
              rejoin: {
                load: () => runtime.control.load(),
                probe: (id) => runtime.storeProbe(id).probe(),
                run: (id) => rejoinReplica(runtime.rejoinDeps(id), id, `watchdog ${watcher}`),
                onRejoined: (report) => {
                  say(renderRejoinReport(report, 50));
                  watchLog.warn('deposed leader rewound and rejoined', { ...report, reverted: report.reverted.length, revertedItems: report.reverted.slice(0, 100) });
                },
              },
            }
          : {}),
        log: watchLog,
      });
      watchdog = started;
      undo.push(() => started.stop());
    }

    let server: Server | undefined;
    let url: string | undefined;
    let relay: RelayTimer | undefined;
    // The process that serves writes also runs the outbox relay, as the scheduled Lambda does in the
    // cloud, unless the follower process runs it.
    if (options.relay ?? (options.http === true && !inChild)) {
      const timer = startRelayTimer(() => runRelay(runtime), config.relay.intervalMs, runtime.log('relay'));
      relay = timer;
      undo.push(() => timer.stop());
    }
    if (options.http) {
      const extras = () => ({
        ...(farm ? { localStores: (farm as LocalStoreFarm).status() } : {}),
        ...(children ? { localProcesses: (children as LocalStoreFarm).status() } : {}),
      });
      const routes = buildRoutes(() => runtime, farm || children ? { statusExtras: extras } : {});
      server = await startHttpBridge(routes, {
        port: config.http.port,
        host: config.http.host,
        maxBodyBytes: config.maxBodyBytes,
        log: runtime.log('http'),
      }).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') {
          throw new ConfigError(`port ${config.http.port} on ${config.http.host} is already in use: set PORT to a free port`, { cause: error });
        }
        throw error;
      });
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : config.http.port;
      url = `http://${config.http.host}:${port}`;
    }
    let metricsServer: MetricsServer | undefined;
    if (options.metricsServer && runtime.prometheus) {
      const started = await startMetricsServer(runtime.prometheus, { port: config.metrics.port ?? 0, host: config.http.host, log: runtime.log('metrics') });
      metricsServer = started;
      undo.push(() => started.stop());
    }
    log.info('local stack started', {
      url,
      dynamodb: env.DYNAMODB_ENDPOINT,
      kafka: config.kafka.brokers,
      followers: ids,
      ...(metricsServer ? { metrics: metricsServer.url } : {}),
      ...(tracing ? { traces: config.tracing.otlpEndpoint } : {}),
    });

    let advertised = false;
    const advertise = () =>
      writeEndpointFile(config.dataDir, {
        pid: process.pid,
        dynamodb: dynamoEndpoint,
        kafka: config.kafka.brokers.join(','),
        url,
        ...(farm ? { stores: advertisedStores(farm.status()) } : {}),
      });
    if (options.advertise) {
      const other = readEndpointFile(config.dataDir);
      if (other && other.pid !== process.pid) {
        // Only reachable with DYNAMODB_ENDPOINT set (the on-disk store is locked): the other one keeps the file.
        say(`another replog (pid ${other.pid}) is advertised in ${config.dataDir}; the other commands keep using that one`);
      } else {
        mkdirSync(config.dataDir, { recursive: true });
        advertise();
        advertised = true;
      }
    }
    // A store restarted under a new pid is advertised again, so the file always names the live processes.
    onStoresChanged = () => {
      if (!advertised) return;
      try {
        advertise();
      } catch (error) {
        log.warn('could not rewrite the endpoints file after a store change', { error });
      }
    };
    // From here on, stop() owns the shutdown.
    undo.length = 0;

    return {
      runtime,
      url,
      dynamoEndpoint,
      brokers: config.kafka.brokers,
      followers,
      roster,
      localBroker,
      stores: farm ? () => (farm as LocalStoreFarm).status() : undefined,
      storesStartMs,
      processes: children ? () => (children as LocalStoreFarm).status() : undefined,
      processesStartMs,
      durability: topics.summary,
      metricsUrl: metricsServer?.url,
      async stop() {
        await metricsServer?.stop();
        if (server) {
          const s = server;
          await new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeAllConnections();
          });
        }
        await relay?.stop();
        await watchdog?.stop();
        if (advertised) removeEndpointFile(config.dataDir, process.pid);
        await supervisor?.stop();
        if (children) {
          const stopped = await children.stop();
          if (stopped.length > 0) say(`stopped the follower process this run started: ${stopped.map((p) => `${p.id} (pid ${p.pid})`).join(', ')}`);
        }
        await Promise.all([...followers.values()].map((f) => f.stop()));
        await runtime.close();
        await dynamo?.close();
        if (farm) {
          const down = farm.status().filter((s) => s.state === 'down');
          const stopped = await farm.stop();
          if (stopped.length > 0) say(`stopped the store processes this run started: ${stopped.map((s) => `${s.id} (pid ${s.pid})`).join(', ')}`);
          for (const s of down) say(`store ${s.id} was already down (${s.lastExit ?? 'stopped'}): no process of it was left running`);
        }
        lock?.release();
        // Last: the spans of the shutdown itself are exported too.
        await tracing?.shutdown();
        if (localBroker?.startedHere) {
          await brokerCommand('stop', localBroker.port, localBroker.nodes);
          say(`stopped the Kafka ${localBroker.nodes === 1 ? 'broker' : `cluster (${localBroker.nodes} brokers, 3 controllers)`} this run started (${localBroker.brokers})`);
        } else if (localBroker) {
          const port = localBroker.port === 9092 ? '' : `KAFKA_PORT=${localBroker.port} `;
          const stopIt = localBroker.nodes === 1 ? `${port}npm run kafka:stop` : `${port}KAFKA_NODES=${localBroker.nodes} npm run kafka:stop`;
          say(`left the Kafka broker on ${localBroker.brokers} running: it was running before this ${command} started (${stopIt} stops it)`);
        }
      },
    };
  } catch (error) {
    await undoAll();
    throw error;
  }
}
