import { Kafka, logLevel } from 'kafkajs';
import { FunctionInvocationError, type LambdaFunctionInvoker } from '../../src/adapters/lambda/function-invoker';
import { KafkaMappingRunner } from '../../src/adapters/lambda/kafka-mapping-runner';
import type { KafkaMapping } from '../../src/adapters/lambda/kafka-mappings';
import { createKafka } from '../../src/adapters/kafka/kafka-client';
import { recordsByPartition } from '../../src/functions/kafka-event';
import { namespacedLogger } from '../../src/observability/logger';
import { eventually } from '../support/eventually';
import { brokers, uniqueNames } from '../support/test-names';

/**
 * The event source mapping stand-in on the real broker, with a function that fails on purpose:
 * a failed invocation commits nothing and is retried with the same records until it succeeds, so
 * nothing is skipped; a mapping that becomes disabled stops polling and leaves its group.
 */
describe('KafkaMappingRunner', () => {
  const names = uniqueNames('mapping-runner');
  const groupId = `${names.groupPrefix}-follower-1`;
  const kafka = new Kafka({ brokers: [brokers()], clientId: 'mapping-runner-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer();
  let mapping: KafkaMapping;

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
    await admin.createTopics({ topics: [{ topic: names.topic, numPartitions: 2 }], waitForLeaders: true });
    mapping = {
      uuid: 'uuid-1',
      logicalId: 'FollowerEventSourceFollower1',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:replog-local-apply-follower-1',
      state: 'Enabled',
      topic: names.topic,
      groupId,
      bootstrapServers: [brokers()],
      source: { kind: 'self-managed' },
      batchSize: 5,
      batchingWindowSeconds: 0,
      startingPosition: 'TRIM_HORIZON',
      startingPositionTimestamp: undefined,
      settingsFrom: { topic: 'template', groupId: 'template', bootstrapServers: 'template', batchSize: 'lambda', startingPosition: 'lambda', state: 'lambda' },
    };
  });
  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  const committed = async () => {
    const [topic] = await admin.fetchOffsets({ groupId, topics: [names.topic] });
    return Object.fromEntries((topic?.partitions ?? []).map((p) => [p.partition, p.offset]));
  };

  it('retries a failing batch until the function succeeds, committing only after it did, and skips nothing', async () => {
    await producer.send({ topic: names.topic, messages: Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: `{"i":${i}}`, partition: i % 2 })) });
    const delivered: { partition: number; offset: string; key: string | null }[] = [];
    const events: unknown[] = [];
    let failuresLeft = 3;
    const invoker = {
      invoke: async (functionName: string, payload: unknown) => {
        expect(functionName).toBe(mapping.functionArn);
        events.push(payload);
        const [batch = []] = recordsByPartition(payload);
        if (batch[0]?.partition === 0 && failuresLeft > 0) {
          failuresLeft -= 1;
          // Partition 0 commits nothing while its first batch has not succeeded.
          expect((await committed())[0]).toBe('-1');
          throw new FunctionInvocationError(functionName, 'Unhandled', 'Error', 'store unavailable');
        }
        for (const records of recordsByPartition(payload)) for (const r of records) delivered.push({ partition: r.partition, offset: r.offset, key: r.key });
        return { applied: 1 };
      },
    } as unknown as LambdaFunctionInvoker;
    const log = namespacedLogger('mappings', 'ERROR');
    const runner = new KafkaMappingRunner({
      discover: async () => [mapping],
      invoker,
      kafkaFor: (servers) => createKafka({ brokers: [...servers], clientId: 'mapping-runner-test', ssl: false, sasl: undefined }, log),
      bootstrapOverride: undefined,
      refreshMs: 200,
      log,
    });
    await runner.start();
    try {
      await eventually(async () => {
        const c = await committed();
        return c[0] === '6' && c[1] === '6';
      }, { what: 'both partitions committed through the last record', timeoutMs: 30_000 });
      expect(failuresLeft).toBe(0);
      for (const partition of [0, 1]) {
        const offsets = delivered.filter((d) => d.partition === partition).map((d) => Number(d.offset));
        expect(offsets).toEqual([0, 1, 2, 3, 4, 5]);
      }
      // The self-managed event shape, at most BatchSize records per invocation.
      expect(events[0]).toMatchObject({ eventSource: 'SelfManagedKafka', bootstrapServers: brokers() });
      for (const e of events) expect(Object.values((e as { records: Record<string, unknown[]> }).records).flat().length).toBeLessThanOrEqual(5);

      // Disabled: the poller stops and its group empties.
      mapping = { ...mapping, state: 'Disabled' };
      await eventually(async () => runner.active().length === 0, { what: 'the disabled mapping stopped' });
      await eventually(async () => (await admin.describeGroups([groupId])).groups[0]?.members.length === 0, { what: 'the group is empty' });
      await producer.send({ topic: names.topic, messages: [{ key: 'late', value: '{}', partition: 0 }] });
      const before = delivered.length;
      // Enabled again: it resumes from the committed offsets, with only the new record.
      mapping = { ...mapping, state: 'Enabled' };
      await eventually(async () => (await committed())[0] === '7', { what: 'the late record committed', timeoutMs: 30_000 });
      expect(delivered.slice(before)).toEqual([{ partition: 0, offset: '6', key: 'late' }]);
    } finally {
      await runner.stop();
    }
  });

  it('starts a new group AT_TIMESTAMP at the first record at or after that time, and LATEST at the end', async () => {
    const topic = `${names.topic}-start`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await producer.send({ topic, messages: [{ key: 'old', value: '{}', timestamp: '1000000' }] });
    await producer.send({ topic, messages: [{ key: 'new', value: '{}', timestamp: '2000000' }] });
    const keysFor = async (startingPosition: KafkaMapping['startingPosition'], produceAfterStart: boolean) => {
      const keys: (string | null)[] = [];
      const log = namespacedLogger('mappings', 'ERROR');
      const m: KafkaMapping = { ...mapping, uuid: `uuid-${startingPosition}`, topic, groupId: `${names.groupPrefix}-${startingPosition}`, startingPosition, startingPositionTimestamp: 1500 };
      const runner = new KafkaMappingRunner({
        discover: async () => [m],
        invoker: {
          invoke: async (_name: string, payload: unknown) => {
            for (const records of recordsByPartition(payload)) for (const r of records) keys.push(r.key);
            return null;
          },
        } as unknown as LambdaFunctionInvoker,
        kafkaFor: (servers) => createKafka({ brokers: [...servers], clientId: 'mapping-runner-test', ssl: false, sasl: undefined }, log),
        bootstrapOverride: undefined,
        refreshMs: 60_000,
        log,
      });
      await runner.start();
      try {
        if (produceAfterStart) {
          // Once start has resolved the group's position is fixed: a record produced right away is
          // delivered, whether or not the consumer has fetched yet.
          await producer.send({ topic, messages: [{ key: 'after-start', value: '{}' }] });
        }
        await eventually(async () => keys.length > 0, { what: `${startingPosition} delivered`, timeoutMs: 20_000 });
        return keys;
      } finally {
        await runner.stop();
      }
    };
    // AT_TIMESTAMP 1500 s: the record stamped 1,000,000 ms is before it, the one at 2,000,000 ms after.
    expect(await keysFor('AT_TIMESTAMP', false)).toEqual(['new']);
    expect(await keysFor('LATEST', true)).toEqual(['after-start']);
  });
});
