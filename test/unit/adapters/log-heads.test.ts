import { recordCommitTime } from '../../../src/adapters/kafka/log-heads';

describe('head record commit time', () => {
  it("given a change event, is the leader's commit time it carries", () => {
    const value = Buffer.from(JSON.stringify({ v: 1, op: 'put', key: 'a', version: 2, value: 1, committedAt: 1_700_000_000_123, writeId: 'w' }));
    expect(recordCommitTime({ offset: '4', timestamp: '1700000000200', value })).toBe(1_700_000_000_123);
  });

  it("given a poison record (not JSON, no commit time, no value), falls back to the record's own timestamp", () => {
    expect(recordCommitTime({ offset: '4', timestamp: '1700000000200', value: Buffer.from([0xff, 0x00]) })).toBe(1_700_000_000_200);
    expect(recordCommitTime({ offset: '4', timestamp: '1700000000200', value: Buffer.from('{"committedAt":"soon"}') })).toBe(1_700_000_000_200);
    expect(recordCommitTime({ offset: '4', timestamp: '1700000000200', value: null })).toBe(1_700_000_000_200);
    expect(recordCommitTime({ offset: '4', timestamp: '-1', value: null })).toBeUndefined();
  });
});
