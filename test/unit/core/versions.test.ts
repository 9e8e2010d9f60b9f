import {
  compareVersions,
  formatStamp,
  Expected,
  holdsAtLeast,
  isNewer,
  isSameVersion,
  matchesExpectedVersion,
  newestPerKey,
  nextVersion,
  stampOf,
} from '../../../src/core/versions';
import { changeEvent } from '../../support/event-fixtures';

const v = (version: number) => ({ version });

describe('version rules', () => {
  it('applies an event to a replica that has never seen the key', () => {
    expect(isNewer(v(1), undefined)).toBe(true);
  });

  it('applies only strictly newer versions', () => {
    expect(isNewer(v(5), v(4))).toBe(true);
    expect(isNewer(v(5), v(5))).toBe(false);
    expect(isNewer(v(4), v(5))).toBe(false);
  });

  it("orders by the leader's term first, then by version; stamps without a term compare by version alone", () => {
    expect(isNewer({ term: 3, version: 1 }, { term: 2, version: 9 })).toBe(true);
    expect(isNewer({ term: 2, version: 9 }, { term: 3, version: 1 })).toBe(false);
    expect(isSameVersion({ term: 2, version: 7 }, { term: 2, version: 7 })).toBe(true);
    expect(isSameVersion({ term: 2, version: 7 }, { term: 3, version: 7 })).toBe(false);
    expect(stampOf({ term: 2, version: 7, deleted: false } as never)).toEqual({ term: 2, version: 7 });
    expect(stampOf(changeEvent({ version: 4 }))).toEqual({ version: 4 });
  });

  it('orders stamps one way for every question asked of them', () => {
    expect(Math.sign(compareVersions(v(3), v(7)))).toBe(-1);
    expect(compareVersions(v(7), v(7))).toBe(0);
    expect(Math.sign(compareVersions(v(8), v(7)))).toBe(1);
    expect(isSameVersion(v(2), v(2))).toBe(true);
    expect(isSameVersion(v(2), undefined)).toBe(false);
    expect(holdsAtLeast(v(4), 4)).toBe(true);
    expect(holdsAtLeast(v(5), 4)).toBe(true);
    expect(holdsAtLeast(v(3), 4)).toBe(false);
    expect(holdsAtLeast(undefined, 1)).toBe(false);
    expect(holdsAtLeast({ term: 2, version: 3 }, 4)).toBe(false);
  });

  it('compares whole stamps, whatever else the object carries', () => {
    const event = changeEvent({ key: 'a', version: 3 });
    expect(stampOf(event)).toEqual({ version: 3 });
    expect(isNewer(event, changeEvent({ key: 'a', version: 2, value: 'other' }))).toBe(true);
  });

  it('numbers leader versions from 1 upward', () => {
    expect(nextVersion(undefined)).toEqual(v(1));
    expect(nextVersion(v(41))).toEqual(v(42));
  });
});

describe('expected versions (conditional writes)', () => {
  it('absent: holds only when nothing is stored', () => {
    expect(matchesExpectedVersion(undefined, Expected.absent)).toBe(true);
    expect(matchesExpectedVersion(v(1), Expected.absent)).toBe(false);
  });

  it('exactly: holds only at that very version', () => {
    expect(matchesExpectedVersion(v(4), Expected.exactly(v(4)))).toBe(true);
    expect(matchesExpectedVersion(v(5), Expected.exactly(v(4)))).toBe(false);
    expect(matchesExpectedVersion(undefined, Expected.exactly(v(4)))).toBe(false);
  });

  it('older-than: the apply rule, nothing or an older version held', () => {
    expect(matchesExpectedVersion(undefined, Expected.olderThan(v(4)))).toBe(true);
    expect(matchesExpectedVersion(v(3), Expected.olderThan(v(4)))).toBe(true);
    expect(matchesExpectedVersion(v(4), Expected.olderThan(v(4)))).toBe(false);
    expect(matchesExpectedVersion(v(5), Expected.olderThan(v(4)))).toBe(false);
  });

  it('heldAs: a repair expects the copy it saw, or none', () => {
    expect(Expected.heldAs(undefined)).toEqual(Expected.absent);
    expect(Expected.heldAs(changeEvent({ version: 6 }))).toEqual(Expected.exactly(v(6)));
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

describe('versions across leader terms', () => {
  it('orders by term first, then by the per-key counter, a stamp without a term being of the first term', () => {
    expect(compareVersions({ term: 2, version: 3 }, { version: 9 })).toBeGreaterThan(0);
    expect(compareVersions({ version: 9 }, { term: 2, version: 3 })).toBeLessThan(0);
    expect(compareVersions({ term: 1, version: 4 }, { version: 4 })).toBe(0);
    expect(compareVersions({ term: 3, version: 4 }, { term: 3, version: 5 })).toBeLessThan(0);
    expect(isNewer({ term: 2, version: 1 }, { term: 1, version: 50 })).toBe(true);
    expect(isNewer({ term: 1, version: 51 }, { term: 2, version: 50 })).toBe(false);
  });

  it('keeps one canonical stamp: the first term is left out, later terms are kept', () => {
    expect(stampOf({ term: 1, version: 4 })).toEqual({ version: 4 });
    expect(stampOf({ term: 2, version: 4 })).toEqual({ term: 2, version: 4 });
    expect(formatStamp({ version: 4 })).toBe('4');
    expect(formatStamp({ term: 3, version: 4 })).toBe('3:4');
  });

  it('numbers versions on across terms, each new stamp carrying the writer term', () => {
    expect(nextVersion(undefined, 1)).toEqual({ version: 1 });
    expect(nextVersion({ version: 7 }, 2)).toEqual({ term: 2, version: 8 });
    expect(nextVersion({ term: 2, version: 8 }, 2)).toEqual({ term: 2, version: 9 });
  });

  it('matches If-Match on the version number whatever the term', () => {
    expect(matchesExpectedVersion({ term: 2, version: 8 }, Expected.counter(8))).toBe(true);
    expect(matchesExpectedVersion({ term: 2, version: 8 }, Expected.counter(7))).toBe(false);
    expect(matchesExpectedVersion(undefined, Expected.counter(1))).toBe(false);
    expect(matchesExpectedVersion({ version: 8 }, Expected.exactly({ term: 2, version: 8 }))).toBe(false);
  });

  it('keeps the newest per key across terms', () => {
    const events = [changeEvent({ key: 'a', version: 9, term: 1 }), changeEvent({ key: 'a', version: 10, term: 2 }), changeEvent({ key: 'a', version: 11, term: 1 })];
    expect(newestPerKey(events).map((e) => [e.term, e.version])).toEqual([[2, 10]]);
  });
});
