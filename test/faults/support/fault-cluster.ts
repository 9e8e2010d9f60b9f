import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { brokerScript, localBootstrap } from '../../../src/local/kafka-broker';
import { faultBrokerPort } from './fault-broker';

const run = promisify(execFile);

/**
 * The fault suite's 3-broker cluster (3 brokers and 3 dedicated controllers, scripts/kafka), on
 * its own base port (default: the fault broker's + 100), so killing its nodes never touches the
 * single fault broker or anyone else's. Brokers are nodes "1".."3", controllers "c1".."c3".
 */
export const clusterBasePort = Number(process.env.REPLOG_FAULT_CLUSTER_PORT ?? faultBrokerPort + 100);
export const CLUSTER_BROKERS = 3;
export const clusterBootstrap = localBootstrap(clusterBasePort, CLUSTER_BROKERS);

const env = () => ({
  ...process.env,
  KAFKA_PORT: String(clusterBasePort),
  KAFKA_NODES: String(CLUSTER_BROKERS),
  // Follower groups use a short session timeout (REPLOG_FOLLOWER_SESSION_TIMEOUT_MS) so a
  // rebalance after a coordinator move finishes in seconds.
  KAFKA_EXTRA_PROPERTIES: 'group.min.session.timeout.ms=1000',
});

export type ClusterCommand = 'start' | 'stop' | 'kill' | 'pause' | 'resume' | 'status' | 'controller' | 'reset';

/** One broker.sh command on the cluster or one of its nodes; resolves with its output and how long it took. */
export async function clusterCommand(command: ClusterCommand, node?: string): Promise<{ out: string; ms: number }> {
  const started = Date.now();
  const { stdout } = await run('bash', [brokerScript, command, ...(node === undefined ? [] : [node])], { env: env(), timeout: 300_000 });
  return { out: stdout.trim(), ms: Date.now() - started };
}

/** The node leading the controller quorum now ("c1".."c3"). */
export async function activeController(): Promise<string> {
  return (await clusterCommand('controller')).out;
}

/** Every node's RSS in MB as broker.sh status reports it (`rss 285 MB`). */
export async function clusterRss(): Promise<Record<string, number>> {
  const { stdout } = await run('bash', [brokerScript, 'status'], { env: env(), timeout: 60_000 }).catch((e: { stdout: string }) => e);
  const rss: Record<string, number> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(broker|controller) (c?\d) .*rss (\d+) MB/.exec(line);
    if (m) rss[m[2] as string] = Number(m[3]);
  }
  return rss;
}

export interface PartitionState {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** An admin view of the cluster from the test's side: partition leaders and ISRs, live brokers. */
export function clusterAdmin() {
  // Short request timeouts: a SIGSTOPped broker must cost the test's view one retry, not 30 s.
  const kafka = new Kafka({
    brokers: clusterBootstrap.split(','),
    clientId: 'replog-fault-cluster',
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 2 },
  });
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  const ready = () => {
    connected ??= admin.connect().catch((error: unknown) => {
      connected = undefined;
      throw error;
    });
    return connected;
  };
  return {
    async partitions(topic: string): Promise<PartitionState[]> {
      await ready();
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      return (topics[0]?.partitions ?? []).map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }));
    },
    async liveBrokers(): Promise<number[]> {
      await ready();
      return (await admin.describeCluster()).brokers.map((b) => b.nodeId);
    },
    async topicConfig(topic: string, names: string[]): Promise<Record<string, string>> {
      await ready();
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: names }] });
      return Object.fromEntries((resources[0]?.configEntries ?? []).map((e) => [e.configName, e.configValue]));
    },
    async topics(): Promise<string[]> {
      await ready();
      return admin.listTopics();
    },
    async close() {
      await admin.disconnect().catch(() => undefined);
    },
  };
}
export type ClusterAdmin = ReturnType<typeof clusterAdmin>;
