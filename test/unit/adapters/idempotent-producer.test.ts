import type { Kafka, ProducerRecord, RecordMetadata } from 'kafkajs';
import { IdempotentProducer } from '../../../src/adapters/kafka/idempotent-producer';
import { rotatingBootstrap } from '../../../src/adapters/kafka/kafka-client';

/** kafkajs as far as IdempotentProducer uses it: each producer() a new session, whose sends answer as `answer` says. */
function fakeKafka(answer: (session: number, record: ProducerRecord) => Promise<RecordMetadata[]>, connect: (session: number) => Promise<void> = async () => undefined) {
  const sessions: { id: number; sent: ProducerRecord[]; connects: number; disconnected: boolean; options: unknown }[] = [];
  const kafka = {
    producer: (options: unknown) => {
      const session = { id: sessions.length, sent: [] as ProducerRecord[], connects: 0, disconnected: false, options };
      sessions.push(session);
      return {
        on: () => undefined,
        events: { DISCONNECT: 'producer.disconnect' },
        connect: async () => {
          session.connects += 1;
          await connect(session.id);
        },
        disconnect: async () => {
          session.disconnected = true;
        },
        send: async (record: ProducerRecord) => {
          session.sent.push(record);
          return answer(session.id, record);
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, sessions };
}

const record = (value: string): ProducerRecord => ({ topic: 't', acks: -1, messages: [{ key: 'k', value, partition: 0 }] });
const ok = (offset: string): RecordMetadata[] => [{ topicName: 't', partition: 0, errorCode: 0, baseOffset: offset }];

describe('IdempotentProducer', () => {
  it('given sends that succeed, keeps one idempotent session and connects it once', async () => {
    const { kafka, sessions } = fakeKafka(async (_s, r) => ok(String(r.messages[0]?.value)));
    const producer = new IdempotentProducer(kafka);
    expect(await producer.send(record('1'))).toEqual(ok('1'));
    expect(await producer.send(record('2'))).toEqual(ok('2'));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.connects).toBe(1);
    expect(sessions[0]?.options).toEqual({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 5 } });
    expect(producer.resets).toBe(0);
  });

  it('given a retry budget, every session gets it (the publisher allows kafkajs one retry)', async () => {
    const { kafka, sessions } = fakeKafka(async (session) => {
      if (session === 0) throw new Error('Request Produce timed out');
      return ok('1');
    });
    const producer = new IdempotentProducer(kafka, 1);
    await expect(producer.send(record('a'))).rejects.toThrow('timed out');
    await producer.send(record('a'));
    expect(sessions.map((s) => s.options)).toEqual([0, 1].map(() => ({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 1 } })));
  });

  it('given a send that fails, the next send goes out in a new session (a new producer id), never in the failed one', async () => {
    const { kafka, sessions } = fakeKafka(async (session, r) => {
      if (session === 0) throw Object.assign(new Error('NOT_ENOUGH_REPLICAS_AFTER_APPEND'), { type: 'NOT_ENOUGH_REPLICAS_AFTER_APPEND' });
      return ok(String(r.messages[0]?.value));
    });
    const producer = new IdempotentProducer(kafka);
    await expect(producer.send(record('a'))).rejects.toThrow('NOT_ENOUGH_REPLICAS_AFTER_APPEND');
    expect(await producer.send(record('b'))).toEqual(ok('b'));
    expect(sessions.map((s) => s.sent.map((r) => r.messages[0]?.value))).toEqual([['a'], ['b']]);
    expect(sessions[0]?.disconnected).toBe(true);
    expect(sessions[1]?.connects).toBe(1);
    expect(producer.resets).toBe(1);
  });

  it('given a connect that fails, connects a new session: the failed one may hold a broker it believes connected', async () => {
    const { kafka, sessions } = fakeKafka(
      async () => ok('0'),
      async (session) => {
        if (session === 0) throw new Error('Broker not connected');
      },
    );
    const producer = new IdempotentProducer(kafka);
    await expect(producer.send(record('a'))).rejects.toThrow('Broker not connected');
    expect(await producer.send(record('a'))).toEqual(ok('0'));
    expect(sessions.map((s) => ({ connects: s.connects, sent: s.sent.length, disconnected: s.disconnected }))).toEqual([
      { connects: 1, sent: 0, disconnected: true },
      { connects: 1, sent: 1, disconnected: false },
    ]);
    expect(producer.resets).toBe(1);
  });

  it('given two sends failing together, ends the failed session once', async () => {
    const { kafka, sessions } = fakeKafka(async (session) => {
      if (session === 0) throw new Error('Request timed out');
      return ok('9');
    });
    const producer = new IdempotentProducer(kafka);
    const results = await Promise.allSettled([producer.send(record('a')), producer.send(record('b'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(sessions).toHaveLength(2);
    expect(producer.resets).toBe(1);
  });
});

describe('rotatingBootstrap', () => {
  it('given each new session asks for the list, starts each one a broker further on, wrapping around', () => {
    const next = rotatingBootstrap(['a:1', 'b:2', 'c:3']);
    expect([next(), next(), next(), next()]).toEqual([
      ['a:1', 'b:2', 'c:3'],
      ['b:2', 'c:3', 'a:1'],
      ['c:3', 'a:1', 'b:2'],
      ['a:1', 'b:2', 'c:3'],
    ]);
  });
  it('given a failed send and a failed connect, tells its listener once per session ended, and never for a send that succeeds', async () => {
    let connects = 0;
    const { kafka } = fakeKafka(
      async (session) => {
        if (session === 0) throw new Error('Request Produce timed out');
        return ok('1');
      },
      async () => {
        connects += 1;
        if (connects === 2) throw new Error('Connection timeout');
      },
    );
    let ended = 0;
    const producer = new IdempotentProducer(kafka, 5, () => {
      ended += 1;
    });
    await expect(producer.send(record('a'))).rejects.toThrow('timed out');
    await expect(producer.send(record('a'))).rejects.toThrow('Connection timeout');
    await producer.send(record('a'));
    await producer.send(record('b'));
    expect(ended).toBe(2);
    expect(producer.resets).toBe(2);
  });
});
