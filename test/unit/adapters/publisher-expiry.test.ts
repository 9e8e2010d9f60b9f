import type { Kafka, ProducerRecord, RecordMetadata } from 'kafkajs';
import { KafkaChangePublisher } from '../../../src/adapters/kafka/change-publisher';
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

describe('change publisher after a stalled produce', () => {
  it('given a write whose deadline passed while it queued, does not send it late when the broker answers again', async () => {
    const { kafka, sent, release } = stallingKafka();
    const publisher = new KafkaChangePublisher(kafka, 't', 100);

    const first = publisher.publish(changeEvent({ key: 'a', version: 1 }));
    const stale = publisher.publish(changeEvent({ key: 'b', version: 1 }));
    await expect(first).rejects.toThrow(/did not reach the log before its publish lease ended \(100 ms\)/);
    await expect(stale).rejects.toThrow(/did not reach the log before its publish lease ended \(100 ms\)/);

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
