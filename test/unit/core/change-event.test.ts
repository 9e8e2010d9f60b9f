import { decodeChangeEvent, encodeChangeEvent } from '../../../src/core/change-event';
import { PoisonEventError } from '../../../src/core/errors';
import { changeEvent } from '../../support/event-fixtures';

describe('change event encoding', () => {
  it('round-trips a put event exactly', () => {
    const event = changeEvent({ value: { nested: [1, 'two', null, { deep: true }] } });
    expect(decodeChangeEvent(encodeChangeEvent(event), event.key)).toEqual(event);
  });

  it('reads a schema 1 event (from before terms) as one of the first term, and writes it back as schema 2', () => {
    const { term: _term, ...rest } = changeEvent({ version: 3 });
    const v1 = JSON.stringify({ ...rest, v: 1 });
    const event = decodeChangeEvent(v1);
    expect(event).toMatchObject({ v: 1, version: 3 });
    expect(event.term).toBeUndefined();
    expect(JSON.parse(encodeChangeEvent(event))).toMatchObject({ v: 2, term: 1, version: 3 });
  });

  it('round-trips a delete (tombstone) event with a null value', () => {
    const event = changeEvent({ op: 'delete', value: null, version: 7 });
    expect(decodeChangeEvent(encodeChangeEvent(event))).toEqual(event);
  });

  it.each([
    ['not JSON', '{oops', /not JSON/],
    ['a JSON scalar', '42', /schema/],
    ['a missing version', JSON.stringify({ ...changeEvent(), version: undefined }), /version/],
    ['a zero version', JSON.stringify(changeEvent({ version: 0 })), /version/],
    ['a fractional version', JSON.stringify(changeEvent({ version: 1.5 })), /version/],
    ['an unknown op', JSON.stringify({ ...changeEvent(), op: 'upsert' }), /op/],
    ['an unknown schema version', JSON.stringify({ ...changeEvent(), v: 3 }), /v/],
    ['a schema 2 event without a term', JSON.stringify({ ...changeEvent(), term: undefined }), /term/],
    ['a schema 1 event with a term', JSON.stringify({ ...changeEvent(), v: 1 }), /term/],
    ['a term that is not a positive whole number', JSON.stringify({ ...changeEvent(), term: 0 }), /term/],
    ['an extra field', JSON.stringify({ ...changeEvent(), extra: 1 }), /schema/],
    ['a delete with a value', JSON.stringify(changeEvent({ op: 'delete', value: { a: 1 } })), /delete carries no value/],
    ['an empty key', JSON.stringify(changeEvent({ key: '' })), /key/],
  ])('rejects %s as a poison event', (_what, raw, message) => {
    expect(() => decodeChangeEvent(raw)).toThrow(PoisonEventError);
    expect(() => decodeChangeEvent(raw)).toThrow(message);
  });

  it('rejects an event whose key differs from the record key', () => {
    const event = changeEvent({ key: 'a' });
    expect(() => decodeChangeEvent(encodeChangeEvent(event), 'b')).toThrow(/record key does not match/);
  });

  it('marks poison events as not retriable', () => {
    try {
      decodeChangeEvent('nope');
      throw new Error('expected a failure');
    } catch (error) {
      expect((error as PoisonEventError).retriable).toBe(false);
    }
  });
});
