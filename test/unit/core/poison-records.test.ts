import { decodeChangeEvent, encodeChangeEvent } from '../../../src/core/change-event';
import { PoisonEventError } from '../../../src/core/errors';
import { applyBatch } from '../../../src/core/follower-apply';
import type { DeadLetter } from '../../../src/core/ports';
import { MAX_STORED_VALUE_BYTES } from '../../../src/core/item-value';
import { changeEvent, logRecord } from '../../support/event-fixtures';
import { InMemoryFollowerStore, silentLog } from '../../support/in-memory-stores';

/** Records a replog leader could never have written must be dead-lettered, not applied or retried forever. */
describe('poison records', () => {
  it.each([
    ['a key with a control character', changeEvent({ key: 'a\nb' }), /control characters/],
    ['a key with a lone surrogate', changeEvent({ key: 'a\ud800' }), /not valid Unicode/],
    ['a value DynamoDB could not store', changeEvent({ value: 'x'.repeat(MAX_STORED_VALUE_BYTES) }), /larger than/],
  ])('given an event with %s, decoding rejects it as poison', (_what, event, reason) => {
    expect(() => decodeChangeEvent(encodeChangeEvent(event), event.key)).toThrow(PoisonEventError);
    expect(() => decodeChangeEvent(encodeChangeEvent(event), event.key)).toThrow(reason);
  });

  it('given a value nested deeper than the leader allows, decoding rejects it as poison instead of overflowing the stack', () => {
    const raw = `{"v":1,"op":"put","key":"k","version":1,"value":${'['.repeat(50_000)}${']'.repeat(50_000)},"committedAt":1,"writeId":"w"}`;
    expect(() => decodeChangeEvent(raw, 'k')).toThrow(PoisonEventError);
    expect(() => decodeChangeEvent(raw, 'k')).toThrow(/nested more than/);
  });

  it('given a value with a "__proto__" key, decoding keeps it exactly as the leader stored it', () => {
    const raw = '{"v":1,"op":"put","key":"k","version":1,"value":{"__proto__":{"x":1},"a":2},"committedAt":1,"writeId":"w"}';
    expect(JSON.stringify(decodeChangeEvent(raw, 'k').value)).toBe('{"__proto__":{"x":1},"a":2}');
  });

  it('given the largest storable value, decoding accepts it', () => {
    const event = changeEvent({ value: 'x'.repeat(MAX_STORED_VALUE_BYTES - 2) });
    expect(decodeChangeEvent(encodeChangeEvent(event), event.key).value).toHaveLength(MAX_STORED_VALUE_BYTES - 2);
  });

  async function applyOne(record: ReturnType<typeof logRecord>) {
    const store = new InMemoryFollowerStore();
    const letters: DeadLetter[] = [];
    const deps = { followerId: 'f1', store, deadLetters: { send: async (l: readonly DeadLetter[]) => void letters.push(...l) }, log: silentLog, now: () => 1 };
    const result = await applyBatch(deps, [record]);
    return { result, letters, store };
  }

  it('given a value that is not valid UTF-8, dead-letters it with the bytes as received', async () => {
    const raw = Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]);
    const { result, letters, store } = await applyOne({ ...logRecord(changeEvent(), 3), value: null, rawValue: raw });
    expect(result).toMatchObject({ applied: 0, deadLettered: 1 });
    expect(letters[0]?.reason).toMatch(/not valid UTF-8/);
    expect(letters[0]?.record.rawValue).toBe(raw);
    expect(store.items.size).toBe(0);
  });

  it('given a valid event under a key that is not valid UTF-8, dead-letters it instead of applying', async () => {
    const { result, letters } = await applyOne({ ...logRecord(changeEvent(), 4), key: null, rawKey: Uint8Array.from([0xc3]) });
    expect(result).toMatchObject({ applied: 0, deadLettered: 1 });
    expect(letters[0]?.reason).toMatch(/key is not valid UTF-8/);
  });

  it('given a record key that differs from the event key, dead-letters it', async () => {
    const { letters } = await applyOne({ ...logRecord(changeEvent({ key: 'a' }), 5), key: 'b' });
    expect(letters[0]?.reason).toMatch(/does not match/);
  });

  it('given the dead-letter topic is unavailable, the batch fails (to be redelivered) rather than dropping the record', async () => {
    const store = new InMemoryFollowerStore();
    const deps = {
      followerId: 'f1',
      store,
      deadLetters: { send: async () => Promise.reject(new Error('dlq down')) },
      log: silentLog,
      now: () => 1,
    };
    await expect(applyBatch(deps, [logRecord('garbage', 0), logRecord(changeEvent(), 1)])).rejects.toThrow(/dlq down/);
    expect(store.items.size).toBe(0);
  });
});
