import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { spawnReplog } from '../support/child-process';
import { brokers, uniqueNames } from '../support/test-names';

/** `replog topics create` against the real broker: what it creates, and what it refuses to accept. */
describe('replog topics create', () => {
  const kafka = new Kafka({ brokers: brokers().split(','), clientId: 'topics-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  const created: string[] = [];

  beforeAll(() => admin.connect());
  afterAll(async () => {
    await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  const run = async (args: string[], topic: string) => {
    const p = spawnReplog(['topics', 'create', ...args], { ...process.env, KAFKA_BROKERS: brokers(), REPLOG_TOPIC: topic, REPLOG_LOG_LEVEL: 'ERROR' });
    const code = await new Promise<number | null>((resolve) => p.child.once('exit', (c) => resolve(c)));
    return { code, output: p.output() };
  };

  const cleanupPolicy = async (topic: string) => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['cleanup.policy'] }],
    });
    return resources[0]?.configEntries[0]?.configValue;
  };

  it('given no topics, creates a compacted replication topic with the asked partitions and a plain dead-letter topic', async () => {
    const { topic } = uniqueNames('topics');
    created.push(topic, `${topic}.dlq`);
    const { code, output } = await run(['--partitions', '4'], topic);
    expect(output).toContain('topics ready');
    expect(code).toBe(0);
    const meta = await admin.fetchTopicMetadata({ topics: [topic, `${topic}.dlq`] });
    expect(meta.topics.find((t) => t.name === topic)?.partitions).toHaveLength(4);
    expect(meta.topics.find((t) => t.name === `${topic}.dlq`)?.partitions).toHaveLength(1);
    expect(await cleanupPolicy(topic)).toBe('compact');
    expect(await cleanupPolicy(`${topic}.dlq`)).toBe('delete');

    const again = await run(['--partitions', '2'], topic);
    expect(again.code).toBe(0);
    expect(again.output).toContain('already has 4 partitions (asked for 2); keeping 4');
  });

  it('given a replication topic that exists without compaction, fails and says how to fix it', async () => {
    const { topic } = uniqueNames('topicsbad');
    created.push(topic, `${topic}.dlq`);
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'cleanup.policy', value: 'delete' }] }], waitForLeaders: true });
    const { code, output } = await run([], topic);
    expect(code).toBe(1);
    expect(output).toContain(`${topic} has cleanup.policy=delete; replog needs compact`);
  });

  it('given --dry-run, prints the plan without connecting', async () => {
    const { topic } = uniqueNames('topicsdry');
    const p = spawnReplog(['topics', 'create', '--dry-run', '--replication-factor', '3'], {
      ...process.env,
      KAFKA_BROKERS: '127.0.0.1:1',
      REPLOG_TOPIC: topic,
    });
    const code = await new Promise<number | null>((resolve) => p.child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(p.output()).toContain(`${topic}  partitions=3  replication-factor=3  cleanup.policy=compact`);
    expect(p.output()).toContain(`${topic}.dlq  partitions=1  replication-factor=3  cleanup.policy=delete`);
  });
});
