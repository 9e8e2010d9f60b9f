import { isNewer, newestPerKey, nextVersion } from '../../../src/core/versions';
import { changeEvent } from '../../support/event-fixtures';

describe('version rules', () => {
  it('applies an event to a replica that has never seen the key', () => {
    expect(isNewer(1, undefined)).toBe(true);
  });

  it('applies only strictly newer versions', () => {
    expect(isNewer(5, 4)).toBe(true);
    expect(isNewer(5, 5)).toBe(false);
    expect(isNewer(4, 5)).toBe(false);
  });

  it('numbers leader versions from 1 upward', () => {
    expect(nextVersion(undefined)).toBe(1);
    expect(nextVersion(41)).toBe(42);
  });
});

describe('in-batch de-duplication', () => {
  it('given many versions of a key, when reduced, keeps only the newest', () => {
    const batch = [3, 1, 5, 2, 4].map((version) => changeEvent({ key: 'hot', version }));
    expect(newestPerKey(batch)).toEqual([changeEvent({ key: 'hot', version: 5 })]);
  });

  it('keeps one event per key in first-seen order', () => {
    const batch = [
      changeEvent({ key: 'a', version: 1 }),
      changeEvent({ key: 'b', version: 1 }),
      changeEvent({ key: 'a', version: 2 }),
      changeEvent({ key: 'c', version: 9 }),
    ];
    expect(newestPerKey(batch).map((e) => `${e.key}@${e.version}`)).toEqual(['a@2', 'b@1', 'c@9']);
  });

  it('treats a delete like any other version', () => {
    const batch = [changeEvent({ key: 'a', version: 1 }), changeEvent({ key: 'a', version: 2, op: 'delete', value: null })];
    expect(newestPerKey(batch)).toEqual([batch[1]]);
  });

  it('returns nothing for an empty batch', () => {
    expect(newestPerKey([])).toEqual([]);
  });
});
