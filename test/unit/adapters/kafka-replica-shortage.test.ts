import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { notEnoughReplicasIn, translateKafkaError } from '../../../src/adapters/kafka/kafka-errors';
import { replicationTopicConfigs } from '../../../src/adapters/kafka/replication-admin';
import type { ChangeEvent } from '../../../src/core/change-event';
import { UnpublishedWriteError } from '../../../src/core/write-failures';
import { errorBody } from '../../../src/functions/http/error-body';

const shortage = () =>
  new KafkaJSProtocolError({ type: 'NOT_ENOUGH_REPLICAS', code: 19, retriable: true, message: 'Messages are rejected since there are fewer in-sync replicas than required' } as never);

describe('NOT_ENOUGH_REPLICAS from the log', () => {
  it('given the broker error wrapped by kafkajs retries, finds it', () => {
    expect(notEnoughReplicasIn(new KafkaJSNumberOfRetriesExceeded(shortage(), { retryCount: 5, retryTime: 2000 }))).toBe('NOT_ENOUGH_REPLICAS');
    expect(notEnoughReplicasIn(new Error('connection refused'))).toBeUndefined();
  });

  it('given a produce refused for too few in-sync replicas, a retriable 503 naming the reason, committed on the leader', () => {
    const failure = translateKafkaError(new KafkaJSNumberOfRetriesExceeded(shortage(), { retryCount: 5, retryTime: 2000 }), 'produce');
    expect({ status: failure.status, retriable: failure.retriable, reason: failure.details?.reason }).toEqual({ status: 503, retriable: true, reason: 'NOT_ENOUGH_REPLICAS' });
    const event = { key: 'a', version: 7 } as ChangeEvent;
    const body = errorBody(new UnpublishedWriteError(event, failure));
    expect(body).toEqual({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/committed on the leader but not yet in the replication log \(NOT_ENOUGH_REPLICAS: .*\); the outbox relay will publish it/),
      details: { key: 'a', version: 7, committedOnLeader: true, published: false, reason: 'NOT_ENOUGH_REPLICAS' },
      retriable: true,
    });
  });
});

describe('replication topic settings', () => {
  it('given durable settings, both topics get the replication factor, min ISR and no unclean elections', () => {
    const [main, dlq] = replicationTopicConfigs('t', 't.dlq', 3, { replicationFactor: 3, minInsyncReplicas: 2 });
    for (const t of [main, dlq]) {
      expect(t?.replicationFactor).toBe(3);
      expect(t?.configEntries).toEqual(
        expect.arrayContaining([
          { name: 'min.insync.replicas', value: '2' },
          { name: 'unclean.leader.election.enable', value: 'false' },
        ]),
      );
    }
  });
});
