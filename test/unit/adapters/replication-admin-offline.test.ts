import { type Kafka, KafkaJSProtocolError } from 'kafkajs';
import { KafkaReplicationAdmin } from '../../../src/adapters/kafka/replication-admin';
import { PartitionsUnavailableError } from '../../../src/core/errors';

const leaderNotAvailable = () =>
  new KafkaJSProtocolError({ type: 'LEADER_NOT_AVAILABLE', code: 5, retriable: true, message: 'There is no leader for this topic-partition as we are in the middle of a leadership election' } as never);

/** A kafkajs admin as it behaves with partition 2 leaderless: topic-wide offset listings fail, the metadata answers. */
function adminWith(leaders: number[], metadataFails = false) {
  const admin = {
    events: { DISCONNECT: 'admin.disconnect' },
    on: () => undefined,
    connect: async () => undefined,
    fetchTopicOffsets: async () => {
      throw leaderNotAvailable();
    },
    fetchTopicOffsetsByTimestamp: async () => {
      throw leaderNotAvailable();
    },
    fetchTopicMetadata: async () => {
      if (metadataFails) throw new Error('Connection error: ECONNREFUSED');
      return { topics: [{ name: 'replog.changes', partitions: leaders.map((leader, partitionId) => ({ partitionId, leader, partitionErrorCode: leader < 0 ? 5 : 0, replicas: [], isr: [] })) }] };
    },
  };
  return new KafkaReplicationAdmin({ admin: () => admin } as unknown as Kafka, 'replog.changes');
}

describe('the Kafka replication admin with a partition offline', () => {
  it('given partition 2 without a leader, the end-offsets read fails naming partition 2, retriable', async () => {
    const failure = await adminWith([1, 2, -1]).endOffsets().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PartitionsUnavailableError);
    expect(failure).toMatchObject({ partitions: [2], retriable: true, status: 503, details: { dependency: 'log', unavailablePartitions: [2] } });
    expect((failure as Error).message).toMatch(/^partition 2 of replog\.changes has no leader: Kafka fetchTopicOffsets failed: There is no leader/);
  });

  it('given partitions 0 and 2 without a leader, the offsets-at-time read names both', async () => {
    await expect(adminWith([-1, 2, -1]).offsetsAtTime(0)).rejects.toMatchObject({ partitions: [0, 2] });
  });

  it('given every partition led, or the metadata unreadable too, fails with the log’s own error', async () => {
    for (const admin of [adminWith([1, 2, 3]), adminWith([1, 2, -1], true)]) {
      const failure = await admin.endOffsets().catch((e: unknown) => e);
      expect(failure).not.toBeInstanceOf(PartitionsUnavailableError);
      expect(failure).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/^Kafka fetchTopicOffsets failed: /) });
    }
  });
});
