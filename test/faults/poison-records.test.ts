import { Kafka, logLevel, type Message } from 'kafkajs';
import type { DeadLetterEntry } from '../../src/adapters/kafka/dead-letter-reader';
import { eventually } from '../support/eventually';
import { startTestStack, type TestStack } from '../support/test-stack';
import { reportCase } from './support/fault-report';
import { compareReplica, scanTable } from './support/replica-tables';
import { jsonLineWith, runReplogOnce } from './support/replog-cli';
import { readWholeTopic } from './support/topic-reader';

const FOLLOWERS = ['follower-1', 'follower-2'];
/** Every replica consumes the log, the leader's own (main) too, so each dead-letters what it cannot read. */
const CONSUMERS = ['main', ...FOLLOWERS];

const event = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, op: 'put', key: 'p', version: 1, value: { ok: true }, committedAt: Date.now(), writeId: 'w', ...overrides });

/** Records no replog leader would write, each with the reason a follower must refuse it. */
const poison: { name: string; message: Message }[] = [
  { name: 'not JSON', message: { key: 'p-json', value: '{{not json' } },
  { name: 'random bytes, not UTF-8', message: { key: 'p-bytes', value: Buffer.from([0x00, 0xff, 0xfe, 0x7b, 0x80, 0xc3, 0x28, 0x0a]) } },
  { name: 'JSON of another shape', message: { key: 'p-shape', value: JSON.stringify({ hello: 'world' }) } },
  { name: 'a future schema version', message: { key: 'p-v2', value: event({ v: 2, key: 'p-v2' }) } },
  { name: 'record key differs from event key', message: { key: 'p-mismatch', value: event({ key: 'someone-else' }) } },
  { name: 'a Kafka tombstone (null value)', message: { key: 'p-null', value: null } },
  { name: 'an empty value', message: { key: 'p-empty', value: '' } },
  { name: 'a negative version', message: { key: 'p-neg', value: event({ key: 'p-neg', version: -3 }) } },
  { name: 'a delete that carries a value', message: { key: 'p-del', value: event({ key: 'p-del', op: 'delete' }) } },
  { name: 'a key with a control character', message: { key: 'p-\u0007', value: event({ key: 'p-\u0007' }) } },
  { name: 'a value DynamoDB cannot store', message: { key: 'p-big', value: event({ key: 'p-big', value: 'x'.repeat(395_000) }) } },
  { name: 'a key that is not UTF-8', message: { key: Buffer.from([0xc3]), value: event({ key: '\ufffd' }) } },
  { name: 'a value nested 20000 levels deep', message: { key: 'p-deep', value: event({ key: 'p-deep', value: 0 }).replace('"value":0', `"value":${'['.repeat(20_000)}${']'.repeat(20_000)}`) } },
  { name: 'extra fields', message: { key: 'p-extra', value: event({ key: 'p-extra', admin: true }) } },
];

/**
 * Poison produced straight onto the replication topic, between good writes, on every partition:
 * each follower must send every poison record to <topic>.dlq with its coordinates and reason,
 * keep going (no stalled partition) and apply every good write that comes after.
 */
describe('fault: poison records on the replication topic', () => {
  let t: TestStack;

  afterAll(async () => {
    await t?.stop();
  });

  it('given poison records among good ones, they land in the DLQ and later good records still apply', async () => {
    t = await startTestStack('poison', { followers: 'all', env: { REPLOG_FOLLOWERS: FOLLOWERS.join(','), REPLOG_ACK_MODE: 'async', REPLOG_LOG_LEVEL: 'ERROR' } });
    const rt = t.stack.runtime;
    const write = async (key: string, n: number) => expect((await t.api('PUT', `/items/${key}`, { n })).status).toBe(200);
    for (let i = 0; i < 30; i++) await write(`good-${i % 15}`, i);

    const kafka = new Kafka({ brokers: t.stack.brokers, clientId: 'poisoner', logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const produced: { name: string; partition: number; offset: string }[] = [];
    for (let round = 0; round < rt.config.partitions; round++) {
      for (const p of poison) {
        const [meta] = await producer.send({ topic: rt.config.topic, acks: -1, messages: [{ ...p.message, partition: round }] });
        produced.push({ name: p.name, partition: round, offset: String(meta?.baseOffset) });
      }
      for (let i = 0; i < 10; i++) await write(`after-${round}-${i % 5}`, i);
    }
    await producer.disconnect();

    // No partition stalls: every replica's group commits up to the end of the log.
    const groups = CONSUMERS.map((id) => rt.config.groupId(id));
    await eventually(
      async () => {
        const [{ high }, committed] = await Promise.all([rt.admin.endOffsets(), rt.admin.committedOffsets(groups)]);
        return groups.every((g) => [...high].every(([p, end]) => (committed.get(g)?.get(p) ?? 0n) >= end));
      },
      { timeoutMs: 60_000, intervalMs: 200, what: 'every follower to commit to the end of the log' },
    );
    const leader = await scanTable(rt.documentClient, rt.config.tables.leader);
    const mismatches: string[] = [];
    let compared = 0;
    for (const id of FOLLOWERS) {
      const cmp = compareReplica(leader, await scanTable(rt.documentClient, rt.config.tables.follower(id)), id);
      compared += cmp.compared;
      mismatches.push(...cmp.mismatches);
    }

    // `replog dlq` lists them: one dead letter per poison record per consuming replica, with its origin.
    const dlq = await runReplogOnce(['dlq', '--json'], t.env);
    expect(dlq.code).toBe(0);
    const listing = jsonLineWith<{ topic: string; total: number; entries: DeadLetterEntry[] }>(dlq.output, 'entries');
    const expected = new Set(produced.flatMap((p) => CONSUMERS.map((f) => `${f} ${p.partition}@${p.offset}`)));
    const listed = new Set(listing.entries.map((e) => `${e.follower} ${e.originPartition}@${e.originOffset}`));
    const missingFromDlq = [...expected].filter((k) => !listed.has(k));
    const wrongOrigin = listing.entries.filter((e) => e.originTopic !== rt.config.topic || !e.reason);

    // The DLQ keeps the bytes exactly as received.
    const dlqRecords = [...(await readWholeTopic(t.stack.brokers, rt.config.deadLetterTopic)).values()];
    const bytesCase = poison.find((p) => p.name.startsWith('random bytes'))?.message.value as Buffer;
    const bytesKept = dlqRecords.filter((r) => r.valueBytes?.equals(bytesCase)).length;

    const table = await runReplogOnce(['dlq'], t.env);
    reportCase('poison-records', {
      poisonKinds: poison.length,
      poisonProduced: produced.length,
      goodWrites: 30 + 10 * rt.config.partitions,
      consumers: CONSUMERS.length,
      dlqEntries: listing.total,
      dlqExpected: expected.size,
      missingFromDlq: missingFromDlq.length,
      wrongOrigin: wrongOrigin.length,
      rawBytesKept: bytesKept,
      followerItemsCompared: compared,
      mismatches: mismatches.length,
    });
    expect(table.code).toBe(0);
    expect(table.output).toContain(`${rt.config.deadLetterTopic}: ${expected.size} dead letter(s)`);
    expect(missingFromDlq).toEqual([]);
    expect(listing.total).toBe(expected.size);
    expect(wrongOrigin).toEqual([]);
    expect(bytesKept).toBe(rt.config.partitions * CONSUMERS.length);
    expect(mismatches).toEqual([]);
    // Nothing poisonous reached a replica.
    expect([...leader.keys()].every((k) => k.startsWith('good-') || k.startsWith('after-'))).toBe(true);
    expect(listing.entries.map((e) => e.reason).every((r) => typeof r === 'string' && r.length > 0)).toBe(true);
  });
});
