import { PoisonEventError } from '../../../src/core/errors';
import { applyBatch } from '../../../src/core/follower-apply';
import { decodeLogRecord, type LogRecord, recordText } from '../../../src/core/log-record';
import { changeEvent } from '../../support/event-fixtures';
import { InMemoryFollowerStore, silentLog } from '../../support/in-memory-stores';

const record = (over: Partial<LogRecord>): LogRecord => ({ topic: 't', partition: 0, offset: '0', key: 'a', value: null, timestamp: 0, ...over });
const bytes = (...b: number[]) => Uint8Array.from(b);

describe('log records', () => {
  it('reads text strictly: bytes that are not UTF-8 are no text at all, and a leading BOM is part of the text', () => {
    expect(recordText(bytes(0x61, 0x62))).toBe('ab');
    expect(recordText(bytes(0xc3, 0x28))).toBeNull();
    expect(recordText(bytes(0xef, 0xbb, 0xbf, 0x6b))).toBe('\ufeffk');
    expect(recordText(bytes())).toBeNull();
    expect(recordText(null)).toBeNull();
  });

  it('given a record whose key or value is not UTF-8, or that has no value, calls it poison and says which', () => {
    const value = JSON.stringify(changeEvent({ key: 'a', version: 1 }));
    expect(() => decodeLogRecord(record({ key: null, rawKey: bytes(0xff), value }))).toThrow(new PoisonEventError('record key is not valid UTF-8'));
    expect(() => decodeLogRecord(record({ rawValue: bytes(0xff) }))).toThrow(new PoisonEventError('record value is not valid UTF-8'));
    expect(() => decodeLogRecord(record({}))).toThrow(new PoisonEventError('record has no value'));
    expect(decodeLogRecord(record({ value }))).toMatchObject({ key: 'a', version: 1 });
    expect(decodeLogRecord(record({ key: null, value }))).toMatchObject({ key: 'a' });
  });

  it('is the decoding the live follower uses: the record the replay skips is the one it dead-letters', async () => {
    const poison = record({ key: null, rawKey: bytes(0x61, 0xff), value: JSON.stringify(changeEvent({ key: 'a', version: 1 })) });
    const letters: string[] = [];
    const store = new InMemoryFollowerStore();
    const result = await applyBatch(
      { followerId: 'f1', store, deadLetters: { send: async (l) => void letters.push(...l.map((x) => x.reason)) }, log: silentLog, now: () => 1 },
      [poison],
    );
    expect(result).toMatchObject({ deadLettered: 1, applied: 0 });
    expect(letters).toEqual(['record key is not valid UTF-8']);
  });
});
