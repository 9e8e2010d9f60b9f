import { recordsByPartition } from '../../../src/functions/kafka-event';

const b64 = (bytes: Buffer | string) => (typeof bytes === 'string' ? Buffer.from(bytes) : bytes).toString('base64');

function lambdaEvent(records: { offset: number; key?: string; value?: string; partition?: number }[]) {
  return {
    eventSource: 'aws:kafka',
    records: {
      't-0': records.map((r) => ({ topic: 't', partition: r.partition ?? 0, offset: r.offset, timestamp: 1, key: r.key, value: r.value })),
    },
  };
}

describe('Lambda Kafka event decoding', () => {
  it('given records out of offset order, returns them per partition in offset order', () => {
    const [records] = recordsByPartition(lambdaEvent([{ offset: 10, value: b64('b') }, { offset: 9, value: b64('a') }]));
    expect(records?.map((r) => [r.offset, r.value])).toEqual([
      ['9', 'a'],
      ['10', 'b'],
    ]);
  });

  it('given bytes that are not valid UTF-8, keeps them exactly and leaves no text to mistake for an event', () => {
    const bad = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    const [records] = recordsByPartition(lambdaEvent([{ offset: 0, key: b64(Buffer.from([0xe2, 0x82])), value: b64(bad) }]));
    expect(records?.[0]).toMatchObject({ key: null, value: null });
    expect(Buffer.from(records?.[0]?.rawValue as Uint8Array)).toEqual(bad);
    expect(Buffer.from(records?.[0]?.rawKey as Uint8Array)).toEqual(Buffer.from([0xe2, 0x82]));
  });

  it('given a key that is a byte order mark, keeps it (it is the whole key, not an encoding marker)', () => {
    const [records] = recordsByPartition(lambdaEvent([{ offset: 0, key: b64('\ufeff'), value: b64('\ufeff{}') }]));
    expect(records?.[0]).toMatchObject({ key: '\ufeff', value: '\ufeff{}' });
  });

  it('given an empty value (a Kafka null), reports no value and no bytes', () => {
    const [records] = recordsByPartition(lambdaEvent([{ offset: 0, key: b64('k'), value: '' }]));
    expect(records?.[0]).toMatchObject({ key: 'k', value: null, rawValue: null });
  });

  it('given something that is not a Lambda Kafka event, refuses it', () => {
    expect(() => recordsByPartition({ records: 'nope' })).toThrow(/not a Lambda Kafka event/);
  });
});
