import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { readWholeTopic } from '../faults/support/topic-reader';
import { startWriteLoad } from '../faults/support/write-load';
import { eventually } from '../support/eventually';
import { checkLogOrder, type LeaderView } from '../support/log-order';
import { runReplog } from '../support/replay-helpers';
import { scanTable } from '../faults/support/replica-tables';
import { brokers, uniqueNames } from '../support/test-names';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * The log compacted for real: a topic whose segments roll every 100 ms and are cleaned as soon as
 * any of them is dirty, a broker cleaner that looks every second, contended writes to a few keys,
 * then a follower rebuilt from that compacted log. Compaction keeps each key's record with the
 * highest offset, so the rebuild is right only if that record is the key's newest state; the
 * rebuild checks itself against the leader when it is done.
 */
describe('rebuild from a compacted log', () => {
  const kafka = new Kafka({ brokers: brokers().split(','), clientId: 'compaction-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  let t: TestStack;
  let names: ReturnType<typeof uniqueNames>;
  let cleanerBackoff: string | undefined;

  beforeAll(async () => {
    await admin.connect();
    const described = await admin.describeConfigs({
      resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configNames: ['log.cleaner.backoff.ms'] }],
      includeSynonyms: false,
    });
    cleanerBackoff = described.resources[0]?.configEntries.find((e) => e.configName === 'log.cleaner.backoff.ms')?.configValue;
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.cleaner.backoff.ms', value: '500' }] }],
    });
    names = uniqueNames('compacted');
    // Created here, before the stack, with settings that make the cleaner run within the test.
    // kafkajs's waitForLeaders retries only LEADER_NOT_AVAILABLE, and a KRaft broker may answer
    // UNKNOWN_TOPIC_OR_PARTITION for a moment after the create (tulios/kafkajs#1222): the wait
    // for leaders is this test's own, with a deadline.
    await admin.createTopics({
      waitForLeaders: false,
      topics: [
        {
          topic: names.topic,
          numPartitions: 3,
          configEntries: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'segment.ms', value: '100' },
            { name: 'min.cleanable.dirty.ratio', value: '0.01' },
            { name: 'min.compaction.lag.ms', value: '0' },
            { name: 'max.compaction.lag.ms', value: '100' },
            { name: 'delete.retention.ms', value: '100' },
          ],
        },
      ],
    });
    await eventually(
      async () => {
        const { topics } = await admin.fetchTopicMetadata({ topics: [names.topic] });
        const partitions = topics[0]?.partitions ?? [];
        return partitions.length === 3 && partitions.every((p) => p.leader >= 0);
      },
      { timeoutMs: 30_000, intervalMs: 100, what: `leaders for every partition of ${names.topic}` },
    );
    // follower-2 is registered but runs nowhere: the rebuild fills its table from the log alone.
    t = await startTestStack('compacted', {
      env: { REPLOG_FOLLOWERS: 'follower-1,follower-2' },
      followers: ['follower-1'],
      names,
    });
  });

  afterAll(async () => {
    await t?.stop();
    if (cleanerBackoff !== undefined) {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [{ name: 'log.cleaner.backoff.ms', value: cleanerBackoff }] }],
      });
    }
    await admin.deleteTopics({ topics: [names.topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('given contended writes to a few keys and a cleaned log, rebuilds a follower that matches the leader', async () => {
    const load = startWriteLoad({ url: () => t.url, keys: 12, workers: 8, keyPrefix: 'c', ackModes: ['async', 'semi-sync'], deleteRatio: 0.15 });
    await eventually(() => load.stats.attempted >= 600, { timeoutMs: 120_000, intervalMs: 50, what: '600 writes' });
    const stats = await load.stop();
    // One more write after the segment time, so the last segment holding the load rolls and can be cleaned too.
    await eventually(async () => (await t.api('PUT', '/items/roll', { at: Date.now() })).status === 200, { what: 'a rolling write' });

    let kept = 0;
    await eventually(
      async () => {
        kept = (await readWholeTopic(t.stack.brokers, names.topic)).size;
        return kept < stats.acknowledged / 2;
      },
      { timeoutMs: 60_000, intervalMs: 1000, what: 'the cleaner to compact the topic' },
    );

    const items = await scanTable(t.stack.runtime.documentClient, t.stack.runtime.config.tables.leader);
    const leader = new Map<string, LeaderView>(
      [...items].map(([key, i]) => [key, { version: i.version, deleted: i.deleted, value: i.doc === undefined ? null : JSON.parse(i.doc) }]),
    );
    const order = checkLogOrder(await readWholeTopic(t.stack.brokers, names.topic), leader, []);
    process.stdout.write(`[compaction] ${stats.acknowledged} acknowledged writes over 13 keys, ${kept} records kept after cleaning\n`);
    expect(order.lastNotNewest).toEqual([]);

    const rebuild = await runReplog(['replay', '--follower', 'follower-2', '--from', 'earliest', '--rebuild'], t.env);
    expect(rebuild.output).toMatch(/replay of follower-2 complete \(rebuild from earliest\)/);
    expect(rebuild.output).toMatch(/checking follower-2 against the leader/);
    expect(rebuild.output).toMatch(/missing 0 {2}extra 0 {2}stale 0 {2}differing 0/);
    expect(rebuild.output).toMatch(/follower-2 matches the leader/);
    expect(rebuild.code).toBe(0);
  });
});
