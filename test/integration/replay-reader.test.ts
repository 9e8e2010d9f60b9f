import { randomUUID } from 'node:crypto';
import { produceEvents } from '../../src/adapters/kafka/bulk-event-producer';
import { KafkaReplayReader } from '../../src/adapters/kafka/replay-reader';
import type { ChangeEvent } from '../../src/core/change-event';
import { silentLog } from '../support/in-memory-stores';
import { startTestStack, type TestStack } from '../support/test-stack';

/**
 * The replay's Kafka reader on the real broker, with fetches far smaller than the log, so every
 * partition takes many fetches: each record between start and target is handed out exactly once,
 * in offset order, and nothing past the target is.
 */
describe('replay reader', () => {
  let t: TestStack;

  beforeAll(async () => {
    t = await startTestStack('replay-reader', { env: { REPLOG_FOLLOWERS: 'follower-1,follower-2' }, followers: 'none', http: false });
    const events: ChangeEvent[] = Array.from({ length: 3000 }, (_, i) => ({
      v: 1,
      op: 'put',
      key: `r${i}`,
      version: 1,
      value: { i, pad: 'x'.repeat(100) },
      committedAt: Date.now(),
      writeId: randomUUID(),
    }));
    // Small produce requests make small record batches: a fetch returns at least one whole batch,
    // so only small batches make the 16 KB fetches below really split each partition.
    await produceEvents(t.stack.runtime.kafka, t.names.topic, events, 50);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('given a log many fetches long, delivers every record from the start to the target once and in order', async () => {
    const { runtime } = t.stack;
    const { high } = await runtime.admin.endOffsets();
    const starts = new Map([...high.keys()].map((p) => [p, 10n] as const));
    const targets = new Map([...high].map(([p, end]) => [p, end - 5n] as const));
    const reader = new KafkaReplayReader(runtime.kafka, {
      groupId: runtime.config.groupId('follower-2'),
      topic: t.names.topic,
      log: silentLog,
      chunkRecords: 100,
      maxBytesPerPartition: 16 * 1024,
    });
    const seen = new Map<number, bigint[]>();
    let chunks = 0;
    try {
      await reader.join();
      const reading = reader.read({
        starts,
        targets,
        onChunk: async (partition, records, next) => {
          chunks += 1;
          const offsets = seen.get(partition) ?? [];
          offsets.push(...records.map((r) => BigInt(r.offset)));
          seen.set(partition, offsets);
          expect(next).toBe(records.length > 0 ? BigInt(records[records.length - 1]?.offset ?? 0) + 1n : next);
        },
      });
      // A reader that stops fetching forward never finishes: fail with a reason instead of hanging.
      let timer: NodeJS.Timeout | undefined;
      const stalled = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the read stalled after ${chunks} chunks`)), 30_000);
      });
      await Promise.race([reading, stalled]).finally(() => clearTimeout(timer));
      await reader.commit(targets);
    } finally {
      await reader.leave();
    }
    expect(chunks).toBeGreaterThan(30);
    for (const [p, target] of targets) {
      const expected = Array.from({ length: Number(target - 10n) }, (_, i) => 10n + BigInt(i));
      expect(seen.get(p)).toEqual(expected);
    }
    const committed = (await runtime.admin.committedOffsets([runtime.config.groupId('follower-2')])).get(runtime.config.groupId('follower-2'));
    expect(committed).toEqual(targets);
  });
});
