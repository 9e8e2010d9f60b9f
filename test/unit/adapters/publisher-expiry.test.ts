import { createServer, type Socket, connect } from 'node:net';
import type { Kafka, ProducerRecord, RecordMetadata } from 'kafkajs';
import { KafkaChangePublisher } from '../../../src/adapters/kafka/change-publisher';
import { LeaseEndedError } from '../../../src/core/errors';
import { changeEvent } from '../../support/event-fixtures';

/** A broker that holds the first produce request until released, and records every request. */
function stallingKafka() {
  const sent: ProducerRecord[] = [];
  let release: () => void = () => undefined;
  const firstHeld = new Promise<void>((r) => {
    release = r;
  });
  const producer = {
    on: () => undefined,
    events: { DISCONNECT: 'producer.disconnect' },
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async (record: ProducerRecord): Promise<RecordMetadata[]> => {
      sent.push(record);
      if (sent.length === 1) await firstHeld;
      const partition = record.messages[0]?.partition ?? 0;
      return [{ topicName: record.topic, partition, errorCode: 0, baseOffset: String(sent.length * 10) }];
    },
  };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchTopicMetadata: async () => ({ topics: [{ name: 't', partitions: [{ partitionId: 0 }] }] }),
  };
  const kafka = { producer: () => producer, admin: () => admin } as unknown as Kafka;
  return { kafka, sent, release };
}

/** A broker whose produce answer arrives when `answer` says, as an answer on a socket would. */
function answeringKafka(answered: (record: ProducerRecord) => Promise<void>) {
  const producer = {
    on: () => undefined,
    events: { DISCONNECT: 'producer.disconnect' },
    connect: async () => undefined,
    disconnect: async () => undefined,
    send: async (record: ProducerRecord): Promise<RecordMetadata[]> => {
      await answered(record);
      return [{ topicName: record.topic, partition: record.messages[0]?.partition ?? 0, errorCode: 0, baseOffset: '7' }];
    },
  };
  const admin = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    fetchTopicMetadata: async () => ({ topics: [{ name: 't', partitions: [{ partitionId: 0 }] }] }),
  };
  return { producer: () => producer, admin: () => admin } as unknown as Kafka;
}

/** Keeps the event loop from running for `ms`, as a frozen or starved process stands still. */
function blockLoop(ms: number): void {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    // busy
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

describe('change publisher after this process stalled', () => {
  it('given the produce answer arrived on its socket while the event loop was blocked past the deadline, takes the answer', async () => {
    const server = createServer();
    const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = connect((server.address() as { port: number }).port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    const brokerSide = await accepted;
    try {
      const publisher = new KafkaChangePublisher(answeringKafka(() => new Promise((resolve) => client.once('data', () => resolve()))), 't', 100);
      const published = publisher.publish(changeEvent({ key: 'a', version: 1 }));
      await flush();
      brokerSide.write('answer');
      // The answer is in the socket before the deadline; the process only reads it after.
      blockLoop(300);
      await expect(published).resolves.toEqual({ partition: 0, offset: '7' });
    } finally {
      client.destroy();
      brokerSide.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('given the process stalled past the deadline, waits the time it could not run before judging the log', async () => {
    let blockedAt = 0;
    const stalls = { stalledSince: (since: number) => (blockedAt === 0 ? 0 : Math.max(0, blockedAt + 300 - Math.max(since, blockedAt))) };
    // As kafkajs does after its own request timeout fired late: the produce is sent again and answered shortly after.
    const kafka = answeringKafka(() => new Promise((resolve) => setTimeout(() => setTimeout(resolve, 30), 0)));
    const publisher = new KafkaChangePublisher(kafka, 't', 100, stalls);
    const published = publisher.publish(changeEvent({ key: 'a', version: 1 }));
    await flush();
    blockedAt = Date.now();
    blockLoop(300);

    await expect(published).resolves.toEqual({ partition: 0, offset: '7' });
  });

  it('given the same late answer without a stall, answers 503 at the deadline', async () => {
    const kafka = answeringKafka(() => new Promise((resolve) => setTimeout(resolve, 300)));
    const publisher = new KafkaChangePublisher(kafka, 't', 100);

    await expect(publisher.publish(changeEvent({ key: 'a', version: 1 }))).rejects.toThrow(/did not reach the log before its publish lease ended/);
  });
});

describe('change publisher after a stalled produce', () => {
  it('given a write whose deadline passed while it queued, does not send it late when the broker answers again', async () => {
    const { kafka, sent, release } = stallingKafka();
    const publisher = new KafkaChangePublisher(kafka, 't', 100);

    const first = publisher.publish(changeEvent({ key: 'a', version: 1 }));
    const stale = publisher.publish(changeEvent({ key: 'b', version: 1 }));
    // The first was sent and got no answer in time; the second was never sent.
    await Promise.all([
      expect(first).rejects.toThrow(/did not reach the log before its publish lease ended \(100 ms\)/),
      expect(stale).rejects.toThrow(LeaseEndedError),
      expect(stale).rejects.toThrow(/the publish lease of b@1 ended before the log took it/),
    ]);

    const fresh = publisher.publish(changeEvent({ key: 'c', version: 1 }));
    release();
    await expect(fresh).resolves.toMatchObject({ partition: 0 });

    const keys = sent.map((r) => r.messages.map((m) => String(m.key)));
    expect(keys).toEqual([['a'], ['c']]);
  });

  it('given a version of a key arriving after a newer one was taken, never sends it and answers with the newer record\'s position', async () => {
    const { kafka, sent, release } = stallingKafka();
    const publisher = new KafkaChangePublisher(kafka, 't', 5000);
    release();

    const newer = await publisher.publish(changeEvent({ key: 'a', version: 2 }));
    const older = await publisher.publish(changeEvent({ key: 'a', version: 1 }));

    expect(older).toEqual(newer);
    expect(sent.map((r) => r.messages.map((m) => JSON.parse(String(m.value)).version))).toEqual([[2]]);
  });
});
