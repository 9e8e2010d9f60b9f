import type { Kafka } from 'kafkajs';
import { ConfigError, NotFoundError } from '../../core/errors';
import { planMappingChanges } from '../../core/mapping-reconcile';
import type { Log } from '../../core/ports';
import { FollowerConsumer } from '../kafka/follower-consumer';
import { createKafka, type KafkaConnection } from '../kafka/kafka-client';
import { translateKafkaError } from '../kafka/kafka-errors';
import type { LambdaKafkaEventShape } from '../kafka/lambda-kafka-event';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { type AwsConnection, createCloudFormationClient, createLambdaClient } from './aws-clients';
import { LambdaFunctionInvoker } from './function-invoker';
import { splitForInvoke } from './invoke-payload';
import { type KafkaMapping, mappingSettings, stackKafkaMappings } from './kafka-mappings';

export interface MappingRunnerOptions {
  /** The deployed mappings, read afresh on every refresh. */
  discover: () => Promise<KafkaMapping[]>;
  invoker: LambdaFunctionInvoker;
  /** A Kafka client for these bootstrap servers (TLS and SASL come from replog's configuration). */
  kafkaFor: (bootstrapServers: readonly string[]) => Kafka;
  /** Bootstrap servers to use instead of the mappings' own (an emulator's network differs from the host's). */
  bootstrapOverride: readonly string[] | undefined;
  refreshMs: number;
  log: Log;
}

interface RunningMapping {
  mapping: KafkaMapping;
  settings: string;
  consumer: FollowerConsumer;
}

const TIMESTAMP_TYPES: Record<string, LambdaKafkaEventShape['timestampType']> = { CreateTime: 'CREATE_TIME', LogAppendTime: 'LOG_APPEND_TIME' };

/**
 * A stand-in for Lambda's Kafka event source mappings, for emulators that store mappings but never
 * poll Kafka (ministack, LocalStack's free plan). Each enabled mapping of the stack gets a consumer
 * in its own consumer group that fetches up to BatchSize records per partition, invokes the mapping's
 * deployed function through the Lambda Invoke API with the event Lambda would send, and commits the
 * offsets only after the invocation succeeded; a function error or a failed invoke retries the same
 * batch with backoff and never skips it (adapters/kafka/follower-consumer.ts). Every refresh
 * re-reads the mappings: a disabled or deleted mapping stops, a changed one restarts, a new one starts.
 */
export class KafkaMappingRunner {
  private readonly running = new Map<string, RunningMapping>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: MappingRunnerOptions) {}

  /** Reads the mappings and starts their pollers; fails when the stack cannot be read at all. */
  async start(): Promise<KafkaMapping[]> {
    const mappings = await this.options.discover();
    await this.apply(mappings);
    this.schedule();
    return mappings;
  }

  /** The mappings being polled now, by UUID. */
  active(): KafkaMapping[] {
    return [...this.running.values()].map((r) => r.mapping);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.refreshing;
    await Promise.all([...this.running.keys()].map((id) => this.stopOne(id)));
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.refreshing = this.options
        .discover()
        .then((mappings) => this.apply(mappings))
        .catch(async (error: unknown) => {
          if (error instanceof NotFoundError) {
            // The stack was removed: its mappings are gone with it.
            if (this.running.size > 0) this.options.log.info('the stack no longer exists; stopping every poller', { error });
            return this.apply([]);
          }
          // The pollers keep running on the settings they have; the next refresh tries again.
          this.options.log.warn('could not refresh the event source mappings; keeping the running pollers', { error });
        })
        .finally(() => this.schedule());
    }, this.options.refreshMs);
    this.timer.unref();
  }

  private async apply(mappings: readonly KafkaMapping[]): Promise<void> {
    if (this.stopped) return;
    const byId = new Map(mappings.map((m) => [m.uuid, m]));
    const changes = planMappingChanges(
      mappings.map((m) => ({ id: m.uuid, enabled: m.state === 'Enabled', settings: mappingSettings(m, this.options.bootstrapOverride) })),
      new Map([...this.running].map(([id, r]) => [id, r.settings])),
    );
    for (const id of [...changes.stop, ...changes.restart]) {
      this.options.log.info(changes.stop.includes(id) ? 'event source mapping no longer enabled; stopping its poller' : 'event source mapping changed; restarting its poller', {
        uuid: id,
      });
      await this.stopOne(id);
    }
    for (const id of [...changes.restart, ...changes.start]) {
      const mapping = byId.get(id);
      if (mapping) await this.startOne(mapping);
    }
  }

  private async startOne(m: KafkaMapping): Promise<void> {
    const servers = this.options.bootstrapOverride ?? m.bootstrapServers;
    if (servers.length === 0) {
      throw new ConfigError(`event source mapping ${m.logicalId} reads MSK cluster ${m.source.kind === 'msk' ? m.source.clusterArn : ''}: give its bootstrap servers with --brokers`);
    }
    const kafka = this.options.kafkaFor(servers);
    const timestampType = await untilAnswered(`describeConfigs of ${m.topic}`, () => topicTimestampType(kafka, m.topic));
    await untilAnswered(`setting the starting offsets of group ${m.groupId}`, () => fixStartingOffsets(kafka, m));
    const log = this.options.log;
    const consumer = new FollowerConsumer(kafka, {
      groupId: m.groupId,
      topic: m.topic,
      bootstrapServers: m.bootstrapServers.join(','),
      maxBatchRecords: m.batchSize,
      fromBeginning: m.startingPosition !== 'LATEST',
      batchingWindowMs: m.batchingWindowSeconds * 1000,
      eventShape: {
        source: m.source.kind === 'msk' ? { eventSource: 'aws:kafka', eventSourceArn: m.source.clusterArn } : { eventSource: 'SelfManagedKafka' },
        timestampType,
      },
      log,
      handler: async (event) => {
        for (const part of splitForInvoke(event)) {
          const started = Date.now();
          const result = await this.options.invoker.invoke(m.functionArn, part);
          const [records = []] = Object.values(part.records);
          log.debug('batch delivered', {
            uuid: m.uuid,
            function: m.functionArn,
            topic: m.topic,
            partition: records[0]?.partition,
            offset: records[0]?.offset,
            lastOffset: records[records.length - 1]?.offset,
            records: records.length,
            durationMs: Date.now() - started,
            result,
          });
        }
      },
    });
    try {
      await consumer.start();
    } catch (error) {
      await consumer.stop();
      throw error;
    }
    this.running.set(m.uuid, { mapping: m, settings: mappingSettings(m, this.options.bootstrapOverride), consumer });
    log.info('polling for event source mapping', {
      uuid: m.uuid,
      logicalId: m.logicalId,
      function: m.functionArn,
      topic: m.topic,
      groupId: m.groupId,
      bootstrapServers: servers,
      batchSize: m.batchSize,
      startingPosition: m.startingPosition,
      settingsFrom: m.settingsFrom,
    });
  }

  private async stopOne(id: string): Promise<void> {
    const r = this.running.get(id);
    if (!r) return;
    this.running.delete(id);
    await r.consumer.stop();
  }
}

/** The timestamp type Lambda reports for the topic's records (its message.timestamp.type). */
async function topicTimestampType(kafka: Kafka, topic: string): Promise<LambdaKafkaEventShape['timestampType']> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['message.timestamp.type'] }] });
    const value = described.resources[0]?.configEntries.find((e) => e.configName === 'message.timestamp.type')?.configValue;
    return TIMESTAMP_TYPES[value ?? 'CreateTime'] ?? 'CREATE_TIME';
  } finally {
    await admin.disconnect();
  }
}

/**
 * Where a group starts on the partitions it has no committed offset for, fixed (committed) before
 * its consumer joins: AT_TIMESTAMP at the first record at or after the timestamp, LATEST at the
 * end of each partition as it is now. So once `start` has resolved, every record produced later
 * is delivered, as Lambda delivers every record produced after a LATEST mapping started polling;
 * kafkajs alone resolves LATEST only at the consumer's first fetch, some time after the join, and a
 * record produced in between is skipped. TRIM_HORIZON needs nothing fixed: the oldest record is
 * the oldest whenever the consumer asks. A group with committed offsets resumes from them.
 */
async function fixStartingOffsets(kafka: Kafka, m: KafkaMapping): Promise<void> {
  const at = m.startingPosition === 'AT_TIMESTAMP' ? m.startingPositionTimestamp : undefined;
  // An AT_TIMESTAMP mapping without its timestamp is refused when the mapping is read (kafka-mappings.ts).
  if (m.startingPosition === 'TRIM_HORIZON' || (m.startingPosition === 'AT_TIMESTAMP' && at === undefined)) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: m.groupId, topics: [m.topic] });
    const partitions = committed?.partitions ?? [];
    // A topic created a moment ago may not be in the metadata yet: no partitions is not "nothing to do".
    if (partitions.length === 0) throw new StartNotReadyError(`no partitions of ${m.topic} are known yet`);
    const unset = new Set(partitions.filter((p) => p.offset === '-1').map((p) => p.partition));
    if (unset.size === 0) return;
    const starts =
      at !== undefined
        ? await admin.fetchTopicOffsetsByTimestamp(m.topic, at * 1000)
        : (await admin.fetchTopicOffsets(m.topic)).map((p) => ({ partition: p.partition, offset: p.high }));
    await admin.setOffsets({
      groupId: m.groupId,
      topic: m.topic,
      partitions: starts.filter((p) => unset.has(p.partition)).map(({ partition, offset }) => ({ partition, offset })),
    });
  } finally {
    await admin.disconnect();
  }
}

/** The start of a poller met a broker that is not ready yet for this group or topic; asking again will do. */
class StartNotReadyError extends Error {
  readonly retriable = true;
}

/** How long a poller's start keeps asking a broker that answers "not yet" (a coordinator still loading, a topic just created). */
const START_RETRY_MS = 30_000;

/**
 * Runs a start step again while the broker answers with a retriable error. kafkajs's admin
 * `fetchOffsets` and `setOffsets` do not retry by themselves: right after a broker start, or the
 * first group operation on it, the group coordinator answers NOT_COORDINATOR or
 * COORDINATOR_LOAD_IN_PROGRESS for a moment, and a topic created a moment ago can be
 * UNKNOWN_TOPIC_OR_PARTITION. Anything not retriable (a group with live members) fails at once.
 */
async function untilAnswered<T>(operation: string, step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + START_RETRY_MS;
  for (let delay = 100; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await step();
    } catch (error) {
      const retriable = (error as { retriable?: unknown }).retriable === true;
      if (!retriable || Date.now() + delay > deadline) throw translateKafkaError(error, operation);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** One stack's Kafka mappings as the Lambda and CloudFormation APIs describe them. */
export function stackMappingSource(stackName: string, aws: AwsConnection): { lambda: LambdaClient; discover: () => Promise<KafkaMapping[]>; close: () => void } {
  const lambda = createLambdaClient(aws);
  const cloudformation = createCloudFormationClient(aws);
  return {
    lambda,
    discover: () => stackKafkaMappings({ lambda, cloudformation }, stackName),
    close: () => {
      lambda.destroy();
      cloudformation.destroy();
    },
  };
}

export interface StackMappingRunnerOptions {
  stackName: string;
  aws: AwsConnection;
  /** replog's Kafka settings: client id, TLS and SASL for the pollers' connections. */
  kafka: Omit<KafkaConnection, 'brokers'>;
  bootstrapOverride: readonly string[] | undefined;
  refreshMs: number;
  log: Log;
  kafkaLog: Log;
}

/** The runner for one stack's mappings, wired to the Lambda and CloudFormation APIs. */
export function stackMappingRunner(options: StackMappingRunnerOptions): { runner: KafkaMappingRunner; close: () => void } {
  const source = stackMappingSource(options.stackName, options.aws);
  const runner = new KafkaMappingRunner({
    discover: source.discover,
    invoker: new LambdaFunctionInvoker(source.lambda),
    kafkaFor: (brokers) => createKafka({ ...options.kafka, brokers: [...brokers] }, options.kafkaLog, '-mappings'),
    bootstrapOverride: options.bootstrapOverride,
    refreshMs: options.refreshMs,
    log: options.log,
  });
  return { runner, close: source.close };
}
