import { randomBytes } from 'node:crypto';

/** Every test file gets its own topic, tables and consumer groups, so files never see each other. */
export function uniqueNames(label: string): { topic: string; tablePrefix: string; groupPrefix: string; id: string } {
  const id = `${label.replace(/[^a-z0-9]/gi, '').toLowerCase().slice(0, 20)}-${randomBytes(4).toString('hex')}`;
  return { topic: `t-${id}`, tablePrefix: `t-${id}`, groupPrefix: `g-${id}`, id };
}

export function brokers(): string {
  return process.env.KAFKA_BROKERS ?? `127.0.0.1:${process.env.KAFKA_PORT ?? '9092'}`;
}

/**
 * The environment of a replog isolated to one test: its own store endpoint, topic, tables and
 * consumer groups on the shared broker, and a free HTTP port.
 */
export function isolatedEnv(names: ReturnType<typeof uniqueNames>, dynamoEndpoint: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PORT: '0',
    DYNAMODB_ENDPOINT: dynamoEndpoint,
    KAFKA_BROKERS: brokers(),
    REPLOG_TOPIC: names.topic,
    REPLOG_TABLE_PREFIX: names.tablePrefix,
    REPLOG_GROUP_PREFIX: names.groupPrefix,
    REPLOG_LOG_LEVEL: process.env.REPLOG_LOG_LEVEL ?? 'ERROR',
    ...extra,
  };
}
