import { resolve } from 'node:path';
import { z } from 'zod';
import { parseAckMode } from '../core/ack-mode';
import { ConfigError } from '../core/errors';
import { DEFAULT_MAX_BODY_BYTES } from '../core/item-value';
import { LEASE_MARGIN_MS } from '../core/publish-order';
import { parseFollowerList } from './follower-list';
import { MAIN_REPLICA, parseReplicaMap, regionProblem, urlProblem } from './replica-settings';

/**
 * The one place that reads process.env. Everything else receives a typed, validated Config, so a
 * bad setting fails at start with a message naming the variable instead of deep inside a request.
 */
const intFrom = (def: number, min = 0, max = Number.MAX_SAFE_INTEGER) => {
  const range = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
  return z.coerce.number(`must be ${range}`).int(`must be ${range}`).min(min, `must be ${range}`).max(max, `must be ${range}`).default(def);
};

/** Values never repeated in an error message. */
const SECRET_VARIABLES = new Set(['KAFKA_SASL_PASSWORD', 'KAFKA_SASL_USERNAME', 'REPLOG_API_KEY']);

/** Where `replog dev` keeps its embedded store and says where it runs: `.replog` in the checkout. */
export const DEFAULT_DATA_DIR = resolve(__dirname, '..', '..', '.replog');

const boolFrom = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  PORT: intFrom(3000, 0, 65535),
  HOST: z.string().default('127.0.0.1'),
  AWS_REGION: z.string().default('us-east-1'),
  DYNAMODB_ENDPOINT: z.url().optional(),
  KAFKA_BROKERS: z.string().default('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().default('replog'),
  KAFKA_SSL: boolFrom(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  KAFKA_PORT: intFrom(9092, 1, 65535),
  // Brokers of the local Kafka that `replog dev` starts when KAFKA_BROKERS is unset (replog dev
  // --brokers): 1 is a single JVM; more is a cluster with three controllers (scripts/kafka/broker.sh).
  REPLOG_LOCAL_BROKERS: intFrom(1, 1, 9),
  // Accept replication/dead-letter topics where an acknowledged write can live on one broker only
  // (replication factor or min.insync.replicas below 2 on a multi-broker cluster): warn instead of refusing.
  REPLOG_ALLOW_SINGLE_COPY: boolFrom(false),
  REPLOG_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,200}$/, 'a Kafka topic name: letters, digits, . _ -')
    .default('replog.changes'),
  REPLOG_TOPIC_PARTITIONS: intFrom(3, 1, 1000),
  REPLOG_TABLE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{3,200}$/, 'a DynamoDB table name prefix')
    .default('replog'),
  REPLOG_LEADER_TABLE: z.string().optional(),
  REPLOG_CONTROL_TABLE: z.string().optional(),
  REPLOG_FOLLOWER_TABLE: z.string().optional(),
  REPLOG_FOLLOWERS: z.string().default('follower-1,follower-2,follower-3'),
  REPLOG_SYNC_FOLLOWER: z.string().optional(),
  REPLOG_FOLLOWER_ID: z.string().optional(),
  // Which replica leads the first term; afterwards the control state says who leads.
  REPLOG_LEADER_REPLICA: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a replica id (a-z, 0-9, -)').default(MAIN_REPLICA),
  REPLOG_REPLICA_ENDPOINTS: z.string().optional(),
  REPLOG_REPLICA_REGIONS: z.string().optional(),
  REPLOG_CONTROL_ENDPOINT: z.url().optional(),
  REPLOG_CONTROL_REGION: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region name such as eu-west-1').optional(),
  // How long a leader process trusts its last read of who leads before it reads the control store
  // again: it bounds how long a deposed leader can go on committing (its writes are never confirmed).
  REPLOG_CONTROL_TTL_MS: intFrom(250, 10, 600_000),
  // How long a write waits for a leadership move to finish before it answers 503 LEADER_MOVING.
  REPLOG_LEADER_WAIT_MS: intFrom(3000, 0, 25_000),
  // Unplanned failover: the watchdog declares the leader failed after this long of failed probes of its store.
  REPLOG_LEADER_FAILURE_MS: intFrom(3000, 200, 600_000),
  REPLOG_LEADER_PROBE_MS: intFrom(250, 20, 60_000),
  REPLOG_AUTO_FAILOVER: boolFrom(true),
  // A deposed leader's store that answers again is rewound and rejoins by itself (false: only `replog rejoin`).
  REPLOG_AUTO_REJOIN: boolFrom(true),
  // Reads from the leader return only versions the ack mode's followers confirmed (MySQL's AFTER_SYNC).
  REPLOG_LOSSLESS_READS: boolFrom(false),
  REPLOG_GROUP_PREFIX: z.string().default('replog'),
  REPLOG_ACK_MODE: z.string().default('semi-sync'),
  REPLOG_SYNC_TIMEOUT_MS: intFrom(2000, 10, 600_000),
  REPLOG_ON_SYNC_TIMEOUT: z.enum(['promote', 'degrade', 'fail']).default('promote'),
  REPLOG_ON_NO_CANDIDATE: z.enum(['degrade', 'fail']).default('degrade'),
  REPLOG_ACK_POLL_MS: intFrom(3, 1, 10_000),
  REPLOG_CONFIRM_FROM: z.enum(['committed-offset', 'applied-record']).default('committed-offset'),
  REPLOG_PUBLISH_TIMEOUT_MS: intFrom(5000, 100, 120_000),
  // Publish records (the outbox marks' clears) waiting or in flight at which new writes wait.
  REPLOG_PUBLISH_RECORD_BACKLOG: intFrom(500, 1, 100_000),
  REPLOG_MAX_BODY_BYTES: intFrom(DEFAULT_MAX_BODY_BYTES, 1, 10 * 1024 * 1024),
  REPLOG_API_KEY: z.string().min(16, 'REPLOG_API_KEY must be at least 16 characters').optional(),
  REPLOG_READS_REQUIRE_KEY: boolFrom(false),
  // Default: the publish lease (REPLOG_PUBLISH_TIMEOUT_MS) plus its margin, so the relay never
  // takes over a mark whose writer may still hand its version to the log (core/publish-order.ts).
  REPLOG_RELAY_GRACE_MS: z.coerce.number().int().min(0).optional(),
  REPLOG_RELAY_INTERVAL_MS: intFrom(2000, 50),
  REPLOG_RELAY_MAX_MARKS: intFrom(1000, 1, 100_000),
  // Testing aid for the fault suite: the leader SIGKILLs itself right after a DynamoDB commit
  // with this probability. Never set it in production.
  REPLOG_FAULT_CRASH_AFTER_COMMIT_PROBABILITY: z.coerce.number().min(0).max(1).default(0),
  REPLOG_FAULT_COMMIT_DELAY_MS: intFrom(0, 0, 60_000),
  REPLOG_STALL_MS: intFrom(10_000, 100),
  REPLOG_PROGRESS_FLUSH_MS: intFrom(1000, 0, 60_000),
  // How long a SIGKILLed follower process keeps its partitions before the group moves on (local
  // runner only; Lambda's event source mapping manages its own consumers). The broker's
  // group.min.session.timeout.ms (6 s by default) bounds it from below.
  REPLOG_FOLLOWER_SESSION_TIMEOUT_MS: intFrom(6000, 1000, 300_000),
  // A delayed follower's delivery waits at most this long for its events to come due, then is
  // redelivered: inside Lambda's 15-minute limit however long the configured delay is.
  REPLOG_DELAY_MAX_WAIT_MS: intFrom(600_000, 100, 840_000),
  REPLOG_READ_WAIT_MS: intFrom(1000, 0, 25_000),
  // API Gateway gives up on a request after 30 s; a read-your-writes wait must end well before.
  REPLOG_READ_MAX_WAIT_MS: intFrom(10_000, 0, 25_000),
  REPLOG_READ_VIEW_TTL_MS: intFrom(1000, 0, 60_000),
  REPLOG_METRICS_NAMESPACE: z.string().regex(/^[A-Za-z0-9._/#:-]{1,255}$/, 'a CloudWatch namespace').default('replog'),
  // `replog follower`'s Prometheus port (unset: a free port, printed at start); HTTP processes serve GET /metrics.
  REPLOG_METRICS_PORT: z.coerce.number('must be a whole number from 0 to 65535').int().min(0).max(65535).optional(),
  // OpenTelemetry traces, off unless an OTLP/HTTP endpoint is set (the standard OTel variable
  // names: the traces URL itself, or the collector's base URL, to which /v1/traces is added).
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.url().optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().regex(/^[\x21-\x7e]{1,255}$/, 'a service name without spaces').default('replog'),
  REPLOG_TRACE_SAMPLE_RATIO: z.coerce.number('must be a number from 0 to 1').min(0, 'must be a number from 0 to 1').max(1, 'must be a number from 0 to 1').default(1),
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
  REPLOG_LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),
  // `auto`: readable lines on a terminal, JSON otherwise (pipes, files, Lambda).
  REPLOG_LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  REPLOG_DATA_DIR: z.string().optional(),
  // `replog dev` runs the control store and each replica's store as processes of their own (--separate-stores).
  REPLOG_SEPARATE_STORES: boolFrom(false),
  // `replog dev` and `replog bench` run the followers and the relay in a process of their own
  // (`separate`), or in the leader's event loop (`single`, what --single-process asks for).
  REPLOG_LOCAL_PROCESSES: z.enum(['separate', 'single'], 'must be separate or single').default('separate'),
});

export type Env = z.infer<typeof envSchema>;

export interface StoreLocation {
  region: string;
  endpoint: string | undefined;
}

export interface FollowerSpec {
  id: string;
  /** Events are applied only once this old (a delayed replica); such a follower is never sync. */
  delayMs: number;
}

export interface Config {
  http: { port: number; host: string };
  aws: { region: string; dynamodbEndpoint: string | undefined };
  /**
   * Replicas as failure domains: `main` (the `<prefix>-leader` table) and every follower, each at
   * its own endpoint/region when configured, and the control store (roles, terms) at its own.
   */
  replicas: {
    ids: string[];
    /** Who leads the first term (later terms: the control state). */
    firstLeader: string;
    location: (id: string) => StoreLocation;
    control: StoreLocation;
    /** How long a read of who leads is trusted (REPLOG_CONTROL_TTL_MS). */
    controlTtlMs: number;
    /** How long a write waits for a leadership move (REPLOG_LEADER_WAIT_MS). */
    leaderWaitMs: number;
  };
  /** The leader's watchdog and what follows a failover (docs/ARCHITECTURE.md, "Unplanned failover"). */
  failover: {
    /** REPLOG_LEADER_FAILURE_MS: failed probes for this long declare the leader failed. */
    failureMs: number;
    /** REPLOG_LEADER_PROBE_MS: how often the leader's store is probed. */
    probeMs: number;
    /** A probe that has no answer after this long failed (a third of the failure time, at most 1 s). */
    probeTimeoutMs: number;
    auto: boolean;
    autoRejoin: boolean;
  };
  kafka: {
    brokers: string[];
    clientId: string;
    ssl: boolean;
    sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
    /** The local broker's base port (a local cluster derives every node's port from it). */
    localPort: number;
    /** Brokers of the local Kafka `replog dev` starts (REPLOG_LOCAL_BROKERS). */
    localBrokers: number;
    /** REPLOG_ALLOW_SINGLE_COPY: a single-copy topic on a multi-broker cluster is warned about, not refused. */
    allowSingleCopy: boolean;
  };
  topic: string;
  deadLetterTopic: string;
  partitions: number;
  /** `leader` is the `main` replica's table; `replica(id)` any replica's (main → leader). */
  tables: { leader: string; control: string; follower: (id: string) => string; replica: (id: string) => string };
  followers: FollowerSpec[];
  /** Where `followers` came from, so startup can say why this roster (and that an empty variable meant the default). */
  followersFrom: 'REPLOG_FOLLOWERS' | 'default' | 'default (REPLOG_FOLLOWERS is empty)';
  syncFollower: string | undefined;
  followerId: string | undefined;
  groupId: (followerId: string) => string;
  ack: {
    defaultMode: ReturnType<typeof parseAckMode>;
    syncTimeoutMs: number;
    onSyncTimeout: 'promote' | 'degrade' | 'fail';
    onNoCandidate: 'degrade' | 'fail';
    pollMs: number;
    /**
     * What confirms a follower: its group's committed offset only, or also the applied record its
     * handler writes right after each apply (core/applied-record.ts), which in Lambda lands before
     * the event source mapping commits. Followers and leaders must share the setting.
     */
    confirmFrom: 'committed-offset' | 'applied-record';
  };
  publishTimeoutMs: number;
  /** Publish records waiting or in flight at which new writes wait for room (core/publish-recorder.ts). */
  publishRecordBacklog: number;
  maxBodyBytes: number;
  auth: { apiKey: string | undefined; readsRequireKey: boolean };
  relay: { graceMs: number; intervalMs: number; maxMarks: number };
  /** commitDelayMs: local follower consumers wait this long after a batch before committing (an event source mapping's commit, modelled). */
  faults: { crashAfterCommitProbability: number; commitDelayMs: number };
  stallMs: number;
  /** How often a follower persists its apply progress per partition (0: every batch). */
  progressFlushMs: number;
  followerSessionTimeoutMs: number;
  /** Longest wait of one delayed-follower delivery for its events to come due (apply-delay.ts). */
  delayMaxWaitMs: number;
  /** Follower reads: read-your-writes waits (default and cap) and how long a replication view is reused. */
  reads: {
    defaultWaitMs: number;
    maxWaitMs: number;
    viewTtlMs: number;
    /** REPLOG_LOSSLESS_READS: leader reads wait until the version read is confirmed (no read of a write a failover could lose). */
    lossless: boolean;
  };
  /**
   * CloudWatch Embedded Metric Format is written only inside Lambda; outside it the same figures go
   * to Prometheus (GET /metrics, and `port` for a process without HTTP: `replog follower`).
   */
  metrics: { emf: boolean; namespace: string; port: number | undefined };
  /**
   * OpenTelemetry: where spans go (OTLP/HTTP traces URL; undefined = no SDK is started and the
   * API calls in the code cost next to nothing), under which service name, and which share of new
   * traces is sampled (a sampled parent's decision is always followed).
   */
  tracing: { otlpEndpoint: string | undefined; serviceName: string; sampleRatio: number };
  logLevel: Env['REPLOG_LOG_LEVEL'];
  logFormat: Env['REPLOG_LOG_FORMAT'];
  /** `replog dev`'s embedded store and endpoints.json; the local broker keeps its data under `.replog/kafka` per port. */
  dataDir: string;
  /** The default of `replog dev --separate-stores` (REPLOG_SEPARATE_STORES): a dynalite process per replica and one for the control store. */
  separateStores: boolean;
  /**
   * REPLOG_LOCAL_PROCESSES, `replog dev`'s and `replog bench`'s process shape: `separate` runs every
   * follower consumer and the outbox relay in a follower process beside the leader's, `single` all in one.
   */
  localProcesses: 'separate' | 'single';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings (VAR= in a shell or a template) mean "unset", not "invalid".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => {
        const name = i.path.join('.');
        const given = cleaned[name];
        return `${name}: ${i.message}${given === undefined || SECRET_VARIABLES.has(name) ? '' : `, got ${JSON.stringify(given)}`}`;
      })
      .join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`, { cause: parsed.error });
  }
  const e = parsed.data;
  let defaultMode: Config['ack']['defaultMode'];
  try {
    defaultMode = parseAckMode(e.REPLOG_ACK_MODE);
  } catch (cause) {
    throw new ConfigError(`invalid configuration: REPLOG_ACK_MODE: ${(cause as Error).message}`, { cause });
  }
  const followers = parseFollowerList(e.REPLOG_FOLLOWERS);
  const eligible = followers.filter((f) => f.delayMs === 0);
  const syncFollower = e.REPLOG_SYNC_FOLLOWER ?? eligible[0]?.id;
  if (e.REPLOG_SYNC_FOLLOWER !== undefined && !eligible.some((f) => f.id === e.REPLOG_SYNC_FOLLOWER)) {
    throw new ConfigError(
      `invalid configuration: REPLOG_SYNC_FOLLOWER ${e.REPLOG_SYNC_FOLLOWER} is not a non-delayed follower in REPLOG_FOLLOWERS`,
    );
  }
  const sasl =
    e.KAFKA_SASL_MECHANISM === undefined
      ? undefined
      : {
          mechanism: e.KAFKA_SASL_MECHANISM,
          username: e.KAFKA_SASL_USERNAME ?? '',
          password: e.KAFKA_SASL_PASSWORD ?? '',
        };
  if (sasl && (sasl.username === '' || sasl.password === '')) {
    throw new ConfigError('invalid configuration: KAFKA_SASL_MECHANISM needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
  }
  if (e.REPLOG_READ_WAIT_MS > e.REPLOG_READ_MAX_WAIT_MS) {
    throw new ConfigError('invalid configuration: REPLOG_READ_WAIT_MS must not exceed REPLOG_READ_MAX_WAIT_MS');
  }
  const prefix = e.REPLOG_TABLE_PREFIX;
  if (followers.some((f) => f.id === MAIN_REPLICA)) {
    throw new ConfigError(`invalid configuration: REPLOG_FOLLOWERS: ${MAIN_REPLICA} is the leader table's replica and cannot be a follower id`);
  }
  const replicaIds = [MAIN_REPLICA, ...followers.map((f) => f.id)];
  const firstLeader = e.REPLOG_LEADER_REPLICA;
  if (!replicaIds.includes(firstLeader)) {
    throw new ConfigError(`invalid configuration: REPLOG_LEADER_REPLICA: ${firstLeader} is not a replica (replicas: ${replicaIds.join(', ')})`);
  }
  if (firstLeader !== MAIN_REPLICA && (followers.find((f) => f.id === firstLeader)?.delayMs ?? 0) > 0) {
    throw new ConfigError(`invalid configuration: REPLOG_LEADER_REPLICA: ${firstLeader} is a delayed replica and can never lead`);
  }
  const endpoints = parseReplicaMap('REPLOG_REPLICA_ENDPOINTS', e.REPLOG_REPLICA_ENDPOINTS, replicaIds, urlProblem);
  const regions = parseReplicaMap('REPLOG_REPLICA_REGIONS', e.REPLOG_REPLICA_REGIONS, replicaIds, regionProblem);
  const followerTable = (id: string) => (e.REPLOG_FOLLOWER_TABLE && id === e.REPLOG_FOLLOWER_ID ? e.REPLOG_FOLLOWER_TABLE : `${prefix}-follower-${id}`);
  const leaderTable = e.REPLOG_LEADER_TABLE ?? `${prefix}-leader`;
  return {
    http: { port: e.PORT, host: e.HOST },
    aws: { region: e.AWS_REGION, dynamodbEndpoint: e.DYNAMODB_ENDPOINT },
    replicas: {
      ids: replicaIds,
      firstLeader,
      location: (id) => ({ region: regions.get(id) ?? e.AWS_REGION, endpoint: endpoints.get(id) ?? e.DYNAMODB_ENDPOINT }),
      control: { region: e.REPLOG_CONTROL_REGION ?? e.AWS_REGION, endpoint: e.REPLOG_CONTROL_ENDPOINT ?? e.DYNAMODB_ENDPOINT },
      controlTtlMs: e.REPLOG_CONTROL_TTL_MS,
      leaderWaitMs: e.REPLOG_LEADER_WAIT_MS,
    },
    failover: {
      failureMs: e.REPLOG_LEADER_FAILURE_MS,
      probeMs: e.REPLOG_LEADER_PROBE_MS,
      probeTimeoutMs: Math.max(50, Math.min(1000, Math.floor(e.REPLOG_LEADER_FAILURE_MS / 3))),
      auto: e.REPLOG_AUTO_FAILOVER,
      autoRejoin: e.REPLOG_AUTO_REJOIN,
    },
    kafka: {
      brokers: e.KAFKA_BROKERS.split(',')
        .map((b) => b.trim())
        .filter(Boolean),
      clientId: e.KAFKA_CLIENT_ID,
      ssl: e.KAFKA_SSL,
      sasl,
      localPort: e.KAFKA_PORT,
      localBrokers: e.REPLOG_LOCAL_BROKERS,
      allowSingleCopy: e.REPLOG_ALLOW_SINGLE_COPY,
    },
    topic: e.REPLOG_TOPIC,
    deadLetterTopic: `${e.REPLOG_TOPIC}.dlq`,
    partitions: e.REPLOG_TOPIC_PARTITIONS,
    tables: {
      leader: leaderTable,
      control: e.REPLOG_CONTROL_TABLE ?? `${prefix}-control`,
      follower: followerTable,
      replica: (id) => (id === MAIN_REPLICA ? leaderTable : followerTable(id)),
    },
    followers,
    followersFrom: env.REPLOG_FOLLOWERS === undefined ? 'default' : env.REPLOG_FOLLOWERS === '' ? 'default (REPLOG_FOLLOWERS is empty)' : 'REPLOG_FOLLOWERS',
    syncFollower,
    followerId: e.REPLOG_FOLLOWER_ID,
    groupId: (id) => `${e.REPLOG_GROUP_PREFIX}-${id}`,
    ack: {
      defaultMode,
      syncTimeoutMs: e.REPLOG_SYNC_TIMEOUT_MS,
      onSyncTimeout: e.REPLOG_ON_SYNC_TIMEOUT,
      onNoCandidate: e.REPLOG_ON_NO_CANDIDATE,
      pollMs: e.REPLOG_ACK_POLL_MS,
      confirmFrom: e.REPLOG_CONFIRM_FROM,
    },
    publishTimeoutMs: e.REPLOG_PUBLISH_TIMEOUT_MS,
    publishRecordBacklog: e.REPLOG_PUBLISH_RECORD_BACKLOG,
    maxBodyBytes: e.REPLOG_MAX_BODY_BYTES,
    auth: { apiKey: e.REPLOG_API_KEY, readsRequireKey: e.REPLOG_READS_REQUIRE_KEY },
    relay: { graceMs: e.REPLOG_RELAY_GRACE_MS ?? e.REPLOG_PUBLISH_TIMEOUT_MS + LEASE_MARGIN_MS, intervalMs: e.REPLOG_RELAY_INTERVAL_MS, maxMarks: e.REPLOG_RELAY_MAX_MARKS },
    faults: { crashAfterCommitProbability: e.REPLOG_FAULT_CRASH_AFTER_COMMIT_PROBABILITY, commitDelayMs: e.REPLOG_FAULT_COMMIT_DELAY_MS },
    stallMs: e.REPLOG_STALL_MS,
    // Progress must be persisted well within the stall threshold, or a busy follower could look stalled.
    progressFlushMs: Math.min(e.REPLOG_PROGRESS_FLUSH_MS, Math.floor(e.REPLOG_STALL_MS / 4)),
    followerSessionTimeoutMs: e.REPLOG_FOLLOWER_SESSION_TIMEOUT_MS,
    delayMaxWaitMs: e.REPLOG_DELAY_MAX_WAIT_MS,
    reads: { defaultWaitMs: e.REPLOG_READ_WAIT_MS, maxWaitMs: e.REPLOG_READ_MAX_WAIT_MS, viewTtlMs: e.REPLOG_READ_VIEW_TTL_MS, lossless: e.REPLOG_LOSSLESS_READS },
    metrics: { emf: e.AWS_LAMBDA_FUNCTION_NAME !== undefined, namespace: e.REPLOG_METRICS_NAMESPACE, port: e.REPLOG_METRICS_PORT },
    tracing: {
      otlpEndpoint:
        e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (e.OTEL_EXPORTER_OTLP_ENDPOINT === undefined ? undefined : `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`),
      serviceName: e.OTEL_SERVICE_NAME,
      sampleRatio: e.REPLOG_TRACE_SAMPLE_RATIO,
    },
    logLevel: e.REPLOG_LOG_LEVEL,
    logFormat: e.REPLOG_LOG_FORMAT,
    dataDir: e.REPLOG_DATA_DIR === undefined ? DEFAULT_DATA_DIR : resolve(e.REPLOG_DATA_DIR),
    separateStores: e.REPLOG_SEPARATE_STORES,
    localProcesses: e.REPLOG_LOCAL_PROCESSES,
  };
}
