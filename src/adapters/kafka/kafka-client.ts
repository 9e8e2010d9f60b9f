import { Kafka, type KafkaConfig, type LogEntry, logLevel } from 'kafkajs';
import type { Log } from '../../core/ports';

export interface KafkaConnection {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string } | undefined;
}

/** kafkajs logs through our structured logger, under the `kafkajs` namespace's child. */
function logCreatorFor(log: Log) {
  return () =>
    ({ level, log: entry }: LogEntry) => {
      const { message, ...extra } = entry;
      // SASL credentials never reach a log line, whatever kafkajs decides to include.
      delete (extra as Record<string, unknown>).sasl;
      // kafkajs logs every error response at ERROR, including the retriable ones it then retries
      // (a coordinator still loading after a broker start); those are warnings until retries run out.
      // The same for a member the group dropped (a paused process): kafkajs or FollowerConsumer rejoins.
      const retriedResponse =
        (message.startsWith('Response ') && /not available|loading|not the correct|leader|not aware of this member|rebalanc|generation/i.test(String(extra.error ?? ''))) ||
        message.includes('re-joining the group');
      if (level === logLevel.ERROR && !retriedResponse) log.error(message, extra);
      else if (level === logLevel.ERROR) log.warn(message, extra);
      else if (level === logLevel.WARN) log.warn(message, extra);
      else if (level === logLevel.INFO) log.info(message, extra);
      else log.debug(message, extra);
    };
}

export function createKafka(conn: KafkaConnection, log: Log, clientSuffix = ''): Kafka {
  const config: KafkaConfig = {
    brokers: conn.brokers,
    clientId: `${conn.clientId}${clientSuffix}`,
    ssl: conn.ssl,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    // Bounded: a dead broker must surface as a 503, not an endless retry inside a request.
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: logCreatorFor(log),
    ...(conn.sasl ? { sasl: conn.sasl as KafkaConfig['sasl'] } : {}),
  };
  return new Kafka(config);
}
