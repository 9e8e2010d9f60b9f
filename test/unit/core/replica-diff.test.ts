import {
  classifyDifference,
  compareReplicas,
  countByKind,
  repairActionFor,
  type ReplicaItemView,
  valueDigest,
  viewOf,
} from '../../../src/core/replica-diff';

const live = (version: number, value: unknown = { v: version }): ReplicaItemView => viewOf({ version, deleted: false, value: value as never });
const gone = (version: number): ReplicaItemView => viewOf({ version, deleted: true, value: null });

describe('value digests', () => {
  it('given the same JSON with keys in another order, digests equal; different values differ', () => {
    expect(valueDigest({ a: 1, b: [1, { c: 2, d: 3 }] }, false)).toBe(valueDigest({ b: [1, { d: 3, c: 2 }], a: 1 }, false));
    expect(valueDigest({ a: 1 }, false)).not.toBe(valueDigest({ a: 2 }, false));
    expect(valueDigest([1, 2], false)).not.toBe(valueDigest([2, 1], false));
    expect(valueDigest(null, true)).toBe('');
  });
});

describe('difference classification', () => {
  it('given the same live version and value, or "not there" on both sides whatever the versions, matches', () => {
    expect(classifyDifference(live(3), live(3))).toBeUndefined();
    expect(classifyDifference(gone(5), undefined)).toBeUndefined();
    expect(classifyDifference(gone(5), gone(2))).toBeUndefined();
    expect(classifyDifference(undefined, gone(1))).toBeUndefined();
  });

  it('given a live leader item the follower lacks or holds only as an older tombstone, says missing', () => {
    expect(classifyDifference(live(2), undefined)).toBe('missing');
    expect(classifyDifference(live(6), gone(4))).toBe('missing');
  });

  it('given a live follower item the leader never had or deleted later, says extra', () => {
    expect(classifyDifference(undefined, live(1))).toBe('extra');
    expect(classifyDifference(gone(5), live(3))).toBe('extra');
  });

  it('given an older live follower version, says stale', () => {
    expect(classifyDifference(live(5), live(3))).toBe('stale');
  });

  it('given what replication cannot produce, says differing', () => {
    expect(classifyDifference(live(3), live(3, { other: true }))).toBe('differing');
    expect(classifyDifference(live(3), live(9, { v: 3 }))).toBe('differing');
    expect(classifyDifference(live(3), gone(3))).toBe('differing');
    expect(classifyDifference(gone(3), live(3))).toBe('differing');
  });
});

describe('replica comparison', () => {
  it('given two tables, reports every differing key from either side, in key order, with counts', () => {
    const leader = new Map([['a', live(1)], ['b', live(2)], ['c', gone(3)], ['d', live(4)]]);
    const follower = new Map([['a', live(1)], ['b', live(1)], ['c', live(2)], ['z', live(1)]]);
    const diffs = compareReplicas(leader, follower);
    expect(diffs.map((d) => `${d.key}:${d.kind}`)).toEqual(['b:stale', 'c:extra', 'd:missing', 'z:extra']);
    expect(countByKind(diffs)).toEqual({ missing: 1, extra: 2, stale: 1, differing: 0 });
  });
});

describe('repair choice', () => {
  it('republishes what the leader holds newer, removes what the leader never had, overwrites the rest directly', () => {
    const action = (l: ReplicaItemView | undefined, f: ReplicaItemView | undefined) => {
      const kind = classifyDifference(l, f);
      if (!kind) throw new Error('no difference');
      return repairActionFor({ key: 'k', kind, leader: l, follower: f });
    };
    expect(action(live(2), undefined)).toBe('republish');
    expect(action(live(5), live(3))).toBe('republish');
    expect(action(gone(5), live(3))).toBe('republish');
    expect(action(undefined, live(1))).toBe('remove');
    expect(action(live(3), live(3, 'tampered'))).toBe('overwrite');
    expect(action(live(3), live(7))).toBe('overwrite');
  });
});
