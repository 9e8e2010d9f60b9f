import type { Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';

/** What differs between replog's consumers; the rest of a consumer's settings is the same for all. */
export type BatchConsumerConfig = Pick<ConsumerConfig, 'groupId' | 'sessionTimeout' | 'heartbeatInterval' | 'maxWaitTimeInMs' | 'minBytes' | 'retry'> &
  Partial<Pick<ConsumerConfig, 'maxBytesPerPartition' | 'maxBytes'>>;

/**
 * A consumer of the replication topic: it never creates topics (a missing topic is an error to
 * report, not to paper over), and a rebalance waits at most 10 s for the members to rejoin.
 */
export function createBatchConsumer(kafka: Kafka, config: BatchConsumerConfig): Consumer {
  return kafka.consumer({ ...config, rebalanceTimeout: 10_000, allowAutoTopicCreation: false });
}

/**
 * Connects, subscribes and runs batch consumption with every offset resolved and committed by the
 * caller: a committed offset means "the table holds it", never "it was fetched". `beforeFetch` runs
 * as soon as run() has set the group up and before anything is fetched (the replay pauses there).
 * Resolves once the group is joined.
 */
export async function consumeBatches(
  consumer: Consumer,
  options: {
    topic: string;
    fromBeginning: boolean;
    partitionsConsumedConcurrently: number;
    eachBatch: (payload: EachBatchPayload) => Promise<void>;
    beforeFetch?: () => void;
    joined?: (running: Promise<void>) => Promise<void>;
  },
): Promise<void> {
  await consumer.connect();
  await consumer.subscribe({ topic: options.topic, fromBeginning: options.fromBeginning });
  const running = consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently,
    eachBatch: options.eachBatch,
  });
  options.beforeFetch?.();
  await (options.joined ? options.joined(running) : running);
}
