import type { Config } from '../../../src/config/config';
import type { TopicHealth } from '../../../src/core/topic-durability';
import { durabilitySection } from '../../../src/functions/http/replication-status';
import { silentLog } from '../../support/in-memory-stores';

const config = { topic: 'replog.changes' } as Config;
const health: TopicHealth = {
  topic: 'replog.changes',
  brokers: 3,
  partitions: 3,
  replicationFactor: 3,
  minInsyncReplicas: 2,
  uncleanLeaderElection: false,
  underReplicatedPartitions: [1],
  belowMinIsrPartitions: [],
  offlinePartitions: [],
};
const section = (topicHealth?: () => Promise<TopicHealth>) => durabilitySection({ config, log: () => silentLog, topicHealth });

describe('status: the replication topic’s durability', () => {
  it('given the topic described, reports copies, min ISR and the under-replicated partitions', async () => {
    expect(await section(async () => health)).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2, underReplicatedPartitions: [1], state: 'under-replicated', error: null });
  });

  it('given the brokers unreachable, status still answers and says why durability is unknown', async () => {
    expect(await section(() => Promise.reject(new Error('Connection error: ECONNREFUSED')))).toEqual({ error: 'Connection error: ECONNREFUSED' });
  });

  it('given a describe that never answers, gives up after a bounded wait instead of stalling status', async () => {
    jest.useFakeTimers();
    try {
      const pending = section(() => new Promise<TopicHealth>(() => undefined));
      await jest.advanceTimersByTimeAsync(3000);
      expect(await pending).toEqual({ error: 'the topic was not described within 3000 ms' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('given a process without a Kafka admin client, reports none (null)', async () => {
    expect(await section(undefined)).toBeNull();
  });
});
