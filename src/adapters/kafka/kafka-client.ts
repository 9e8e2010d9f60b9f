import { Kafka, type KafkaConfig, type LogEntry, logLevel } from 'kafkajs';
import type { Log } from '../../core/ports';

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
}

/**
 * kafkajs notices that say nothing about replog's state, printed by every command otherwise:
 * replog assigns partitions itself with kafkajs's default murmur2 partitioner (so the v2
 * partitioner change is moot), and its idempotent producer's retries are bounded on purpose (a
 * dead broker must become a 503 in bounded time; replog does not use transactions).
 */
const NOTICES = [/^KafkaJS v2\.0\.0 switched default partitioner/, /^Limiting retries for the idempotent producer/];

/** Keys the structured logger reserves (it drops them with a warning of its own) or that only repeat the namespace. */
const DROPPED_KEYS = ['timestamp', 'logger', 'level', 'message', 'service', 'sampling_rate', 'sasl'];

/**
 * One kafkajs log entry as replog logs it: at which level, and with which fields. SASL credentials
 * never reach a log line, whatever kafkajs decides to include.
 */
export function kafkaLogLine(level: number, entry: LogEntry['log']): { level: 'debug' | 'info' | 'warn' | 'error'; message: string; extra: Record<string, unknown> } {
  const { message } = entry;
  const extra: Record<string, unknown> = { ...entry };
  for (const key of DROPPED_KEYS) delete extra[key];
  if (NOTICES.some((n) => n.test(message))) return { level: 'debug', message, extra };
  // kafkajs logs every error response at ERROR, including the retriable ones it then retries
  // (a coordinator still loading after a broker start); those are warnings until retries run out.
  // The same for a member the group dropped (a paused process) and a consumer crash:
  // FollowerConsumer rejoins and restarts, and says so at WARN with the Error.
  const recovered =
    (message.startsWith('Response ') && /not available|loading|not the correct|leader|not aware of this member|rebalanc|generation/i.test(String(extra.error ?? ''))) ||
    message.includes('re-joining the group') ||
    message.startsWith('Crash: ') ||
    message.startsWith('Restarting the consumer');
  if (level === logLevel.ERROR) return { level: recovered ? 'warn' : 'error', message, extra };
  if (level === logLevel.WARN) return { level: 'warn', message, extra };
  if (level === logLevel.INFO) return { level: 'info', message, extra };
  return { level: 'debug', message, extra };
}

/** kafkajs logs through our structured logger, under the `kafkajs` namespace. */
function logCreatorFor(log: Log) {
  return () =>
    ({ level, log: entry }: LogEntry) => {
      const line = kafkaLogLine(level, entry);
      log[line.level](line.message, line.extra);
    };
}

export function createKafka(conn: KafkaConnection, log: Log, clientSuffix = '', options: { requestTimeoutMs?: number; rotateBootstrap?: boolean } = {}): Kafka {
  const config: KafkaConfig = {
    brokers: options.rotateBootstrap ? rotatingBootstrap(conn.brokers) : conn.brokers,
    clientId: `${conn.clientId}${clientSuffix}`,
    ssl: conn.ssl,
    connectionTimeout: 3000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    // Bounded: a dead broker must surface as a 503, not an endless retry inside a request.
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: logCreatorFor(log),
    ...(conn.sasl ? { sasl: conn.sasl as KafkaConfig['sasl'] } : {}),
  };
  return new Kafka(config);
}

/**
 * The client the leader's publisher produces through; its bootstrap list rotates (see below). kafkajs retries a request that timed out
 * on the same connection with the metadata it had (the Java client drops the connection and asks
 * for new metadata instead), so a broker that stopped answering without closing its sockets (a
 * frozen process, a host gone from the network) would hold every publish for its retries times
 * the request timeout, long after the controller moved its partitions. Here a request waits as
 * long as a publish lease, plus the margin the broker needs to answer its own produce timeout
 * (which is the lease); a failed send then ends the producer's session (idempotent-producer.ts),
 * and the next one starts from fresh metadata.
 */
export function createPublisherKafka(conn: KafkaConnection, log: Log, publishTimeoutMs: number): Kafka {
  return createKafka(conn, log, '-publisher', { requestTimeoutMs: publishTimeoutMs + PRODUCE_ANSWER_MARGIN_MS, rotateBootstrap: true });
}

/**
 * The bootstrap list, starting one broker further on each time kafkajs asks for it. Every new
 * producer session takes the first broker of the list as its seed and, when that broker accepts
 * the connection but never answers (frozen), keeps it for the whole session; so after a session
 * ends on it the next one must start elsewhere.
 */
export function rotatingBootstrap(brokers: readonly string[]): () => string[] {
  let next = 0;
  return () => {
    const start = next++ % brokers.length;
    return [...brokers.slice(start), ...brokers.slice(0, start)];
  };
}

/** How long after its produce timeout a live broker's REQUEST_TIMED_OUT answer may take to arrive. */
const PRODUCE_ANSWER_MARGIN_MS = 1000;
