import { fenceOffsets, recordsBehind } from '../../../src/core/catch-up-distance';

describe('records a failover candidate still has to apply', () => {
  it('sums, per partition, the distance from its committed offset to the target, and nothing where it is past it', () => {
    const committed = new Map([
      [0, 10n],
      [1, 25n],
    ]);
    expect(recordsBehind(committed, fenceOffsets({ '0': '14', '1': '20', '2': '3' }))).toBe(4 + 0 + 3);
  });

  it('given a replica that never committed, counts from offset 0', () => {
    expect(recordsBehind(undefined, new Map([[0, 7n]]))).toBe(7);
  });

  it('given a replica committed exactly at the fence record, it has nothing before the fence left to apply', () => {
    expect(recordsBehind(new Map([[0, 14n]]), fenceOffsets({ '0': '14' }))).toBe(0);
  });
});
