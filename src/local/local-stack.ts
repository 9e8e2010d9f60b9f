import type { Server } from 'node:http';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FollowerConsumer } from '../adapters/kafka/follower-consumer';
import { loadConfig } from '../config/config';
import { runRelay } from '../functions/relay';
import { Runtime } from '../functions/runtime';
import { startDynalite, type EmbeddedDynamo } from './dynalite-server';
import { removeEndpointFile, writeEndpointFile } from './endpoint-file';
import { FollowerSupervisor } from './follower-supervisor';
import { startHttpBridge } from './http-bridge';
import { ensureLocalBroker, repoRoot } from './kafka-broker';
import { provisionReplication } from './provision';
import { startRelayTimer, type RelayTimer } from './relay-timer';
import { buildRoutes } from './routes';

export interface LocalStackOptions {
  env?: NodeJS.ProcessEnv;
  /** Serve the HTTP API (replog dev / serve). */
  http?: boolean;
  /** Which followers run in this process: all configured, none, or the listed ids. */
  followers?: 'all' | 'none' | string[];
  /** Keep dynalite's data on disk under this folder instead of in memory. */
  dataDir?: string;
  /** Write where this stack's store and broker are to `<dir>/endpoints.json` (replog dev), for maintenance commands. */
  advertiseIn?: string;
}

export interface LocalStack {
  runtime: Runtime;
  url: string | undefined;
  dynamoEndpoint: string;
  brokers: string[];
  followers: Map<string, FollowerConsumer>;
  stop(): Promise<void>;
}

export const defaultDataDir = join(repoRoot, '.replog');

/**
 * Brings up replog on one machine: an embedded store unless DYNAMODB_ENDPOINT is set, the local
 * broker unless KAFKA_BROKERS is set, tables and topics, the HTTP API and follower consumers that
 * drive the very same Lambda handlers as the cloud.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const env = { ...(options.env ?? process.env) };
  let dynamo: EmbeddedDynamo | undefined;
  if (!env.DYNAMODB_ENDPOINT) {
    let path: string | undefined;
    if (options.dataDir) {
      path = join(options.dataDir, 'dynalite');
      mkdirSync(path, { recursive: true });
    }
    dynamo = await startDynalite(path ? { path } : {});
    env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  }
  if (!env.KAFKA_BROKERS) {
    env.KAFKA_BROKERS = await ensureLocalBroker(Number(env.KAFKA_PORT ?? 9092));
  }
  const config = loadConfig(env);
  const runtime = new Runtime(config);
  const log = runtime.log('local');

  const configured = config.followers.map((f) => f.id);
  await provisionReplication(runtime, configured);
  // The control table may know followers added later with `replog follower add`.
  const state = await runtime.roster.current();
  const allIds = state.followers.map((f) => f.id);
  const added = allIds.filter((id) => !configured.includes(id));
  if (added.length > 0) await provisionReplication(runtime, added);

  const wanted = options.followers ?? 'all';
  const ids = wanted === 'all' ? allIds : wanted === 'none' ? [] : wanted;
  const followers = new Map<string, FollowerConsumer>();
  // Followers follow the control state: added ones start, removed ones stop, a replayed one pauses.
  const supervisor = wanted === 'none' ? undefined : new FollowerSupervisor(runtime, wanted, followers, runtime.log('local'));
  await supervisor?.start();

  let server: Server | undefined;
  let url: string | undefined;
  let relay: RelayTimer | undefined;
  if (options.http) {
    // The process that serves writes also runs the outbox relay, as the scheduled Lambda does in the cloud.
    relay = startRelayTimer(() => runRelay(runtime), config.relay.intervalMs, runtime.log('relay'));
    server = await startHttpBridge(buildRoutes(() => runtime), {
      port: config.http.port,
      host: config.http.host,
      maxBodyBytes: config.maxBodyBytes,
      log: runtime.log('http'),
    });
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.http.port;
    url = `http://${config.http.host}:${port}`;
  }
  log.info('local stack started', { url, dynamodb: env.DYNAMODB_ENDPOINT, kafka: config.kafka.brokers, followers: ids });
  const endpointsDir = options.advertiseIn;
  if (endpointsDir) mkdirSync(endpointsDir, { recursive: true });
  if (endpointsDir) writeEndpointFile(endpointsDir, { pid: process.pid, dynamodb: env.DYNAMODB_ENDPOINT, kafka: config.kafka.brokers.join(','), url });

  return {
    runtime,
    url,
    dynamoEndpoint: env.DYNAMODB_ENDPOINT,
    brokers: config.kafka.brokers,
    followers,
    async stop() {
      if (server) {
        const s = server;
        await new Promise<void>((resolve) => {
          s.close(() => resolve());
          s.closeAllConnections();
        });
      }
      await relay?.stop();
      if (endpointsDir) removeEndpointFile(endpointsDir, process.pid);
      await supervisor?.stop();
      await Promise.all([...followers.values()].map((f) => f.stop()));
      await runtime.close();
      await dynamo?.close();
    },
  };
}
